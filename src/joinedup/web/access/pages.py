"""The practitioner's side of governed sharing: why they are looking, emergencies, consent.

- **Purpose at the point of access** (Connecting Care's "reasons for accessing"): before
  a person's shared information is shown, the user states why they are looking: one of
  the purposes their organisation may use under an active agreement, or direct care
  (:func:`purpose_options`), with their legitimate relationship to the person where the
  rules say so (:attr:`PurposeOption.relationship_required`: every purpose that is not
  a safeguarding one), and, for a safeguarding purpose, whether there is a risk of
  serious harm. The stated purpose is kept in the server-side web session, per person
  (:func:`joinedup.accounts.sessions.state_purpose`), and every read of that person's
  records passes it to :func:`joinedup.sharing.decide_record_access`. Until one is
  stated the user sees their own organisation's records only.
- **Break-glass**: an emergency access to one person with a reason in words, for a
  limited time, shown on every page about the person while it lasts, and reviewed by the
  information governance lead (:mod:`joinedup.sharing.break_glass`).
- **Consent**: a practitioner records a person's consent, refusal or withdrawal, with
  its scope and evidence, reading the same script every time (:data:`CONSENT_SCRIPT`).
- **Deciding not to share**: a practitioner's own decision, with the reason, goes to the
  decision log like every other (:func:`joinedup.sharing.log.record_declined`).

The helpers here (:func:`purpose_options`, :func:`check_purpose`, :func:`stated_purpose`,
:func:`ig_contact`, :func:`break_glass_shown`) are shared with the person and record
pages and the persons API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.permissions import FRONTLINE_ROLES, GOVERNANCE_ROLES, action_named
from joinedup.web.gates import check
from joinedup.accounts.sessions import SignedInUser, remember_purpose
from joinedup.audit import Actor, record_event
from joinedup.partners.models import Organisation
from joinedup.disclosure import access_action, view_person
from joinedup.people.models import Person
from joinedup.sharing.purposes import (
    RELATIONSHIP_MAX,
    RELATIONSHIPS,
    RISK_NEEDS_SAFEGUARDING,
    PurposeRefused,
    StatedPurpose,
    purposes_open_to,
    relationship_text,
    state_purpose,
)
from joinedup.sharing.break_glass import (
    DEFAULT_MINUTES,
    BreakGlassError,
    Contact,
    active_break_glass,
    contact_for,
    start_break_glass,
)
from joinedup.sharing.consent import (
    CONSENT_SCRIPT,
    ConsentError,
    consent_defaults,
    consent_history,
    is_child,
    record_consent,
)
from joinedup.sharing.log import DeclineError, record_declined
from joinedup.sharing.models import DataCategory
from joinedup.sharing.models import Purpose as PurposeRow
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, Visit, WebApp, render
from joinedup.web.params import FieldRefused, Text
from joinedup.web.templating import LOCAL_TIME

router = APIRouter(include_in_schema=False)

#: A person's public id (the same test as the person page's).
PERSON_ID = re.compile(r"[A-Za-z0-9]{1,20}")
MAX_QUERY_LENGTH = 200
FRONTLINE_DENIED = ("Emergency access, consent and decisions not to share are recorded by practitioners "
                    "and MASH officers.")
TEXT_MAX = 2000
#: How long a break-glass access may last, in minutes, as offered on the form.
BREAK_GLASS_MINUTES = (15, 30, 60, 120, 240)


#: The API's purpose parameters, described once for OpenAPI.
PURPOSE_DESCRIPTION = (
    "Why you are looking: a purpose code from the catalogue (direct_care, safeguarding_child ...). Partners' "
    "records are disclosed only where an active sharing agreement lets your organisation receive them for it. "
    "Without one you get your own organisation's records only."
)
RISK_DESCRIPTION = "A risk of serious harm, stated with a safeguarding purpose: it is recorded with every decision."
RELATIONSHIP_DESCRIPTION = (
    "Your legitimate relationship with the person, in words (needed for every purpose that is not a "
    "safeguarding one)."
)


def api_purpose(session: Session, actor: Actor, code: str | None, *, safeguarding_risk: bool = False,
                relationship: str | None = None) -> StatedPurpose | None:
    """The purpose an API call states in its query, checked by the one domain function
    the pages use too: 403 (audited) for a purpose the user may not state, 400 naming the
    field for one stated wrongly."""
    if not code:
        if safeguarding_risk:
            raise FieldRefused(400, "safeguarding_risk", RISK_NEEDS_SAFEGUARDING + ".")
        return None
    try:
        return state_purpose(session, actor, code, relationship=relationship or "",
                             safeguarding_risk=safeguarding_risk)
    except PurposeRefused as exc:
        if exc.forbidden:
            record_event(session, actor, action="sharing.purpose.state", outcome="denied", subject_type="purpose",
                         subject_id=code[:40], reason=exc.message)
            raise HTTPException(403, f"{exc.field}: {exc.message}.") from exc
        raise FieldRefused(400, exc.field, exc.message + ".") from exc


def stated_purpose(visit: Visit, person_id: str) -> StatedPurpose | None:
    """The purpose the user stated for ``person_id`` in this session, if any."""
    stated = visit.session.purposes.get(person_id) if visit.session.purposes else None
    if not stated or not stated.get("code"):
        return None
    return StatedPurpose(str(stated["code"]), bool(stated.get("safeguarding_risk")),
                         str(stated.get("relationship") or ""))


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"yes", "true", "on", "1"}


# --------------------------------------------------------------------------- contact and break-glass


def ig_contact(session: Session, organisation_id: int | None) -> Contact | None:
    """Whom the user goes to: their organisation's break-glass reviewer (the domain's answer)."""
    return contact_for(session, organisation_id)


def local_time(value: datetime) -> str:
    """3:42pm, in UK time."""
    local = value.astimezone(LOCAL_TIME)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class BreakGlassShown:
    id: int
    until: datetime
    reason: str

    @property
    def until_time(self) -> str:
        return local_time(self.until)


def break_glass_shown(session: Session, actor: Actor, person: Person | None) -> BreakGlassShown | None:
    """The actor's active break-glass access to ``person``, for the banner."""
    if person is None:
        return None
    access = active_break_glass(session, actor, person)
    if access is None:
        return None
    return BreakGlassShown(access.id, access.expires_at, access.reason)


