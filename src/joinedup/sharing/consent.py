"""Consent and objections: what a person agreed to, refused or withdrew, and for what.

Consent given names its scope: the purposes, the recipient organisations and the data
categories. It covers nothing it does not name, and it opens a record of a sensitive
service only when it names that sensitive category. A refusal or withdrawal covers the
purposes, organisations and categories it names, or all of them when it names none:
saying no is never read narrowly. For a child, the record says who decided: the young person (with a
note of their competence to decide) or a parent or carer with parental responsibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.audit import record_event
from joinedup.errors import Refusal
from joinedup.people.models import Person
from joinedup.partners.models import Organisation
from joinedup.sharing.models import (
    CONSENT_DECISIONS,
    CONSENT_FORMS,
    CONSENT_GIVERS,
    AgreementVersion,
    ConsentRecord,
    DataCategory,
    Purpose,
)

#: Under this age a person is a child, and the record says who decided for them.
ADULT_AGE = 18


@dataclass(frozen=True)
class ConsentState:
    """Where a person's consent stands for one request, category by category: the
    categories they consented to (``consented``) and those they refused or withdrew
    (``refused``), from the consent records that cover the request, the latest deciding."""

    consented: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()


NO_CONSENT = ConsentState()


def covers(consent: ConsentRecord, purpose: str, organisation: str, on: date) -> bool:
    """Whether the record's scope covers ``purpose`` and recipient ``organisation`` today.
    Consent given covers only what it names; a refusal or withdrawal naming no purpose
    (or organisation) covers them all; an expired record covers nothing."""
    if consent.expires_on is not None and consent.expires_on < on:
        return False
    if consent.decision == "given":
        return purpose in (consent.purposes or []) and organisation in (consent.organisations or [])
    if consent.purposes and purpose not in consent.purposes:
        return False
    return not (consent.organisations and organisation not in consent.organisations)


def consent_states(session: Session, person_pks: set, purpose: str, organisation: str) -> dict[int, ConsentState]:
    """person pk → where their consent stands for ``purpose`` and recipient ``organisation``
    (absent: :data:`NO_CONSENT`). Records are read oldest first, so the latest covering a
    category decides it; a refusal or withdrawal naming no category refuses them all."""
    person_pks = {pk for pk in person_pks if pk is not None}
    if not person_pks:
        return {}
    today = date.today()
    every = frozenset(session.scalars(select(DataCategory.code)))
    decided: dict[int, dict[str, str]] = {}
    rows = session.scalars(select(ConsentRecord).where(ConsentRecord.person_id.in_(person_pks))
                           .order_by(ConsentRecord.recorded_at, ConsentRecord.id))
    for consent in rows:
        if not covers(consent, purpose, organisation, today):
            continue
        categories = decided.setdefault(consent.person_id, {})
        if consent.decision == "given":
            categories.update(dict.fromkeys(consent.categories or [], "given"))
        else:
            categories.update(dict.fromkeys(consent.categories or every, "refused"))
    return {pk: ConsentState(frozenset(code for code, state in categories.items() if state == "given"),
                             frozenset(code for code, state in categories.items() if state == "refused"))
            for pk, categories in decided.items()}


@dataclass(frozen=True)
class ConsentScope:
    """What a consent form offers ticked: the purposes, organisations and categories."""

    purposes: tuple[str, ...]
    organisations: tuple[str, ...]
    categories: tuple[str, ...]


def consent_defaults(session: Session, organisation_code: str, purpose: str = "") -> ConsentScope:
    """A sensible scope to offer ticked: the purpose stated (if any), the other parties to
    the active agreements the practitioner's organisation is party to for it, and the
    non-sensitive categories those agreements name for it. A sensitive category is never
    ticked for the practitioner: consent opens a sensitive service only when it is named
    deliberately."""
    sensitive = set(session.scalars(select(DataCategory.code).where(DataCategory.sensitive.is_(True))))
    organisations: set[str] = set()
    categories: set[str] = set()
    for parties, datasets in session.execute(select(AgreementVersion.parties, AgreementVersion.datasets)
                                             .where(AgreementVersion.status == "active")):
        codes = {party.get("organisation") for party in parties or []}
        if organisation_code not in codes or (purpose and purpose not in (datasets or {})):
            continue
        organisations |= codes - {organisation_code, None}
        for name, wanted in (datasets or {}).items():
            if not purpose or name == purpose:
                categories |= set(wanted) - sensitive
    return ConsentScope((purpose,) if purpose else (), tuple(sorted(organisations)), tuple(sorted(categories)))


def is_child(person, on: date | None = None) -> bool | None:
    """Whether the person is under 18 by their golden date of birth (None: not known)."""
    value = ((person.golden or {}).get("date_of_birth") or {}).get("value")
    try:
        born = date.fromisoformat(str(value)) if value else None
    except ValueError:
        born = None
    if born is None:
        return None
    on = on or date.today()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age < ADULT_AGE


#: What practitioners read to a person before asking, the same words every time
#: (Nottingham asked for one script). Pages show it beside the consent form.
CONSENT_SCRIPT = """\
I work for {organisation}. Several services in Joinford (the council, schools, the NHS,
the police, housing, Jobcentre Plus and voluntary groups) work together so that you and
your family get the right help without telling your story again and again.

With your permission, I would like to share some information about you with {recipients},
so that they can {purpose}. I would share only what they need: {categories}.

