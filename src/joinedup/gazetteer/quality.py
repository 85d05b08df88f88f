"""The address data-quality report, per source and overall, as Nottingham did it.

For each source: how many records are matched (and how many of those by a person),
ambiguous, unmatched, out of area, unmatchable or not yet matched; how many are inside
the authority's boundary *before* matching (judged by postcode alone: a postcode any of
whose gazetteer addresses is inside counts as inside) and *after* (judged by the matched
UPRN's own flag). And the anomalies a council can act on:

- ``postcode_mismatch``: the record's postcode is not the matched UPRN's;
- ``conflicting_addresses``: one local id's records are matched to different UPRNs;
- ``non_residential``: a home address matched to a care home, school, hostel or
  commercial premises.

Anomalies name the source, local id and UPRN, never a person's name. The counts are
aggregates; an anomaly row is record-level, so before one is shown it passes the sharing
decision (:func:`disclose_anomalies`, address data-quality processing), which audits
every record shown.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from joinedup.db import utcnow
from joinedup.gazetteer.models import NON_RESIDENTIAL, AddressMatch, GazetteerAddress
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.spreadsheets import SafeWriter

ANOMALY_KINDS = {
    "postcode_mismatch": "Postcode disagrees with the matched address",
    "conflicting_addresses": "One local id's records at different addresses",
    "non_residential": "Home address at a non-residential property",
}
STATUS_COUNTS = ("matched", "ambiguous", "unmatched", "out_of_area", "unmatchable", "pending")


@dataclass
class Boundary:
    """Records inside, outside and of unknown position relative to the boundary."""

    inside: int = 0
    outside: int = 0
    unknown: int = 0

    def add(self, other: Boundary) -> None:
        self.inside += other.inside
        self.outside += other.outside
        self.unknown += other.unknown


@dataclass
class SourceQuality:
    """One source's figures (or, with source ``""``, every source's together)."""

    source: str
    name: str
    records: int = 0
    matched: int = 0
    manual: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    out_of_area: int = 0
    unmatchable: int = 0
    pending: int = 0
    before: Boundary = field(default_factory=Boundary)
    after: Boundary = field(default_factory=Boundary)

    @property
    def match_rate(self) -> float:
        """Matched records as a share of all records (0 when there are none)."""
        return self.matched / self.records if self.records else 0.0

    @property
    def in_review(self) -> int:
        return self.ambiguous + self.unmatched


@dataclass(frozen=True)
class Anomaly:
    """One record a council should look at, and why."""

    kind: str
    source: str
    local_id: str
    record_ref: str
    record_id: int
    match_id: int
    uprn: str
    detail: str


@dataclass
class QualityReport:
    """The whole report: per source, overall, and the anomalies found."""

    generated_at: datetime
    sources: list[SourceQuality]
    overall: SourceQuality
    anomalies: list[Anomaly]

    @property
    def anomaly_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ANOMALY_KINDS, 0)
        for anomaly in self.anomalies:
            counts[anomaly.kind] += 1
        return counts

    @property
    def match_rate_by_source(self) -> list[tuple[str, float]]:
        """(source, match rate) for the chart, in source order."""
        return [(source.source, source.match_rate) for source in self.sources]


def quality_report(session: Session, *, source_code: str | None = None) -> QualityReport:
    """The report for one source (``source_code``) or for every source."""
    systems = select(SourceSystem.id, SourceSystem.code, SourceSystem.name).order_by(SourceSystem.code)
    if source_code is not None:
        systems = systems.where(SourceSystem.code == source_code)
    sources = {row.id: SourceQuality(row.code, row.name) for row in session.execute(systems)}
    if sources:
        _counts(session, sources)
        _boundaries(session, sources)
    overall = SourceQuality("", "All sources")
    for figures in sources.values():
        for name in ("records", "manual", *STATUS_COUNTS):
            setattr(overall, name, getattr(overall, name) + getattr(figures, name))
        overall.before.add(figures.before)
        overall.after.add(figures.after)
    anomalies = _anomalies(session, set(sources)) if sources else []
    return QualityReport(utcnow(), list(sources.values()), overall, anomalies)


def _counts(session: Session, sources: dict[int, SourceQuality]) -> None:
    rows = session.execute(
        select(SourceRecord.source_system_id, AddressMatch.status, AddressMatch.method, func.count())
        .outerjoin(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .where(SourceRecord.source_system_id.in_(sources))
        .group_by(SourceRecord.source_system_id, AddressMatch.status, AddressMatch.method)
    )
    for source_system_id, status, method, count in rows:
        figures = sources[source_system_id]
        figures.records += count
        name = status if status in STATUS_COUNTS else "pending"
        setattr(figures, name, getattr(figures, name) + count)
        if method == "manual" and status == "matched":
            figures.manual += count


def _boundaries(session: Session, sources: dict[int, SourceQuality]) -> None:
    current = GazetteerAddress.retired_at.is_(None)
    by_postcode = (
        select(GazetteerAddress.postcode.label("postcode"),
               func.max(case((GazetteerAddress.in_boundary.is_(True), 1), else_=0)).label("inside"),
               func.max(case((GazetteerAddress.in_boundary.is_(None), 1), else_=0)).label("unknown"))
        .where(current, GazetteerAddress.postcode != "")
        .group_by(GazetteerAddress.postcode)
        .subquery()
    )
    before = case(
        (SourceRecord.postcode.is_(None), "unknown"),
        (by_postcode.c.postcode.is_(None), "outside"),
        (by_postcode.c.inside == 1, "inside"),
        (by_postcode.c.unknown == 1, "unknown"),
        else_="outside",
    )
    rows = session.execute(
        select(SourceRecord.source_system_id, before, func.count())
        .outerjoin(by_postcode, by_postcode.c.postcode == SourceRecord.postcode)
        .where(SourceRecord.source_system_id.in_(sources))
        .group_by(SourceRecord.source_system_id, before)
    )
    for source_system_id, where, count in rows:
        boundary = sources[source_system_id].before
        setattr(boundary, where, getattr(boundary, where) + count)
    preferred = aliased(GazetteerAddress)
    after = case(
        (AddressMatch.status == "out_of_area", "outside"),
        (and_(AddressMatch.status == "matched", preferred.in_boundary.is_(True)), "inside"),
        (and_(AddressMatch.status == "matched", preferred.in_boundary.is_(False)), "outside"),
        else_="unknown",
    )
    rows = session.execute(
        select(SourceRecord.source_system_id, after, func.count())
        .outerjoin(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .outerjoin(preferred, and_(preferred.uprn == AddressMatch.uprn, preferred.preferred.is_(True)))
        .where(SourceRecord.source_system_id.in_(sources))
        .group_by(SourceRecord.source_system_id, after)
    )
    for source_system_id, where, count in rows:
        boundary = sources[source_system_id].after
        setattr(boundary, where, getattr(boundary, where) + count)


def _anomalies(session: Session, source_ids: set[int]) -> list[Anomaly]:
    found: list[Anomaly] = []
    matched = and_(AddressMatch.status == "matched", AddressMatch.source_system_id.in_(source_ids))
    preferred = aliased(GazetteerAddress)
    other = aliased(GazetteerAddress)
    base = (
        select(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref, SourceRecord.id, AddressMatch.id,
               AddressMatch.uprn, SourceRecord.postcode, preferred.postcode, preferred.classification)
        .join(SourceRecord, SourceRecord.id == AddressMatch.source_record_id)
        .join(SourceSystem, SourceSystem.id == AddressMatch.source_system_id)
        .join(preferred, and_(preferred.uprn == AddressMatch.uprn, preferred.preferred.is_(True)))
    )
    same_postcode = exists().where(other.uprn == AddressMatch.uprn, other.postcode == SourceRecord.postcode)
    rows = session.execute(
        base.where(matched, SourceRecord.postcode.is_not(None), SourceRecord.postcode != "", ~same_postcode)
        .order_by(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
    )
    for code, local_id, ref, record_id, match_id, uprn, given, theirs, _ in rows:
        found.append(Anomaly("postcode_mismatch", code, local_id, ref, record_id, match_id, uprn,
                             f"the record says {given}; the gazetteer says {theirs or 'no postcode'}"))
    rows = session.execute(
        base.where(matched, preferred.classification.in_(NON_RESIDENTIAL))
        .order_by(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
    )
    for code, local_id, ref, record_id, match_id, uprn, _, _, classification in rows:
        found.append(Anomaly("non_residential", code, local_id, ref, record_id, match_id, uprn,
                             f"the address is a {classification.replace('_', ' ')}"))
    conflicted = (
        select(SourceRecord.source_system_id, SourceRecord.local_id)
        .join(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .where(matched)
        .group_by(SourceRecord.source_system_id, SourceRecord.local_id)
        .having(func.count(func.distinct(AddressMatch.uprn)) > 1)
        .subquery()
    )
    rows = session.execute(
        base.join(conflicted, and_(conflicted.c.source_system_id == SourceRecord.source_system_id,
                                   conflicted.c.local_id == SourceRecord.local_id))
        .where(matched)
        .order_by(SourceSystem.code, SourceRecord.local_id, SourceRecord.record_ref)
    )
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row[0], row[1]), []).append(row)
    for (code, local_id), members in groups.items():
        uprns = sorted({member[5] for member in members})
        for member in members:
            others = [uprn for uprn in uprns if uprn != member[5]]
            found.append(Anomaly("conflicting_addresses", code, local_id, member[2], member[3], member[4], member[5],
                                 f"other records of {local_id} are at {', '.join(others[:5])}"))
    return found


def quality_report_csv(report: QualityReport) -> str:
    """The report as one CSV table: a row per figure, then a row per anomaly.

    Columns: ``section`` (summary | anomaly), ``source`` (empty for all sources),
    ``measure`` (a count's name, or the anomaly's kind), ``value``, then for anomalies
    ``local_id``, ``record_ref``, ``uprn`` and ``detail``. Writes the anomalies it is
    given: callers showing them to a person pass them through
    :func:`joinedup.disclosure.addresses.disclose_anomalies`
    first (``dataclasses.replace(report, anomalies=...)``).
    """
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    writer.writerow(("section", "source", "measure", "value", "local_id", "record_ref", "uprn", "detail"))
    for figures in [*report.sources, report.overall]:
        measures = [(name, getattr(figures, name)) for name in ("records", *STATUS_COUNTS, "manual")]
        measures.append(("match_rate", f"{figures.match_rate:.4f}"))
        for when in ("before", "after"):
            boundary = getattr(figures, when)
            measures += [(f"{where}_{when}", getattr(boundary, where)) for where in ("inside", "outside", "unknown")]
        for name, value in measures:
            writer.writerow(("summary", figures.source, name, value, "", "", "", ""))
    for anomaly in report.anomalies:
        writer.writerow(("anomaly", anomaly.source, anomaly.kind, 1, anomaly.local_id, anomaly.record_ref,
                         anomaly.uprn, anomaly.detail))
    return buffer.getvalue()
