"""Involvements read from an agency's extract, through its mapping's ``[involvements]``.

Run after a load (the CLI and the demo do, as they match addresses): each stored row of
the source that names a team or a worker becomes, or updates, one involvement of the
source's organisation, tied to the row (so it follows the row into whichever person
linkage puts it). A team or worker not in the organisation's directory, a date that is
not one, or an end before the start refuses that row, naming the field; the rest are
kept. A row that no longer names anyone ends its involvement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import Refusal
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.models import SourceRecord
from joinedup.involvements.directory import RowRefused
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.partners.models import SourceSystem
from joinedup.permissions import INVOLVEMENT_INDEX

#: How many stored rows are read at once.
CHUNK = 2_000


@dataclass
class IndexReport:
    """What reading a source's involvements did; ``refused`` names the row (its local id)."""

    source: str
    created: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    refused: list[RowRefused] = field(default_factory=list)


def index_involvements(session: Session, actor: Actor, mapping: SourceMapping, *, today: date | None = None
                       ) -> IndexReport:
    """Read the involvements of ``mapping``'s source from its stored rows, in the caller's
    transaction; audited (``involvement.index``)."""
    spec = mapping.involvements
    if spec is None:
        raise Refusal(f"The mapping of {mapping.code} has no [involvements] section.", "mapping")
    system = session.scalar(select(SourceSystem).where(SourceSystem.code == mapping.code))
    if system is None:
        raise Refusal(f"There is no source {mapping.code}: load its extract first.", "source")
    today = today or date.today()
    organisation_id = system.owner_organisation_id
    teams = {team.name: team for team in session.scalars(select(Team).where(Team.organisation_id == organisation_id))}
    workers = {worker.secure_email: worker
               for worker in session.scalars(select(Worker).where(Worker.organisation_id == organisation_id))}
    existing = {row.source_record_id: row for row in session.execute(
        select(Involvement.id, Involvement.source_record_id, Involvement.team_id, Involvement.worker_id,
               Involvement.starts_on, Involvement.ends_on, Involvement.status)
        .join(SourceRecord, SourceRecord.id == Involvement.source_record_id)
        .where(SourceRecord.source_system_id == system.id))}
    report = IndexReport(mapping.code)
    inserts: list[dict] = []
    updates: list[dict] = []
    endings: list[dict] = []
    now = utcnow()
    last = 0
    while True:
        rows = session.execute(select(SourceRecord.id, SourceRecord.local_id, SourceRecord.facts)
                               .where(SourceRecord.source_system_id == system.id, SourceRecord.id > last)
                               .order_by(SourceRecord.id).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1].id
        for record_id, local_id, facts in rows:
            facts = facts or {}
            team_name = str(facts.get(spec.team) or "").strip() if spec.team else ""
            email = str(facts.get(spec.worker) or "").strip().lower() if spec.worker else ""
            before = existing.get(record_id)
            try:
                starts = _date(facts, spec.starts)
                ends = _date(facts, spec.ends)
            except ValueError as exc:
                report.refused.append(RowRefused(local_id, *exc.args))
                continue
            if not team_name and not email:
                if before is not None and before.status == "current":
                    endings.append({"id": before.id, "status": "ended", "ends_on": ends or today, "updated_at": now})
                    report.ended += 1
                continue
            worker = workers.get(email) if email else None
            if email and worker is None:
                report.refused.append(RowRefused(local_id, spec.worker, f"the worker {email} is not in the directory"))
                continue
            team = teams.get(team_name) if team_name else worker.team if worker else None
            if team is None:
                report.refused.append(RowRefused(local_id, spec.team, f"the team '{team_name}' is not in the directory"))
                continue
            if starts and ends and ends < starts:
                report.refused.append(RowRefused(local_id, spec.ends, f"ends on {ends.isoformat()}, before it starts on "
                                                                      f"{starts.isoformat()}"))
                continue
            status = "ended" if ends and ends <= today else "current"
            values = {"team_id": team.id, "worker_id": worker.id if worker else None, "starts_on": starts,
                      "ends_on": ends, "status": status}
            if before is None:
                inserts.append({**values, "source_record_id": record_id, "organisation_id": organisation_id,
                                "role": spec.role, "contact_route": spec.contact, "source": "extract",
                                "recorded_by": f"extract:{mapping.code}", "note": "", "created_at": now,
                                "updated_at": now})
                report.created += 1
            elif any(getattr(before, name) != value for name, value in values.items()):
                updates.append({"id": before.id, **values, "role": spec.role, "contact_route": spec.contact,
                                "updated_at": now})
                report.updated += 1
            else:
                report.unchanged += 1
    if inserts:
        session.execute(insert(Involvement), inserts)
    for changes in (updates, endings):
        if changes:
            session.execute(update(Involvement), changes)
    record_event(session, actor, action=INVOLVEMENT_INDEX.name, outcome="success", subject_type="source_system",
                 subject_id=mapping.code,
                 details={"created": report.created, "updated": report.updated, "ended": report.ended,
                          "unchanged": report.unchanged, "refused": len(report.refused),
                          "reasons": [refused.described for refused in report.refused[:20]]})
    return report


def _date(facts: dict, key: str | None) -> date | None:
    if not key or not facts.get(key):
        return None
    try:
        return date.fromisoformat(str(facts[key]))
    except ValueError:
        raise ValueError(key, f"'{facts[key]}' is not a date") from None
