"""Writing audit entries of both kinds, and verifying the log, for the log's tests."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from joinedup.audit import Actor, record_event
from joinedup.audit.checkpoints import Signer
from joinedup.audit.log import stored_checkpoints
from joinedup.audit.verify import Verification, verify_log
from joinedup.db import transaction, utcnow
from joinedup.sharing.models import SharingDecision

ACTOR = Actor(user_id=None, username="sam.social", channel="web", client_address="10.0.0.7")


def write_entries(engine: Engine, views: int, *, start: int = 0) -> None:
    """``views`` person views, each an audit event and a decision, one transaction each
    (as the policy point writes them)."""
    for number in range(start, start + views):
        with transaction(engine) as session:
            record_event(session, ACTOR, action="person.view", outcome="allowed", subject_type="person",
                         subject_id=f"P{number:06d}", details={"fields": ["forename", "surname"], "n": number})
            session.execute(insert(SharingDecision.__table__).values(
                at=utcnow(), username=ACTOR.username, person_id=f"P{number:06d}", action="person.view",
                purpose="safeguarding", outcome="shared", basis="Agreement MASH v1", policy_ids=["permit-1"],
                fields=["forename", "surname"], reason="", channel="web"))


def verify(engine: Engine, signer: Signer, checkpoint=None, **options) -> Verification:
    """Verify the log against ``checkpoint`` (by default the latest kept one)."""
    with engine.connect() as connection:
        kept = stored_checkpoints(connection, signer.verifier)
        return verify_log(connection, checkpoint or kept[-1].checkpoint, kept=kept, **options)
