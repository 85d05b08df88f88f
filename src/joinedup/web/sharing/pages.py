"""The information governance lead's pages under ``/sharing``: purposes and data
categories, sharing agreements (author, sign, activate, suspend, end, each version's
compiled Cedar policies), the decision log and its export, the break-glass review queue,
"view as" and the data-flow map.

Every page here is for information governance leads and administrators: the role is the
pages' gate (:func:`joinedup.accounts.roles.may_govern_sharing`, audited either way, a
clear 403 without it), checked in its own transaction so that a refusal is recorded even
when the work that follows fails. The one exception is the consent script, which
practitioners read to people: any signed-in user may open it, and it holds no personal
data.

The rules change through :mod:`joinedup.sharing.rules`, whose :class:`RuleError`
messages go into the error summary. "View as" reads each record through
:func:`joinedup.sharing.decide_record_access` as the user it pretends to be
(:func:`joinedup.disclosure.preview.view_as`, audited) and shows only the fields that
decision disclosed. The helpers that shape forms, log rows and the map are shared with
the JSON API (:mod:`joinedup.web.sharing.api`).
"""

from __future__ import annotations

import math
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.accounts import ROLE_NAMES
from joinedup.audit import Actor
from joinedup.db import utcnow
from joinedup.disclosure.preview import view_as
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people import person_by_id
from joinedup.people.models import Person
from joinedup.permissions import (
    FRONTLINE_ROLES,
    NON_READING_ROLES,
    ROLES,
    SHARING_PREVIEW,
    action_named,
)
from joinedup.sharing import RECORD_FIELDS, AccessDecision
from joinedup.sharing.policy import INVOLVEMENT_FIELDS
from joinedup.sharing.break_glass import (
    BreakGlassError,
    break_glass_queue,
    may_review,
    review_break_glass,
)
from joinedup.sharing.consent import CONSENT_SCRIPT, consent_register
from joinedup.sharing.flows import Flow, data_flows, version_policies
from joinedup.sharing.log import LogFilter, export_decisions, search_decisions
from joinedup.sharing.models import (
    AGREEMENT_STATUSES,
    CONSENT_DECISIONS,
    DECISION_OUTCOMES,
    AgreementVersion,
    BreakGlass,
    ConsentRecord,
    DataCategory,
    Purpose,
    SharingAgreement,
    SharingDecision,
)
from joinedup.sharing.rules import (
    RuleError,
    create_agreement,
    new_version,
    save_category,
    save_purpose,
    set_status,
    sign,
    update_draft,
)
from joinedup.sharing.training import (
    NotATrainingSample,
    governs_sharing,
    set_training_sample,
    training_samples,
)
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.gates import check
from joinedup.web.params import NUL_REFUSED, FieldRefused, Id, Text
from joinedup.web.templating import field_label

router = APIRouter(include_in_schema=False)

LOG_PAGE = 50
TEXT_MAX = 2000
NAME_MAX = 200
PERSON_ID = re.compile(r"[A-Za-z0-9]{1,20}")
AGREEMENT_CODE = re.compile(r"[A-Za-z0-9_.-]{1,40}")
PURPOSE_CODE = re.compile(r"[a-z0-9_]{1,40}")

STATUS_TAGS = {"draft": "govuk-tag--grey", "active": "govuk-tag--green", "suspended": "govuk-tag--yellow",
               "ended": "govuk-tag--red"}
OUTCOME_TAGS = {"shared": "govuk-tag--green", "withheld": "govuk-tag--red", "declined": "govuk-tag--orange"}
CONSENT_TAGS = {"given": "govuk-tag--green", "refused": "govuk-tag--red", "withdrawn": "govuk-tag--orange"}
REVIEW_TAGS = {"pending": "govuk-tag--blue", "appropriate": "govuk-tag--green", "inappropriate": "govuk-tag--red"}
REVIEW_LABELS = {"pending": "Waiting for review", "appropriate": "Appropriate", "inappropriate": "Inappropriate"}

#: The placeholders of :data:`CONSENT_SCRIPT`, and what a practitioner says in each.
SCRIPT_PLACEHOLDERS = (
    ("organisation", "Your organisation's name, as the person knows it."),
    ("recipients", "The organisations you would share with: those that receive data for this purpose under an "
                   "active agreement your organisation provides to."),
    ("purpose", "What they would do with it, in plain words: the purpose's name."),
    ("categories", "The kinds of information you would share: the minimum dataset the agreement names for the "
                   "purpose, no more."),
)

#: The conditions an IG lead picks from, as hints (any wording is kept as typed).
ARTICLE6_HINT = ("6(1)(a) consent, 6(1)(b) contract, 6(1)(c) legal obligation, 6(1)(d) vital interests, "
                 "6(1)(e) public task, 6(1)(f) legitimate interests.")
ARTICLE9_HINT = ("Only where special category data (health, for example) is shared: 9(2)(b) social protection, "
                 "9(2)(c) vital interests, 9(2)(g) substantial public interest, 9(2)(h) health or social care.")
GATEWAYS_HINT = ("The law that lets or makes the parties share, like Children Act 2004 s10, Children Act 2004 "
                 "s11, Crime and Disorder Act 1998 s115 or Care Act 2014 s42.")

DATE_TERMS = (("starts_on", "Start date"), ("ends_on", "End date"), ("review_on", "Review date"))


# --------------------------------------------------------------------------- the gate


def gate(app, actor: Actor, *, action: str, subject_id: int | str = "", details: dict | None = None) -> None:
    """The IG lead's gate (joinedup.permissions), audited either way; 403 without it."""
    check(app, actor, action_named(action), subject_id=subject_id, details=details)


async def _form_fields(request: Request) -> dict[str, list[str]]:
    """Every field of a posted form, each as the list of its (text) values: none may hold a
    NUL character, as no :data:`~joinedup.web.params.Text` may."""
    form = await request.form()
    fields = {key: [value for value in form.getlist(key) if isinstance(value, str)] for key in form.keys()}
    for key, values in fields.items():
        if any("\x00" in value for value in values):
            raise FieldRefused(400, key, NUL_REFUSED + ".")
    return fields


FormFields = Annotated[dict[str, list[str]], Depends(_form_fields)]


def _one(fields: dict[str, list[str]], name: str, limit: int = TEXT_MAX) -> str:
    values = fields.get(name) or [""]
    return values[0].strip()[: limit + 1]


def _base(section: str) -> dict[str, Any]:
    return {"current": "sharing", "section": section, "status_tags": STATUS_TAGS, "outcome_tags": OUTCOME_TAGS,
            "consent_tags": CONSENT_TAGS, "review_tags": REVIEW_TAGS, "review_labels": REVIEW_LABELS,
            "describe_fields": describe_fields}


def describe_fields(fields) -> tuple[list[str], list[str]]:
    """A decision's or a policy's fields for people: the record fields in their usual
    order, then the facts (``fact:KEY``, or every fact), each as a label."""
    names = set(fields or [])
    order = ["source", *_field_choices()]
    plain = [field_label(name) for name in order if name in names and name not in ("facts", "flags")]
    if "flags" in names:
        plain.append("Data-quality flags")
    facts = ["Every fact"] if "facts" in names else []
    facts += sorted(field_label(name[5:]) for name in names if name.startswith("fact:"))
    return plain, facts


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
    if pages <= 1:
        return None

    def url(number: int) -> str:
        return f"{path}?{urlencode(params | {'page': str(number)})}"

    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict | None] = []
    for number in shown:
        if items and items[-1] is not None and number - items[-1]["number"] > 1:
            items.append(None)
        items.append({"number": number, "url": url(number), "current": number == page})
    return {"previous": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
            "items": items}


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def purposes(session: Session) -> list[Purpose]:
    return list(session.scalars(select(Purpose).order_by(Purpose.name)))


def categories(session: Session) -> list[DataCategory]:
    return list(session.scalars(select(DataCategory).order_by(DataCategory.name)))


