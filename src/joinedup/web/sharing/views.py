"""What the IG lead's pages and API share: the gates, the searches as typed, the lookups
that answer 404, the decision log's CSV, and how a page shows what the domain refuses.

Every rule behind them is the domain's (:mod:`joinedup.sharing.rules`,
:mod:`joinedup.sharing.log`, :mod:`joinedup.disclosure.preview`); this module only reads
what was typed and shapes the answer. No page module is imported here, so the API may use it.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.errors import Refusal
from joinedup.permissions import SHARING_PREVIEW, action_named
from joinedup.sharing import RECORD_FIELDS
from joinedup.sharing.agreements import (
    AGREEMENT_CODE,
    CATALOGUE_CODE,
    agreement_named,
    agreement_version,
    category_named,
    purpose_named,
)
from joinedup.sharing.log import (
    PERSON_ID_SEARCH,
    PERSON_ID_WORDS,
    LogFilter,
    export_decisions,
    log_filter,
)
from joinedup.sharing.models import (
    CONSENT_DECISIONS,
    AgreementVersion,
    DataCategory,
    Purpose,
    SharingAgreement,
)
from joinedup.web.gates import check
from joinedup.web.params import NUL_REFUSED, FieldRefused
from joinedup.web.templating import field_label

TEXT_MAX = 2000
NAME_MAX = 200

STATUS_TAGS = {"draft": "govuk-tag--grey", "active": "govuk-tag--green", "suspended": "govuk-tag--yellow",
               "ended": "govuk-tag--red"}
OUTCOME_TAGS = {"shared": "govuk-tag--green", "withheld": "govuk-tag--red", "declined": "govuk-tag--orange"}
CONSENT_TAGS = {"given": "govuk-tag--green", "refused": "govuk-tag--red", "withdrawn": "govuk-tag--orange"}
REVIEW_TAGS = {"pending": "govuk-tag--blue", "appropriate": "govuk-tag--green", "inappropriate": "govuk-tag--red"}
REVIEW_LABELS = {"pending": "Waiting for review", "appropriate": "Appropriate", "inappropriate": "Inappropriate"}

#: The placeholders of :data:`joinedup.sharing.consent.CONSENT_SCRIPT`, and what a practitioner says in each.
SCRIPT_PLACEHOLDERS = (
    ("organisation", "Your organisation's name, as the person knows it."),
    ("recipients", "The organisations you would share with: those that receive data for this purpose under an "
                   "active agreement your organisation provides to."),
    ("purpose", "What they would do with it, in plain words: the purpose's name."),
    ("categories", "The kinds of information you would share: the minimum dataset the agreement names for the "
                   "purpose, no more."),
)

# --------------------------------------------------------------------------- gates


def gate(app, actor: Actor, *, action: str, subject_id: int | str = "", details: dict | None = None) -> None:
    """The IG lead's gate (joinedup.permissions), audited either way; 403 without it."""
    check(app, actor, action_named(action), subject_id=subject_id, details=details)


def preview_gate(app, actor: Actor, *, subject_id: str = "") -> None:
    """The "view as" gate: IG leads, administrators and trainers; audited either way."""
    check(app, actor, SHARING_PREVIEW, subject_id=subject_id)


# --------------------------------------------------------------------------- forms


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


def one(fields: dict[str, list[str]], name: str, limit: int = TEXT_MAX) -> str:
    """A posted field's first value, trimmed, at most one character over ``limit`` (so a
    form can say it is too long)."""
    values = fields.get(name) or [""]
    return values[0].strip()[: limit + 1]


def sentence(message: str) -> str:
    """A domain message for the error summary (GOV.UK error messages have no full stop)."""
    return message.strip().rstrip(".")


def on_form(exc: Refusal, fields: dict[str, str], default: str) -> list[tuple[str, str]]:
    """What the domain refused, each problem beside the form field it is about: the field
    the refusal names, as the form calls it (``fields``: the domain's name → the form's),
    else ``default`` (a refusal about the state of things, not one field)."""
    return [(fields.get(name, default), sentence(message)) for name, message in exc.problems]


# --------------------------------------------------------------------------- what the pages show


def base(section: str) -> dict[str, Any]:
    """What every IG lead's page shows: the section, and the tags' colours."""
    return {"current": "sharing", "section": section, "status_tags": STATUS_TAGS, "outcome_tags": OUTCOME_TAGS,
            "consent_tags": CONSENT_TAGS, "review_tags": REVIEW_TAGS, "review_labels": REVIEW_LABELS,
            "describe_fields": describe_fields}


