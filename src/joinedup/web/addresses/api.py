"""The JSON API for gazetteer matching under ``/api/v1/addresses``.

Match results, the review list and the data-quality report are for the data team and
administrators, as on the pages, and every call is audited. Every record they return
passes the sharing decision (:func:`joinedup.sharing.decide_record_access`, actions
``address.review`` and ``address.report``), audited per record, and shows only the
fields it disclosed (the address fields, never names, identifiers or facts). The household at a UPRN is
for everyone signed in, and holds only the records the sharing decision discloses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from joinedup.audit import Actor
from joinedup.disclosure import household_at
from joinedup.disclosure.addresses import (
    ADDRESS_RECORD_DENIED,
    disclose_anomalies,
    disclose_matches,
    match_for_review,
)
from joinedup.gazetteer import REVIEW_STATUSES, STATUSES, quality_report, review_queue
from joinedup.partners import is_source_system
from joinedup.permissions import ADDRESS_REPORT_VIEW, ADDRESS_REVIEW_VIEW
from joinedup.web.api import UNAUTHENTICATED, Problem
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.gates import require
from joinedup.web.ingest.api import SourceOut
from joinedup.web.params import FieldRefused, Id, Offset, Text
from joinedup.web.persons.records_api import RecordOut, record_out

UPRN_PATTERN = r"^\d{1,12}$"


class GazetteerAddressOut(BaseModel):
    """A property in the gazetteer, by its preferred address."""

    uprn: str
    address: str = Field(description="The whole address on one line.")
    sao: str = Field(description="Secondary addressable object: the flat or unit.")
    pao: str = Field(description="Primary addressable object: the building number or name.")
    street: str
    locality: str
    town: str
    postcode: str
    classification: str = Field(description="What the property is: residential, care_home, school, hostel, ….")
    residential: bool
    in_boundary: bool | None = Field(description="Inside the council's boundary; null when not known.")
    easting: float | None
    northing: float | None
    lpi_status: str
    retired: bool = Field(description="The gazetteer no longer lists this UPRN.")


class MatchOut(BaseModel):
    """Where one source record's address stands. The address is shown as the agency sent it."""

    id: int
    source: SourceOut
    record_id: int
    local_id: str
    address_text: str | None
    postcode: str | None
    uprn: str | None = Field(description="The matched UPRN; for an ambiguous address, the best candidate.")
    score: float | None = Field(description="Between 0 and 1; 1 for exact and manual matches.")
    method: str | None = Field(description="exact, probabilistic or manual.")
    status: str = Field(description=f"Any of: {', '.join(STATUSES)}.")
    runner_up_uprn: str | None
    runner_up_score: float | None
    reason: str
    needs_rematch: bool = Field(description="The gazetteer retired or changed the matched UPRN.")
    matched_at: datetime


class MatchDetailOut(MatchOut):
    candidate: GazetteerAddressOut | None
    runner_up: GazetteerAddressOut | None


class MatchPageOut(BaseModel):
    total: int = Field(description="How many matches meet the filters, across all pages.")
    limit: int
    offset: int
    matches: list[MatchOut]


class BoundaryOut(BaseModel):
    inside: int
    outside: int
    unknown: int


class SourceQualityOut(BaseModel):
    """One source's figures, or every source's together (``source`` empty)."""

    source: str
    name: str
    records: int
    matched: int
    manual: int = Field(description="Of the matched, how many a person decided.")
    ambiguous: int
    unmatched: int
    out_of_area: int
    unmatchable: int
    pending: int = Field(description="Records not yet put to the matcher.")
    match_rate: float = Field(description="Matched records as a share of all records, 0 to 1.")
    before: BoundaryOut = Field(description="Inside or outside the boundary by postcode alone, before matching.")
    after: BoundaryOut = Field(description="Inside or outside the boundary by the matched UPRN.")


class AnomalyOut(BaseModel):
    kind: str = Field(description="postcode_mismatch, conflicting_addresses or non_residential.")
    source: str
    local_id: str
    record_ref: str
    record_id: int
    match_id: int
    uprn: str
    detail: str


