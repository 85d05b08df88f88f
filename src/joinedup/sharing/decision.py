from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_events
from joinedup.ingest.mapping import CANONICAL_FIELDS
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem

#: Every field of a source record that can be disclosed. A decision names a subset.
RECORD_FIELDS = frozenset({"source", "local_id", "record_ref", *CANONICAL_FIELDS, "facts", "flags"})

OWN_ORGANISATION = "own-organisation"


@dataclass(frozen=True)
class AccessDecision:
    """The answer to 'may this actor see this record, and which fields of it?'."""

    record_id: int
    allowed: bool
    reason: str
    fields: frozenset[str]
    policy_ids: tuple[str, ...] = ()


def decide_record_access(
    session: Session,
    actor: Actor,
    records: Sequence[SourceRecord],
    *,
    action: str = "record.view",
) -> list[AccessDecision]:
    """Decide, for each record, whether ``actor`` may see it, and audit every decision.

    Deny by default: an actor with no organisation sees nothing.
    """
    owners = _owners(session, {record.source_system_id for record in records})
    decisions = []
    for record in records:
        owner = owners.get(record.source_system_id)
        if actor.organisation_id is not None and owner == actor.organisation_id:
            decision = AccessDecision(
                record.id, True, "The record belongs to your organisation.", RECORD_FIELDS, (OWN_ORGANISATION,)
            )
        else:
            decision = AccessDecision(
                record.id,
                False,
                "No rule allows your organisation to see this record.",
                frozenset(),
            )
        decisions.append(decision)
    record_events(
        session,
        actor,
        (
            {
                "action": action,
                "outcome": "allowed" if d.allowed else "denied",
                "subject_type": "source_record",
                "subject_id": d.record_id,
                "reason": d.reason,
                "details": {"policy_ids": list(d.policy_ids), "fields": sorted(d.fields)},
            }
            for d in decisions
        ),
    )
    return decisions


def disclosed_fields(record: SourceRecord, decision: AccessDecision) -> dict[str, Any]:
    """The record as a dict holding only the fields the decision allows, and nothing else."""
    if not decision.allowed or decision.record_id != record.id:
        return {}
    values = {
        "source": record.source_system.code,
        "local_id": record.local_id,
        "record_ref": record.record_ref,
        "forename": record.forename,
        "middle_names": record.middle_names,
        "surname": record.surname,
        "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
        "sex": record.sex,
        "address_text": record.address_text,
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
        "ni_number": record.ni_number,
        "upn": record.upn,
        "phone": record.phone,
        "email": record.email,
        "facts": record.facts,
        "flags": record.flags,
    }
    return {name: value for name, value in values.items() if name in decision.fields}


def _owners(session: Session, source_system_ids: set[int]) -> dict[int, int]:
    if not source_system_ids:
        return {}
    rows = session.execute(
        select(SourceSystem.id, SourceSystem.owner_organisation_id).where(
            SourceSystem.id.in_(source_system_ids)
        )
    )
    return {source_system_id: owner_id for source_system_id, owner_id in rows}
