"""The IG lead's purposes and data categories: list, add and change them.

Whether a code is free, which roles may state a purpose and which fields a category may
disclose are the domain's rules (:func:`joinedup.sharing.rules.save_purpose`,
:func:`~joinedup.sharing.rules.save_category`); the forms check only what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.accounts import ROLE_NAMES
from joinedup.partners.directory import source_systems
from joinedup.permissions import FRONTLINE_ROLES, NON_READING_ROLES, ROLES
from joinedup.sharing import RECORD_FIELDS
from joinedup.sharing.agreements import categories, purposes, purposes_in_use
from joinedup.sharing.models import DataCategory, Purpose
from joinedup.sharing.policy import INVOLVEMENT_FIELDS
from joinedup.sharing.rules import RuleError, save_category, save_purpose
from joinedup.web.context import CheckedForm, CurrentVisit, PageUser, WebApp, render
from joinedup.web.params import Text
from joinedup.web.sharing.views import (
    NAME_MAX,
    TEXT_MAX,
    FormFields,
    base,
    category_or_404,
    field_choices,
    gate,
    on_form,
    one,
    purpose_or_404,
)

router = APIRouter(include_in_schema=False)

#: The roles a purpose may be given, for the form: the documents promise the others never
#: read persons' records (joinedup.sharing.rules.NEVER_A_PURPOSE).
ROLE_CHOICES = tuple((role, ROLE_NAMES[role]) for role in ROLES if role not in NON_READING_ROLES)
#: The fields of the forms that the domain's refusals name.
PURPOSE_FIELDS = {"code": "code", "name": "name", "roles": "roles"}
CATEGORY_FIELDS = {"code": "code", "fields": "fields"}


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
        return cls(code or one(fields, "code", 40), one(fields, "name", NAME_MAX), one(fields, "description"),
                   one(fields, "safeguarding", 3), tuple(role[:40] for role in fields.get("roles", [])[:20]))

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


def _purpose_form(request: Request, form: PurposeForm, *, new: bool, errors: list) -> Response:
    return render(request, "sharing/purpose_form.html", {**base("purposes"), "form": form, "new": new,
                                                         "errors": errors, "role_choices": ROLE_CHOICES},
                  status_code=400 if errors else 200)


@router.get("/sharing/purposes")
def purpose_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, saved: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view")
    with app.transaction() as session:
        found = purposes(session)
        used = purposes_in_use(session)
    banner = next((f"{item.name} is saved." for item in found if item.code == saved), None)
    return render(request, "sharing/purposes.html", {**base("purposes"), "purposes": found, "used": used,
                                                     "banner": banner})


@router.get("/sharing/purposes/new")
def purpose_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view")
    return _purpose_form(request, PurposeForm(), new=True, errors=[])


@router.post("/sharing/purposes/new")
def purpose_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                   fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = PurposeForm.posted(fields)
    gate(app, actor, action="sharing.purpose.save", subject_id=form.code[:40])
    errors = form.errors(new=True)
    if not errors:
        try:
            with app.transaction() as session:
                code = save_purpose(session, actor, form.code, name=form.name, description=form.description,
                                    safeguarding=form.safeguarding == "yes", roles=list(form.roles), new=True).code
            return RedirectResponse(f"/sharing/purposes?{urlencode({'saved': code})}", status_code=303)
        except RuleError as exc:
            errors = on_form(exc, PURPOSE_FIELDS, "code")
    return _purpose_form(request, form, new=True, errors=errors)


@router.get("/sharing/purposes/{code}")
def purpose_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.purposes.view", subject_id=code[:40])
    with app.transaction() as session:
        form = PurposeForm.of(purpose_or_404(session, code))
    return _purpose_form(request, form, new=False, errors=[])


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
                purpose_or_404(session, code)
                save_purpose(session, actor, code, name=form.name, description=form.description,
                             safeguarding=form.safeguarding == "yes", roles=list(form.roles))
            return RedirectResponse(f"/sharing/purposes?{urlencode({'saved': code})}", status_code=303)
        except RuleError as exc:
            errors = on_form(exc, PURPOSE_FIELDS, "roles")
    with app.transaction() as session:
        purpose_or_404(session, code)
    return _purpose_form(request, form, new=False, errors=errors)


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
        return cls(code or one(fields, "code", 40), one(fields, "name", NAME_MAX), one(fields, "description"),
                   [name for name in fields.get("fields", []) if name in RECORD_FIELDS | INVOLVEMENT_FIELDS],
                   one(fields, "facts", 5000), one(fields, "sensitive", 3), one(fields, "services", 5000))

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


def _category_form(request: Request, session: Session, form: CategoryForm, *, new: bool, errors: list) -> Response:
    return render(request, "sharing/category_form.html", {
        **base("categories"), "field_choices": field_choices() + sorted(INVOLVEMENT_FIELDS),
        "sources": source_systems(session), "form": form,
        "new": new, "errors": errors}, status_code=400 if errors else 200)


@router.get("/sharing/categories")
def category_list(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, saved: Text = "") -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view")
    with app.transaction() as session:
        found = categories(session)
        sources = dict(source_systems(session))
    banner = next((f"{item.name} is saved." for item in found if item.code == saved), None)
    return render(request, "sharing/categories.html", {**base("categories"), "categories": found,
                                                       "sources": sources, "banner": banner})


@router.get("/sharing/categories/new")
def category_new(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit) -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view")
    with app.transaction() as session:
        return _category_form(request, session, CategoryForm(), new=True, errors=[])


@router.post("/sharing/categories/new")
def category_create(request: Request, app: WebApp, user: PageUser, visit: CheckedForm,
                    fields: FormFields) -> Response:
    actor = visit.actor("web")
    form = CategoryForm.posted(fields)
    gate(app, actor, action="sharing.category.save", subject_id=form.code[:40])
    terms, errors = form.parsed(new=True)
    if not errors:
        try:
            with app.transaction() as session:
                code = save_category(session, actor, form.code, **terms, new=True).code
            return RedirectResponse(f"/sharing/categories?{urlencode({'saved': code})}", status_code=303)
        except RuleError as exc:
            errors = on_form(exc, CATEGORY_FIELDS, "code")
    with app.transaction() as session:
        return _category_form(request, session, form, new=True, errors=errors)


@router.get("/sharing/categories/{code}")
def category_edit(request: Request, app: WebApp, user: PageUser, visit: CurrentVisit, code: Text) -> Response:
    gate(app, visit.actor("web"), action="sharing.categories.view", subject_id=code[:40])
    with app.transaction() as session:
        return _category_form(request, session, CategoryForm.of(category_or_404(session, code)), new=False,
                              errors=[])


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
                category_or_404(session, code)
                save_category(session, actor, code, **terms)
            return RedirectResponse(f"/sharing/categories?{urlencode({'saved': code})}", status_code=303)
        except RuleError as exc:
            errors = on_form(exc, CATEGORY_FIELDS, "fields")
    with app.transaction() as session:
        category_or_404(session, code)
        return _category_form(request, session, form, new=False, errors=errors)