def person_by_id(session: Session, person_id: str) -> Person | None:
    if not PERSON_ID.fullmatch(person_id or ""):
        return None
    return session.scalar(select(Person).where(Person.person_id == person_id))


def access_context(session: Session, user: SignedInUser, actor: Actor, person: Person | None,
                   stated: StatedPurpose | None, *, prefill: dict[str, Any] | None = None,
                   submitted: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the person page, the record page and this module's pages need to show the
    purpose panel, the break-glass banner and the contact for a shielded service.

    The purpose form shows what was ``submitted`` (a form sent back with errors), else the
    stated purpose with whatever a link ``prefill``-s (a search's purpose)."""
    options = purposes_open_to(session, actor)
    by_code = {option.code: option for option in options}
    current = stated or StatedPurpose()
    form = {"purpose": current.code, "relationship_choice": "", "relationship_other": "",
            "safeguarding_risk": current.safeguarding_risk}
    if current.relationship:
        choice = next((key for key, label in RELATIONSHIPS if label == current.relationship), "other")
        form["relationship_choice"] = choice
        form["relationship_other"] = current.relationship if choice == "other" else ""
    if prefill:
        form.update({key: value for key, value in prefill.items() if value not in (None, "", False)})
    if submitted is not None:
        form = dict(submitted)
    names = dict(session.execute(select(PurposeRow.code, PurposeRow.name)).all())
    return {
        "purpose_options": options,
        "purpose_names": names,
        "stated": stated,
        "stated_option": by_code.get(stated.code) if stated else None,
        "stated_name": (names.get(stated.code) or stated.code.replace("_", " ").capitalize()) if stated else "",
        "purpose_values": form,
        "relationships": RELATIONSHIPS,
        "no_relationship_needed": [option.name for option in options if not option.relationship_required],
        "glass": break_glass_shown(session, actor, person),
        "ig_contact": ig_contact(session, user.organisation_id),
        "frontline": user.has_role(*FRONTLINE_ROLES),
        "governs": user.has_role(*GOVERNANCE_ROLES),
    }


def frontline_gate(app, actor: Actor, *, action: str, person_id: str) -> None:
    """The frontline roles' gate (joinedup.permissions), audited either way; 403 without."""
    check(app, actor, action_named(action), subject_id=person_id[:20])


def person_or_404(session: Session, person_id: str) -> Person:
    person = person_by_id(session, person_id)
    if person is None:
        raise HTTPException(404)
    return person


def _back(person_id: str, q: str, **extra: str) -> str:
    params = {**({"q": q[:MAX_QUERY_LENGTH]} if q else {}), **{k: v for k, v in extra.items() if v}}
    return f"/persons/{person_id}" + (f"?{urlencode(params)}" if params else "")


def seen_person(session: Session, actor: Actor, person_id: str, purpose: StatedPurpose | None):
    """The person as the user may see them now for ``purpose`` (every read decided and
    audited), or 403 when they may see none of the person's records."""
    found = view_person(session, actor, person_id, action=access_action(actor), purpose=purpose)
    if found is None:
        raise HTTPException(404)
    if not found.allowed:
        raise HTTPException(403, found.reason)
    return found


# --------------------------------------------------------------------------- purpose


@router.get("/persons/{person_id}/purpose")
def purpose_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text, q: Text = "",
                 purpose: Text = "", relationship: Text = "", safeguarding_risk: Text = "") -> Response:
    """The 'State why you are looking' form on its own (the person page carries it too)."""
    actor = visit.actor("web")
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        prefill = {"purpose": purpose[:40], "relationship_choice": "other" if relationship else "",
                   "relationship_other": relationship[:RELATIONSHIP_MAX], "safeguarding_risk": is_yes(safeguarding_risk)}
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id), prefill=prefill)
    return render(request, "access/purpose.html", {"current": "persons", "person_id": person.person_id,
                                                   "q": q[:MAX_QUERY_LENGTH], "errors": [], **context})


