"""What each partner would see of a person: the "view as" preview, decided by the policy
point as the user it pretends to be, and shown only as disclosed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.core import Disclosed, disclose, with_source
from joinedup.errors import Refusal
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation
from joinedup.people import person_by_id
from joinedup.people.models import Person, PersonRecord
from joinedup.permissions import ROLES
from joinedup.sharing.agreements import purpose_named
from joinedup.sharing.log import PERSON_ID_SEARCH, PERSON_ID_WORDS
from joinedup.sharing.purposes import StatedPurpose
from joinedup.sharing.training import (
    NotATrainingSample,
    governs_sharing,
    is_training_sample,
)


def view_as(session: Session, reviewer: Actor, person, *, organisation: str, role: str, purpose: str,
            safeguarding_risk: bool = False) -> list[Disclosed]:
    """Each of ``person``'s records as a user of ``organisation`` with ``role`` would get
    it for ``purpose``. Decided by the same policy point (logged on the ``preview``
    channel under the reviewer's name) and audited as ``sharing.preview``.

    An IG lead or administrator may preview anyone; anyone else (a trainer) only a
    training sample, or :class:`NotATrainingSample` is raised and the refusal audited."""
    if not governs_sharing(reviewer) and not is_training_sample(session, person):
        record_event(session, reviewer, action="sharing.preview", outcome="denied", subject_type="person",
                     subject_id=person.person_id, reason="Not a training sample.")
        raise NotATrainingSample(f"{person.person_id} is not one of the persons set aside for training.")

    org = session.scalar(select(Organisation).where(Organisation.code == organisation))
    if org is None:
        raise LookupError(f"There is no organisation {organisation}.")
    pretend = Actor(username=f"{reviewer.username} as {role} of {organisation}"[:120], organisation_id=org.id,
                    roles=frozenset({role}), channel="preview", client_address=reviewer.client_address)
    records = list(session.scalars(with_source(
        select(SourceRecord).join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
        .where(PersonRecord.person_id == person.id).order_by(SourceRecord.id))))
    shown = disclose(session, pretend, records, action="sharing.preview",
                     purpose=StatedPurpose(purpose, safeguarding_risk))
    record_event(session, reviewer, action="sharing.preview", outcome="success", subject_type="person",
                 subject_id=person.person_id,
                 details={"organisation": organisation, "role": role, "purpose": purpose,
                          "shown": sum(1 for found in shown if found.allowed), "records": len(records)})
    return shown


class PreviewRefused(Refusal):
    """A "view as" that cannot be shown as asked: every problem with it."""


class NoSuchPerson(PreviewRefused):
    """The person asked for is not in the index."""

    status = 404


class NotATrainingSampleRefused(PreviewRefused):
    """A trainer asked for a person not set aside for training."""

    forbidden = True
    status = 403


def preview(session: Session, reviewer: Actor, person_id: str, *, organisation: str, role: str, purpose: str = "",
            safeguarding_risk: bool = False) -> tuple[Person, list[Disclosed]]:
    """The "view as" preview as asked, checked first: :class:`PreviewRefused` names every
    field that is wrong (:class:`NoSuchPerson` when only the person is missing), and
    :class:`NotATrainingSampleRefused` a person a trainer may not see. See :func:`view_as`."""
    problems = []
    if not organisation or session.scalar(select(Organisation.id).where(Organisation.code == organisation)) is None:
        problems.append(("organisation", "Select the organisation whose view you want to see."))
    if role not in ROLES:
        problems.append(("role", "Select the role whose view you want to see."))
    if purpose and purpose_named(session, purpose) is None:
        problems.append(("purpose", "Select a purpose from the list."))
    person, missing = None, False
    if not person_id:
        problems.append(("person_id", "Enter the id of the person to see."))
    elif not PERSON_ID_SEARCH.fullmatch(person_id):
        problems.append(("person_id", PERSON_ID_WORDS))
    else:
        person = person_by_id(session, person_id)
        missing = person is None
        if missing:
            problems.append(("person_id", f"There is no person {person_id}."))
    if problems:
        raise (NoSuchPerson if missing and len(problems) == 1 else PreviewRefused)(problems)
    try:
        shown = view_as(session, reviewer, person, organisation=organisation, role=role, purpose=purpose,
                        safeguarding_risk=safeguarding_risk)
    except NotATrainingSample as exc:
        raise NotATrainingSampleRefused(f"{person_id} is not one of the persons set aside for training: choose one "
                                        "from the list.", "person_id") from exc
    return person, shown
