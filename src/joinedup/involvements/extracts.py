"""Involvements read from an agency's extract, through its mapping's ``[involvements]``.

Run after a load (the CLI and the demo do, as they match addresses): each stored row of
the source that names a team or a worker becomes, or updates, one involvement of the
source's organisation, tied to the row (so it follows the row into whichever person
linkage puts it). A team or worker not in the organisation's directory, a date that is
not one, or an end before the start refuses that row, naming the field; the rest are
kept. A row that no longer names anyone ends its involvement.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.db import utcnow
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.sections import (
    IndexReport,
    PendingWrites,
    RowRefusal,
    loaded_source,
    read_rows,
    record_run,
)
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.permissions import INVOLVEMENT_INDEX


def index_involvements(session: Session, actor: Actor, mapping: SourceMapping, *, today: date | None = None
                       ) -> IndexReport:
    """Read the involvements of ``mapping``'s source from its stored rows, in the caller's
    transaction; audited (``involvement.index``)."""
    system = loaded_source(session, mapping, "involvements")
    spec = mapping.involvements
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
    pending = PendingWrites(session, Involvement)
    now = utcnow()

    def read(record_id: int, facts: dict) -> None:
        team_name = str(facts.get(spec.team) or "").strip() if spec.team else ""
        email = str(facts.get(spec.worker) or "").strip().lower() if spec.worker else ""
        before = existing.get(record_id)
        starts = _date(facts, spec.starts)
        ends = _date(facts, spec.ends)
        if not team_name and not email:
            if before is not None and before.status == "current":
                pending.updates.append({"id": before.id, "status": "ended", "ends_on": ends or today, "updated_at": now})
                report.ended += 1
            return
        worker = workers.get(email) if email else None
        if email and worker is None:
            raise RowRefusal(spec.worker, f"the worker {email} is not in the directory")
        team = teams.get(team_name) if team_name else worker.team if worker else None
        if team is None:
            raise RowRefusal(spec.team, f"the team '{team_name}' is not in the directory")
        if starts and ends and ends < starts:
            raise RowRefusal(spec.ends, f"ends on {ends.isoformat()}, before it starts on {starts.isoformat()}")
        status = "ended" if ends and ends <= today else "current"
        values = {"team_id": team.id, "worker_id": worker.id if worker else None, "starts_on": starts,
                  "ends_on": ends, "status": status}
        if before is None:
            pending.inserts.append({**values, "source_record_id": record_id, "organisation_id": organisation_id,
                            "role": spec.role, "contact_route": spec.contact, "source": "extract",
                            "recorded_by": f"extract:{mapping.code}", "note": "", "created_at": now,
                            "updated_at": now})
            report.created += 1
        elif any(getattr(before, name) != value for name, value in values.items()):
            pending.updates.append({"id": before.id, **values, "role": spec.role, "contact_route": spec.contact,
                            "updated_at": now})
            report.updated += 1
        else:
            report.unchanged += 1

    read_rows(session, system, report, read, pending=pending)
    record_run(session, actor, INVOLVEMENT_INDEX, report)
    return report


def _date(facts: dict, key: str | None) -> date | None:
    if not key or not facts.get(key):
        return None
    try:
        return date.fromisoformat(str(facts[key]))
    except ValueError:
        raise RowRefusal(key, f"'{facts[key]}' is not a date") from None