@router.post("/persons/{person_id}/purpose")
def state(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    purpose: Annotated[Text, Form()] = "",
    relationship_choice: Annotated[Text, Form()] = "",
    relationship_other: Annotated[Text, Form()] = "",
    safeguarding_risk: Annotated[Text, Form()] = "",
    action: Annotated[Text, Form()] = "state",
    q: Annotated[Text, Form()] = "",
) -> Response:
    """State (or stop using) a purpose for this person: it applies from the next page."""
    actor = visit.actor("web")
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        if action == "clear":
            remember_purpose(session, visit.session.token, person.person_id, None)
            record_event(session, actor, action="sharing.purpose.clear", outcome="success", subject_type="person",
                         subject_id=person.person_id)
            return RedirectResponse(_back(person.person_id, q), status_code=303)
        relationship = relationship_text(relationship_choice, relationship_other)
        field = "relationship_other" if relationship_choice == "other" else "relationship_choice"
        stated, errors = None, []
        try:
            stated = state_purpose(session, actor, purpose, relationship=relationship,
                                   safeguarding_risk=is_yes(safeguarding_risk), relationship_field=field)
        except PurposeRefused as exc:
            errors = exc.problems
            if exc.forbidden:
                record_event(session, actor, action="sharing.purpose.state", outcome="denied", subject_type="person",
                             subject_id=person.person_id, reason=exc.message, details={"purpose": purpose[:40]})
        if stated is not None:
            remember_purpose(session, visit.session.token, person.person_id,
                             {"code": stated.code, "safeguarding_risk": stated.safeguarding_risk,
                              "relationship": stated.relationship})
            record_event(session, actor, action="sharing.purpose.state", outcome="success", subject_type="person",
                         subject_id=person.person_id, reason=stated.relationship,
                         details={"purpose": stated.code, "safeguarding_risk": stated.safeguarding_risk,
                                  "relationship": stated.relationship})
            return RedirectResponse(_back(person.person_id, q), status_code=303)
        submitted = {"purpose": purpose[:40], "relationship_choice": relationship_choice[:40],
                     "relationship_other": relationship_other[:RELATIONSHIP_MAX],
                     "safeguarding_risk": is_yes(safeguarding_risk)}
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id), submitted=submitted)
    return render(request, "access/purpose.html", {"current": "persons", "person_id": person.person_id,
                                                   "q": q[:MAX_QUERY_LENGTH], "errors": errors, **context},
                  status_code=400)


