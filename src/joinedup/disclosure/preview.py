"""What each partner would see of a person: the "view as" preview, decided by the policy
point as the user it pretends to be, and shown only as disclosed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.core import Disclosed, disclose, with_source
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation
from joinedup.people.models import PersonRecord
from joinedup.sharing.purposes import StatedPurpose
from joinedup.sharing.training import NotATrainingSample, governs_sharing, is_training_sample


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
