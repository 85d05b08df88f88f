"""Reading one section of a source's mapping (``[involvements]``, ``[flags]``) from its stored rows.

The indexes built from an extract run the same way: find the loaded source, read each of
its stored rows in turn, let the section's reader take the row or refuse it naming the
field (the rest are kept), and audit what the run did. Each index says only what a row
means to it; the run, the report and the refusals are here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Refusal
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.permissions import Action

#: How many stored rows are read at once.
CHUNK = 2_000
#: How many refusals the audit event names (the report keeps them all).
REASONS_AUDITED = 20


@dataclass(frozen=True)
class RowRefused:
    """A row not taken: its number in the file (or the agency's id for it), the field, why."""

    row: int | str
    field: str
    reason: str

    @property
    def described(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}"


class RowRefusal(Exception):
    """Raised by a section's reader for a row it will not take: the field, and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason


@dataclass
class IndexReport:
    """What reading a section of a source's rows did; ``refused`` names the row (its local id)."""

    source: str
    created: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    refused: list[RowRefused] = field(default_factory=list)


def loaded_source(session: Session, mapping: SourceMapping, section: str) -> SourceSystem:
    """The source ``mapping`` reads, once its extract is loaded and the mapping has ``section``."""
    if not getattr(mapping, section):
        raise Refusal(f"The mapping of {mapping.code} has no [{section}] section.", "mapping")
    system = session.scalar(select(SourceSystem).where(SourceSystem.code == mapping.code))
    if system is None:
        raise Refusal(f"There is no source {mapping.code}: load its extract first.", "source")
    return system


class PendingWrites:
    """The rows an index run will insert into ``model``'s table and the changes it will make
    (each with its ``id``), written a chunk of stored rows at a time, so that a run's memory
    follows a chunk and not the whole extract."""

    def __init__(self, session: Session, model: type) -> None:
        self.session, self.model = session, model
        self.inserts: list[dict] = []
        self.updates: list[dict] = []

    def write(self) -> None:
        if self.inserts:
            self.session.execute(insert(self.model), self.inserts)
        for keys in {tuple(sorted(change)) for change in self.updates}:
            self.session.execute(update(self.model),
                                 [change for change in self.updates if tuple(sorted(change)) == keys])
        self.inserts, self.updates = [], []


def read_rows(session: Session, system: SourceSystem, report: IndexReport, read: Callable[[int, dict], None],
              *, refused: Callable[[int], None] | None = None, pending: PendingWrites | None = None) -> None:
    """Hand each stored row of ``system`` to ``read`` (its record id and facts), in the order
    stored, a chunk at a time, writing what is ``pending`` after each chunk. A row ``read``
    refuses (:class:`RowRefusal`) goes in the report under its local id, and ``refused`` is
    told its record id."""
    last = 0
    while True:
        rows = session.execute(select(SourceRecord.id, SourceRecord.local_id, SourceRecord.facts)
                               .where(SourceRecord.source_system_id == system.id, SourceRecord.id > last)
                               .order_by(SourceRecord.id).limit(CHUNK)).all()
        if not rows:
            return
        last = rows[-1].id
        for record_id, local_id, facts in rows:
            try:
                read(record_id, facts or {})
            except RowRefusal as exc:
                report.refused.append(RowRefused(local_id, exc.field, exc.reason))
                if refused is not None:
                    refused(record_id)
        if pending is not None:
            pending.write()


def record_run(session: Session, actor: Actor, action: Action, report: IndexReport) -> None:
    """The audit event of a run: its counts, and the first refusals' reasons."""
    record_event(session, actor, action=action.name, outcome="success", subject_type="source_system",
                 subject_id=report.source,
                 details={"created": report.created, "updated": report.updated, "ended": report.ended,
                          "unchanged": report.unchanged, "refused": len(report.refused),
                          "reasons": [refused.described for refused in report.refused[:REASONS_AUDITED]]})
