"""The data team's address pages and reports, through the disclosure layer: a match to
review, and the anomalies of the address data-quality report, each with only what its
record's decision disclosed (address processing: where a record came from and its
address as sent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure.core import disclose, load_records
from joinedup.gazetteer import get_match
from joinedup.gazetteer.models import AddressMatch
from joinedup.gazetteer.quality import Anomaly
from joinedup.sharing import AccessDecision

#: When the data team's gate lets someone in but the policy point refuses the record.
ADDRESS_RECORD_DENIED = "No rule allows you to see this record's address."
#: What an anomaly row shows of its record: the decision must disclose all of these.
ANOMALY_FIELDS = frozenset({"source", "local_id", "record_ref", "postcode"})


def disclose_matches(
    session: Session, actor: Actor, matches: Sequence[AddressMatch], *, action: str = "address.review"
) -> list[tuple[AddressMatch, dict[str, Any], AccessDecision]]:
    """Each match's source record disclosed in one batch (one audit event per record,
    under ``action``): the allowed ones in order, each with the record's disclosed fields
    and its decision. Refused matches are left out."""
    shown = disclose(session, actor, [match.source_record for match in matches], action=action)
    return [(match, found.fields, found.decision) for match, found in zip(matches, shown, strict=True) if found.allowed]


@dataclass(frozen=True)
class MatchShown:
    """A match with its record's disclosed fields; ``fields`` is None when refused."""

    match: AddressMatch
    fields: dict[str, Any] | None

    @property
    def allowed(self) -> bool:
        return self.fields is not None


def match_for_review(session: Session, actor: Actor, match_id: int, *,
                     action: str = "address.review") -> MatchShown | None:
    """One match with its source record disclosed (audited under ``action``); None when
    there is no such match."""
    match = get_match(session, match_id)
    if match is None:
        return None
    shown = disclose_matches(session, actor, [match], action=action)
    return MatchShown(match, shown[0][1] if shown else None)


def disclose_anomalies(
    session: Session, actor: Actor, anomalies: Sequence[Anomaly], *, action: str = "address.report"
) -> list[Anomaly]:
    """The anomalies ``actor`` may see, in order: each record disclosed in one batch (one
    audit event per record, under ``action``). A row whose decision does not disclose
    every field it shows (:data:`ANOMALY_FIELDS`) is left out; the rest carry the values
    the decision disclosed."""
    if not anomalies:
        return []
    records = load_records(session, {anomaly.record_id for anomaly in anomalies})
    seen = {found.id: found for found in disclose(session, actor, records, action=action)}
    shown = []
    for anomaly in anomalies:
        found = seen.get(anomaly.record_id)
        if found is None or not found.allowed or not ANOMALY_FIELDS <= set(found.fields):
            continue
        shown.append(replace(anomaly, source=found.fields["source"], local_id=found.fields["local_id"],
                             record_ref=found.fields["record_ref"]))
    return shown
