"""The address data-quality report and its CSV export: for the data team.

The counts are aggregates and hold no record-level data. The anomaly rows are records, so
each passes the sharing decision (:func:`joinedup.disclosure.addresses.disclose_anomalies`,
actions ``address.report`` and ``address.export``), audited per record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.audit import Actor
from joinedup.disclosure.addresses import disclose_anomalies
from joinedup.gazetteer import ANOMALY_KINDS, quality_report, quality_report_csv
from joinedup.partners import source_systems
from joinedup.permissions import ADDRESS_REPORT_EXPORT, ADDRESS_REPORT_VIEW
from joinedup.web.charts import share_chart
from joinedup.web.context import PageUser, WebApp, render
from joinedup.web.gates import require
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)

#: How many anomalies of each kind the page lists; the CSV export has them all.
ANOMALIES_SHOWN = 100

ANOMALY_EMPTY = {
    "postcode_mismatch": "Every matched address has the postcode the gazetteer gives it.",
    "conflicting_addresses": "No local id has records matched to different addresses.",
    "non_residential": "No home address is matched to a care home, school, hostel or commercial property.",
}


@router.get("/addresses/report")
def report(request: Request, app: WebApp, user: PageUser,
           actor: Annotated[Actor, require(ADDRESS_REPORT_VIEW, subject="source")], source: Text = "") -> Response:
    with app.transaction() as session:
        sources = source_systems(session)
        source_code = source if source in {code for code, _name in sources} else ""
        found = quality_report(session, source_code=source_code or None)
        # Counts are aggregates; the rows the page lists are records, so each is decided.
        rows = disclose_anomalies(session, actor, first_of_each_kind(found.anomalies), action="address.report")
        shaped = shape_report(found, rows)
    csv_url = "/addresses/report.csv" + (f"?{urlencode({'source': source_code})}" if source_code else "")
    return render(
        request,
        "addresses/report.html",
        {
            "current": "addresses",
            "sources": sources,
            "source": source_code,
            "source_name": dict(sources).get(source_code, ""),
            "report": shaped,
            "chart": share_chart([(rate.label, rate.percent) for rate in shaped.rates]) if shaped.rates else None,
            "csv_url": csv_url,
        },
    )


@router.get("/addresses/report.csv")
def report_csv(app: WebApp, user: PageUser,
               actor: Annotated[Actor, require(ADDRESS_REPORT_EXPORT, subject="source")], source: Text = "") -> Response:
    with app.transaction() as session:
        sources = source_systems(session)
        source_code = source if source in {code for code, _name in sources} else ""
        found = quality_report(session, source_code=source_code or None)
        shown = disclose_anomalies(session, actor, found.anomalies, action="address.export")
        text = quality_report_csv(replace(found, anomalies=shown))
    name = f"address-quality-{source_code or 'all'}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- the report, shaped for the page


@dataclass(frozen=True)
class Rate:
    label: str
    matched: int
    total: int

    @property
    def percent(self) -> float:
        return 100 * self.matched / self.total if self.total else 0.0


@dataclass(frozen=True)
class AnomalyGroup:
    kind: str
    title: str
    count: int
    rows: list
    empty: str


@dataclass(frozen=True)
class ShapedReport:
    """The domain's report, with what the page adds: rates, a summary line and grouped anomalies."""

    rows: list  # SourceQuality per source, then the overall figures when there are several
    overall: object
    rates: list[Rate]
    boundary: list[tuple[str, int, int]]
    boundary_summary: str
    anomalies: list[AnomalyGroup]
    source_names: dict[str, str]
    anomalies_shown: int = ANOMALIES_SHOWN


def first_of_each_kind(anomalies) -> list:
    """The anomaly rows the page lists: the first :data:`ANOMALIES_SHOWN` of each kind."""
    kept, seen = [], dict.fromkeys(ANOMALY_KINDS, 0)
    for anomaly in anomalies:
        if seen.get(anomaly.kind, 0) < ANOMALIES_SHOWN:
            seen[anomaly.kind] = seen.get(anomaly.kind, 0) + 1
            kept.append(anomaly)
    return kept


def shape_report(report, shown=None) -> ShapedReport:
    """``shown``: the anomaly rows to list, as the sharing decision disclosed them (none
    when not given); the counts are the report's, every anomaly."""
    overall = report.overall
    rows = list(report.sources) + ([overall] if len(report.sources) > 1 else [])
    before, after = overall.before, overall.after
    boundary = [
        ("Inside the boundary", before.inside, after.inside),
        ("Outside the boundary", before.outside, after.outside),
        ("Not known", before.unknown, after.unknown),
    ]
    summary = (
        f"Inside/outside the boundary went from {short_count(before.inside)}/{short_count(before.outside)} by "
        f"postcode to {short_count(after.inside)}/{short_count(after.outside)} by UPRN."
        if overall.records
        else ""
    )
    groups = []
    counts = report.anomaly_counts
    for kind, title in ANOMALY_KINDS.items():
        listed = [anomaly for anomaly in shown or () if anomaly.kind == kind]
        groups.append(
            AnomalyGroup(kind, title, counts.get(kind, 0), listed[:ANOMALIES_SHOWN], ANOMALY_EMPTY.get(kind, "None."))
        )
    return ShapedReport(
        rows=rows,
        overall=overall,
        rates=[Rate(source.name, source.matched, source.records) for source in report.sources if source.records],
        boundary=boundary,
        boundary_summary=summary,
        anomalies=groups,
        source_names={source.source: source.name for source in report.sources},
    )


def short_count(count: int) -> str:
    """Nottingham's style: 154k for 154,000; small counts as they are."""
    if count >= 10_000:
        return f"{count / 1000:.0f}k"
    if count >= 1_000:
        return f"{count / 1000:.1f}k"
    return str(count)
