"""The single policy point for personal data: :func:`decide_record_access`.

Three rules, tried in order; anything none allows is denied:

1. **Own organisation** (policy ``own-organisation``): an actor sees every field of
   their own organisation's records, whatever the action.
2. **Address data-quality processing** (policy ``address-data-quality``): when the
   action is one of :data:`ADDRESS_ACTIONS` (reviewing addresses, the address
   data-quality report, the address export) and the actor holds a role in
   :data:`ADDRESS_ROLES` (data team, administrator), the decision allows
   :data:`ADDRESS_FIELDS` only: the source, the local id and record reference, and the
   address and postcode as the agency sent them.

Why the second rule: the hub's data team matches every partner's addresses to the
gazetteer (UPRNs), decides the ones the matcher cannot, and reports the anomalies back
to each agency. That needs the address as sent and the agency's reference for it, for
every source, but never a name, an identifier (NHS number, UPN, NI number), a date of
birth, contact details or any fact the agency recorded. The rule is narrow by action
and by field, and like every decision it is audited per record, so the trail says
which agencies' addresses each member of the data team saw, and why.

3. **Person-index data-quality processing** (policy ``linkage-data-quality``, tried
   first for these actions): when the action is one of :data:`LINKAGE_ACTIONS`
   (finding persons and reviewing pairs of records, merging and splitting persons, the
   links and persons exports) and the actor holds a role in :data:`LINKAGE_ROLES`, the
   decision allows :data:`LINKAGE_FIELDS` of any organisation's record, their own
   included: the identifying
   fields that linkage compares (names, date of birth, sex, identifiers, address,
   contact details) and never a fact an agency recorded about the person. Whether two
   records are one person cannot be decided without seeing what identifies them.
"""

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
ADDRESS_DATA_QUALITY = "address-data-quality"

#: The fields address data-quality processing may see: where a record came from, the
#: agency's reference for it, and its address as sent. No names, identifiers or facts.
ADDRESS_FIELDS = frozenset({"source", "local_id", "record_ref", "address_text", "postcode"})
#: The actions that are address data-quality processing: the review list and its API,
#: the data-quality report (page, API) and the exports (report CSV, ``export addresses``).
ADDRESS_ACTIONS = frozenset({"address.review", "address.report", "address.export"})
#: The roles that do address data-quality processing.
ADDRESS_ROLES = frozenset({"data_team", "admin"})

LINKAGE_DATA_QUALITY = "linkage-data-quality"
#: The fields the person index compares: who the record is about, never what the agency
#: recorded about them (no facts, no flags).
LINKAGE_FIELDS = frozenset({
    "source", "local_id", "record_ref", "forename", "middle_names", "surname", "date_of_birth", "sex",
    "address_text", "postcode", "nhs_number", "ni_number", "upn", "phone", "email",
})
#: The actions that are person-index data-quality processing: finding persons and the
#: clerical review of pairs (pages, API), merging and splitting persons, and the links
#: and persons exports.
LINKAGE_ACTIONS = frozenset({"person.review", "person.export"})
#: The roles that do person-index data-quality processing.
LINKAGE_ROLES = frozenset({"data_team", "admin"})


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

    Deny by default. Your own organisation's records are disclosed in full for any
    action; for an address data-quality ``action`` (:data:`ADDRESS_ACTIONS`) the data
    team and administrators see other organisations' records' :data:`ADDRESS_FIELDS`
    only; for a person-index ``action`` (:data:`LINKAGE_ACTIONS`) they see
    :data:`LINKAGE_FIELDS`. Every decision, allowed or not, is one audit event under ``action``.
    """
    owners = _owners(session, {record.source_system_id for record in records})
    address_processing = action in ADDRESS_ACTIONS and bool(set(actor.roles) & ADDRESS_ROLES)
    linkage_processing = action in LINKAGE_ACTIONS and bool(set(actor.roles) & LINKAGE_ROLES)
    decisions = []
    for record in records:
        owner = owners.get(record.source_system_id)
        if linkage_processing:
            # Before the own-organisation rule: person-index processing never sees facts,
            # whoever's records they are.
            decision = AccessDecision(
                record.id,
                True,
                "The data team decides which records are one person: identifying fields only.",
                LINKAGE_FIELDS,
                (LINKAGE_DATA_QUALITY,),
            )
        elif actor.organisation_id is not None and owner == actor.organisation_id:
            decision = AccessDecision(
                record.id, True, "The record belongs to your organisation.", RECORD_FIELDS, (OWN_ORGANISATION,)
            )
        elif address_processing:
            decision = AccessDecision(
                record.id,
                True,
                "The data team matches every agency's addresses to the gazetteer: address fields only.",
                ADDRESS_FIELDS,
                (ADDRESS_DATA_QUALITY,),
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
