"""Consent and objections: what a person agreed to, refused or withdrew, and for what."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.audit import record_event
from joinedup.partners.models import Organisation
from joinedup.sharing.models import CONSENT_DECISIONS, CONSENT_FORMS, ConsentRecord, DataCategory, Purpose


def covers(consent: ConsentRecord, purpose: str, organisation: str, on: date) -> bool:
    """Whether the record's scope covers ``purpose`` and recipient ``organisation`` today
    (empty scopes cover everything; an expired consent covers nothing)."""
    if consent.expires_on is not None and consent.expires_on < on:
        return False
    if consent.purposes and purpose not in consent.purposes:
        return False
    return not (consent.organisations and organisation not in consent.organisations)


def consent_states(session: Session, person_pks: set, purpose: str, organisation: str) -> dict[int, str]:
    """person pk → ``given``, ``refused``, ``withdrawn`` or ``none``: the latest consent
    record that covers ``purpose`` and recipient ``organisation``."""
    person_pks = {pk for pk in person_pks if pk is not None}
    if not person_pks:
        return {}
    today = date.today()
    states: dict[int, str] = {}
    rows = session.scalars(select(ConsentRecord).where(ConsentRecord.person_id.in_(person_pks))
                           .order_by(ConsentRecord.recorded_at, ConsentRecord.id))
    for consent in rows:
        if covers(consent, purpose, organisation, today):
            states[consent.person_id] = consent.decision
    return states


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


class ConsentError(ValueError):
    """A consent record that cannot be kept as given, with a message for the practitioner
    and the part of the record (``field``) it is about."""

    def __init__(self, message: str, field: str = "decision") -> None:
        super().__init__(message)
        self.field = field


def record_consent(session: Session, actor, person, *, decision: str, form: str, purposes: list[str] | None = None,
                   organisations: list[str] | None = None, categories: list[str] | None = None, evidence: str = "",
                   informed: bool = True, not_informed_reason: str = "", expires_on: date | None = None) -> ConsentRecord:
    """Record that ``person`` gave, refused or withdrew consent, for what, and how. It
    takes effect on the very next request; audited as ``sharing.consent.record``."""
    if decision not in CONSENT_DECISIONS:
        raise ConsentError("Say whether consent was given, refused or withdrawn.", "decision")
    if form not in CONSENT_FORMS:
        raise ConsentError("Say whether it was given verbally or in writing.", "form")
    if not informed and not not_informed_reason.strip():
        raise ConsentError("Say why the person was not told what will be shared and why (golden rule 2).",
                           "not_informed_reason")
    if expires_on is not None and expires_on < date.today():
        raise ConsentError("The expiry date must be today or later.", "expires_on")
    scopes = (("purposes", "purpose", purposes, Purpose.code),
              ("organisations", "organisation", organisations, Organisation.code),
              ("categories", "category", categories, DataCategory.code))
    for name, one, given, column in scopes:
        wanted = set(given or [])
        unknown = sorted(wanted - set(session.scalars(select(column).where(column.in_(wanted))))) if wanted else []
        if unknown:
            raise ConsentError(f"There is no such {one}: {', '.join(unknown)}.", name)
    consent = ConsentRecord(
        person_id=person.id, decision=decision, form=form, purposes=sorted(set(purposes or [])),
        organisations=sorted(set(organisations or [])), categories=sorted(set(categories or [])),
        evidence=evidence.strip(), informed=informed, not_informed_reason=not_informed_reason.strip(),
        expires_on=expires_on, recorded_by=actor.username[:120], user_id=actor.user_id,
        organisation_id=actor.organisation_id,
    )
    session.add(consent)
    session.flush()
    record_event(session, actor, action="sharing.consent.record", outcome="success", subject_type="person",
                 subject_id=person.person_id, details={"decision": decision, "form": form, "consent_id": consent.id,
                                                       "purposes": consent.purposes,
                                                       "organisations": consent.organisations})
    return consent


def consent_history(session: Session, person) -> list[ConsentRecord]:
    """Every consent record of the person, newest first."""
    return list(session.scalars(select(ConsentRecord).where(ConsentRecord.person_id == person.id)
                                .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())))


def consent_register(session: Session, *, person_id: str = "", decision: str = "", limit: int = 50,
                     offset: int = 0) -> tuple[list[tuple[ConsentRecord, str]], int]:
    """Every person's consent, refusals and withdrawals, newest first, each with the
    person's public id, for the information governance lead's oversight; and how many match.
    ``person_id`` and ``decision`` narrow it."""
    from joinedup.people.models import Person  # the person index reads consent through sharing

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