# --------------------------------------------------------------------------- the overview


@router.get("/sharing")
def overview(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.view")
    with app.transaction() as session:
        counts = {
            "purposes": session.scalar(select(func.count(Purpose.id))) or 0,
            "categories": session.scalar(select(func.count(DataCategory.id))) or 0,
            "agreements": session.scalar(select(func.count(SharingAgreement.id))) or 0,
            "active": session.scalar(select(func.count(AgreementVersion.id))
                                     .where(AgreementVersion.status == "active")) or 0,
            "drafts": session.scalar(select(func.count(AgreementVersion.id))
                                     .where(AgreementVersion.status == "draft")) or 0,
            "pending": len(break_glass_queue(session, actor)),
            "decisions": session.scalar(select(func.count(SharingDecision.id))) or 0,
            "consents": session.scalar(select(func.count(ConsentRecord.id))) or 0,
        }
    return render(request, "sharing/overview.html", {**_base("overview"), "counts": counts})


# --------------------------------------------------------------------------- purposes


@dataclass
class PurposeForm:
    code: str = ""
    name: str = ""
    description: str = ""
    safeguarding: str = ""  # "yes", "no" or "" (not answered)
    roles: tuple[str, ...] = FRONTLINE_ROLES  # who may state it

    @classmethod
    def of(cls, purpose: Purpose) -> PurposeForm:
        return cls(purpose.code, purpose.name, purpose.description or "", "yes" if purpose.safeguarding else "no",
                   tuple(purpose.roles or ()))

    @classmethod
    def posted(cls, fields: dict[str, list[str]], code: str = "") -> PurposeForm:
        return cls(code or _one(fields, "code", 40), _one(fields, "name", NAME_MAX), _one(fields, "description"),
                   _one(fields, "safeguarding", 3), tuple(role[:40] for role in fields.get("roles", [])[:20]))

    def errors(self, *, new: bool) -> list[tuple[str, str]]:
        errors = []
        if new and not self.code:
            errors.append(("code", "Enter a code for the purpose, like early_help"))
        if not self.name:
            errors.append(("name", "Enter the purpose's name"))
        elif len(self.name) > NAME_MAX:
            errors.append(("name", f"The name must be {NAME_MAX} characters or fewer"))
        if len(self.description) > TEXT_MAX:
            errors.append(("description", f"The description must be {TEXT_MAX:,} characters or fewer"))
        if self.safeguarding not in ("yes", "no"):
            errors.append(("safeguarding", "Select whether this is a safeguarding purpose"))
        return errors


#: The roles a purpose may be given, for the form: the documents promise the others never
#: read persons' records (joinedup.sharing.rules.NEVER_A_PURPOSE).
ROLE_CHOICES = tuple((role, ROLE_NAMES[role]) for role in ROLES if role not in NON_READING_ROLES)


@router.get("/sharing/purposes")
def purpose_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, saved: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view")
    with app.transaction() as session:
        found = purposes(session)
        used = _purposes_in_use(session)
    banner = next((f"{item.name} is saved." for item in found if item.code == saved), None)
    return render(request, "sharing/purposes.html", {**_base("purposes"), "purposes": found, "used": used,
                                                     "banner": banner})


def _purposes_in_use(session: Session) -> dict[str, list[str]]:
    """purpose code → the agreements (code vN) whose active version names it."""
    used: dict[str, list[str]] = defaultdict(list)
    for version, code in session.execute(select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
                                         .where(AgreementVersion.status == "active")
                                         .order_by(SharingAgreement.code)):
        for purpose in version.datasets or {}:
            used[purpose].append(f"{code} v{version.version}")
    return used


@router.get("/sharing/purposes/new")
def purpose_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view")
    return render(request, "sharing/purpose_form.html", {**_base("purposes"), "form": PurposeForm(), "new": True,
                                                         "errors": [], "role_choices": ROLE_CHOICES})


@router.post("/sharing/purposes/new")
def purpose_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                   fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = PurposeForm.posted(fields)
    gate(app, actor, action="sharing.purpose.save", subject_id=form.code[:40])
    errors = form.errors(new=True)
    code = ""
    if not errors:
        try:
            with app.transaction() as session:
                code = save_purpose(session, actor, form.code, name=form.name, description=form.description,
                                    safeguarding=form.safeguarding == "yes", roles=list(form.roles), new=True).code
        except RuleError as exc:
            errors.extend((field or "code", message.rstrip(".")) for field, message in exc.problems)
    if errors:
        return render(request, "sharing/purpose_form.html", {**_base("purposes"), "form": form, "new": True,
                                                             "errors": errors, "role_choices": ROLE_CHOICES},
                      status_code=400)
    return RedirectResponse(f"/sharing/purposes?{urlencode({'saved': code})}", status_code=303)


def _clean_code(code: str) -> str:
    return code.strip().lower().replace(" ", "_").replace("-", "_")


def _purpose_or_404(session: Session, code: str) -> Purpose:
    found = session.scalar(select(Purpose).where(Purpose.code == code)) if PURPOSE_CODE.fullmatch(code) else None
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/sharing/purposes/{code}")
def purpose_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view", subject_id=code[:40])
    with app.transaction() as session:
        form = PurposeForm.of(_purpose_or_404(session, code))
    return render(request, "sharing/purpose_form.html", {**_base("purposes"), "form": form, "new": False,
                                                         "errors": [], "role_choices": ROLE_CHOICES})


@router.post("/sharing/purposes/{code}")
def purpose_save(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                 code: Text) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.purpose.save", subject_id=code[:40])
    form = PurposeForm.posted(fields, code=code)
    errors = form.errors(new=False)
    if not errors:
        try:
            with app.transaction() as session:
                _purpose_or_404(session, code)
                save_purpose(session, actor, code, name=form.name, description=form.description,
                             safeguarding=form.safeguarding == "yes", roles=list(form.roles))
        except RuleError as exc:
            errors.extend((field or "roles", message.rstrip(".")) for field, message in exc.problems)
    if errors:
        with app.transaction() as session:
            _purpose_or_404(session, code)
        return render(request, "sharing/purpose_form.html", {**_base("purposes"), "form": form, "new": False,
                                                             "errors": errors, "role_choices": ROLE_CHOICES},
                      status_code=400)
    return RedirectResponse(f"/sharing/purposes?{urlencode({'saved': code})}", status_code=303)


# --------------------------------------------------------------------------- data categories


def services_text(services: list[dict]) -> str:
    """A category's sensitive services, one a line: ``source`` or ``source: fact = a; b``."""
    lines = []
    for service in services or []:
        line = service.get("source", "")
        if service.get("fact"):
            line += f": {service['fact']} = " + "; ".join(str(value) for value in service.get("values", []))
        lines.append(line)
    return "\n".join(lines)


def parse_services(text: str) -> tuple[list[dict], list[str]]:
    """The lines of :func:`services_text` back into services, and any problems."""
    services, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        source, colon, rest = line.partition(":")
        source = source.strip()
        if not source or " " in source:
            problems.append(f"Line {number} of the services must start with a source's code, like voluntary")
            continue
        if not colon:
            services.append({"source": source})
            continue
        fact, equals, values = rest.partition("=")
        wanted = [value.strip() for value in values.split(";") if value.strip()]
        if not equals or not fact.strip() or not wanted:
            problems.append(f"Line {number} of the services must be like: voluntary: need = Mental health support")
            continue
        services.append({"source": source, "fact": fact.strip(), "values": wanted})
    return services, problems


def split_list(text: str) -> list[str]:
    """Items typed one a line or separated by commas."""
    return [item.strip() for item in re.split(r"[\n,]", text or "") if item.strip()]


@dataclass
class CategoryForm:
    code: str = ""
    name: str = ""
    description: str = ""
    fields: list[str] = field(default_factory=list)
    facts: str = ""
    sensitive: str = ""
    services: str = ""

    @classmethod
    def of(cls, category: DataCategory) -> CategoryForm:
        return cls(category.code, category.name, category.description or "", list(category.fields or []),
                   "\n".join(category.facts or []), "yes" if category.sensitive else "no",
                   services_text(category.services or []))

    @classmethod
    def posted(cls, fields: dict[str, list[str]], code: str = "") -> CategoryForm:
        return cls(code or _one(fields, "code", 40), _one(fields, "name", NAME_MAX), _one(fields, "description"),
                   [name for name in fields.get("fields", []) if name in RECORD_FIELDS | INVOLVEMENT_FIELDS],
                   _one(fields, "facts", 5000), _one(fields, "sensitive", 3), _one(fields, "services", 5000))

    def parsed(self, *, new: bool) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        errors = []
        if new and not self.code:
            errors.append(("code", "Enter a code for the category, like housing"))
        if not self.name:
            errors.append(("name", "Enter the category's name"))
        elif len(self.name) > NAME_MAX:
            errors.append(("name", f"The name must be {NAME_MAX} characters or fewer"))
        if len(self.description) > TEXT_MAX:
            errors.append(("description", f"The description must be {TEXT_MAX:,} characters or fewer"))
        facts = split_list(self.facts)
        if any(len(fact) > 60 or not re.fullmatch(r"[A-Za-z0-9_]+", fact) for fact in facts):
            errors.append(("facts", "Facts are keys of letters, digits and underscores, like tenancy_type"))
        if not self.fields and not facts:
            errors.append(("fields", "Select at least one field, or enter at least one fact"))
        if self.sensitive not in ("yes", "no"):
            errors.append(("sensitive", "Select whether this is a sensitive service"))
        services, problems = parse_services(self.services)
        errors.extend(("services", problem) for problem in problems[:1])
        if self.sensitive == "yes" and not services and not problems:
            errors.append(("services", "Say which records are of the sensitive service"))
        terms = {"name": self.name, "description": self.description, "fields": self.fields, "facts": facts,
                 "sensitive": self.sensitive == "yes", "services": services if self.sensitive == "yes" else []}
        return terms, errors


def _field_choices() -> list[str]:
    order = ["local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex", "address_text",
             "postcode", "nhs_number", "ni_number", "upn", "phone", "email", "facts", "flags"]
    return [name for name in order if name in RECORD_FIELDS] + sorted(RECORD_FIELDS - set(order) - {"source"})


def _category_context(session: Session) -> dict[str, Any]:
    return {"field_choices": _field_choices() + sorted(INVOLVEMENT_FIELDS),
            "sources": list(session.execute(select(SourceSystem.code, SourceSystem.name).order_by(SourceSystem.code)))}


@router.get("/sharing/categories")
def category_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, saved: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view")
    with app.transaction() as session:
        found = categories(session)
        sources = dict(session.execute(select(SourceSystem.code, SourceSystem.name)).all())
    banner = next((f"{item.name} is saved." for item in found if item.code == saved), None)
    return render(request, "sharing/categories.html", {**_base("categories"), "categories": found,
                                                       "sources": sources, "banner": banner})


@router.get("/sharing/categories/new")
def category_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view")
    with app.transaction() as session:
        context = _category_context(session)
    return render(request, "sharing/category_form.html", {**_base("categories"), **context, "form": CategoryForm(),
                                                          "new": True, "errors": []})


@router.post("/sharing/categories/new")
def category_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                    fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = CategoryForm.posted(fields)
    gate(app, actor, action="sharing.category.save", subject_id=form.code[:40])
    terms, errors = form.parsed(new=True)
    code = ""
    if not errors:
        try:
            with app.transaction() as session:
                if session.scalar(select(DataCategory.id).where(DataCategory.code == _clean_code(form.code))):
                    raise RuleError(f"There is already a category {_clean_code(form.code)}: change that one")
                code = save_category(session, actor, form.code, **terms).code
        except RuleError as exc:
            errors.append(("code", _sentence(exc)))
    if errors:
        with app.transaction() as session:
            context = _category_context(session)
        return render(request, "sharing/category_form.html", {**_base("categories"), **context, "form": form,
                                                              "new": True, "errors": errors}, status_code=400)
    return RedirectResponse(f"/sharing/categories?{urlencode({'saved': code})}", status_code=303)


def _category_or_404(session: Session, code: str) -> DataCategory:
    found = (session.scalar(select(DataCategory).where(DataCategory.code == code))
             if PURPOSE_CODE.fullmatch(code) else None)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/sharing/categories/{code}")
def category_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view",
         subject_id=code[:40])
    with app.transaction() as session:
        form = CategoryForm.of(_category_or_404(session, code))
        context = _category_context(session)
    return render(request, "sharing/category_form.html", {**_base("categories"), **context, "form": form,
                                                          "new": False, "errors": []})


