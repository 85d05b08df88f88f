"""Consent, and deciding not to share: a practitioner records a person's consent, refusal
or withdrawal with its scope and who decided, reading the same script every time; and
records their own decision not to share, with the reason (golden rule 7). For
practitioners and MASH officers, about a person they may see.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.accounts.sessions import SignedInUser
from joinedup.audit import Actor
from joinedup.people import Person
from joinedup.permissions import (
    SHARING_CONSENT_FORM,
    SHARING_CONSENT_RECORD,
    SHARING_DECLINE,
    SHARING_DECLINE_FORM,
)
from joinedup.sharing.catalogue import choices
from joinedup.sharing.consent import (
    CONSENT_SCRIPT,
    ConsentError,
    consent_defaults,
    consent_history,
    is_child,
    record_consent,
)
from joinedup.sharing.log import DeclineError, record_declined
from joinedup.web.access.views import (
    TEXT_MAX,
    access_context,
    back_to,
    is_yes,
    person_or_404,
    seen_person,
    stated_purpose,
)
from joinedup.web.context import (
    CheckedForm,
    CurrentVisit,
    PageUser,
    Visit,
    WebApp,
    render,
)
from joinedup.web.gates import require
from joinedup.web.params import Text

router = APIRouter(include_in_schema=False)

#: The consent form's field for each part of a consent record a refusal is about.
CONSENT_FIELDS = {"expires_on": "expires"}
CONSENT_DECISION_LABELS = {"given": "Consent given", "refused": "Consent refused", "withdrawn": "Consent withdrawn"}
GIVER_LABELS = {"person": "The person themselves", "young_person": "The young person, competent to decide",
                "parent_carer": "A parent or carer with parental responsibility"}
FORM_LABELS = {"verbal": "Verbally", "written": "In writing"}


def _consent_context(session: Session, user: SignedInUser, actor: Actor, visit: Visit, person: Person,
                     found) -> dict[str, Any]:
    offered = choices(session)
    return {
        "current": "persons",
        "person": found,
        "person_id": person.person_id,
        "history": consent_history(session, person),
        "script": script_paragraphs(user.organisation_name),
        "all_purposes": offered.purposes,
        "all_categories": offered.categories,
        "organisations": offered.organisations,
        "organisation_names": offered.organisation_names,
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
def consent_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, actor: Annotated[Actor, require(SHARING_CONSENT_FORM)], person_id: Text,
                 recorded: Text = "") -> Response:
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
    visit: CheckedForm, actor: Annotated[Actor, require(SHARING_CONSENT_RECORD)],
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
    offered = choices(session)
    return {
        "current": "persons",
        "person": found,
        "person_id": person.person_id,
        "all_purposes": offered.purposes,
        "recipients": [(code, name) for code, name in offered.organisations if code != user.organisation_code],
        "text_max": TEXT_MAX,
        **access_context(session, user, actor, person, stated_purpose(visit, person.person_id)),
    }


@router.get("/persons/{person_id}/decline")
def decline_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, actor: Annotated[Actor, require(SHARING_DECLINE_FORM)], person_id: Text) -> Response:
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
    visit: CheckedForm, actor: Annotated[Actor, require(SHARING_DECLINE)],
    person_id: Text,
    purpose: Annotated[Text, Form()] = "",
    recipient: Annotated[Text, Form()] = "",
    reason: Annotated[Text, Form()] = "",
) -> Response:
    """Record the practitioner's own decision not to share, and why (golden rule 7)."""
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
            return RedirectResponse(back_to(person.person_id, "", done="declined"), status_code=303)
        context = _decline_context(session, user, actor, visit, person, found)
    return render(request, "access/decline.html", {**context, "errors": errors, "form": submitted}, status_code=400)
