"""The JSON API for the person index's linkage under ``/api/v1/linkage``: link runs, the
review queue, a pair's explanation and decision, merge and split, thresholds and models.

The same rules as the pages, from the same domain calls: for the data team and
administrators only (the acts of :mod:`joinedup.permissions`, audited either way, 403 for
anyone else); every record returned passes the sharing decision (action ``person.review``,
:mod:`joinedup.disclosure.linkage`), audited per record, and carries only the identifying
fields it disclosed, never an agency's facts.

Writes (POST, PUT) use the signed-in session like every call, and must also send the
session's CSRF token in the ``X-CSRF-Token`` header: every GET here returns it in that
header, and it is the ``csrf_token`` of any page's form. Cross-site pages can neither
read it nor set the header, so a write cannot be forged from another site.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from joinedup.disclosure.linkage import (
    LINK_RECORD_DENIED,
    RecordView,
    disclose_for_review,
    pair_for_review,
    queue_for_review,
)
from joinedup.people import (
    PERSON_ID_PATTERN,
    REASON_MAX,
    LinkModel,
    LinkRun,
    Person,
    ReviewRefused,
    adopt_model,
    explain_pair,
    link_thresholds,
    merge_persons,
    person_by_id,
    person_of,
    records_of,
    review_pair,
    set_link_thresholds,
    split_record,
)
from joinedup.people.explanation import comparisons, prior
from joinedup.people.runs import (
    last_full_runs,
    link_run,
    link_runs,
    model_version,
    model_versions,
    threshold_settings,
    trained_models,
)
from joinedup.permissions import LINKAGE_VIEW, action_named
from joinedup.web.api import (
    CSRF_HEADER,
    UNAUTHENTICATED,
    CheckedWrite,
    Problem,
    offer_csrf,
)
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.gates import check
from joinedup.web.params import FieldRefused, Id, Offset, PersonId, Text

# --------------------------------------------------------------------------- schemas


class RunOut(BaseModel):
    """One link run: what it compared, what it linked, how person ids fared."""

    id: int
    kind: str = Field(description="full or incremental.")
    status: str = Field(description="running, completed or failed.")
    started_at: datetime
    finished_at: datetime | None
    ran_by: str
    model_version: int | None
    threshold: float = Field(description="Pairs at or above this match probability were linked.")
    review_from: float = Field(description="Pairs from this probability up to the threshold went to review.")
    records: int = Field(description="Records linked (for an incremental run, the new records).")
    persons: int = Field(description="Persons after the run (for an incremental run, the new persons).")
    linked_persons: int = Field(description="Persons of several records (incremental: records attached).")
    singletons: int
    low_information: int
    pairs_scored: int
    pairs_linked: int
    merges_refused: int
    pairs_for_review: int
    conflicts: int
    ids_kept: int
    ids_new: int
    ids_retired: int
    seconds: float
    error: str


class RunPageOut(BaseModel):
    total: int
    limit: int
    offset: int
    runs: list[RunOut] = Field(description="Newest first.")


class LinkedRecordOut(BaseModel):
    """A source record's identifying fields, as the sharing decision disclosed them: a
    field not disclosed (or empty) is absent. Never an agency's facts."""

    id: int
    source: str
    source_name: str
    local_id: str | None = None
    record_ref: str | None = None
    forename: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address_text: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    ni_number: str | None = None
    upn: str | None = None
    phone: str | None = None
    email: str | None = None


class PersonRefOut(BaseModel):
    person_id: str
    record_count: int
    retired: bool
    superseded_by: str | None = Field(description="For a retired person, who took most of their records.")


class QueuePairOut(BaseModel):
    """A pair waiting for a reviewer, and the two records (in two persons today)."""

    record_ids: tuple[int, int]
    status: str = Field(description="conflict, refused or review.")
    reason: str
    probability: float
    match_weight: float
    run_id: int | None
    records: list[LinkedRecordOut]
    persons: list[PersonRefOut | None]