Your information will not be sold, and it is kept securely. You can say no, and you
can change your mind at any time by telling me or any of these services. Saying no will
not stop you getting help. There are rare times when we must share without your
agreement: if someone is at risk of serious harm, or the law requires it. If that
happens, we will tell you unless doing so would put someone at risk.

Do you agree to us sharing this information?"""


class ConsentError(Refusal):
    """A consent record that cannot be kept as given: every problem with it, each with the
    part of the record (``field``) it is about."""


def record_consent(session: Session, actor, person, *, decision: str, form: str, purposes: list[str] | None = None,
                   organisations: list[str] | None = None, categories: list[str] | None = None, evidence: str = "",
                   informed: bool = True, not_informed_reason: str = "", expires_on: date | None = None,
                   given_by: str = "person", given_by_name: str = "", competence_note: str = "",
                   parental_responsibility: bool = False) -> ConsentRecord:
    """Record that ``person`` gave, refused or withdrew consent, for what, how, and who
    decided. It takes effect on the very next request; audited as ``sharing.consent.record``."""
    problems: list[tuple[str, str]] = []
    if decision not in CONSENT_DECISIONS:
        problems.append(("decision", "Say whether consent was given, refused or withdrawn."))
    if form not in CONSENT_FORMS:
        problems.append(("form", "Say whether it was given verbally or in writing."))
    if not informed and not not_informed_reason.strip():
        problems.append(("not_informed_reason",
                         "Say why the person was not told what will be shared and why (golden rule 2)."))
    if expires_on is not None and expires_on < date.today():
        problems.append(("expires_on", "The expiry date must be today or later."))
    scopes = (("purposes", "purpose", purposes, Purpose.code),
              ("organisations", "organisation", organisations, Organisation.code),
              ("categories", "category", categories, DataCategory.code))
    for name, one, given, column in scopes:
        wanted = set(given or [])
        unknown = sorted(wanted - set(session.scalars(select(column).where(column.in_(wanted))))) if wanted else []
        if unknown:
            problems.append((name, f"There is no such {one}: {', '.join(unknown)}."))
        elif decision == "given" and not wanted:
            problems.append((name, f"Consent names its scope: choose at least one {one} it covers."))
    problems += _who_decided(person, given_by, given_by_name, competence_note, parental_responsibility)
    if problems:
        raise ConsentError(problems)
    consent = ConsentRecord(
        person_id=person.id, decision=decision, form=form, purposes=sorted(set(purposes or [])),
        organisations=sorted(set(organisations or [])), categories=sorted(set(categories or [])),
        given_by=given_by, given_by_name=" ".join(given_by_name.split())[:200],
        competence_note=competence_note.strip(),
        evidence=evidence.strip(), informed=informed, not_informed_reason=not_informed_reason.strip(),
        expires_on=expires_on, recorded_by=actor.username[:120], user_id=actor.user_id,
        organisation_id=actor.organisation_id,
    )
    session.add(consent)
    session.flush()
    record_event(session, actor, action="sharing.consent.record", outcome="success", subject_type="person",
                 subject_id=person.person_id, details={"decision": decision, "form": form, "consent_id": consent.id,
                                                       "purposes": consent.purposes,
                                                       "organisations": consent.organisations,
                                                       "categories": consent.categories, "given_by": given_by})
    return consent


def _who_decided(person, given_by: str, name: str, competence: str, responsibility: bool) -> list[tuple[str, str]]:
    """The problems with who decided: an adult decides for themselves; for a child it is
    the young person, competent to decide, or a parent or carer with parental responsibility."""
    if given_by not in CONSENT_GIVERS:
        return [("given_by", "Say who made this decision.")]
    child = is_child(person)
    if child is False and given_by != "person":
        return [("given_by", "This person is an adult: record their own decision.")]
    if child and given_by == "person":
        return [("given_by", "This person is a child: say whether the young person or a parent or carer decided.")]
    if given_by == "young_person" and not competence.strip():
        return [("competence_note", "Note why the young person is competent to make this decision.")]
    if given_by == "parent_carer":
        problems = []
        if not name.strip():
            problems.append(("given_by_name", "Give the name of the parent or carer."))
        if not responsibility:
            problems.append(("parental_responsibility", "Confirm that they have parental responsibility."))
        return problems
    return []


def consent_history(session: Session, person) -> list[ConsentRecord]:
    """Every consent record of the person, newest first."""
    return list(session.scalars(select(ConsentRecord).where(ConsentRecord.person_id == person.id)
                                .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())))


def consent_register(session: Session, *, person_id: str = "", decision: str = "", limit: int = 50,
                     offset: int = 0) -> tuple[list[tuple[ConsentRecord, str]], int]:
    """Every person's consent, refusals and withdrawals, newest first, each with the
    person's public id, for the information governance lead's oversight; and how many match.
    ``person_id`` and ``decision`` narrow it."""
    if decision and decision not in CONSENT_DECISIONS:
        raise ConsentError(f"A decision is one of {', '.join(CONSENT_DECISIONS)}.", "decision")
    statement = select(ConsentRecord, Person.person_id).join(Person, Person.id == ConsentRecord.person_id)
    if person_id:
        statement = statement.where(Person.person_id == person_id.strip().upper())
    if decision:
        statement = statement.where(ConsentRecord.decision == decision)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(statement.order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
                           .limit(limit).offset(offset)).all()
    return [(consent, public_id) for consent, public_id in rows], total