@router.post("/sharing/categories/{code}")
def category_save(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                  code: Text) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.category.save", subject_id=code[:40])
    form = CategoryForm.posted(fields, code=code)
    terms, errors = form.parsed(new=False)
    if not errors:
        try:
            with app.transaction() as session:
                _category_or_404(session, code)
                save_category(session, actor, code, **terms)
        except RuleError as exc:
            errors.append(("fields", _sentence(exc)))
    if errors:
        with app.transaction() as session:
            _category_or_404(session, code)
            context = _category_context(session)
        return render(request, "sharing/category_form.html", {**_base("categories"), **context, "form": form,
                                                              "new": False, "errors": errors}, status_code=400)
    return RedirectResponse(f"/sharing/categories?{urlencode({'saved': code})}", status_code=303)


def _sentence(exc: Exception) -> str:
    """A domain message for the error summary (GOV.UK error messages have no full stop)."""
    return str(exc).strip().rstrip(".")


# --------------------------------------------------------------------------- agreements: the draft form


@dataclass
class DraftForm:
    """An agreement version's terms as the form shows and posts them."""

    code: str = ""
    title: str = ""
    summary: str = ""
    provides: list[str] = field(default_factory=list)
    receives: list[str] = field(default_factory=list)
    datasets: dict[str, list[str]] = field(default_factory=dict)
    article6: str = ""
    article9: str = ""
    gateways: str = ""
    consent_required: str = ""
    safeguarding_overrides: str = ""
    retention: str = ""
    dates: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    ig_leads: str = ""  # usernames, one a line

    @classmethod
    def of(cls, version: AgreementVersion) -> DraftForm:
        basis = version.lawful_basis or {}

        def parts(value: date | None) -> tuple[str, str, str]:
            return (str(value.day), str(value.month), str(value.year)) if value else ("", "", "")

        return cls(
            code=version.agreement.code, title=version.agreement.title, summary=version.summary or "",
            provides=[party["organisation"] for party in version.parties or [] if party.get("provides")],
            receives=[party["organisation"] for party in version.parties or [] if party.get("receives")],
            datasets={purpose: list(wanted) for purpose, wanted in (version.datasets or {}).items()},
            article6="\n".join(basis.get("article6", [])), article9="\n".join(basis.get("article9", [])),
            gateways="\n".join(basis.get("gateways", [])),
            consent_required="yes" if version.consent_required else "no",
            safeguarding_overrides="yes" if version.safeguarding_overrides else "no",
            retention=version.retention or "",
            dates={name: parts(getattr(version, name)) for name, _label in DATE_TERMS},
            ig_leads="\n".join(version.ig_leads or []),
        )

    @classmethod
    def posted(cls, fields: dict[str, list[str]]) -> DraftForm:
        datasets = {}
        for key, values in fields.items():
            if key.startswith("dataset-") and PURPOSE_CODE.fullmatch(key[len("dataset-"):]):
                wanted = sorted({value for value in values if PURPOSE_CODE.fullmatch(value)})
                if wanted:
                    datasets[key[len("dataset-"):]] = wanted
        return cls(
            code=_one(fields, "code", 40), title=_one(fields, "title", 300), summary=_one(fields, "summary"),
            provides=sorted(set(fields.get("provides", []))), receives=sorted(set(fields.get("receives", []))),
            datasets=datasets, article6=_one(fields, "article6"), article9=_one(fields, "article9"),
            gateways=_one(fields, "gateways"), consent_required=_one(fields, "consent_required", 3),
            safeguarding_overrides=_one(fields, "safeguarding_overrides", 3), retention=_one(fields, "retention"),
            dates={name: (_one(fields, f"{name}-day", 4), _one(fields, f"{name}-month", 4),
                          _one(fields, f"{name}-year", 6)) for name, _label in DATE_TERMS},
            ig_leads=_one(fields, "ig_leads"),
        )

    def terms(self, *, new: bool) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The terms for :func:`create_agreement` or :func:`update_draft`, and the form's errors."""
        errors: list[tuple[str, str]] = []
        if new:
            if not self.code:
                errors.append(("code", "Enter a code for the agreement, like JSCP-ISA"))
            elif not AGREEMENT_CODE.fullmatch(self.code):
                errors.append(("code", "A code is up to 40 letters, digits, dots, dashes and underscores"))
            if not self.title:
                errors.append(("title", "Enter the agreement's title"))
            elif len(self.title) > 300:
                errors.append(("title", "The title must be 300 characters or fewer"))
        for name in ("summary", "article6", "article9", "gateways", "retention", "ig_leads"):
            if len(getattr(self, name)) > TEXT_MAX:
                errors.append((name, f"This must be {TEXT_MAX:,} characters or fewer"))
        if self.consent_required not in ("yes", "no"):
            errors.append(("consent_required", "Select whether the person's consent is needed"))
        if self.safeguarding_overrides not in ("yes", "no"):
            errors.append(("safeguarding_overrides", "Select whether a safeguarding risk overrides a refusal"))
        dates: dict[str, date | None] = {}
        for name, label in DATE_TERMS:
            value, problem = parse_date(*self.dates.get(name, ("", "", "")), label=label)
            if problem:
                errors.append((f"{name}-day", problem))
            dates[name] = value
        organisations_ = sorted(set(self.provides) | set(self.receives))
        terms = {
            "summary": self.summary,
            "parties": [{"organisation": code, "provides": code in self.provides, "receives": code in self.receives}
                        for code in organisations_],
            "datasets": self.datasets,
            "lawful_basis": {"article6": split_lines(self.article6), "article9": split_lines(self.article9),
                             "gateways": split_lines(self.gateways)},
            "consent_required": self.consent_required == "yes",
            "safeguarding_overrides": self.safeguarding_overrides == "yes",
            "retention": self.retention,
            "ig_leads": split_lines(self.ig_leads),
            **dates,
        }
        return terms, errors


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_date(day: str, month: str, year: str, *, label: str) -> tuple[date | None, str]:
    """A GOV.UK date input's three parts: None when all are empty, else a real date or a problem."""
    if not (day or month or year):
        return None, ""
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return None, f"{label} must be a real date, like 31 3 2027"
    try:
        return date(int(year), int(month), int(day)), ""
    except ValueError:
        return None, f"{label} must be a real date, like 31 3 2027"


