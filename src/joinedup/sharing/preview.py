"""What each partner would see: the "view as" preview, and the data-flow map's edges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.permissions import GOVERNANCE_ROLES
from joinedup.audit import Actor, record_event
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation
from joinedup.sharing.decision import AccessDecision, decide_record_access
from joinedup.sharing.purposes import StatedPurpose
from joinedup.sharing.models import AgreementVersion, SharingAgreement, TrainingSample


class NotATrainingSample(PermissionError):
    """A trainer asked to preview a person who is not set aside for training."""


def governs_sharing(actor: Actor) -> bool:
    return bool(actor.roles & set(GOVERNANCE_ROLES))


def view_as(session: Session, reviewer: Actor, person, *, organisation: str, role: str, purpose: str,
            safeguarding_risk: bool = False) -> list[tuple[SourceRecord, AccessDecision]]:
    """Each of ``person``'s records as a user of ``organisation`` with ``role`` would get
    it for ``purpose``. Decided by the same policy point (logged on the ``preview``
    channel under the reviewer's name) and audited as ``sharing.preview``.

    An IG lead or administrator may preview anyone; anyone else (a trainer) only a
    training sample, or :class:`NotATrainingSample` is raised and the refusal audited."""
    from joinedup.people.models import PersonRecord

    if not governs_sharing(reviewer) and not is_training_sample(session, person):
        record_event(session, reviewer, action="sharing.preview", outcome="denied", subject_type="person",
                     subject_id=person.person_id, reason="Not a training sample.")
        raise NotATrainingSample(f"{person.person_id} is not one of the persons set aside for training.")

    org = session.scalar(select(Organisation).where(Organisation.code == organisation))
    if org is None:
        raise LookupError(f"There is no organisation {organisation}.")
    pretend = Actor(username=f"{reviewer.username} as {role} of {organisation}"[:120], organisation_id=org.id,
                    roles=frozenset({role}), channel="preview", client_address=reviewer.client_address)
    records = list(session.scalars(select(SourceRecord).join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
                                   .where(PersonRecord.person_id == person.id).order_by(SourceRecord.id)))
    decisions = decide_record_access(session, pretend, records, action="sharing.preview",
                                     purpose=StatedPurpose(purpose, safeguarding_risk))
    record_event(session, reviewer, action="sharing.preview", outcome="success", subject_type="person",
                 subject_id=person.person_id,
                 details={"organisation": organisation, "role": role, "purpose": purpose,
                          "shown": sum(1 for decision in decisions if decision.allowed), "records": len(records)})
    return list(zip(records, decisions, strict=True))


@dataclass(frozen=True)
class Flow:
    """Data a provider may give a recipient, under one active agreement version and purpose."""

    provider: str
    recipient: str
    agreement: str
    version: int
    purpose: str
    categories: tuple[str, ...]


def data_flows(session: Session) -> list[Flow]:
    """Every flow the live agreements allow: who gives what to whom, for which purpose."""
    flows = []
    rows = session.execute(select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
                           .where(AgreementVersion.status == "active").order_by(SharingAgreement.code))
    for version, code in rows:
        providers = [party["organisation"] for party in version.parties or [] if party.get("provides")]
        recipients = [party["organisation"] for party in version.parties or [] if party.get("receives")]
        for purpose, categories in sorted((version.datasets or {}).items()):
            for provider in providers:
                for recipient in recipients:
                    if provider != recipient:
                        flows.append(Flow(provider, recipient, code, version.version, purpose, tuple(categories)))
    return flows


@dataclass(frozen=True)
class CompiledPolicy:
    """One Cedar policy an agreement version compiles to, with what it discloses."""

    policy_id: str
    text: str
    purpose: str
    fields: tuple[str, ...]


def version_policies(session: Session, version: AgreementVersion) -> list[CompiledPolicy]:
    """The Cedar policies ``version`` compiles to, by the policy point's own compiler.

    An active version's are the ones in force. For a draft, suspended or ended version
    they are what it compiles to when active, with the purposes and categories as they
    stand: it is made active inside a savepoint that is rolled back, so nothing changes.
    """
    from joinedup.sharing.policy import compile_rules

    with session.begin_nested() as savepoint:
        if version.status != "active":
            version.status = "active"
            session.flush()
        compiled = compile_rules(session)
        savepoint.rollback()
    return [
        CompiledPolicy(clause.policy_id, text, clause.purpose, tuple(sorted(clause.fields)))
        for clause, text in zip(compiled.clauses, compiled.texts, strict=True)
        if clause.agreement_version_id == version.id
    ]


def is_training_sample(session: Session, person) -> bool:
    return session.scalar(select(TrainingSample.id).where(TrainingSample.person_id == person.id)) is not None


def training_samples(session: Session) -> list[tuple[str, str]]:
    """The persons set aside for training, as (public id, the IG lead's note), by id."""
    from joinedup.people.models import Person

    return [(person_id, note) for person_id, note in session.execute(
        select(Person.person_id, TrainingSample.note).join(Person, Person.id == TrainingSample.person_id)
        .order_by(Person.person_id))]


def set_training_sample(session: Session, actor: Actor, person, *, sample: bool, note: str = "") -> None:
    """Set ``person`` aside for training (``sample``), or stop; audited either way. Only an
    IG lead or administrator decides who is a sample."""
    if not governs_sharing(actor):
        raise PermissionError("Only an information governance lead sets persons aside for training.")
    found = session.scalar(select(TrainingSample).where(TrainingSample.person_id == person.id))
    if sample and found is None:
        session.add(TrainingSample(person_id=person.id, note=note.strip()[:2000], added_by=actor.username[:120]))
    elif sample:
        found.note = note.strip()[:2000]
    elif found is not None:
        session.delete(found)
    session.flush()
    record_event(session, actor, action="sharing.training_sample.save", outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=note.strip()[:2000], details={"sample": sample})
