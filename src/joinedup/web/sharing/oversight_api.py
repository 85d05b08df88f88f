"""Oversight of sharing through the API: the decision log and its CSV export, the consent
register, the break-glass review queue, "view as", the persons set aside for training, the
data flows and the consent script. The reads of personal data are the disclosure layer's
(:mod:`joinedup.disclosure.governance`, :mod:`joinedup.disclosure.preview`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import HTTPException, Query
from fastapi.responses import Response

from joinedup.disclosure.governance import (
    GlassView,
    consent_rows,
    decision_log,
    glass_to_review,
    glass_views,
)
from joinedup.disclosure.preview import NoSuchPerson, PreviewRefused, preview
from joinedup.people import person_by_id
from joinedup.permissions import ROLES
from joinedup.sharing.break_glass import (
    BreakGlassError,
    break_glass_queue,
    review_break_glass,
)
from joinedup.sharing.consent import CONSENT_SCRIPT
from joinedup.sharing.flows import data_flows
from joinedup.sharing.log import LogFilterRefused
from joinedup.sharing.training import set_training_sample, training_samples
from joinedup.web.access.api import consent_out
from joinedup.web.api import CheckedWrite
from joinedup.web.context import ApiUser, CurrentVisit, WebApp
from joinedup.web.params import FieldRefused, Id, Offset, PersonId, Text
from joinedup.web.sharing.answers import (
    NOT_FOUND,
    WRITE,
    Limit,
    query_refused,
    refused,
    sharing_router,
)
from joinedup.web.sharing.schemas import (
    BreakGlassOut,
    ConsentEntryOut,
    ConsentPageOut,
    DecisionOut,
    DecisionPageOut,
    FlowOut,
    PreviewRecordOut,
    ReviewIn,
    ScriptOut,
    SeenOut,
    TrainingSampleIn,
    TrainingSampleOut,
    ViewAsOut,
)
from joinedup.web.sharing.views import (
    SCRIPT_PLACEHOLDERS,
    ConsentQuery,
    LogQuery,
    csv_response,
    gate,
    preview_gate,
)

router = sharing_router()

NO_ACCESS = "There is no break-glass access with this id for you to review."
#: The consent register's search names its fields as the pages do; the API's names where they differ.
API_FIELDS = {"person": "person_id"}


# --------------------------------------------------------------------------- the decision log and consent


@router.get("/decisions", response_model=DecisionPageOut, summary="Search the decision log")
def decisions(app: WebApp, user: ApiUser, visit: CurrentVisit, person_id: Text = "", username: Text = "",
              organisation: Annotated[Text, Query(description="The code of the asking user's organisation.")] = "",
              agreement: Annotated[Text, Query(description="An agreement's code.")] = "",
              outcome: Annotated[Text, Query(description="shared, withheld or declined.")] = "",
              since: Annotated[Text, Query(description="The first day, like 2026-03-27.")] = "",
              until: Annotated[Text, Query(description="The last day, like 2026-03-31.")] = "",
              limit: Limit = 50, offset: Offset = 0) -> DecisionPageOut:
    """Every decision to share or not, newest first, with its basis and the policies that
    decided. The records one request withheld are one decision that counts them, by reason."""
    query = LogQuery.typed(person_id, username, organisation, agreement, outcome, since, until)
    gate(app, visit.actor("api"), action="sharing.log.view", details={"filters": query.params(), "offset": offset})
    with app.transaction() as session:
        try:
            rows, total = decision_log(session, query.filters(session), limit=limit, offset=offset)
        except LogFilterRefused as exc:
            raise query_refused(exc) from exc
        return DecisionPageOut(total=total, limit=limit, offset=offset, decisions=[DecisionOut(
            id=row.decision.id, at=row.decision.at, username=row.decision.username,
            organisation=row.organisation_code or None, person_id=row.decision.person_id,
            person_name=row.person_name or None, records=row.decision.record_count,
            reasons=dict(row.decision.reasons or {}),
            record_id=row.decision.record_id, record_ids=row.decision.records, source_organisation=row.source_organisation_code or None,
            action=row.decision.action, purpose=row.decision.purpose, outcome=row.decision.outcome,
            basis=row.basis, agreement=row.agreement or None, policy_ids=list(row.decision.policy_ids or []),
            fields=list(row.decision.fields or []), reason=row.decision.reason, channel=row.decision.channel,
            break_glass_id=row.decision.break_glass_id,
        ) for row in rows])


@router.get("/decisions/export", summary="Export the decision log as CSV",
            responses={200: {"content": {"text/csv": {}}, "description": "The matching decisions, oldest first."}})
def export(app: WebApp, user: ApiUser, visit: CurrentVisit, person_id: Text = "", username: Text = "",
           organisation: Text = "", agreement: Text = "", outcome: Text = "", since: Text = "",
           until: Text = "") -> Response:
    """The same filters as the search. The export is itself audited (`sharing.log.export`)."""
    actor = visit.actor("api")
    query = LogQuery.typed(person_id, username, organisation, agreement, outcome, since, until)
    gate(app, actor, action="sharing.log.export", details={"filters": query.params()})
    try:
        return csv_response(app, actor, query)
    except LogFilterRefused as exc:
        raise query_refused(exc) from exc


@router.get("/consent", response_model=ConsentPageOut, summary="The consent register")
def consent_register(app: WebApp, user: ApiUser, visit: CurrentVisit,
                     person_id: Annotated[Text, Query(max_length=21, description="Only this person's.")] = "",
                     decision: Annotated[Text, Query(max_length=20, description="given, refused or withdrawn.")] = "",
                     limit: Limit = 50, offset: Offset = 0) -> ConsentPageOut:
    """Every consent, refusal and withdrawal recorded, newest first. Audited as
    `sharing.consent.view`."""
    query = ConsentQuery(person_id.strip().upper(), decision.strip())
    gate(app, visit.actor("api"), action="sharing.consent.view", details={"filters": query.params(), "offset": offset})
    if errors := query.errors():
        field, message = errors[0]
        raise FieldRefused(422, API_FIELDS.get(field, field), message + ".")
    with app.transaction() as session:
        rows, total = consent_rows(session, person_id=query.person, decision=query.decision, limit=limit,
                                   offset=offset)
    return ConsentPageOut(total=total, consents=[
        ConsentEntryOut(**consent_out(consent).model_dump(), person_id=person, recorded_by_organisation=organisation)
        for consent, person, organisation in rows])


# --------------------------------------------------------------------------- break-glass


def _glass(view: GlassView) -> BreakGlassOut:
    access = view.access
    return BreakGlassOut(
        id=access.id, username=access.username, organisation=view.organisation, person_id=view.person_id or None,
        reason=access.reason, started_at=access.started_at, expires_at=access.expires_at, minutes=view.minutes,
        open=view.active, review_status=access.review_status, reviewed_by=access.reviewed_by or "",
        reviewed_at=access.reviewed_at, review_note=access.review_note or "",
        seen=[SeenOut(at=item.at, record_id=item.records[0] if len(item.records) == 1 else None,
                      record_ids=list(item.records), source_organisation=item.source_organisation,
                      purpose=item.purpose, action=item.action, fields=item.fields) for item in view.seen],
    )


def _one_glass(session, actor, access_id: int):
    access = glass_to_review(session, actor, access_id)
    if access is None:
        raise HTTPException(404, NO_ACCESS)
    return access


@router.get("/break-glass", response_model=list[BreakGlassOut], summary="The break-glass review queue")
def glass_queue(app: WebApp, user: ApiUser, visit: CurrentVisit,
                status: Literal["pending", "all"] = "pending") -> list[BreakGlassOut]:
    """Emergency accesses by users of your organisation (every organisation's, for an
    administrator), newest first, with what was seen under each."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.view", details={"show": status})
    with app.transaction() as session:
        views = glass_views(session, break_glass_queue(session, actor, pending_only=status == "pending"))
        return [_glass(view) for view in views]


