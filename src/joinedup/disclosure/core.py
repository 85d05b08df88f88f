"""The one way personal data leaves the store: load, decide, audit, keep only what is allowed.

:func:`disclose` puts records to the policy point (:func:`joinedup.sharing.decide_record_access`,
which audits each decision and logs it) and turns each into a :class:`Disclosed`: the
fields the decision allows and nothing else, with why. Every read of a person's records,
in pages, API, CLI and exports, goes through here; nothing above this layer calls the
policy point or reads a record's values itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from joinedup.audit import Actor
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.sharing import AccessDecision, DecisionMemo, StatedPurpose, decide_record_access, disclosed_fields

#: How many records are put to the policy point at once.
BATCH_SIZE = 100


@dataclass(frozen=True)
class Disclosed:
    """A record as one actor may see it: the disclosed fields, and why.

    When ``allowed`` is false, ``fields`` is empty and ``reason`` says why. ``decision`` is
    the policy point's answer, for callers that reason over several records' decisions
    (the golden record, the family view).
    """

    id: int
    allowed: bool
    fields: dict[str, Any]
    reason: str
    policy_ids: tuple[str, ...]
    source_name: str | None = None
    organisation_name: str | None = None
    shielded: bool = False
    decision: AccessDecision | None = None

    @property
    def display_name(self) -> str:
        parts = [self.fields.get(name) for name in ("forename", "middle_names", "surname")]
        return " ".join(part for part in parts if part) or "Name not disclosed"


def shaped(record: SourceRecord, decision: AccessDecision) -> Disclosed:
    """``record`` as ``decision`` lets it be seen (its source system and owner loaded)."""
    fields = disclosed_fields(record, decision)
    shows_source = "source" in fields
    return Disclosed(
        id=record.id,
        allowed=decision.allowed,
        fields=fields,
        reason=decision.reason,
        policy_ids=tuple(decision.policy_ids),
        source_name=record.source_system.name if shows_source else None,
        organisation_name=record.source_system.owner.name if shows_source and record.source_system.owner else None,
        shielded=decision.shielded,
        decision=decision,
    )


def disclose(session: Session, actor: Actor, records: Sequence[SourceRecord], *, action: str,
             purpose: StatedPurpose | None = None, subject_access_open: bool = False,
             memo: DecisionMemo | None = None) -> list[Disclosed]:
    """Each record as ``actor`` may see it for ``action`` and the stated ``purpose``, in
    order, every decision audited. A refusal comes back as a value (``allowed`` false), so
    the caller's transaction commits and keeps the audit. ``memo``: the request's
    :class:`~joinedup.sharing.DecisionMemo`, when it discloses in several calls."""
    shown: list[Disclosed] = []
    memo = memo or DecisionMemo(actor)
    for start in range(0, len(records), BATCH_SIZE):
        chunk = records[start:start + BATCH_SIZE]
        decisions = decide_record_access(session, actor, chunk, action=action, purpose=purpose,
                                         subject_access_open=subject_access_open, memo=memo)
        shown += [shaped(record, decision) for record, decision in zip(chunk, decisions, strict=True)]
    return shown


def load_records(session: Session, record_ids: Iterable[int]) -> list[SourceRecord]:
    """The records of ``record_ids`` (those that exist), in id order, with their source
    system and its owner loaded: what :func:`shaped` needs."""
    wanted = sorted(set(record_ids))
    if not wanted:
        return []
    records = list(session.scalars(select(SourceRecord).where(SourceRecord.id.in_(wanted)).order_by(SourceRecord.id)))
    with_systems(session, records)
    return records


def with_systems(session: Session, records: Iterable[SourceRecord]) -> None:
    """Give each of ``records`` its source system and the system's owner, in one query for
    them all (a place has a handful of systems), where loading them alongside the records
    costs a query and the loader's work per relationship and batch."""
    waiting = [record for record in records if "source_system" in inspect(record).unloaded]
    if not waiting:
        return
    wanted = {record.source_system_id for record in waiting}
    systems = {key[1][0]: system for key, system in session.identity_map.items()
               if key[0] is SourceSystem and key[1][0] in wanted and "owner" not in inspect(system).unloaded}
    if wanted - systems.keys():
        systems.update((system.id, system) for system in session.scalars(
            select(SourceSystem).where(SourceSystem.id.in_(wanted - systems.keys()))
            .options(joinedload(SourceSystem.owner))))
    for record in waiting:
        set_committed_value(record, "source_system", systems.get(record.source_system_id))


def disclose_ids(session: Session, actor: Actor, record_ids: Iterable[int], *, action: str,
                 purpose: StatedPurpose | None = None) -> dict[int, Disclosed]:
    """record id → the record as ``actor`` may see it (ids of no record are left out)."""
    records = load_records(session, record_ids)
    return {found.id: found for found in disclose(session, actor, records, action=action, purpose=purpose)}


def with_source(statement):
    """``statement`` over source records, loading each one's source system and its owner."""
    return statement.options(selectinload(SourceRecord.source_system).selectinload(SourceSystem.owner))