#: Which field of the draft form a :class:`RuleError` is about, by its words.
RULE_FIELDS = (
    ("agreement code", "code"), ("already an agreement", "code"), ("organisation", "provides"),
    ("part", "provides"), ("purpose", "datasets"), ("data category", "datasets"), ("Article 6", "article6"),
    ("end before it starts", "ends_on-day"), ("IG lead", "ig_leads"),
)


def rule_field(message: str, default: str) -> str:
    return next((name for words, name in RULE_FIELDS if words.lower() in message.lower()), default)


def _draft_context(session: Session) -> dict[str, Any]:
    return {"organisations": organisations(session), "purposes": purposes(session),
            "categories": categories(session), "article6_hint": ARTICLE6_HINT, "article9_hint": ARTICLE9_HINT,
            "gateways_hint": GATEWAYS_HINT, "date_terms": DATE_TERMS}


# --------------------------------------------------------------------------- agreements: pages


@dataclass(frozen=True)
class AgreementRow:
    agreement: SharingAgreement
    latest: AgreementVersion | None
    active: AgreementVersion | None

    @property
    def shown(self) -> AgreementVersion | None:
        return self.active or self.latest


def agreement_rows(session: Session) -> list[AgreementRow]:
    rows = []
    for agreement in session.scalars(select(SharingAgreement).order_by(SharingAgreement.code)):
        versions = list(agreement.versions)
        latest = versions[-1] if versions else None
        active = next((version for version in reversed(versions) if version.status == "active"), None)
        rows.append(AgreementRow(agreement, latest, active))
    return rows


def organisation_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Organisation.code, Organisation.name)).all())


@router.get("/sharing/agreements")
def agreement_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view")
    with app.transaction() as session:
        rows = agreement_rows(session)
        names = organisation_names(session)
    return render(request, "sharing/agreements.html", {**_base("agreements"), "rows": rows, "names": names,
                                                       "today": date.today()})


@router.get("/sharing/agreements/new")
def agreement_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view")
    with app.transaction() as session:
        context = _draft_context(session)
    form = DraftForm(consent_required="yes", safeguarding_overrides="no")
    return render(request, "sharing/draft_form.html", {**_base("agreements"), **context, "form": form, "new": True,
                                                       "version": None, "errors": []})


@router.post("/sharing/agreements/new")
def agreement_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                     fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = DraftForm.posted(fields)
    gate(app, actor, action="sharing.agreement.create", subject_id=form.code[:40])
    terms, errors = form.terms(new=True)
    code = ""
    if not errors:
        try:
            with app.transaction() as session:
                code = create_agreement(session, actor, form.code, form.title, **terms).agreement.code
        except RuleError as exc:
            errors.append((rule_field(str(exc), "code"), _sentence(exc)))
    if errors:
        with app.transaction() as session:
            context = _draft_context(session)
        return render(request, "sharing/draft_form.html", {**_base("agreements"), **context, "form": form,
                                                           "new": True, "version": None, "errors": errors},
                      status_code=400)
    return RedirectResponse(f"/sharing/agreements/{code}/versions/1?done=created", status_code=303)


def agreement_or_404(session: Session, code: str) -> SharingAgreement:
    found = (session.scalar(select(SharingAgreement).where(SharingAgreement.code == code.upper()))
             if AGREEMENT_CODE.fullmatch(code) else None)
    if found is None:
        raise HTTPException(404)
    return found


def version_or_404(session: Session, code: str, number: int) -> AgreementVersion:
    agreement = agreement_or_404(session, code)
    found = session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id,
                                                          AgreementVersion.version == number))
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/sharing/agreements/{code}")
def agreement_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view", subject_id=code[:40])
    with app.transaction() as session:
        agreement = agreement_or_404(session, code)
        versions = list(reversed(agreement.versions))
        names = organisation_names(session)
        purpose_names = dict(session.execute(select(Purpose.code, Purpose.name)).all())
    return render(request, "sharing/agreement.html", {
        **_base("agreements"), "agreement": agreement, "versions": versions, "names": names,
        "purpose_names": purpose_names,
        "can_version": bool(versions) and versions[0].status != "draft",
    })


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


def version_context(session: Session, version: AgreementVersion) -> dict[str, Any]:
    names = organisation_names(session)
    signed = {signature["organisation"] for signature in version.signatories or []}
    unsigned = [party["organisation"] for party in version.parties or [] if party["organisation"] not in signed]
    category_names = dict(session.execute(select(DataCategory.code, DataCategory.name)).all())
    purpose_names = dict(session.execute(select(Purpose.code, Purpose.name)).all())
    latest = max(item.version for item in version.agreement.versions)
    return {
        "agreement": version.agreement, "version": version, "names": names, "unsigned": unsigned,
        "category_names": category_names, "purpose_names": purpose_names,
        "policies": grouped_policies(version_policies(session, version)),
        "can_version": version.version == latest and version.status != "draft",
        "today": date.today(),
    }


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