class QueuePageOut(BaseModel):
    total: int = Field(description="How many pairs wait, across all pages.")
    limit: int
    offset: int
    pairs: list[QueuePairOut] = Field(description="Conflicts first, then refusals, then the most probable.")


class StepOut(BaseModel):
    comparison: str
    description: str
    level: str = Field(description="The level the pair fell in, as the model labels it.")
    gamma: int = Field(description="The level's comparison vector value; -1 when a value is missing.")
    weight: float = Field(description="The level's match weight for this pair, term frequency adjustment included.")


class ExplanationOut(BaseModel):
    """Why the pair scored as it did: the prior plus each step's weight is the match weight."""

    model_version: int | None
    prior: float
    steps: list[StepOut]
    match_weight: float | None
    probability: float | None


class DecisionOut(BaseModel):
    decision: str = Field(description="accept or reject.")
    reason: str
    decided_by: str
    decided_at: datetime


class PairOut(BaseModel):
    record_ids: tuple[int, int]
    records: list[LinkedRecordOut]
    persons: list[PersonRefOut | None]
    same_person: bool
    kept: bool = Field(description="Whether a link run kept this pair; if not there is no explanation.")
    status: str | None
    reason: str
    run_id: int | None
    explanation: ExplanationOut | None
    decision: DecisionOut | None


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject"] = Field(
        description="accept merges their persons; reject splits the second record out when they are one person."
    )
    reason: Text = Field(min_length=1, max_length=REASON_MAX, description="Why: kept with your name.")


class OutcomeOut(BaseModel):
    message: str = Field(description="What happened, in words.")
    persons: list[PersonRefOut | None] = Field(description="The records' persons (or the persons) afterwards.")


class MergeIn(BaseModel):
    other: str = Field(pattern=PERSON_ID_PATTERN, description="The person to merge into this one; they are retired.")
    reason: Text = Field(min_length=1, max_length=REASON_MAX)


class SplitIn(BaseModel):
    record_id: Id = Field(description="A record of this person; that agency's other records of them move too.")
    reason: Text = Field(min_length=1, max_length=REASON_MAX)


class ThresholdsOut(BaseModel):
    threshold: float
    review_from: float
    updated_by: str | None = Field(description="Empty while the defaults apply.")
    updated_at: datetime | None


class ThresholdsIn(BaseModel):
    threshold: float = Field(ge=0.5, le=1.0, description="Pairs at or above this match probability link.")
    review_from: float = Field(gt=0.0, le=1.0, description="Pairs from this probability up to the threshold go to review.")


class LevelOut(BaseModel):
    label: str
    m: float | None
    u: float | None
    match_weight: float | None = Field(description="log2(m / u).")
    term_frequency_adjusted: bool


class ComparisonOut(BaseModel):
    name: str
    description: str
    levels: list[LevelOut] = Field(description="Strongest first; the level for a missing value is left out.")


class ModelOut(BaseModel):
    version: int
    adopted: bool
    adopted_at: datetime | None
    trained_at: datetime
    trained_by: str
    records: int
    seconds: float
    prior_probability: float | None = Field(description="The chance that two random records are one person.")
    prior_weight: float | None
    comparisons: list[ComparisonOut]
    last_full_run: RunOut | None = Field(description="The most recent completed full run with this version.")


# --------------------------------------------------------------------------- plumbing


router = APIRouter(
    prefix="/api/v1/linkage",
    tags=["linkage"],
    responses=UNAUTHENTICATED | {403: {"model": Problem, "description": LINKAGE_VIEW.refusal}, 422: {"model": Problem}},
    dependencies=[Depends(offer_csrf)],
)
WRITE = {403: {"model": Problem, "description": f"{LINKAGE_VIEW.refusal} Or the {CSRF_HEADER} header is missing."},
         409: {"model": Problem, "description": "The decision would break a constraint; the detail says which."}}
NOT_FOUND = {404: {"model": Problem}}

Limit = Annotated[int, Query(ge=1, le=500)]


