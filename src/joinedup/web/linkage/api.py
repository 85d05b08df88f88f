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

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from joinedup.audit import Actor
from joinedup.disclosure.linkage import (
    LINK_RECORD_DENIED,
    RecordView,
    disclose_for_review,
    pair_for_review,
    queue_for_review,
)
from joinedup.people import (
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
from joinedup.people.runs import (
    last_full_runs,
    link_run,
    link_runs,
    model_version,
    model_versions,
    threshold_settings,
    trained_models,
)
from joinedup.permissions import (
    LINKAGE_MODEL_ADOPT,
    LINKAGE_MODEL_VIEW,
    LINKAGE_PAIR_DECIDE,
    LINKAGE_PAIR_VIEW,
    LINKAGE_PERSON_MERGE,
    LINKAGE_PERSON_SPLIT,
    LINKAGE_REVIEW_VIEW,
    LINKAGE_RUNS_VIEW,
    LINKAGE_THRESHOLDS_CHANGE,
    LINKAGE_VIEW,
)
from joinedup.web.api import (
    CSRF_HEADER,
    UNAUTHENTICATED,
    CheckedWrite,
    Problem,
    offer_csrf,
)
from joinedup.web.context import ApiUser, WebApp
from joinedup.web.gates import require
from joinedup.web.linkage import subjects
from joinedup.web.linkage.schemas import (
    DecisionIn,
    DecisionOut,
    ExplanationOut,
    MergeIn,
    ModelOut,
    OutcomeOut,
    PairOut,
    QueuePageOut,
    QueuePairOut,
    RunOut,
    RunPageOut,
    SplitIn,
    StepOut,
    ThresholdsIn,
    ThresholdsOut,
    model_out,
    person_out,
    record_out,
    run_out,
)
from joinedup.web.params import FieldRefused, Id, Offset, PersonId

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


def _disclosed_pair(session, actor, left: int, right: int) -> tuple[RecordView, RecordView]:
    shown = pair_for_review(session, actor, left, right)
    if shown is None:
        raise HTTPException(404, "These are not two records.")
    if not shown.shown:
        raise HTTPException(403, LINK_RECORD_DENIED)
    return shown.left, shown.right


# --------------------------------------------------------------------------- runs and the queue


@router.get("/runs", response_model=RunPageOut, summary="Link runs")
def runs(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(LINKAGE_RUNS_VIEW)], limit: Limit = 50,
         offset: Offset = 0) -> RunPageOut:
    """Every run of `joinedup link`, newest first, with its figures. For the data team."""
    with app.transaction() as session:
        found, total = link_runs(session, limit=limit, offset=offset)
        versions = model_versions(session)
        return RunPageOut(total=total, limit=limit, offset=offset, runs=[run_out(run, versions) for run in found])


@router.get("/runs/{run_id}", response_model=RunOut, summary="One link run", responses=NOT_FOUND)
def run(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(LINKAGE_RUNS_VIEW, subject=subjects.run)],
        run_id: Id) -> RunOut:
    with app.transaction() as session:
        found = link_run(session, run_id)
        if found is None:
            raise HTTPException(404, "There is no link run with this id.")
        return run_out(found, model_versions(session))


@router.get("/review", response_model=QueuePageOut, summary="The clerical review queue")
def queue(app: WebApp, user: ApiUser,
          actor: Annotated[Actor, require(LINKAGE_REVIEW_VIEW, details=subjects.offset)], limit: Limit = 50,
          offset: Offset = 0) -> QueuePageOut:
    """Pairs the last runs kept for a reviewer (conflict, refused, review), not yet decided and
    still in two persons, with each record's disclosed identifying fields."""
    with app.transaction() as session:
        rows, total = queue_for_review(session, actor, limit=limit, offset=offset, persons=True)
        out = [
            QueuePairOut(
                record_ids=(row.pair.record_id_l, row.pair.record_id_r), status=row.pair.status,
                reason=row.pair.reason or "", probability=row.pair.probability, match_weight=row.pair.match_weight,
                run_id=row.pair.run_id,
                records=[record_out(record) for record in (row.left, row.right) if record is not None],
                persons=[person_out(person) for person in row.persons],
            )
            for row in rows
        ]
        return QueuePageOut(total=total, limit=limit, offset=offset, pairs=out)


# --------------------------------------------------------------------------- pairs


@router.get("/pairs/{left}/{right}", response_model=PairOut, summary="A pair of records, explained",
            responses=NOT_FOUND)
def pair(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(LINKAGE_PAIR_VIEW, subject=subjects.pair)],
         left: Id, right: Id) -> PairOut:
    """Both records' disclosed identifying fields, their persons, the current decision, and
    why the pair scored as it did: the prior and each comparison's match weight."""
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
            record_ids=(left, right), records=[record_out(first), record_out(second)],
            persons=[person_out(person) for person in persons],
            same_person=persons[0] is not None and persons[1] is not None and persons[0].id == persons[1].id,
            kept=found is not None, status=found.status if found else None, reason=found.reason if found else "",
            run_id=found.run_id if found else None, explanation=explained,
            decision=DecisionOut(decision=decision.decision, reason=decision.reason, decided_by=decision.decided_by,
                                 decided_at=decision.decided_at) if decision else None,
        )


@router.post("/pairs/{left}/{right}/decision", response_model=OutcomeOut, summary="Decide a pair",
             responses=WRITE | NOT_FOUND)