def field_choices() -> list[str]:
    """The record fields in the order people know them."""
    order = ["local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex", "address_text",
             "postcode", "nhs_number", "ni_number", "upn", "phone", "email", "facts", "flags"]
    return [name for name in order if name in RECORD_FIELDS] + sorted(RECORD_FIELDS - set(order) - {"source"})


def describe_fields(fields) -> tuple[list[str], list[str]]:
    """A decision's or a policy's fields for people: the record fields in their usual
    order, then the facts (``fact:KEY``, or every fact), each as a label."""
    names = set(fields or [])
    order = ["source", *field_choices()]
    plain = [field_label(name) for name in order if name in names and name not in ("facts", "flags")]
    if "flags" in names:
        plain.append("Data-quality flags")
    facts = ["Every fact"] if "facts" in names else []
    facts += sorted(field_label(name[5:]) for name in names if name.startswith("fact:"))
    return plain, facts


# --------------------------------------------------------------------------- lookups that answer 404


def _or_404(found, detail: str | None):
    if found is None:
        raise HTTPException(404, detail)
    return found


def purpose_or_404(session: Session, code: str, detail: str | None = None) -> Purpose:
    return _or_404(purpose_named(session, code) if re.fullmatch(CATALOGUE_CODE, code) else None, detail)


def category_or_404(session: Session, code: str, detail: str | None = None) -> DataCategory:
    return _or_404(category_named(session, code) if re.fullmatch(CATALOGUE_CODE, code) else None, detail)


def agreement_or_404(session: Session, code: str, detail: str | None = None) -> SharingAgreement:
    return _or_404(agreement_named(session, code) if re.fullmatch(AGREEMENT_CODE, code) else None, detail)


def version_or_404(session: Session, code: str, number: int, detail: str | None = None) -> AgreementVersion:
    return _or_404(agreement_version(session, code, number) if re.fullmatch(AGREEMENT_CODE, code) else None, detail)


# --------------------------------------------------------------------------- searches as typed


@dataclass(frozen=True)
class LogQuery:
    """The decision log's search, as typed; the domain checks it (:func:`log_filter`)."""

    person: str = ""
    username: str = ""
    organisation: str = ""
    agreement: str = ""
    outcome: str = ""
    since: str = ""
    until: str = ""

    @classmethod
    def typed(cls, person: str, username: str, organisation: str, agreement: str, outcome: str, since: str = "",
              until: str = "") -> LogQuery:
        return cls(person.strip().upper()[:21], username.strip()[:121], organisation.strip()[:40],
                   agreement.strip().upper()[:41], outcome.strip()[:20], since.strip()[:20], until.strip()[:20])

    def params(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}

    def filters(self, session: Session) -> LogFilter:
        return log_filter(session, person_id=self.person, username=self.username, organisation=self.organisation,
                          agreement=self.agreement, outcome=self.outcome, since=self.since, until=self.until)


@dataclass(frozen=True)
class ConsentQuery:
    """The consent register's search, as typed."""

    person: str = ""
    decision: str = ""

    def params(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}

    def errors(self) -> list[tuple[str, str]]:
        """What is wrong with the search as typed."""
        errors = []
        if self.person and not PERSON_ID_SEARCH.fullmatch(self.person):
            errors.append(("person", sentence(PERSON_ID_WORDS)))
        if self.decision and self.decision not in CONSENT_DECISIONS:
            errors.append(("decision", "Select a decision from the list"))
        return errors


@dataclass(frozen=True)
class ViewAsQuery:
    """Whose view of which person "view as" shows, as typed."""

    organisation: str = ""
    role: str = ""
    purpose: str = ""
    risk: bool = False
    person: str = ""

    @property
    def asked(self) -> bool:
        return bool(self.organisation or self.role or self.person)


def csv_response(app, actor: Actor, query: LogQuery) -> Response:
    """The decision log's matching rows as CSV (:func:`export_decisions`, which audits it)."""
    with app.transaction() as session:
        filters = query.filters(session)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "decisions.csv"
            export_decisions(session, out, filters, actor=actor)
            text = out.read_text(encoding="utf-8")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="sharing-decisions.csv"'})
