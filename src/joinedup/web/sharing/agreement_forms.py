"""An agreement version's terms as the draft form shows and posts them, and GOV.UK date
inputs. The form checks only what was typed; what the terms may be is the domain's
(:func:`joinedup.sharing.rules.create_agreement`, :func:`~joinedup.sharing.rules.update_draft`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from joinedup.sharing.agreements import AGREEMENT_CODE, CATALOGUE_CODE
from joinedup.sharing.models import AgreementVersion
from joinedup.web.params import parse_date
from joinedup.web.sharing.views import TEXT_MAX, one

#: The conditions an IG lead picks from, as hints (any wording is kept as typed).
ARTICLE6_HINT = ("6(1)(a) consent, 6(1)(b) contract, 6(1)(c) legal obligation, 6(1)(d) vital interests, "
                 "6(1)(e) public task, 6(1)(f) legitimate interests.")
ARTICLE9_HINT = ("Only where special category data (health, for example) is shared: 9(2)(b) social protection, "
                 "9(2)(c) vital interests, 9(2)(g) substantial public interest, 9(2)(h) health or social care.")
GATEWAYS_HINT = ("The law that lets or makes the parties share, like Children Act 2004 s10, Children Act 2004 "
                 "s11, Crime and Disorder Act 1998 s115 or Care Act 2014 s42.")

DATE_TERMS = (("starts_on", "Start date"), ("ends_on", "End date"), ("review_on", "Review date"))
#: The draft form's field for each term the domain's refusals name.
DRAFT_FIELDS = {"code": "code", "title": "title", "parties": "provides", "datasets": "datasets",
                "lawful_basis": "article6", "ends_on": "ends_on-day", "ig_leads": "ig_leads"}


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def date_parts(fields: dict[str, list[str]], name: str) -> tuple[str, str, str]:
    """A posted date input's day, month and year, as typed."""
    return one(fields, f"{name}-day", 4), one(fields, f"{name}-month", 4), one(fields, f"{name}-year", 6)


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
            if key.startswith("dataset-") and re.fullmatch(CATALOGUE_CODE, key[len("dataset-"):]):
                wanted = sorted({value for value in values if re.fullmatch(CATALOGUE_CODE, value)})
                if wanted:
                    datasets[key[len("dataset-"):]] = wanted
        return cls(
            code=one(fields, "code", 40), title=one(fields, "title", 300), summary=one(fields, "summary"),
            provides=sorted(set(fields.get("provides", []))), receives=sorted(set(fields.get("receives", []))),
            datasets=datasets, article6=one(fields, "article6"), article9=one(fields, "article9"),
            gateways=one(fields, "gateways"), consent_required=one(fields, "consent_required", 3),
            safeguarding_overrides=one(fields, "safeguarding_overrides", 3), retention=one(fields, "retention"),
            dates={name: date_parts(fields, name) for name, _label in DATE_TERMS},
            ig_leads=one(fields, "ig_leads"),
        )

    def terms(self, *, new: bool) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The terms for :func:`create_agreement` or :func:`update_draft`, and the form's errors."""
        errors: list[tuple[str, str]] = []
        if new:
            if not self.code:
                errors.append(("code", "Enter a code for the agreement, like JSCP-ISA"))
            elif not re.fullmatch(AGREEMENT_CODE, self.code):
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
        organisations = sorted(set(self.provides) | set(self.receives))
        terms = {
            "summary": self.summary,
            "parties": [{"organisation": code, "provides": code in self.provides, "receives": code in self.receives}
                        for code in organisations],
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