@router.get("/break-glass/{access_id}", response_model=BreakGlassOut, summary="A break-glass access",
            responses=NOT_FOUND)
def glass(app: WebApp, user: ApiUser, visit: CurrentVisit, access_id: Id) -> BreakGlassOut:
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.view", subject_id=access_id)
    with app.transaction() as session:
        (view,) = glass_views(session, [_one_glass(session, actor, access_id)])
        return _glass(view)


@router.post("/break-glass/{access_id}/review", response_model=BreakGlassOut, summary="Review a break-glass access",
             responses=WRITE | NOT_FOUND)
def review(app: WebApp, user: ApiUser, visit: CheckedWrite, access_id: Id, body: ReviewIn) -> BreakGlassOut:
    """Appropriate or inappropriate, with your reasons. Audited as `sharing.break_glass.review`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.break_glass.review", subject_id=access_id)
    try:
        with app.transaction() as session:
            access = review_break_glass(session, actor, _one_glass(session, actor, access_id), decision=body.decision,
                                        note=body.note)
            (view,) = glass_views(session, [access])
            return _glass(view)
    except BreakGlassError as exc:
        raise refused(exc, ReviewIn) from exc


# --------------------------------------------------------------------------- view as, training samples


def _preview_refused(exc: PreviewRefused) -> HTTPException:
    """404 for a person not in the index, 403 for one a trainer may not see, else 422 naming the field."""
    if isinstance(exc, NoSuchPerson) or exc.forbidden:
        return HTTPException(exc.status, exc.message)
    return query_refused(exc)


@router.get("/view-as", response_model=ViewAsOut, summary="See a person as another organisation and role would")
def view_as(app: WebApp, user: ApiUser, visit: CurrentVisit,
            person_id: Annotated[Text, Query(description="The person's public id.")],
            organisation: Annotated[Text, Query(description="An organisation's code.")],
            role: Annotated[Text, Query(description=f"One of: {', '.join(ROLES)}.")],
            purpose: Annotated[Text, Query(description="The purpose they state; none when empty.")] = "",
            safeguarding_risk: bool = False) -> ViewAsOut:
    """Each of the person's records decided by the policy point as that user, with only the
    fields it disclosed. Logged on the `preview` channel and audited as `sharing.preview`."""
    actor = visit.actor("api")
    wanted = person_id.strip().upper()[:21]
    preview_gate(app, actor, subject_id=wanted)
    refusal: PreviewRefused | None = None
    with app.transaction() as session:  # commits a trainer's refused preview's audit event too
        try:
            person, shown = preview(session, actor, wanted, organisation=organisation.strip()[:40],
                                    role=role.strip()[:40], purpose=purpose.strip()[:40],
                                    safeguarding_risk=safeguarding_risk)
        except PreviewRefused as exc:
            refusal = exc
    if refusal is not None:
        raise _preview_refused(refusal) from refusal
    return ViewAsOut(
        person_id=person.person_id, organisation=organisation.strip()[:40], role=role.strip()[:40],
        purpose=purpose.strip()[:40], safeguarding_risk=safeguarding_risk,
        records=[PreviewRecordOut(record_id=item.decision.record_id, allowed=item.decision.allowed,
                                  shielded=item.decision.shielded, reason=item.decision.reason,
                                  policy_ids=list(item.decision.policy_ids), fields=item.fields)
                 for item in shown],
    )


@router.get("/training-samples", response_model=list[TrainingSampleOut],
            summary="The persons set aside for training")
def samples(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[TrainingSampleOut]:
    """The only persons a trainer may see through `view-as`. For IG leads, administrators and trainers."""
    preview_gate(app, visit.actor("api"))
    with app.transaction() as session:
        return [TrainingSampleOut(person_id=person_id, note=note) for person_id, note in training_samples(session)]


def _sample_person(session, person_id: str):
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404, "There is no person with this id.")
    return person


@router.put("/training-samples/{person_id}", response_model=TrainingSampleOut, summary="Set a person aside for training",
            responses=WRITE | NOT_FOUND)
def add_sample(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId,
               body: TrainingSampleIn) -> TrainingSampleOut:
    """Trainers may then preview the person. Audited as `sharing.training_sample.add`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id[:21])
    with app.transaction() as session:
        person = _sample_person(session, person_id)
        set_training_sample(session, actor, person, sample=True, note=body.note)
        return TrainingSampleOut(person_id=person.person_id, note=body.note.strip())