@router.get("/sharing/agreements/{code}/versions/{number:int}")
def version_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text, number: Id,
                 done: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view",
         subject_id=f"{code[:40]} v{number}")
    with app.transaction() as session:
        context = version_context(session, version_or_404(session, code, number))
    return render(request, "sharing/version.html", {**_base("agreements"), **context, "errors": [],
                                                    "banner": DONE.get(done), "sign_form": {}, "status_form": {}})


@router.get("/sharing/agreements/{code}/versions/{number:int}/edit")
def draft_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text,
               number: Id) -> Response:
    gate(app, visit.actor("web"), action="sharing.agreements.view",
         subject_id=f"{code[:40]} v{number}")
    with app.transaction() as session:
        version = version_or_404(session, code, number)
        if version.status != "draft":
            return RedirectResponse(f"/sharing/agreements/{version.agreement.code}/versions/{number}",
                                    status_code=303)
        context = _draft_context(session)
        form = DraftForm.of(version)
    return render(request, "sharing/draft_form.html", {**_base("agreements"), **context, "form": form, "new": False,
                                                       "version": version, "errors": []})


@router.post("/sharing/agreements/{code}/versions/{number:int}/edit")
def draft_save(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields, code: Text,
               number: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.update",
         subject_id=f"{code[:40]} v{number}")
    form = DraftForm.posted(fields)
    terms, errors = form.terms(new=False)
    if not errors:
        try:
            with app.transaction() as session:
                update_draft(session, actor, version_or_404(session, code, number), **terms)
        except RuleError as exc:
            errors.append((rule_field(str(exc), "provides"), _sentence(exc)))
    if errors:
        with app.transaction() as session:
            version = version_or_404(session, code, number)
            context = _draft_context(session)
            form.code, form.title = version.agreement.code, version.agreement.title
        return render(request, "sharing/draft_form.html", {**_base("agreements"), **context, "form": form,
                                                           "new": False, "version": version, "errors": errors},
                      status_code=400)
    return RedirectResponse(f"/sharing/agreements/{code.upper()}/versions/{number}?done=saved", status_code=303)


@router.post("/sharing/agreements/{code}/versions")
def version_new(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, code: Text) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.version", subject_id=code[:40])
    try:
        with app.transaction() as session:
            version = new_version(session, actor, agreement_or_404(session, code))
            number = version.version
    except RuleError as exc:
        with app.transaction() as session:
            agreement = agreement_or_404(session, code)
            latest = agreement.versions[-1]
            context = version_context(session, latest)
        return render(request, "sharing/version.html", {
            **_base("agreements"), **context, "errors": [("new-version", _sentence(exc))], "banner": None,
            "sign_form": {}, "status_form": {},
        }, status_code=400)
    return RedirectResponse(f"/sharing/agreements/{code.upper()}/versions/{number}?done=versioned", status_code=303)


@router.post("/sharing/agreements/{code}/versions/{number:int}/sign")
def version_sign(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields, code: Text,
                 number: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.agreement.sign",
         subject_id=f"{code[:40]} v{number}")
    form = {"organisation": _one(fields, "signatory_organisation", 40), "name": _one(fields, "signatory_name", 200),
            "role": _one(fields, "signatory_role", 200), "day": _one(fields, "signed_on-day", 4),
            "month": _one(fields, "signed_on-month", 4), "year": _one(fields, "signed_on-year", 6)}
    errors = []
    if not form["organisation"]:
        errors.append(("signatory_organisation", "Select the party that signs"))
    if not form["name"]:
        errors.append(("signatory_name", "Enter the signatory's name"))
    signed_on, problem = parse_date(form["day"], form["month"], form["year"], label="The date signed")
    if problem:
        errors.append(("signed_on-day", problem))
    elif signed_on is None:
        errors.append(("signed_on-day", "Enter the date they signed"))
    elif signed_on > date.today():
        errors.append(("signed_on-day", "The date signed must be today or in the past"))
    if not errors:
        try:
            with app.transaction() as session:
                version = version_or_404(session, code, number)
                if version.status != "draft":
                    raise RuleError("Only a draft is signed: make a new version")
                sign(session, actor, version, organisation=form["organisation"], name=form["name"],
                     role=form["role"], signed_on=signed_on)
        except RuleError as exc:
            errors.append(("signatory_organisation", _sentence(exc)))
    if errors:
        with app.transaction() as session:
            context = version_context(session, version_or_404(session, code, number))
        return render(request, "sharing/version.html", {**_base("agreements"), **context, "errors": errors,
                                                        "banner": None, "sign_form": form, "status_form": {}},
                      status_code=400)
    return RedirectResponse(f"/sharing/agreements/{code.upper()}/versions/{number}?done=signed", status_code=303)


@router.post("/sharing/agreements/{code}/versions/{number:int}/status")
def version_status(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                   code: Text, number: Id) -> Response:
    actor = visit.actor("web")
    status = _one(fields, "status", 20)
    gate(app, actor, action="sharing.agreement.status",
         subject_id=f"{code[:40]} v{number}", details={"status": status})
    reason = _one(fields, "reason")
    errors = []
    if status not in AGREEMENT_STATUSES or status == "draft":
        errors.append(("status", "Select what to do with this version"))
    elif status in ("suspended", "ended") and not reason:
        errors.append(("reason", "Enter the reason: it is recorded with your name"))
    elif len(reason) > TEXT_MAX:
        errors.append(("reason", f"The reason must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                set_status(session, actor, version_or_404(session, code, number), status, reason=reason)
        except RuleError as exc:
            errors.append(("status", _sentence(exc)))
    if errors:
        with app.transaction() as session:
            context = version_context(session, version_or_404(session, code, number))
        return render(request, "sharing/version.html", {**_base("agreements"), **context, "errors": errors,
                                                        "banner": None, "sign_form": {},
                                                        "status_form": {"status": status, "reason": reason}},
                      status_code=400)
    return RedirectResponse(f"/sharing/agreements/{code.upper()}/versions/{number}?done={status}", status_code=303)


# --------------------------------------------------------------------------- the decision log


@dataclass(frozen=True)
class LogQuery:
    """The decision log's search, as typed, and as a :class:`LogFilter`."""

    person: str = ""
    username: str = ""
    organisation: str = ""
    agreement: str = ""
    outcome: str = ""

    def params(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}

    def filters(self, session: Session) -> tuple[LogFilter | None, list[tuple[str, str]]]:
        errors = []
        if self.person and not PERSON_ID.fullmatch(self.person):
            errors.append(("person", "A person id is P and 10 letters and digits, like P0A1B2C3D4E"))
        if len(self.username) > 120:
            errors.append(("username", "A username is 120 characters or fewer"))
        organisation_id = None
        if self.organisation:
            organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == self.organisation))
            if organisation_id is None:
                errors.append(("organisation", "Select an organisation from the list"))
        if self.agreement and not session.scalar(select(SharingAgreement.id)
                                                 .where(SharingAgreement.code == self.agreement.upper())):
            errors.append(("agreement", "Select an agreement from the list"))
        if self.outcome and self.outcome not in DECISION_OUTCOMES:
            errors.append(("outcome", "Select an outcome from the list"))
        if errors:
            return None, errors
        return LogFilter(person_id=self.person, username=self.username, organisation_id=organisation_id,
                         agreement=self.agreement, outcome=self.outcome), []


@dataclass(frozen=True)
class LogRow:
    decision: SharingDecision
    organisation: str
    source_organisation: str
    agreement: str  # "CODE vN" or ""
    agreement_url: str
    organisation_code: str = ""
    source_organisation_code: str = ""


