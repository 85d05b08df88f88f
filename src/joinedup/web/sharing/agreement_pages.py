"""The IG lead's sharing agreements: list them, author one, change a draft, sign it, make
it active, suspend or end it, and read each version's compiled Cedar policies.

Every rule is the domain's (:mod:`joinedup.sharing.rules`): only a draft is changed or
signed, a signed date has come, suspending or ending needs a reason, activation needs
every party's signature. A refusal is shown beside the field it names.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.partners.directory import organisation_names, organisations
from joinedup.sharing.agreements import (
    agreement_rows,
    categories,
    category_names,
    purpose_names,
    purposes,
)
from joinedup.sharing.flows import version_policies
from joinedup.sharing.models import AGREEMENT_STATUSES, AgreementVersion
from joinedup.sharing.rules import (
    RuleError,
    create_agreement,
    new_version,
    set_status,
    sign,
    update_draft,
)
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Id, Text, parse_date
from joinedup.web.sharing.agreement_forms import (
    ARTICLE6_HINT,
    ARTICLE9_HINT,
    DATE_TERMS,
    DRAFT_FIELDS,
    GATEWAYS_HINT,
    DraftForm,
    date_parts,
)
from joinedup.web.sharing.views import (
    TEXT_MAX,
    FormFields,
    agreement_or_404,
    base,
    gate,
    on_form,
    one,
    sentence,
    version_or_404,
)

router = APIRouter(include_in_schema=False)

#: What the version page's banner says after each action.
DONE = {
    "created": "The agreement is created: version 1 is a draft. Change it, have every party sign, then make it "
               "active.",
    "saved": "The draft is saved.",
    "versioned": "A new draft version is made from the latest terms, without signatures.",
    "signed": "The signature is recorded.",
    "active": "This version is active: it applies from the very next request, and any version it replaces has "
              "ended.",
    "suspended": "This version is suspended: nothing is shared under it from the very next request.",
    "ended": "This version has ended: nothing is shared under it from the very next request.",
}
#: The signing form's field for each that the domain's refusals name.
SIGN_FIELDS = {"organisation": "signatory_organisation", "name": "signatory_name", "signed_on": "signed_on-day"}
#: The status form's field for each that the domain's refusals name.
STATUS_FIELDS = {"reason": "reason"}


def _draft_form(request: Request, session: Session, form: DraftForm, version: AgreementVersion | None,
                errors: list) -> Response:
    return render(request, "sharing/draft_form.html", {
        **base("agreements"), "organisations": organisations(session), "purposes": purposes(session),
        "categories": categories(session), "article6_hint": ARTICLE6_HINT, "article9_hint": ARTICLE9_HINT,
        "gateways_hint": GATEWAYS_HINT, "date_terms": DATE_TERMS, "form": form, "new": version is None,
        "version": version, "errors": errors}, status_code=400 if errors else 200)


def grouped_policies(policies: list) -> list[tuple[str, tuple[str, ...], list[tuple[str, str]]]]:
    """The policies by purpose: (purpose, the fields each discloses, [(policy id, Cedar as shown)])."""
    grouped: dict[str, list] = {}
    for policy in policies:
        grouped.setdefault(policy.purpose, []).append(policy)
    return [(purpose, items[0].fields, [(item.policy_id, display_cedar(item.text)) for item in items])
            for purpose, items in grouped.items()]


def display_cedar(text: str) -> str:
    """A policy's Cedar, one condition a line, so that it reads without scrolling (still valid Cedar)."""
    head, brace, body = text.partition(" when { ")
    if not brace:
        return text
    conditions = body.rstrip().removesuffix("};").rstrip()
    return head + " when {\n    " + " &&\n    ".join(conditions.split(" && ")) + "\n};"


def _version_page(request: Request, session: Session, version: AgreementVersion, *, errors: list,
                  banner: str | None = None, sign_form: dict | None = None,
                  status_form: dict | None = None) -> Response:
    signed = {signature["organisation"] for signature in version.signatories or []}
    latest = max(item.version for item in version.agreement.versions)
    return render(request, "sharing/version.html", {
        **base("agreements"), "agreement": version.agreement, "version": version,
        "names": organisation_names(session),
        "unsigned": [party["organisation"] for party in version.parties or [] if party["organisation"] not in signed],
        "category_names": category_names(session), "purpose_names": purpose_names(session),
        "policies": grouped_policies(version_policies(session, version)),
        "can_version": version.version == latest and version.status != "draft", "today": date.today(),
        "errors": errors, "banner": banner, "sign_form": sign_form or {}, "status_form": status_form or {},
    }, status_code=400 if errors else 200)