@router.delete("/training-samples/{person_id}", status_code=204, summary="Stop using a person for training",
               responses=WRITE | NOT_FOUND)
def remove_sample(app: WebApp, user: ApiUser, visit: CheckedWrite, person_id: PersonId) -> Response:
    """Audited as `sharing.training_sample.remove`."""
    actor = visit.actor("api")
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id[:21])
    with app.transaction() as session:
        set_training_sample(session, actor, _sample_person(session, person_id), sample=False)
    return Response(status_code=204)


# --------------------------------------------------------------------------- flows, the script


@router.get("/flows", response_model=list[FlowOut], summary="The data flows of the live agreements")
def flows(app: WebApp, user: ApiUser, visit: CurrentVisit) -> list[FlowOut]:
    """Who gives what to whom, for which purpose, under which active agreement version."""
    gate(app, visit.actor("api"), action="sharing.map.view")
    with app.transaction() as session:
        return [FlowOut(provider=flow.provider, recipient=flow.recipient, purpose=flow.purpose,
                        categories=list(flow.categories), agreement=flow.agreement, version=flow.version)
                for flow in data_flows(session)]


@router.get("/consent-script", response_model=ScriptOut, summary="The consent script")
def consent_script(user: ApiUser) -> ScriptOut:
    """The words practitioners read before asking for consent. For every signed-in user."""
    return ScriptOut(script=CONSENT_SCRIPT, placeholders=dict(SCRIPT_PLACEHOLDERS))