def log_rows(session: Session, decisions: list[SharingDecision]) -> list[LogRow]:
    organisations_ = {row.id: row for row in session.execute(select(Organisation.id, Organisation.code,
                                                                    Organisation.name))}
    names = {key: row.name for key, row in organisations_.items()}
    codes = {key: row.code for key, row in organisations_.items()}
    versions = {version_id: (code, number) for version_id, code, number in session.execute(
        select(AgreementVersion.id, SharingAgreement.code, AgreementVersion.version).join(SharingAgreement)
        .where(AgreementVersion.id.in_({d.agreement_version_id for d in decisions if d.agreement_version_id})))}
    rows = []
    for decision in decisions:
        code, number = versions.get(decision.agreement_version_id, ("", 0))
        rows.append(LogRow(decision, names.get(decision.organisation_id, ""),
                           names.get(decision.source_organisation_id, ""),
                           f"{code} v{number}" if code else "",
                           f"/sharing/agreements/{code}/versions/{number}" if code else "",
                           codes.get(decision.organisation_id, ""), codes.get(decision.source_organisation_id, "")))
    return rows


def _log_choices(session: Session) -> dict[str, Any]:
    return {"organisations": organisations(session),
            "agreements": list(session.scalars(select(SharingAgreement.code).order_by(SharingAgreement.code))),
            "outcomes": DECISION_OUTCOMES}


@router.get("/sharing/log")
def log(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "", username: Text = "",
        organisation: Text = "", agreement: Text = "", outcome: Text = "", page: Text = "1") -> Response:
    query = LogQuery(person.strip().upper()[:21], username.strip()[:121], organisation.strip()[:40],
                     agreement.strip().upper()[:41], outcome.strip()[:20])
    number = _page_number(page)
    gate(app, visit.actor("web"), action="sharing.log.view",
         details={"filters": query.params(), "page": number})
    with app.transaction() as session:
        filters, errors = query.filters(session)
        rows, total = [], 0
        if filters is not None:
            found, total = search_decisions(session, filters, limit=LOG_PAGE, offset=(number - 1) * LOG_PAGE)
            rows = log_rows(session, found)
        choices = _log_choices(session)
    pages = max(1, math.ceil(total / LOG_PAGE))
    if number > pages and total:
        raise HTTPException(404)
    return render(request, "sharing/log.html", {
        **_base("log"), **choices, "query": query, "rows": rows, "total": total, "errors": errors,
        "first": (number - 1) * LOG_PAGE + 1,
        "pagination": pagination("/sharing/log", query.params(), number, pages),
        "export_url": "/sharing/log/export.csv" + (f"?{urlencode(query.params())}" if query.params() else ""),
    }, status_code=400 if errors else 200)


@dataclass(frozen=True)
class ConsentQuery:
    """The consent register's search, as typed."""

    person: str = ""
    decision: str = ""

    def params(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}

    def errors(self) -> list[tuple[str, str]]:
        errors = []
        if self.person and not PERSON_ID.fullmatch(self.person):
            errors.append(("person", "A person id is P and 10 letters and digits, like P0A1B2C3D4E"))
        if self.decision and self.decision not in CONSENT_DECISIONS:
            errors.append(("decision", "Select a decision from the list"))
        return errors


def consent_rows(session: Session, query: ConsentQuery, *, limit: int, offset: int):
    """The register's matching rows, each with the recorder's organisation name; and how many match."""
    found, total = consent_register(session, person_id=query.person, decision=query.decision, limit=limit,
                                    offset=offset)
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    return [(consent, person_id, names.get(consent.organisation_id, "")) for consent, person_id in found], total


@router.get("/sharing/consent")
def consent(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "",
            decision: Text = "", page: Text = "1") -> Response:
    """The consent register: every consent, refusal and withdrawal practitioners recorded."""
    query = ConsentQuery(person.strip().upper()[:21], decision.strip()[:20])
    number = _page_number(page)
    gate(app, visit.actor("web"), action="sharing.consent.view",
         details={"filters": query.params(), "page": number})
    errors = query.errors()
    rows, total = [], 0
    with app.transaction() as session:
        if not errors:
            rows, total = consent_rows(session, query, limit=LOG_PAGE, offset=(number - 1) * LOG_PAGE)
        names = dict(session.execute(select(Organisation.code, Organisation.name)).all())
        purpose_names = dict(session.execute(select(Purpose.code, Purpose.name)).all())
        category_names = dict(session.execute(select(DataCategory.code, DataCategory.name)).all())
    pages = max(1, math.ceil(total / LOG_PAGE))
    if number > pages and total:
        raise HTTPException(404)
    return render(request, "sharing/consent.html", {
        **_base("consent"), "query": query, "rows": rows, "total": total, "errors": errors,
        "first": (number - 1) * LOG_PAGE + 1, "decisions": CONSENT_DECISIONS, "organisation_names": names,
        "purpose_names": purpose_names, "category_names": category_names,
        "pagination": pagination("/sharing/consent", query.params(), number, pages),
    }, status_code=400 if errors else 200)


@router.get("/sharing/log/export.csv")
def log_export(app: WebApp, user: PageUser, visit: CurrentVisit, person: Text = "", username: Text = "",
               organisation: Text = "", agreement: Text = "", outcome: Text = "") -> Response:
    actor = visit.actor("web")
    query = LogQuery(person.strip().upper()[:21], username.strip()[:121], organisation.strip()[:40],
                     agreement.strip().upper()[:41], outcome.strip()[:20])
    gate(app, actor, action="sharing.log.export",
         details={"filters": query.params()})
    return csv_response(app, actor, query)


def csv_response(app, actor: Actor, query: LogQuery) -> Response:
    """The decision log's matching rows as CSV (:func:`export_decisions`, which audits it)."""
    with app.transaction() as session:
        filters, errors = query.filters(session)
        if filters is None:
            raise FieldRefused(400, *errors[0])
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "decisions.csv"
            export_decisions(session, out, filters, actor=actor)
            text = out.read_text(encoding="utf-8")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="sharing-decisions.csv"'})


# --------------------------------------------------------------------------- break-glass review


@dataclass(frozen=True)
class Seen:
    at: Any
    record_id: int | None
    source_organisation: str
    fields: list[str]
    purpose: str
    action: str


@dataclass(frozen=True)
class GlassView:
    access: BreakGlass
    person_id: str
    organisation: str
    minutes: int
    active: bool
    seen: list[Seen]


def glass_views(session: Session, accesses: list[BreakGlass]) -> list[GlassView]:
    if not accesses:
        return []
    ids = [access.id for access in accesses]
    people = dict(session.execute(select(Person.id, Person.person_id)
                                  .where(Person.id.in_({access.person_id for access in accesses}))).all())
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    seen: dict[int, list[Seen]] = defaultdict(list)
    for decision in session.scalars(select(SharingDecision).where(SharingDecision.break_glass_id.in_(ids))
                                    .order_by(SharingDecision.at, SharingDecision.id)):
        seen[decision.break_glass_id].append(Seen(decision.at, decision.record_id,
                                                  names.get(decision.source_organisation_id, ""),
                                                  list(decision.fields or []), decision.purpose, decision.action))
    now = utcnow()
    return [GlassView(access, people.get(access.person_id, ""), names.get(access.organisation_id, ""),
                      round((access.expires_at - access.started_at).total_seconds() / 60),
                      access.expires_at > now, seen.get(access.id, []))
            for access in accesses]


def glass_or_404(session: Session, actor: Actor, access_id: int) -> BreakGlass:
    """A break-glass access the actor reviews: the domain's one answer (the queue lists
    exactly these), so an access listed always opens."""
    access = session.get(BreakGlass, access_id)
    if access is None or not may_review(session, actor, access):
        raise HTTPException(404)
    return access