def _gate(app, actor, *, action: str, subject_id: int | str = "", details: dict | None = None) -> None:
    """The person index's gate (joinedup.permissions), audited either way; 403 without."""
    check(app, actor, action_named(action), subject_id=subject_id, details=details)


def _run(run: LinkRun, versions: dict[int, int]) -> RunOut:
    return RunOut(
        id=run.id, kind=run.kind, status=run.status, started_at=run.started_at, finished_at=run.finished_at,
        ran_by=run.ran_by, model_version=versions.get(run.model_id) if run.model_id else None,
        threshold=run.threshold, review_from=run.review_from, records=run.records, persons=run.persons,
        linked_persons=run.linked_persons, singletons=run.singletons, low_information=run.low_information,
        pairs_scored=run.pairs_scored, pairs_linked=run.pairs_linked, merges_refused=run.merges_refused,
        pairs_for_review=run.pairs_for_review, conflicts=run.conflicts, ids_kept=run.ids_kept, ids_new=run.ids_new,
        ids_retired=run.ids_retired, seconds=run.seconds, error=run.error or "",
    )


def _record(record: RecordView) -> LinkedRecordOut:
    return LinkedRecordOut(id=record.id, source=record.source, source_name=record.source_name, **record.fields)


def _person(person: Person | None) -> PersonRefOut | None:
    if person is None:
        return None
    return PersonRefOut(person_id=person.person_id, record_count=person.record_count,
                        retired=person.retired_at is not None, superseded_by=person.superseded_by)


def _disclosed_pair(session, actor, left: int, right: int) -> tuple[RecordView, RecordView]:
    shown = pair_for_review(session, actor, left, right)
    if shown is None:
        raise HTTPException(404, "These are not two records.")
    if not shown.shown:
        raise HTTPException(403, LINK_RECORD_DENIED)
    return shown.left, shown.right


def _model(model: LinkModel, run: LinkRun | None, versions: dict[int, int]) -> ModelOut:
    chance, weight = prior(model.settings or {})
    return ModelOut(
        version=model.version, adopted=model.adopted, adopted_at=model.adopted_at, trained_at=model.created_at,
        trained_by=model.trained_by, records=model.records, seconds=model.seconds, prior_probability=chance,
        prior_weight=weight,
        comparisons=[
            ComparisonOut(name=comparison.name, description=comparison.description, levels=[
                LevelOut(label=level.label, m=level.m, u=level.u, match_weight=level.weight,
                         term_frequency_adjusted=level.term_frequencies)
                for level in comparison.levels
            ])
            for comparison in comparisons(model.settings or {})
        ],
        last_full_run=_run(run, versions) if run is not None else None,
    )


# --------------------------------------------------------------------------- runs and the queue


@router.get("/runs", response_model=RunPageOut, summary="Link runs")
def runs(app: WebApp, user: ApiUser, visit: CurrentVisit, limit: Limit = 50, offset: Offset = 0) -> RunPageOut:
    """Every run of `joinedup link`, newest first, with its figures. For the data team."""
    _gate(app, visit.actor("api"), action="linkage.runs.view")
    with app.transaction() as session:
        found, total = link_runs(session, limit=limit, offset=offset)
        versions = model_versions(session)
        return RunPageOut(total=total, limit=limit, offset=offset, runs=[_run(run, versions) for run in found])


@router.get("/runs/{run_id}", response_model=RunOut, summary="One link run", responses=NOT_FOUND)
def run(app: WebApp, user: ApiUser, visit: CurrentVisit, run_id: Id) -> RunOut:
    _gate(app, visit.actor("api"), action="linkage.runs.view", subject_id=run_id)
    with app.transaction() as session:
        found = link_run(session, run_id)
        if found is None:
            raise HTTPException(404, "There is no link run with this id.")
        return _run(found, model_versions(session))