def _version_url(code: str, number: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/sharing/agreements/{code.upper()}/versions/{number}?done={done}", status_code=303)


@router.get("/sharing/agreements")
def agreement_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view")
    with app.transaction() as session:
        rows = agreement_rows(session)
        names = organisation_names(session)
    return render(request, "sharing/agreements.html", {**base("agreements"), "rows": rows, "names": names,
                                                       "today": date.today()})


@router.get("/sharing/agreements/new")
def agreement_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view")
    with app.transaction() as session:
        return _draft_form(request, session, DraftForm(consent_required="yes", safeguarding_overrides="no"), None,
                           [])


@router.post("/sharing/agreements/new")
def agreement_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                     fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = DraftForm.posted(fields)
    gate(app, actor, action="sharing.agreement.create", subject_id=form.code[:40])
    terms, errors = form.terms(new=True)
    if not errors:
        try:
            with app.transaction() as session:
                code = create_agreement(session, actor, form.code, form.title, **terms).agreement.code
            return RedirectResponse(f"/sharing/agreements/{code}/versions/1?done=created", status_code=303)
        except RuleError as exc:
            errors = on_form(exc, DRAFT_FIELDS, "code")
    with app.transaction() as session:
        return _draft_form(request, session, form, None, errors)


@router.get("/sharing/agreements/{code}")
def agreement_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view", subject_id=code[:40])
    with app.transaction() as session:
        agreement = agreement_or_404(session, code)
        versions = list(reversed(agreement.versions))
        context: dict[str, Any] = {"agreement": agreement, "versions": versions,
                                   "names": organisation_names(session), "purpose_names": purpose_names(session)}
    return render(request, "sharing/agreement.html", {
        **base("agreements"), **context, "can_version": bool(versions) and versions[0].status != "draft"})


@router.get("/sharing/agreements/{code}/versions/{number:int}")
def version_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text, number: Id,
                 done: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view", subject_id=f"{code[:40]} v{number}")
    with app.transaction() as session:
        return _version_page(request, session, version_or_404(session, code, number), errors=[],
                             banner=DONE.get(done))


@router.get("/sharing/agreements/{code}/versions/{number:int}/edit")
def draft_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text,
               number: Id) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view", subject_id=f"{code[:40]} v{number}")
    with app.transaction() as session:
        version = version_or_404(session, code, number)
        if version.status != "draft":
            return RedirectResponse(f"/sharing/agreements/{version.agreement.code}/versions/{number}",
                                    status_code=303)
        return _draft_form(request, session, DraftForm.of(version), version, [])


@router.post("/sharing/agreements/{code}/versions/{number:int}/edit")
def draft_save(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields, code: Text,
               number: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.update", subject_id=f"{code[:40]} v{number}")
    form = DraftForm.posted(fields)
    terms, errors = form.terms(new=False)
    if not errors:
        try:
            with app.transaction() as session:
                update_draft(session, actor, version_or_404(session, code, number), **terms)
            return _version_url(code, number, "saved")
        except RuleError as exc:
            errors = on_form(exc, DRAFT_FIELDS, "provides")
    with app.transaction() as session:
        version = version_or_404(session, code, number)
        form.code, form.title = version.agreement.code, version.agreement.title
        return _draft_form(request, session, form, version, errors)


@router.post("/sharing/agreements/{code}/versions")
def version_new(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, code: Text) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.version", subject_id=code[:40])
    try:
        with app.transaction() as session:
            number = new_version(session, actor, agreement_or_404(session, code)).version
        return _version_url(code, number, "versioned")
    except RuleError as exc:
        with app.transaction() as session:
            latest = agreement_or_404(session, code).versions[-1]
            return _version_page(request, session, latest, errors=[("new-version", sentence(exc.message))])


@router.post("/sharing/agreements/{code}/versions/{number:int}/sign")
def version_sign(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields, code: Text,
                 number: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.sign", subject_id=f"{code[:40]} v{number}")
    day, month, year = date_parts(fields, "signed_on")
    form = {"organisation": one(fields, "signatory_organisation", 40), "name": one(fields, "signatory_name", 200),
            "role": one(fields, "signatory_role", 200), "day": day, "month": month, "year": year}
    errors = []
    if not form["organisation"]:
        errors.append(("signatory_organisation", "Select the party that signs"))
    if not form["name"]:
        errors.append(("signatory_name", "Enter the signatory's name"))
    signed_on, problem = parse_date(day, month, year, label="The date signed")
    if problem:
        errors.append(("signed_on-day", problem))
    elif signed_on is None:
        errors.append(("signed_on-day", "Enter the date they signed"))
    if not errors:
        try:
            with app.transaction() as session:
                sign(session, actor, version_or_404(session, code, number), organisation=form["organisation"],
                     name=form["name"], role=form["role"], signed_on=signed_on)
            return _version_url(code, number, "signed")
        except RuleError as exc:
            errors = on_form(exc, SIGN_FIELDS, "signatory_organisation")
    with app.transaction() as session:
        return _version_page(request, session, version_or_404(session, code, number), errors=errors,
                             sign_form=form)


@router.post("/sharing/agreements/{code}/versions/{number:int}/status")
def version_status(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                   code: Text, number: Id) -> Response:
    actor = visit.actor("web")
    status = one(fields, "status", 20)
    gate(app, actor, action="sharing.agreement.status", subject_id=f"{code[:40]} v{number}",
         details={"status": status})
    reason = one(fields, "reason")
    errors = []
    if status not in AGREEMENT_STATUSES or status == "draft":
        errors.append(("status", "Select what to do with this version"))
    elif len(reason) > TEXT_MAX:
        errors.append(("reason", f"The reason must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                set_status(session, actor, version_or_404(session, code, number), status, reason=reason)
            return _version_url(code, number, status)
        except RuleError as exc:
            errors = on_form(exc, STATUS_FIELDS, "status")
    with app.transaction() as session:
        return _version_page(request, session, version_or_404(session, code, number), errors=errors,
                             status_form={"status": status, "reason": reason})