@router.get("/sharing/break-glass")
def glass_queue(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, show: Text = "pending",
                reviewed: Text = "") -> Response:
    actor = visit.actor("web")
    pending_only = show != "all"
    gate(app, actor, action="sharing.break_glass.view",
         details={"show": "pending" if pending_only else "all"})
    with app.transaction() as session:
        views = glass_views(session, break_glass_queue(session, actor, pending_only=pending_only))
        banner = None
        if reviewed.isdigit() and len(reviewed) < 12:
            done = session.get(BreakGlass, int(reviewed))
            if done is not None and done.reviewed_by == actor.username[:120]:
                banner = (f"Your review of {done.username}'s break-glass access is recorded: "
                          f"{REVIEW_LABELS[done.review_status].lower()}.")
    return render(request, "sharing/break_glass.html", {**_base("break-glass"), "views": views,
                                                        "pending_only": pending_only, "banner": banner,
                                                        "review_days": app.settings.break_glass_review_days})


@router.get("/sharing/break-glass/{access_id:int}")
def glass_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, access_id: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.break_glass.view", subject_id=access_id)
    with app.transaction() as session:
        (view,) = glass_views(session, [glass_or_404(session, actor, access_id)])
    return render(request, "sharing/break_glass_review.html", {**_base("break-glass"), "view": view, "errors": [],
                                                               "form": {}})


@router.post("/sharing/break-glass/{access_id:int}")
def glass_review(request: Request, app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields,
                 access_id: Id) -> Response:
    actor = visit.actor("web")
    gate(app, actor, action="sharing.break_glass.review", subject_id=access_id)
    form = {"decision": _one(fields, "decision", 20), "note": _one(fields, "note")}
    errors = []
    if form["decision"] not in ("appropriate", "inappropriate"):
        errors.append(("decision", "Select whether the access was appropriate"))
    if not form["note"]:
        errors.append(("note", "Enter the reasons for your decision"))
    elif len(form["note"]) > TEXT_MAX:
        errors.append(("note", f"The reasons must be {TEXT_MAX:,} characters or fewer"))
    if not errors:
        try:
            with app.transaction() as session:
                review_break_glass(session, actor, glass_or_404(session, actor, access_id),
                                   decision=form["decision"], note=form["note"])
        except BreakGlassError as exc:
            errors.append(("decision", _sentence(exc)))
    if errors:
        with app.transaction() as session:
            (view,) = glass_views(session, [glass_or_404(session, actor, access_id)])
        return render(request, "sharing/break_glass_review.html", {**_base("break-glass"), "view": view,
                                                                   "errors": errors, "form": form}, status_code=400)
    return RedirectResponse(f"/sharing/break-glass?reviewed={access_id}", status_code=303)


# --------------------------------------------------------------------------- view as


@dataclass(frozen=True)
class PreviewRecord:
    """One record as the pretend user would get it: its disclosed fields, or why not."""

    decision: AccessDecision
    fields: dict[str, Any]

    @property
    def facts(self) -> dict[str, Any]:
        return self.fields.get("facts") or {}


@dataclass(frozen=True)
class ViewAsQuery:
    organisation: str = ""
    role: str = ""
    purpose: str = ""
    risk: bool = False
    person: str = ""

    @property
    def asked(self) -> bool:
        return bool(self.organisation or self.role or self.person)


def preview(session: Session, actor: Actor, query: ViewAsQuery) -> tuple[Person | None, list[PreviewRecord],
                                                                         list[tuple[str, str]]]:
    """The "view as" preview for ``query``: the person, each record as shown, or the errors."""
    errors = []
    if not session.scalar(select(Organisation.id).where(Organisation.code == query.organisation)):
        errors.append(("organisation", "Select the organisation whose view you want to see"))
    if query.role not in ROLES:
        errors.append(("role", "Select the role whose view you want to see"))
    if query.purpose and not session.scalar(select(Purpose.id).where(Purpose.code == query.purpose)):
        errors.append(("purpose", "Select a purpose from the list"))
    person = None
    if not query.person:
        errors.append(("person", "Enter the id of the person to see"))
    elif not PERSON_ID.fullmatch(query.person):
        errors.append(("person", "A person id is P and 10 letters and digits, like P0A1B2C3D4E"))
    else:
        person = session.scalar(select(Person).where(Person.person_id == query.person))
        if person is None:
            errors.append(("person", f"There is no person {query.person}"))
    if errors:
        return None, [], errors
    try:
        shown = view_as(session, actor, person, organisation=query.organisation, role=query.role,
                        purpose=query.purpose, safeguarding_risk=query.risk)
    except NotATrainingSample:
        return None, [], [("person", f"{query.person} is not one of the persons set aside for training: "
                                     "choose one from the list")]
    return person, [PreviewRecord(found.decision, found.fields) for found in shown], []


@router.get("/sharing/view-as")
def view_as_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, organisation: Text = "",
                 role: Text = "", purpose: Text = "", risk: Text = "", person: Text = "", sample: Text = "") -> Response:
    actor = visit.actor("web")
    query = ViewAsQuery(organisation.strip()[:40], role.strip()[:40], purpose.strip()[:40], risk == "yes",
                        person.strip().upper()[:21])
    preview_gate(app, actor, subject_id=query.person)
    found, records, errors = None, [], []
    with app.transaction() as session:  # commits a trainer's refused preview's audit event too
        if query.asked:
            found, records, errors = preview(session, actor, query)
        samples = training_samples(session)
        choices = {"organisations": organisations(session), "purposes": purposes(session), "roles": ROLES}
        purpose_name = dict((item.code, item.name) for item in choices["purposes"]).get(query.purpose, "")
        organisation_name = organisation_names(session).get(query.organisation, "")
        source_names = dict(session.execute(select(SourceSystem.code, SourceSystem.name)).all())
    return render(request, "sharing/view_as.html", {
        **_base("view-as"), **choices, "query": query, "person": found, "records": records, "errors": errors,
        "purpose_name": purpose_name, "organisation_name": organisation_name,
        "shown": sum(1 for record in records if record.decision.allowed), "fields_of": record_fields_shown,
        "source_names": source_names, "samples": samples, "governs": governs_sharing(actor),
        "is_sample": bool(found) and any(person_id == found.person_id for person_id, _note in samples),
        "sample_saved": sample,
    }, status_code=400 if errors else 200)


def preview_gate(app, actor: Actor, *, subject_id: str = "") -> None:
    """The "view as" gate: IG leads, administrators and trainers; audited either way."""
    check(app, actor, SHARING_PREVIEW, subject_id=subject_id)


@router.post("/sharing/view-as/samples")
def training_sample(app: WebApp, user: PageUser, visit: CheckedForm, fields: FormFields) -> Response:
    """Set a person aside for training, or stop (IG leads and administrators)."""
    actor = visit.actor("web")
    person_id = _one(fields, "person", 21).upper()
    gate(app, actor, action="sharing.training_sample.save", subject_id=person_id)
    sample = _one(fields, "sample", 3) == "yes"
    with app.transaction() as session:
        person = person_by_id(session, person_id)
        if person is None:
            raise HTTPException(404, f"There is no person {person_id}.")
        set_training_sample(session, actor, person, sample=sample, note=_one(fields, "note"))
    back = {key: _one(fields, key, 40) for key in ("organisation", "role", "purpose", "risk") if _one(fields, key, 40)}
    back |= {"person": person_id, "sample": "added" if sample else "removed"}
    return RedirectResponse(f"/sharing/view-as?{urlencode(back)}#preview", status_code=303)


# --------------------------------------------------------------------------- the data-flow map


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    x1: float
    y1: float
    x2: float
    y2: float
    both: bool
    label: str
    label_x: float
    label_y: float
    label_width: float
    title: str


@dataclass(frozen=True)
class FlowMap:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    legend: list[tuple[int, str]]
    node_height: int = 34