def decide(app: WebApp, user: ApiUser, visit: CheckedWrite,
           actor: Annotated[Actor, require(LINKAGE_PAIR_DECIDE, subject=subjects.pair)], left: Id, right: Id,
           body: DecisionIn) -> OutcomeOut:
    """Accept (the two records are one person: their persons merge) or reject (different
    people: split apart if they are one person). Applies now; every later run keeps it."""
    try:
        with app.transaction() as session:
            _disclosed_pair(session, actor, left, right)
            message = review_pair(session, actor, left, right, body.decision, reason=body.reason)
            return OutcomeOut(message=message,
                              persons=[person_out(person_of(session, left)), person_out(person_of(session, right))])
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
def merge(app: WebApp, user: ApiUser, visit: CheckedWrite,
          actor: Annotated[Actor, require(LINKAGE_PERSON_MERGE, subject=subjects.person)], person_id: PersonId,
          body: MergeIn) -> OutcomeOut:
    """Every record of `other` moves to this person and `other` is retired. Refused (409) when a
    reviewer rejected a pair across them or they hold different NHS numbers, NI numbers or UPNs."""
    try:
        with app.transaction() as session:
            keep = _live_person(session, person_id, "The person")
            other = _live_person(session, body.other, "The other person")
            if other.id == keep.id:
                raise HTTPException(409, "These are one person already.")
            merge_persons(session, actor, keep, other, reason=body.reason)
            return OutcomeOut(message=f"{other.person_id} is merged into {keep.person_id}.",
                              persons=[person_out(keep), person_out(other)])
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/persons/{person_id}/split", response_model=OutcomeOut, summary="Split a record out of a person",
             responses=WRITE | NOT_FOUND)
def split(app: WebApp, user: ApiUser, visit: CheckedWrite,
          actor: Annotated[Actor, require(LINKAGE_PERSON_SPLIT, subject=subjects.person)], person_id: PersonId,
          body: SplitIn) -> OutcomeOut:
    """The record (with the same agency's other records of this person) moves to a new person,
    and is recorded as a different person from every record that stays."""
    try:
        with app.transaction() as session:
            person = _live_person(session, person_id, "The person")
            if body.record_id not in records_of(session, person):
                raise HTTPException(404, "That record is not one of this person's records.")
            if disclose_for_review(session, actor, [body.record_id]).get(body.record_id) is None:
                raise HTTPException(403, LINK_RECORD_DENIED)
            new = split_record(session, actor, person, body.record_id, reason=body.reason)
            return OutcomeOut(message=f"The record is split out of {person.person_id} into {new.person_id}.",
                              persons=[person_out(person), person_out(new)])
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from exc


# --------------------------------------------------------------------------- thresholds and models


def _thresholds(session) -> ThresholdsOut:
    threshold, review_from = link_thresholds(session)
    row = threshold_settings(session)
    return ThresholdsOut(threshold=threshold, review_from=review_from, updated_by=row.updated_by if row else None,
                         updated_at=row.updated_at if row else None)


@router.get("/thresholds", response_model=ThresholdsOut, summary="The link and review thresholds")
def thresholds(app: WebApp, user: ApiUser,
               actor: Annotated[Actor, require(LINKAGE_MODEL_VIEW, subject=subjects.settings)]) -> ThresholdsOut:
    with app.transaction() as session:
        return _thresholds(session)


@router.put("/thresholds", response_model=ThresholdsOut, summary="Set the link and review thresholds",
            responses=WRITE)
def set_thresholds(app: WebApp, user: ApiUser, visit: CheckedWrite,
                   actor: Annotated[Actor, require(LINKAGE_THRESHOLDS_CHANGE, subject=subjects.settings)],
                   body: ThresholdsIn) -> ThresholdsOut:
    """Both thresholds apply from the next link run. Audited as `people.thresholds`."""
    try:
        with app.transaction() as session:
            set_link_thresholds(session, actor, body.threshold, body.review_from)
            return _thresholds(session)
    except ValueError as exc:  # the schema holds the link threshold to its range, so it is the review one
        raise FieldRefused(422, "review_from", str(exc)) from exc


@router.get("/models", response_model=list[ModelOut], summary="Model versions and their parameters")
def models(app: WebApp, user: ApiUser, actor: Annotated[Actor, require(LINKAGE_MODEL_VIEW)]) -> list[ModelOut]:
    """Every trained version, newest first: which is adopted, its parameters (each comparison
    level's m, u and match weight) and its last full run's figures, to compare."""
    with app.transaction() as session:
        found = trained_models(session)
        last, versions = last_full_runs(session), model_versions(session)
        return [model_out(model, last.get(model.id), versions) for model in found]


@router.post("/models/{version}/adopt", response_model=ModelOut, summary="Adopt a model version",
             responses=WRITE | NOT_FOUND)
def adopt(app: WebApp, user: ApiUser, visit: CheckedWrite,
          actor: Annotated[Actor, require(LINKAGE_MODEL_ADOPT, subject=subjects.version)], version: Id) -> ModelOut:
    """Every later link run uses this version. Audited as `people.model.adopt`."""
    try:
        adopt_model(app.engine, version, actor=actor)
    except LookupError as exc:
        raise HTTPException(404, f"There is no model version {version}.") from exc
    with app.transaction() as session:
        chosen = model_version(session, version)
        return model_out(chosen, last_full_runs(session).get(chosen.id), model_versions(session))