@router.get("/review", response_model=QueuePageOut, summary="The clerical review queue")
def queue(app: WebApp, user: ApiUser, visit: CurrentVisit, limit: Limit = 50, offset: Offset = 0) -> QueuePageOut:
    """Pairs the last runs kept for a reviewer (conflict, refused, review), not yet decided and
    still in two persons, with each record's disclosed identifying fields."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.review.view", details={"offset": offset})
    with app.transaction() as session:
        rows, total = queue_for_review(session, actor, limit=limit, offset=offset, persons=True)
        out = [
            QueuePairOut(
                record_ids=(row.pair.record_id_l, row.pair.record_id_r), status=row.pair.status,
                reason=row.pair.reason or "", probability=row.pair.probability, match_weight=row.pair.match_weight,
                run_id=row.pair.run_id,
                records=[_record(record) for record in (row.left, row.right) if record is not None],
                persons=[_person(person) for person in row.persons],
            )
            for row in rows
        ]
        return QueuePageOut(total=total, limit=limit, offset=offset, pairs=out)


# --------------------------------------------------------------------------- pairs


@router.get("/pairs/{left}/{right}", response_model=PairOut, summary="A pair of records, explained",
            responses=NOT_FOUND)
def pair(app: WebApp, user: ApiUser, visit: CurrentVisit, left: Id, right: Id) -> PairOut:
    """Both records' disclosed identifying fields, their persons, the current decision, and
    why the pair scored as it did: the prior and each comparison's match weight."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.pair.view", subject_id=f"{left}-{right}")
    with app.transaction() as session:
        first, second = _disclosed_pair(session, actor, left, right)
        explanation = explain_pair(session, left, right)
        persons = (person_of(session, left), person_of(session, right))
        found, decision = explanation.pair, explanation.decision
        explained = None
        if found is not None and explanation.steps:
            explained = ExplanationOut(
                model_version=explanation.model.version if explanation.model else None, prior=explanation.prior,
                steps=[StepOut(**step) for step in explanation.steps], match_weight=explanation.match_weight,
                probability=explanation.probability,
            )
        return PairOut(
            record_ids=(left, right), records=[_record(first), _record(second)],
            persons=[_person(person) for person in persons],
            same_person=persons[0] is not None and persons[1] is not None and persons[0].id == persons[1].id,
            kept=found is not None, status=found.status if found else None, reason=found.reason if found else "",
            run_id=found.run_id if found else None, explanation=explained,
            decision=DecisionOut(decision=decision.decision, reason=decision.reason, decided_by=decision.decided_by,
                                 decided_at=decision.decided_at) if decision else None,
        )


@router.post("/pairs/{left}/{right}/decision", response_model=OutcomeOut, summary="Decide a pair",
             responses=WRITE | NOT_FOUND)
def decide(app: WebApp, user: ApiUser, visit: CheckedWrite, left: Id, right: Id, body: DecisionIn) -> OutcomeOut:
    """Accept (the two records are one person: their persons merge) or reject (different
    people: split apart if they are one person). Applies now; every later run keeps it."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.pair.decide", subject_id=f"{left}-{right}")
    try:
        with app.transaction() as session:
            _disclosed_pair(session, actor, left, right)
            message = review_pair(session, actor, left, right, body.decision, reason=body.reason)
            return OutcomeOut(message=message,
                              persons=[_person(person_of(session, left)), _person(person_of(session, right))])
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from exc


# --------------------------------------------------------------------------- merge and split


def _live_person(session, person_id: str, what: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404, f"There is no person {person_id}.")
    if person.retired_at is not None:
        raise HTTPException(409, f"{what} {person.person_id} is retired"
                                 + (f": their records are in {person.superseded_by}." if person.superseded_by else "."))
    return person


@router.post("/persons/{person_id}/merge", response_model=OutcomeOut, summary="Merge another person into this one",
             responses=WRITE | NOT_FOUND)
def merge(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId, body: MergeIn) -> OutcomeOut:
    """Every record of `other` moves to this person and `other` is retired. Refused (409) when a
    reviewer rejected a pair across them or they hold different NHS numbers, NI numbers or UPNs."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.person.merge", subject_id=person_id)
    try:
        with app.transaction() as session:
            keep = _live_person(session, person_id, "The person")
            other = _live_person(session, body.other, "The other person")
            if other.id == keep.id:
                raise HTTPException(409, "These are one person already.")
            merge_persons(session, actor, keep, other, reason=body.reason)
            return OutcomeOut(message=f"{other.person_id} is merged into {keep.person_id}.",
                              persons=[_person(keep), _person(other)])
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/persons/{person_id}/split", response_model=OutcomeOut, summary="Split a record out of a person",
             responses=WRITE | NOT_FOUND)