def flow_map(flows: list[Flow], names: dict[str, str], purpose_names: dict[str, str]) -> FlowMap:
    """Partners on a circle, an arrow from each provider to each recipient (one line with
    two heads when data goes both ways for the same purposes), labelled with the numbers
    of the purposes in the legend. Drawn on the server as SVG geometry, no script."""
    width, height, node_height = 960, 700, 34
    codes = sorted({flow.provider for flow in flows} | {flow.recipient for flow in flows})
    purposes_used = sorted({flow.purpose for flow in flows}, key=lambda code: purpose_names.get(code, code))
    number = {code: index for index, code in enumerate(purposes_used, start=1)}
    legend = [(number[code], purpose_names.get(code, code)) for code in purposes_used]
    centre_x, centre_y, radius = width / 2, height / 2, min(width, height) / 2 - 70
    nodes: dict[str, Node] = {}
    for index, code in enumerate(codes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(codes), 1)
        x, y = (centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle)) if len(codes) > 1 else (
            centre_x, centre_y)
        nodes[code] = Node(code, names.get(code, code), round(x, 1), round(y, 1), max(64, 12 * len(code) + 28))
    given: dict[tuple[str, str], set[str]] = defaultdict(set)
    for flow in flows:
        given[(flow.provider, flow.recipient)].add(flow.purpose)
    edges: list[Edge] = []
    placed: list[tuple[float, float, float, float]] = [
        (node.x - node.width / 2, node.y - node_height / 2, node.x + node.width / 2, node.y + node_height / 2)
        for node in nodes.values()
    ]
    done: set[tuple[str, str]] = set()
    for (provider, recipient), wanted in sorted(given.items()):
        if (provider, recipient) in done:
            continue
        back = given.get((recipient, provider))
        done.update({(provider, recipient), (recipient, provider)})
        if back is None or back == wanted:
            pairs = [(provider, recipient, wanted, 0.0, back is not None)]
        else:  # different purposes each way: two arrows side by side
            pairs = [(provider, recipient, wanted, 5.0, False), (recipient, provider, back, 5.0, False)]
        for source, target, purposes_, offset, both in pairs:
            edges.append(_edge(nodes[source], nodes[target], purposes_, number, names, purpose_names, both, offset,
                               node_height, placed))
    return FlowMap(width, height, list(nodes.values()), edges, legend, node_height)


def _edge(start: Node, end: Node, wanted: set[str], number: dict[str, int], names: dict[str, str],
          purpose_names: dict[str, str], both: bool, offset: float, node_height: int,
          placed: list[tuple[float, float, float, float]]) -> Edge:
    dx, dy = end.x - start.x, end.y - start.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = -uy * offset, ux * offset  # a pair of opposite arrows sits side by side

    def clip(node: Node, sign: float) -> tuple[float, float]:
        """Where the line meets the node's box, plus a gap for the arrowhead."""
        half_w, half_h = node.width / 2 + 4, node_height / 2 + 4
        scale = min(half_w / abs(ux) if ux else math.inf, half_h / abs(uy) if uy else math.inf)
        return node.x + sign * ux * scale + nx, node.y + sign * uy * scale + ny

    x1, y1 = clip(start, 1.0)
    x2, y2 = clip(end, -1.0)
    label = " ".join(str(number[code]) for code in sorted(wanted, key=number.get))
    label_width = 8 * len(label) + 10
    best = None
    for share in (0.5, 0.4, 0.6, 0.3, 0.7, 0.35, 0.65, 0.25, 0.75, 0.45, 0.55):
        x, y = x1 + (x2 - x1) * share + nx, y1 + (y2 - y1) * share + ny
        box = (x - label_width / 2, y - 9, x + label_width / 2, y + 9)
        if not any(box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
                   for other in placed):
            best = (x, y, box)
            break
    if best is None:
        x, y = x1 + (x2 - x1) / 2 + nx, y1 + (y2 - y1) / 2 + ny
        best = (x, y, (x - label_width / 2, y - 9, x + label_width / 2, y + 9))
    placed.append(best[2])
    words = ", ".join(purpose_names.get(code, code) for code in sorted(wanted, key=number.get))
    giver, taker = names.get(start.code, start.code), names.get(end.code, end.code)
    title = (f"{giver} and {taker} share with each other for: {words}" if both
             else f"{giver} gives {taker} data for: {words}")
    return Edge(start.code, end.code, round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1), both, label,
                round(best[0], 1), round(best[1], 1), label_width, title)


@router.get("/sharing/map")
def flow_map_page(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, purpose: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.map.view")
    with app.transaction() as session:
        flows = data_flows(session)
        names = organisation_names(session)
        purpose_names = dict(session.execute(select(Purpose.code, Purpose.name)).all())
        category_names = dict(session.execute(select(DataCategory.code, DataCategory.name)).all())
        links = dict(session.execute(select(SharingAgreement.code, SharingAgreement.title)).all())
    choices = sorted({flow.purpose for flow in flows}, key=lambda code: purpose_names.get(code, code))
    chosen = purpose if purpose in choices else ""
    shown = [flow for flow in flows if not chosen or flow.purpose == chosen]
    return render(request, "sharing/map.html", {
        **_base("map"), "map": flow_map(shown, names, purpose_names), "flows": shown, "names": names,
        "purpose_names": purpose_names, "category_names": category_names, "choices": choices, "chosen": chosen,
        "titles": links,
    })


# --------------------------------------------------------------------------- the consent script


def script_example(session: Session, organisation_code: str, purpose_code: str) -> dict[str, str] | None:
    """The placeholders filled in for a practitioner of ``organisation_code`` asking for
    ``purpose_code``, from the live agreements; None when none lets them share it."""
    names = organisation_names(session)
    purpose = session.scalar(select(Purpose).where(Purpose.code == purpose_code))
    if purpose is None or organisation_code not in names:
        return None
    recipients, wanted = set(), set()
    for flow in data_flows(session):
        if flow.provider == organisation_code and flow.purpose == purpose_code:
            recipients.add(flow.recipient)
            wanted.update(flow.categories)
    if not recipients:
        return None
    category_names = dict(session.execute(select(DataCategory.code, DataCategory.name)).all())
    return {
        "organisation": names[organisation_code],
        "recipients": words_list(sorted(names.get(code, code) for code in recipients)),
        "purpose": purpose.name[:1].lower() + purpose.name[1:] if purpose.name else purpose.code,
        "categories": words_list(sorted(category_names.get(code, code).lower() for code in wanted)),
    }


def words_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def script_parts(script: str, values: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """The script as (text, is a placeholder) pieces, placeholders filled from ``values`` when given."""
    parts = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", script)):
        if index % 2:
            parts.append((values[piece] if values and piece in values else "{" + piece + "}", True))
        elif piece:
            parts.append((piece, False))
    return parts


@router.get("/sharing/consent-script")
def consent_script(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, purpose: Text = "") -> Response:
    """For every signed-in user: practitioners read this script to people before asking."""
    with app.transaction() as session:
        choices = purposes(session)
        example = script_example(session, user.organisation_code, purpose) if purpose else None
    paragraphs = [script_parts(paragraph) for paragraph in CONSENT_SCRIPT.split("\n\n")]
    filled = [script_parts(paragraph, example) for paragraph in CONSENT_SCRIPT.split("\n\n")] if example else None
    return render(request, "sharing/consent_script.html", {
        "current": "sharing" if user.has_role("ig_lead", "admin") else "", "section": "consent-script",
        "paragraphs": paragraphs, "filled": filled, "placeholders": SCRIPT_PLACEHOLDERS, "purposes": choices,
        "chosen": purpose if any(item.code == purpose for item in choices) else "",
        "governs": user.has_role("ig_lead", "admin"),
    })


def record_fields_shown(record: PreviewRecord) -> list[tuple[str, Any]]:
    """A previewed record's disclosed fields other than facts, in a stable order."""
    order = ["source", *_field_choices()]
    return [(name, record.fields[name]) for name in order if name in record.fields and name != "facts"]

