"""Flags read from an agency's extract, through its mapping's ``[flags]`` section.

Run after a load and a link run (the CLI and the demo do, after the involvements): each
stored row of the source that states a flag becomes, or updates, one flag of that type,
tied to the row, so it shows on whichever person linkage puts the row in. A type not in
the catalogue, a date that is not one, an end before the start or a team not in the
organisation's directory refuses that row, naming the field; the rest are kept. A flag a
row no longer states is ended (on today's date).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.db import utcnow
from joinedup.flags.catalogue import FLAG_TYPES, legal_status_in_words
from joinedup.flags.models import Flag
from joinedup.ingest.mapping import FlagMapping, SourceMapping
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.sections import (
    IndexReport,
    PendingWrites,
    RowRefusal,
    loaded_source,
    read_rows,
    record_run,
)
from joinedup.involvements import Team
from joinedup.permissions import FLAG_INDEX
from joinedup.sharing.models import DataCategory

#: The fields compared to tell an unchanged flag from a changed one.
COMPARED = ("category", "team_id", "starts_on", "ends_on", "legal_status", "status")

#: What reading a source's flags did: the report every index from an extract gives.
FlagIndexReport = IndexReport


def index_flags(session: Session, actor: Actor, mapping: SourceMapping, *, today: date | None = None
                ) -> IndexReport:
    """Read the flags of ``mapping``'s source from its stored rows, in the caller's
    transaction; audited (``flag.index``)."""
    system = loaded_source(session, mapping, "flags")
    today = today or date.today()
    organisation_id = system.owner_organisation_id
    teams = dict(session.execute(select(Team.name, Team.id).where(Team.organisation_id == organisation_id)).all())
    categories = set(session.scalars(select(DataCategory.code)))
    existing = {(row.source_record_id, row.type): row for row in session.execute(
        select(Flag.id, Flag.source_record_id, Flag.type, *(getattr(Flag, name) for name in COMPARED))
        .join(SourceRecord, SourceRecord.id == Flag.source_record_id)
        .where(SourceRecord.source_system_id == system.id))}
    held: dict[int, list[tuple[int, str]]] = {}
    for key in existing:
        held.setdefault(key[0], []).append(key)
    report = IndexReport(mapping.code)
    pending = PendingWrites(session, Flag)
    stated: set[tuple[int, str]] = set()
    now = utcnow()

    def read(record_id: int, facts: dict) -> None:
        found = [_flag(spec, facts, teams, categories, today) for spec in mapping.flags]
        for values in found:
            if values is None:
                continue
            key = (record_id, values["type"])
            if key in stated:
                continue  # two rules of the mapping stating one flag: the first holds
            stated.add(key)
            before = existing.get(key)
            if before is None:
                pending.inserts.append({**values, "source_record_id": record_id, "organisation_id": organisation_id,
                                "source": f"extract:{mapping.code}", "recorded_by": "", "created_at": now,
                                "updated_at": now})
                report.created += 1
            elif any(getattr(before, name) != values[name] for name in COMPARED):
                pending.updates.append({"id": before.id, **{name: values[name] for name in COMPARED}, "updated_at": now})
                report.updated += 1
            else:
                report.unchanged += 1

    def kept(record_id: int) -> None:
        """A row refused states nothing new: its flags are kept as they were."""
        stated.update(held.get(record_id, ()))

    read_rows(session, system, report, read, refused=kept, pending=pending)
    for key, before in existing.items():
        if key not in stated and before.status == "current":
            pending.updates.append({"id": before.id, "status": "ended", "ends_on": before.ends_on or today,
                                    "updated_at": now})
            report.ended += 1
    pending.write()
    record_run(session, actor, FLAG_INDEX, report)
    return report


def _flag(spec: FlagMapping, facts: dict[str, Any], teams: dict[str, int], categories: set[str],
          today: date) -> dict | None:
    """The flag one rule finds in a row's facts (None: the row states none); a
    :class:`RowRefusal` naming the field when the row states one wrongly."""
    for key, wanted in spec.when.items():
        if str(facts.get(key, "")).lower() not in wanted:
            return None
    raw = facts.get(spec.type)
    value = "" if raw is None else str(raw).strip()
    if not value:
        return None
    if spec.values:
        if value not in spec.values:
            raise RowRefusal(spec.type, f"'{value}' is not one of the values the mapping turns into flags "
                                        f"({', '.join(sorted(spec.values))})")
        code = spec.values[value]
        if not code:
            return None
    else:
        code = value
    flag_type = FLAG_TYPES.get(code)
    if flag_type is None:
        raise RowRefusal(spec.type, f"'{code}' is not a flag type in the catalogue")
    category = spec.category or flag_type.category
    if category not in categories:
        raise RowRefusal(spec.type, f"the category '{category}' of a {flag_type.name.lower()} flag is not a "
                                    "data category")
    starts = _date(facts, spec.fact_for("starts", code))
    ends = _date(facts, spec.fact_for("ends", code))
    if starts and ends and ends < starts:
        raise RowRefusal(spec.fact_for("ends", code),
                         f"ends on {ends.isoformat()}, before it starts on {starts.isoformat()}")
    team_name = spec.contact_team or (str(facts.get(spec.team) or "").strip() if spec.team else "")
    team_id = teams.get(team_name) if team_name else None
    if team_name and team_id is None and not spec.contact_team:
        raise RowRefusal(spec.team, f"the team '{team_name}' is not in the organisation's directory")
    legal = str(facts.get(spec.legal_status) or "") if spec.legal_status and flag_type.legal_status else ""
    return {"type": code, "category": category, "team_id": team_id, "starts_on": starts, "ends_on": ends,
            "legal_status": legal_status_in_words(legal)[:120],
            "status": "ended" if ends and ends <= today else "current"}


def _date(facts: dict, key: str | None) -> date | None:
    if not key or not facts.get(key):
        return None
    try:
        return datetime.fromisoformat(str(facts[key])).date()
    except ValueError:
        raise RowRefusal(key, f"'{facts[key]}' is not a date") from None