class QualityReportOut(BaseModel):
    """The address data-quality report, per source and overall. Anomalies name the source,
    local id and UPRN, never a person."""

    generated_at: datetime
    sources: list[SourceQualityOut]
    overall: SourceQualityOut
    anomaly_counts: dict[str, int]
    anomalies: list[AnomalyOut]


class HouseholdOut(BaseModel):
    """A property and the source records linked to it that you may see.

    Records the sharing decision refuses are left out, and not counted: that another
    agency holds a record about the people at an address can itself be sensitive.
    """

    address: GazetteerAddressOut
    records: list[RecordOut]


router = APIRouter(
    prefix="/api/v1/addresses",
    tags=["addresses"],
    responses=UNAUTHENTICATED | {422: {"model": Problem}},
)
FORBIDDEN = {403: {"model": Problem, "description": ADDRESS_REVIEW_VIEW.refusal}}

SourceFilter = Annotated[Text | None, Query(description="Only this source system's records (its code).")]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/matches", response_model=MatchPageOut, summary="Address match results", responses=FORBIDDEN)
def matches(
    app: WebApp,
    user: ApiUser,
    actor: Annotated[Actor, require(ADDRESS_REVIEW_VIEW, subject="source")],
    source: SourceFilter = None,
    status: Annotated[
        list[Text] | None, Query(description=f"Only these statuses (repeat for several): {', '.join(STATUSES)}.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> MatchPageOut:
    """Every source record's match: UPRN, score, method, status and runner-up. For the data team."""
    unknown = sorted(set(status or ()) - set(STATUSES))
    if unknown:
        raise FieldRefused(422, "status", f"Unknown status: {', '.join(unknown)}. Use any of: {', '.join(STATUSES)}.")
    return _page(app, actor, source, tuple(status or STATUSES), limit, offset)


@router.get("/review", response_model=MatchPageOut, summary="The address review list", responses=FORBIDDEN)
def review(
    app: WebApp,
    user: ApiUser,
    actor: Annotated[Actor, require(ADDRESS_REVIEW_VIEW, subject="source")],
    source: SourceFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MatchPageOut:
    """Ambiguous and unmatched addresses, for the data team to decide."""
    return _page(app, actor, source, REVIEW_STATUSES, limit, offset)


@router.get(
    "/matches/{match_id}",
    response_model=MatchDetailOut,
    summary="One address match, with its candidates",
    responses=FORBIDDEN | {404: {"model": Problem}},
)
def match(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(ADDRESS_REVIEW_VIEW)],
          match_id: Id) -> MatchDetailOut:
    shaped = None
    with app.transaction() as session:
        shown = match_for_review(session, actor, match_id)
        if shown is not None and shown.allowed:
            shaped = _match_detail(shown.match, shown.fields)
    if shown is not None and not shown.allowed:
        raise HTTPException(403, ADDRESS_RECORD_DENIED)
    if shaped is None:
        raise HTTPException(404, "There is no address match with this id.")
    return shaped


@router.get(
    "/report",
    response_model=QualityReportOut,
    summary="The address data-quality report",
    responses=FORBIDDEN,
)
def report(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(ADDRESS_REPORT_VIEW, subject="source")],
           source: SourceFilter = None) -> QualityReportOut:
    """Counts matched, ambiguous and unmatched; inside and outside the boundary before and after
    matching; and the anomalies (each record's, as the sharing decision discloses it). For the
    data team."""
    with app.transaction() as session:
        if source and not is_source_system(session, source):
            raise FieldRefused(422, "source", "Unknown source: use the code of one of the source systems.")
        found = quality_report(session, source_code=source or None)
        return _report(found, disclose_anomalies(session, actor, found.anomalies, action="address.report"))


@router.get(
    "/{uprn}",
    response_model=HouseholdOut,
    response_model_exclude_unset=True,
    summary="Everyone linked to a property",
    responses={404: {"model": Problem}},
)
def household(
    app: WebApp,
    user: ApiUser,
    visit: CurrentVisit,
    uprn: Annotated[str, Path(pattern=UPRN_PATTERN, description="The property's UPRN.")],
) -> HouseholdOut:
    """The property and the source records matched to it that the sharing decision lets you
    see; each decision is audited."""
    with app.transaction() as session:
        found = household_at(session, visit.actor("api"), uprn)
        shaped = (
            None
            if found.address is None
            else HouseholdOut(address=_address(found.address), records=[record_out(r) for r in found.records])
        )
    if shaped is None:
        raise HTTPException(404, "There is no property with this UPRN in the gazetteer.")
    return shaped


def _page(app: WebApp, actor: Actor, source: str | None, statuses: tuple[str, ...], limit: int,
          offset: int) -> MatchPageOut:
    with app.transaction() as session:
        found, total = review_queue(session, source_code=source or None, statuses=statuses, limit=limit, offset=offset)
        shown = disclose_matches(session, actor, found, action="address.review")
        return MatchPageOut(total=total, limit=limit, offset=offset,
                            matches=[_match(match, fields) for match, fields, _decision in shown])


def _match(match, fields: dict) -> MatchOut:
    """A match, with only ``fields`` of its source record: those the sharing decision disclosed."""
    return MatchOut(
        id=match.id,
        source=SourceOut(code=match.source_system.code, name=match.source_system.name),
        record_id=match.source_record_id,
        local_id=fields.get("local_id") or "",
        address_text=fields.get("address_text"),
        postcode=fields.get("postcode"),
        uprn=match.uprn,
        score=match.score,
        method=match.method,
        status=match.status,
        runner_up_uprn=match.runner_up_uprn,
        runner_up_score=match.runner_up_score,
        reason=match.reason or "",
        needs_rematch=bool(match.needs_rematch),
        matched_at=match.matched_at,
    )


def _match_detail(match, fields: dict) -> MatchDetailOut:
    return MatchDetailOut(
        **_match(match, fields).model_dump(),
        candidate=_address(match.candidate) if match.candidate is not None else None,
        runner_up=_address(match.runner_up) if match.runner_up is not None else None,
    )


def _address(address) -> GazetteerAddressOut:
    return GazetteerAddressOut(
        uprn=address.uprn,
        address=address.single_line,
        sao=address.sao,
        pao=address.pao,
        street=address.street,
        locality=address.locality,
        town=address.town,
        postcode=address.postcode,
        classification=address.classification,
        residential=address.is_residential,
        in_boundary=address.in_boundary,
        easting=address.easting,
        northing=address.northing,
        lpi_status=address.lpi_status,
        retired=address.retired_at is not None,
    )


def _quality(figures) -> SourceQualityOut:
    return SourceQualityOut(
        source=figures.source,
        name=figures.name,
        records=figures.records,
        matched=figures.matched,
        manual=figures.manual,
        ambiguous=figures.ambiguous,
        unmatched=figures.unmatched,
        out_of_area=figures.out_of_area,
        unmatchable=figures.unmatchable,
        pending=figures.pending,
        match_rate=figures.match_rate,
        before=BoundaryOut(**vars(figures.before)),
        after=BoundaryOut(**vars(figures.after)),
    )


def _report(report, anomalies) -> QualityReportOut:
    """The report: its counts (aggregates) over every anomaly, and ``anomalies``, the rows
    the sharing decision disclosed."""
    return QualityReportOut(
        generated_at=report.generated_at,
        sources=[_quality(figures) for figures in report.sources],
        overall=_quality(report.overall),
        anomaly_counts=report.anomaly_counts,
        anomalies=[
            AnomalyOut(
                kind=anomaly.kind,
                source=anomaly.source,
                local_id=anomaly.local_id,
                record_ref=anomaly.record_ref,
                record_id=anomaly.record_id,
                match_id=anomaly.match_id,
                uprn=anomaly.uprn,
                detail=anomaly.detail,
            )
            for anomaly in anomalies
        ],
    )
