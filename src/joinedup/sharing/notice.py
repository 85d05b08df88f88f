"""The privacy notice, written from the agreements in force, so it never says more or less
than the partnership has agreed.

A person should be able to read what is shared about them, with whom, why, on what lawful
basis and for how long (UK GDPR Articles 13 and 14). Each section here comes from an
active agreement version in force on the day: its parties, its datasets (purpose → data
categories), its lawful basis and its retention. The legal references an IG lead types
(``6(1)(e) public task``) are put into plain words beside the reference itself; a
reference the notice does not know is shown as written, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.partners.models import Organisation
from joinedup.sharing.models import (
    AgreementVersion,
    DataCategory,
    Purpose,
    SharingAgreement,
)

#: UK GDPR Article 6(1) and 9(2) in plain words, by the point's letter.
ARTICLE6 = {
    "a": "you have agreed to it (consent)",
    "b": "it is needed for a contract with you",
    "c": "the law requires it",
    "d": "it is needed to protect someone's life",
    "e": "it is needed for a task carried out in the public interest or in the exercise of official authority",
    "f": "it is in the legitimate interests of the organisation, and those interests are not outweighed by yours",
}
ARTICLE9 = {
    "a": "you have given explicit consent",
    "b": "it is needed for obligations in employment and social protection law",
    "c": "it is needed to protect someone's life when they cannot consent",
    "d": "it is done by a not-for-profit body for its members",
    "e": "you have made the information public yourself",
    "f": "it is needed for legal claims",
    "g": "it is needed for reasons of substantial public interest set out in law",
    "h": "it is needed for health or social care",
    "i": "it is needed for reasons of public health",
    "j": "it is needed for archiving, research or statistics in the public interest",
}
_POINT = re.compile(r"^\s*(6\(1\)|9\(2\))\(([a-j])\)", re.IGNORECASE)

#: What a person may ask of the partners, whatever the agreement.
RIGHTS = (
    ("You can ask any partner organisation for a copy of the information it holds about you, and who it has "
     "shared it with (a subject access request). They must answer within one month."),
    "You can ask for information that is wrong to be corrected.",
    ("You can object to information being shared. Where sharing rests on your consent you can withdraw it at "
     "any time; where it is needed to keep someone safe, it may still be shared, and you will be told why "
     "unless telling you would put someone at risk."),
    "You can complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113).",
)


@dataclass(frozen=True)
class LawfulBasis:
    """A legal reference as the agreement gives it, and what it means in plain words ('' if unknown)."""

    reference: str
    meaning: str


@dataclass(frozen=True)
class SharedFor:
    """One purpose of an agreement and the information shared for it."""

    purpose: str
    why: str
    categories: tuple[str, ...]
    sensitive: tuple[str, ...]


@dataclass(frozen=True)
class NoticeSection:
    """What one agreement in force shares."""

    code: str
    title: str
    version: int
    organisations: tuple[str, ...]
    shared_for: tuple[SharedFor, ...]
    bases: tuple[LawfulBasis, ...]
    laws: tuple[str, ...]
    consent: str
    retention: str
    review_on: date | None


@dataclass(frozen=True)
class PrivacyNotice:
    as_of: date
    sections: tuple[NoticeSection, ...]
    contacts: tuple[tuple[str, str], ...]
    rights: tuple[str, ...] = RIGHTS


def plain_basis(reference: str) -> LawfulBasis:
    """``6(1)(e) public task`` → the reference and 'it is needed for a task carried out …'."""
    found = _POINT.match(reference)
    if not found:
        return LawfulBasis(reference, "")
    table = ARTICLE6 if found.group(1).startswith("6") else ARTICLE9
    return LawfulBasis(reference, table[found.group(2).lower()])


def _consent_words(version: AgreementVersion) -> str:
    if version.consent_required:
        return "Information is shared only with your agreement, which you can withdraw at any time."
    if version.safeguarding_overrides:
        return ("Information is shared without asking for your agreement where the law allows it. Where you have "
                "said no, it is still shared if a practitioner records that someone is at risk of serious harm.")
    return "Information is shared without asking for your agreement, because the law allows it for this purpose."


def privacy_notice(session: Session, *, today: date | None = None) -> PrivacyNotice:
    """The notice as the agreements in force on ``today`` make it."""
    today = today or date.today()
    organisations = {org.code: org for org in session.scalars(select(Organisation))}
    purposes = {purpose.code: purpose for purpose in session.scalars(select(Purpose))}
    categories = {category.code: category for category in session.scalars(select(DataCategory))}
    rows = session.execute(
        select(AgreementVersion, SharingAgreement).join(SharingAgreement)
        .where(AgreementVersion.status == "active").order_by(SharingAgreement.title))
    sections, named = [], set()
    for version, agreement in rows:
        if (version.starts_on and version.starts_on > today) or (version.ends_on and version.ends_on < today):
            continue
        codes = [party["organisation"] for party in version.parties or []]
        named.update(codes)
        shared_for = []
        for purpose_code, category_codes in (version.datasets or {}).items():
            purpose = purposes.get(purpose_code)
            known = [categories[code] for code in category_codes if code in categories]
            shared_for.append(SharedFor(
                purpose=purpose.name if purpose else purpose_code,
                why=purpose.description if purpose else "",
                categories=tuple(category.name for category in known if not category.sensitive),
                sensitive=tuple(category.name for category in known if category.sensitive)))
        basis = version.lawful_basis or {}
        sections.append(NoticeSection(
            code=agreement.code, title=agreement.title, version=version.version,
            organisations=tuple(organisations[code].name if code in organisations else code for code in codes),
            shared_for=tuple(shared_for),
            bases=tuple(plain_basis(ref) for ref in [*basis.get("article6", []), *basis.get("article9", [])]),
            laws=tuple(basis.get("gateways", [])),
            consent=_consent_words(version),
            retention=version.retention or "Not stated in the agreement: ask the organisation.",
            review_on=version.review_on))
    contacts = tuple((org.name, " · ".join(part for part in (org.contact_email, org.contact_phone) if part))
                     for code, org in sorted(organisations.items(), key=lambda item: item[1].name) if code in named)
    return PrivacyNotice(as_of=today, sections=tuple(sections), contacts=contacts)