def split(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId, body: SplitIn) -> OutcomeOut:
    """The record (with the same agency's other records of this person) moves to a new person,
    and is recorded as a different person from every record that stays."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.person.split", subject_id=person_id)
    try:
        with app.transaction() as session:
            person = _live_person(session, person_id, "The person")
            if body.record_id not in records_of(session, person):
                raise HTTPException(404, "That record is not one of this person's records.")
            if disclose_for_review(session, actor, [body.record_id]).get(body.record_id) is None:
                raise HTTPException(403, LINK_RECORD_DENIED)
            new = split_record(session, actor, person, body.record_id, reason=body.reason)
            return OutcomeOut(message=f"The record is split out of {person.person_id} into {new.person_id}.",
                              persons=[_person(person), _person(new)])
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from exc


# --------------------------------------------------------------------------- thresholds and models


def _thresholds(session) -> ThresholdsOut:
    threshold, review_from = link_thresholds(session)
    row = threshold_settings(session)
    return ThresholdsOut(threshold=threshold, review_from=review_from, updated_by=row.updated_by if row else None,
                         updated_at=row.updated_at if row else None)


@router.get("/thresholds", response_model=ThresholdsOut, summary="The link and review thresholds")
def thresholds(app: WebApp, user: ApiUser, visit: CurrentVisit) -> ThresholdsOut:
    _gate(app, visit.actor("api"), action="linkage.model.view", subject_id=1)
    with app.transaction() as session:
        return _thresholds(session)


@router.put("/thresholds", response_model=ThresholdsOut, summary="Set the link and review thresholds",
            responses=WRITE)
def set_thresholds(app: WebApp, user: ApiUser, visit: CheckedWrite, body: ThresholdsIn) -> ThresholdsOut:
    """Both thresholds apply from the next link run. Audited as `people.thresholds`."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.thresholds.change", subject_id=1)
    try:
        with app.transaction() as session:
            set_link_thresholds(session, actor, body.threshold, body.review_from)
            return _thresholds(session)
    except ValueError as exc:  # the schema holds the link threshold to its range, so it is the review one
        raise FieldRefused(422, "review_from", str(exc)) from exc


@router.get("/models", response_model=list[ModelOut], summary="Model versions and their parameters")
def models(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[ModelOut]:
    """Every trained version, newest first: which is adopted, its parameters (each comparison
    level's m, u and match weight) and its last full run's figures, to compare."""
    _gate(app, visit.actor("api"), action="linkage.model.view")
    with app.transaction() as session:
        found = trained_models(session)
        last, versions = last_full_runs(session), model_versions(session)
        return [_model(model, last.get(model.id), versions) for model in found]


@router.post("/models/{version}/adopt", response_model=ModelOut, summary="Adopt a model version",
             responses=WRITE | NOT_FOUND)
def adopt(app: WebApp, user: ApiUser, visit: CheckedWrite, version: Id) -> ModelOut:
    """Every later link run uses this version. Audited as `people.model.adopt`."""
    actor = visit.actor("api")
    _gate(app, actor, action="linkage.model.adopt", subject_id=version)
    try:
        adopt_model(app.engine, version, actor=actor)
    except LookupError as exc:
        raise HTTPException(404, f"There is no model version {version}.") from exc
    with app.transaction() as session:
        chosen = model_version(session, version)
        return _model(chosen, last_full_runs(session).get(chosen.id), model_versions(session))