# --------------------------------------------------------------------------- break-glass


@router.get("/persons/{person_id}/break-glass")
def break_glass_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text,
                     q: Text = "") -> Response:
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.break_glass.form", person_id=person_id)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id))
    return render(request, "access/break_glass.html", {
        "current": "persons", "person_id": person.person_id, "q": q[:MAX_QUERY_LENGTH], "errors": [], "reason": "",
        "minutes": DEFAULT_MINUTES, "durations": BREAK_GLASS_MINUTES, "text_max": TEXT_MAX, **context})


@router.post("/persons/{person_id}/break-glass")
def break_glass(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    reason: Annotated[Text, Form()] = "",
    minutes: Annotated[Text, Form()] = "",
    q: Annotated[Text, Form()] = "",
) -> Response:
    """Start an emergency access: a reason in words, for a limited time, reviewed by the IG lead."""
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.break_glass.start", person_id=person_id)
    errors: list[tuple[str, str]] = []
    reason = (reason or "").strip()
    chosen = int(minutes) if minutes.isdigit() and int(minutes) in BREAK_GLASS_MINUTES else None
    if chosen is None:
        errors.append(("minutes", "Select how long you need emergency access for"))
    if len(reason) > TEXT_MAX:
        errors.append(("reason", f"Your reason must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                person = person_or_404(session, person_id)
                start_break_glass(session, actor, person, reason=reason, minutes=chosen,
                                  review_days=app.settings.break_glass_review_days)
        except BreakGlassError as exc:
            errors.extend((field, message.rstrip(".")) for field, message in exc.problems)
    if not errors:
        return RedirectResponse(_back(person_id, q, done="break-glass"), status_code=303)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        context = access_context(session, user, actor, person, stated_purpose(visit, person_id))
    return render(request, "access/break_glass.html", {
        "current": "persons", "person_id": person.person_id, "q": q[:MAX_QUERY_LENGTH], "errors": errors,
        "reason": reason, "minutes": chosen or minutes, "durations": BREAK_GLASS_MINUTES, "text_max": TEXT_MAX,
        **context}, status_code=400)


# --------------------------------------------------------------------------- consent


#: The consent form's field for each part of a consent record a refusal is about.
CONSENT_FIELDS = {"expires_on": "expires"}
CONSENT_DECISION_LABELS = {"given": "Consent given", "refused": "Consent refused", "withdrawn": "Consent withdrawn"}
GIVER_LABELS = {"person": "The person themselves", "young_person": "The young person, competent to decide",
                "parent_carer": "A parent or carer with parental responsibility"}
FORM_LABELS = {"verbal": "Verbally", "written": "In writing"}


def _consent_context(session: Session, user: SignedInUser, actor: Actor, visit: Visit, person: Person,
                     found) -> dict[str, Any]:
    organisations = list(session.execute(select(Organisation.code, Organisation.name).order_by(Organisation.name)))
    return {
        "current": "persons",
        "person": found,
        "person_id": person.person_id,
        "history": consent_history(session, person),
        "script": script_paragraphs(user.organisation_name),
        "all_purposes": list(session.execute(select(PurposeRow.code, PurposeRow.name).order_by(PurposeRow.id))),
        "all_categories": list(session.execute(select(DataCategory.code, DataCategory.name)
                                               .order_by(DataCategory.id))),
        "organisations": organisations,
        "organisation_names": dict(organisations),
        "child": is_child(person),
        "giver_labels": GIVER_LABELS,
        "decision_labels": CONSENT_DECISION_LABELS,
        "form_labels": FORM_LABELS,
        "text_max": TEXT_MAX,
        **access_context(session, user, actor, person, stated_purpose(visit, person.person_id)),
    }


#: What the practitioner says in their own words where the script has a gap.
SCRIPT_GAPS = {
    "recipients": "[the services you will share with]",
    "purpose": "[what they will do with it, for example help keep your child safe]",
    "categories": "[the information, for example your contact details and school attendance]",
}


def script_paragraphs(organisation: str) -> list[str]:
    """The consent script, with the practitioner's organisation filled in and the gaps they
    fill in aloud shown in square brackets, one string per paragraph."""
    text = CONSENT_SCRIPT.format(organisation=organisation, **SCRIPT_GAPS)
    return [" ".join(paragraph.split()) for paragraph in text.split("\n\n")]


@router.get("/persons/{person_id}/consent")
def consent_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text,
                 recorded: Text = "") -> Response:
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.consent.form", person_id=person_id)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        stated = stated_purpose(visit, person.person_id)
        found = seen_person(session, actor, person.person_id, stated)
        context = _consent_context(session, user, actor, visit, person, found)
        offered = consent_defaults(session, user.organisation_code, stated.code if stated else "")
    form = {"purposes": list(offered.purposes), "organisations": list(offered.organisations),
            "categories": list(offered.categories), "given_by": "" if context["child"] else "person"}
    return render(request, "access/consent.html", {**context, "errors": [], "form": form,
                                                   "recorded": recorded == "1"})


def _expiry(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    parts = [(day or "").strip(), (month or "").strip(), (year or "").strip()]
    if not any(parts):
        return None, None
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return None, "Enter the expiry date as a day, month and year, like 31 3 2027"
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return None, "The expiry date must be a real date"


@router.post("/persons/{person_id}/consent")
def consent(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    decision: Annotated[Text, Form()] = "",
    form: Annotated[Text, Form()] = "",
    purposes: Annotated[list[str] | None, Form()] = None,
    organisations: Annotated[list[str] | None, Form()] = None,
    categories: Annotated[list[str] | None, Form()] = None,
    evidence: Annotated[Text, Form()] = "",
    informed: Annotated[Text, Form()] = "",
    not_informed_reason: Annotated[Text, Form()] = "",
    expires_day: Annotated[Text, Form(alias="expires-day")] = "",
    expires_month: Annotated[Text, Form(alias="expires-month")] = "",
    expires_year: Annotated[Text, Form(alias="expires-year")] = "",
    given_by: Annotated[Text, Form()] = "",
    given_by_name: Annotated[Text, Form()] = "",
    competence_note: Annotated[Text, Form()] = "",
    parental_responsibility: Annotated[Text, Form()] = "",
) -> Response:
    """Record a consent, refusal or withdrawal: it applies to the very next request."""
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.consent.record", person_id=person_id)
    submitted = {"decision": decision, "form": form, "purposes": purposes or [], "organisations": organisations or [],
                 "categories": categories or [], "evidence": evidence[:TEXT_MAX], "informed": informed,
                 "not_informed_reason": not_informed_reason[:TEXT_MAX], "expires_day": expires_day[:2],
                 "expires_month": expires_month[:2], "expires_year": expires_year[:4], "given_by": given_by[:20],
                 "given_by_name": given_by_name[:200], "competence_note": competence_note[:TEXT_MAX],
                 "parental_responsibility": is_yes(parental_responsibility)}
    errors: list[tuple[str, str]] = []
    if decision not in CONSENT_DECISION_LABELS:
        errors.append(("decision", "Select whether consent was given, refused or withdrawn"))
    if form not in FORM_LABELS:
        errors.append(("form", "Select whether it was given verbally or in writing"))
    if informed not in ("yes", "no"):
        errors.append(("informed", "Select whether the person was told what will be shared and why"))
    elif informed == "no" and not not_informed_reason.strip():
        errors.append(("not_informed_reason", "Say why the person was not told what will be shared and why"))
    if len(evidence) > TEXT_MAX or len(not_informed_reason) > TEXT_MAX:
        errors.append(("evidence", f"Each answer must be {TEXT_MAX:,} characters or fewer"))
    expires_on, problem = _expiry(expires_day, expires_month, expires_year)
    if problem:
        errors.append(("expires", problem))
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        found = seen_person(session, actor, person.person_id, stated_purpose(visit, person.person_id))
        if not errors:
            try:
                with session.begin_nested():
                    record_consent(session, actor, person, decision=decision, form=form, purposes=purposes,
                                   organisations=organisations, categories=categories, evidence=evidence,
                                   informed=informed == "yes", not_informed_reason=not_informed_reason,
                                   expires_on=expires_on, given_by=given_by, given_by_name=given_by_name,
                                   competence_note=competence_note,
                                   parental_responsibility=is_yes(parental_responsibility))
            except ConsentError as exc:  # every problem at once, beside its field
                errors.extend((CONSENT_FIELDS.get(field, field), message.rstrip("."))
                              for field, message in exc.problems)
        if not errors:
            return RedirectResponse(f"/persons/{person.person_id}/consent?recorded=1", status_code=303)
        context = _consent_context(session, user, actor, visit, person, found)
    return render(request, "access/consent.html", {**context, "errors": errors, "form": submitted, "recorded": False},
                  status_code=400)


# --------------------------------------------------------------------------- deciding not to share


#: The decline form's words for what the log refuses: the choices are on the page.
DECLINE_MESSAGES = {"purpose": "Select the purpose you were asked to share for",
                    "recipient": "Select the organisation that asked, or leave it blank",
                    "reason": "Say why you decided not to share"}


def _decline_context(session: Session, user: SignedInUser, actor: Actor, visit: Visit, person: Person,
                     found) -> dict[str, Any]:
    return {
        "current": "persons",
        "person": found,
        "person_id": person.person_id,
        "all_purposes": list(session.execute(select(PurposeRow.code, PurposeRow.name).order_by(PurposeRow.id))),
        "recipients": list(session.execute(select(Organisation.code, Organisation.name)
                                           .where(Organisation.id != user.organisation_id)
                                           .order_by(Organisation.name))),
        "text_max": TEXT_MAX,
        **access_context(session, user, actor, person, stated_purpose(visit, person.person_id)),
    }


@router.get("/persons/{person_id}/decline")
def decline_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person_id: Text) -> Response:
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.decline.form", person_id=person_id)
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        found = seen_person(session, actor, person.person_id, stated_purpose(visit, person.person_id))
        context = _decline_context(session, user, actor, visit, person, found)
    return render(request, "access/decline.html", {**context, "errors": [], "form": {}})


@router.post("/persons/{person_id}/decline")
def decline(
    request: Request,
    app: WebApp,
    user: PageUser,
    visit: CheckedForm,
    person_id: Text,
    purpose: Annotated[Text, Form()] = "",
    recipient: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    """Record the practitioner's own decision not to share, and why (golden rule 7)."""
    actor = visit.actor("web")
    frontline_gate(app, actor, action="sharing.decline", person_id=person_id)
    submitted = {"purpose": purpose[:40], "recipient": recipient[:40], "reason": reason[:TEXT_MAX]}
    errors: list[tuple[str, str]] = []
    with app.transaction() as session:
        person = person_or_404(session, person_id)
        found = seen_person(session, actor, person.person_id, stated_purpose(visit, person.person_id))
        if len(reason) > TEXT_MAX:
            errors.append(("reason", f"Your reason must be {TEXT_MAX:,} characters or fewer"))
        else:
            try:
                with session.begin_nested():
                    record_declined(session, actor, person, purpose=purpose, recipient=recipient, reason=reason)
            except DeclineError as exc:  # every problem at once, in the form's own words
                errors.extend((field, DECLINE_MESSAGES.get(field, message.rstrip(".")))
                              for field, message in exc.problems)
        if not errors:
            return RedirectResponse(_back(person.person_id, "", done="declined"), status_code=303)
        context = _decline_context(session, user, actor, visit, person, found)
    return render(request, "access/decline.html", {**context, "errors": errors, "form": submitted}, status_code=400)
