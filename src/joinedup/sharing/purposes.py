"""Purpose at the point of access: which purposes a user may state, and stating one.

Connecting Care's "reasons for accessing" is the model: before a person's shared
information is shown, the user says why they are looking. :func:`purposes_open_to` is the
one answer to "which purposes may this user state?", and :func:`state_purpose` the one
check of what they stated; pages, API and CLI all call them, so they refuse the same
things. A purpose is open to a user when

- one of their roles is among the purpose's roles (data the IG lead edits: frontline
  purposes are for frontline roles, and the data team, administrators, IG leads and
  trainers are never given one), and
- it is direct care, or an active agreement (within its dates) lets their organisation
  receive information for it.

The policy point checks the same conditions again in every agreement's Cedar policy, so a
purpose stated some other way still discloses nothing it should not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.errors import Refusal
from joinedup.partners.models import Organisation
from joinedup.sharing.models import AgreementVersion, Purpose

#: Always open to the frontline roles: care of the person by the people looking after
#: them. No agreement is needed to look at one's own organisation's records for it.
DIRECT_CARE = "direct_care"
RELATIONSHIP_MAX = 300
#: A legitimate relationship, as a choice; "other" takes the user's own words.
RELATIONSHIPS = (
    ("allocated_worker", "I am their allocated worker or lead professional"),
    ("team", "My team is working with them or their family"),
    ("care", "I am involved in their care or treatment"),
    ("school", "I teach or support them at school"),
    ("referral", "I am dealing with a referral or contact about them"),
    ("enquiry", "I am making safeguarding or police enquiries about them"),
    ("other", "Another relationship"),
)

NO_PURPOSE = "Select why you are looking"
UNKNOWN_PURPOSE = "There is no such purpose: select one of the purposes listed"
NOT_OPEN = "Your organisation and role may not state this purpose: select one of the purposes listed"
NONE_OPEN = "Your role does not read persons' records, so it states no purpose"
NO_RELATIONSHIP = "Say what your relationship with this person is"
LONG_RELATIONSHIP = f"Your relationship must be {RELATIONSHIP_MAX} characters or fewer"
RISK_NEEDS_SAFEGUARDING = "A risk of serious harm can be stated only with a safeguarding purpose"


@dataclass(frozen=True)
class StatedPurpose:
    """Why the user is looking, as they stated it at the point of access."""

    code: str = ""
    safeguarding_risk: bool = False
    relationship: str = ""
    #: When the purpose was carried by a working context (:mod:`joinedup.sharing.context`)
    #: rather than stated for this person: the time the context started, for the audit trail.
    context: str = ""


@dataclass(frozen=True)
class PurposeOption:
    """A purpose the user may state."""

    code: str
    name: str
    description: str = ""
    safeguarding: bool = False

    @property
    def relationship_required(self) -> bool:
        """A safeguarding purpose (a child or adult at risk, vital interests) may be stated
        without a relationship, because a concern about someone nobody works with yet is
        exactly when one looks; every other purpose needs the user's relationship."""
        return not self.safeguarding


class PurposeRefused(Refusal):
    """A stated purpose that cannot be used as given."""


class PurposeNotOpen(PurposeRefused):
    """A purpose the user's organisation or role may not state (a refusal of authority)."""

    forbidden = True
    status = 403


def organisation_code(session: Session, organisation_id: int | None) -> str:
    if organisation_id is None:
        return ""
    return session.scalar(select(Organisation.code).where(Organisation.id == organisation_id)) or ""


def purposes_open_to(session: Session, actor: Actor, *, on: date | None = None) -> list[PurposeOption]:
    """The purposes ``actor`` may state, direct care first, in the catalogue's order."""
    on = on or date.today()
    roles = set(actor.roles)
    rows = [row for row in session.scalars(select(Purpose).order_by(Purpose.id)) if roles & set(row.roles or [])]
    if not rows:
        return []
    organisation = organisation_code(session, actor.organisation_id)
    received = {DIRECT_CARE}
    versions = session.execute(select(AgreementVersion.parties, AgreementVersion.datasets, AgreementVersion.starts_on,
                                      AgreementVersion.ends_on).where(AgreementVersion.status == "active"))
    for parties, datasets, starts_on, ends_on in versions:
        if (starts_on and starts_on > on) or (ends_on and ends_on < on):
            continue
        if any(party.get("organisation") == organisation and party.get("receives") for party in parties or []):
            received.update((datasets or {}).keys())
    open_rows = sorted((row for row in rows if row.code in received), key=lambda row: (row.code != DIRECT_CARE, row.id))
    return [PurposeOption(row.code, row.name, row.description, row.safeguarding) for row in open_rows]


def relationship_text(choice: str, other: str) -> str:
    """The relationship in words: the chosen one, or the user's own when they chose 'other'
    (an unknown choice is no relationship)."""
    if choice == "other":
        return " ".join((other or "").split())
    return dict(RELATIONSHIPS).get(choice, "")


def state_purpose(session: Session, actor: Actor, code: str, *, relationship: str = "",
                  safeguarding_risk: bool = False, relationship_field: str = "relationship",
                  options: list[PurposeOption] | None = None) -> StatedPurpose:
    """The purpose ``actor`` states, checked: it must be open to them
    (:class:`PurposeNotOpen` otherwise), with a relationship where the rules need one and
    a risk only with a safeguarding purpose (:class:`PurposeRefused` names each problem).
    ``options`` saves reading the open purposes again when the caller has them."""
    code = (code or "").strip()
    relationship = " ".join((relationship or "").split())
    if not code:
        raise PurposeRefused(NO_PURPOSE, "purpose")
    options = purposes_open_to(session, actor) if options is None else options
    option = next((option for option in options if option.code == code), None)
    if option is None:
        if not options:
            raise PurposeNotOpen(NONE_OPEN, "purpose")
        known = session.scalar(select(Purpose.id).where(Purpose.code == code)) is not None
        raise PurposeNotOpen(NOT_OPEN, "purpose") if known else PurposeRefused(UNKNOWN_PURPOSE, "purpose")
    problems = []
    if option.relationship_required and not relationship:
        problems.append((relationship_field, NO_RELATIONSHIP))
    if len(relationship) > RELATIONSHIP_MAX:
        problems.append((relationship_field, LONG_RELATIONSHIP))
    if safeguarding_risk and not option.safeguarding:
        problems.append(("safeguarding_risk", RISK_NEEDS_SAFEGUARDING))
    if problems:
        raise PurposeRefused(problems)
    return StatedPurpose(code, bool(safeguarding_risk), relationship)
