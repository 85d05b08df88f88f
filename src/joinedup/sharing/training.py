"""Persons an information governance lead sets aside for training: the only ones a trainer
may see "as" a partner would (:func:`joinedup.disclosure.preview.view_as`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.people.models import Person
from joinedup.permissions import GOVERNANCE_ROLES
from joinedup.sharing.models import TrainingSample


class NotATrainingSample(PermissionError):
    """A trainer asked to preview a person who is not set aside for training."""


def governs_sharing(actor: Actor) -> bool:
    return bool(actor.roles & set(GOVERNANCE_ROLES))


def is_training_sample(session: Session, person) -> bool:
    return session.scalar(select(TrainingSample.id).where(TrainingSample.person_id == person.id)) is not None


def training_samples(session: Session) -> list[tuple[str, str]]:
    """The persons set aside for training, as (public id, the IG lead's note), by id."""
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
