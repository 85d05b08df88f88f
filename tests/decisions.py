"""What the policy point decided about each record, read back from the log as tests need it.

A request is one audit event (which records it allowed and denied, by id, in its
details); what it shared of each person on each basis is a decision-log row (the records,
the fields they showed and the policies that allowed them); the records withheld are
counted in one row. :func:`per_record`
turns that back into one entry per record decided, so a test can say "every record shown
was decided and logged" without the log writing a row per refusal.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.sharing.models import SharingDecision


def per_record(engine, action: str) -> list[SimpleNamespace]:
    """Each record decided for ``action``, in order: ``subject_type``, ``subject_id`` (the
    record id, as text), ``outcome`` (``allowed`` or ``denied``), ``actor``, ``channel`` and ``details``
    (``policy_ids``, and for a record shared the ``fields`` it showed and the ``purpose``)."""
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.subject_type.in_(("source_record", "source_records")))
            .order_by(AuditEvent.id)).all()
        shared = session.scalars(select(SharingDecision).where(
            SharingDecision.action == action, SharingDecision.outcome == "shared").order_by(SharingDecision.id)).all()
        rows = [(event.actor, event.channel, event.details or {}) for event in events]
        shown = [(record_id, row.username, row.channel, list(row.policy_ids or []), list(row.fields or []),
                  row.purpose) for row in shared for record_id in row.records]
    found = [SimpleNamespace(subject_type="source_record", subject_id=str(record_id), outcome="allowed", actor=actor,
                             channel=channel, details={"policy_ids": policy_ids, "fields": fields, "purpose": purpose})
             for record_id, actor, channel, policy_ids, fields, purpose in shown]
    for actor, channel, details in rows:
        for record_id in details.get("records", {}).get("denied", []):
            found.append(SimpleNamespace(subject_type="source_record", subject_id=str(record_id), outcome="denied",
                                         actor=actor, channel=channel,
                                         details={"policy_ids": [], "fields": [], "purpose": details.get("purpose", "")}))
    return found
