"""What the data team reads after a load: the loads, and each load's issues grouped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, object_session, selectinload

from joinedup.ingest.models import IngestLoad, LoadIssue
from joinedup.ingest.readers import FLAGGED, REJECTED, WARNING
from joinedup.partners.models import SourceSystem

_SEVERITY_ORDER = {REJECTED: 0, FLAGGED: 1, WARNING: 2}


def list_loads(session: Session, *, source_code: str | None = None, limit: int = 50) -> list[IngestLoad]:
    """The most recent loads, newest first, with their source systems."""
    query = (
        select(IngestLoad)
        .options(selectinload(IngestLoad.source_system))
        .order_by(IngestLoad.started_at.desc(), IngestLoad.id.desc())
        .limit(limit)
    )
    if source_code is not None:
        query = query.join(IngestLoad.source_system).where(SourceSystem.code == source_code)
    return list(session.scalars(query))


def get_load(session: Session, load_id: int) -> IngestLoad | None:
    """One load with its source system (and owner) and every issue, in file order."""
    return session.scalar(
        select(IngestLoad)
        .where(IngestLoad.id == load_id)
        .options(
            selectinload(IngestLoad.source_system).selectinload(SourceSystem.owner),
            selectinload(IngestLoad.issues),
        )
    )


def issue_summary(load: IngestLoad) -> list[tuple[str, str, str, int]]:
    """(severity, field, message, count): a load's issues grouped by reason, worst first.

    Messages never contain the value or the row, so each distinct message is one kind
    of problem. Uses the loaded issues, or a grouped query when they are not loaded.
    """
    if "issues" in inspect(load).unloaded:
        session = object_session(load)
        if session is None:
            raise ValueError("the load's issues are not loaded; read it with get_load")
        rows = session.execute(
            select(LoadIssue.severity, LoadIssue.field, LoadIssue.message, func.count())
            .where(LoadIssue.load_id == load.id)
            .group_by(LoadIssue.severity, LoadIssue.field, LoadIssue.message)
        )
        counts = Counter({(severity, field, message): count for severity, field, message, count in rows})
    else:
        counts = Counter((issue.severity, issue.field, issue.message) for issue in load.issues)
    return sorted(
        ((severity, field, message, count) for (severity, field, message), count in counts.items()),
        key=lambda item: (_SEVERITY_ORDER.get(item[0], 3), -item[3], item[1], item[2]),
    )


def describe_issue(issue: LoadIssue) -> str:
    """One line naming the row, the field, the problem and the value, for people."""
    where = f"row {issue.row_number}" if issue.row_number is not None else "the file"
    if issue.field:
        where = f"{where}, {issue.field}"
    text = f"{where}: {issue.message}"
    return f"{text}: {issue.value!r}" if issue.value else text


@dataclass(frozen=True)
class Completeness:
    """How much of one field a load filled, as percentages of its stored rows: present at
    all, and present and valid."""

    field: str
    percent: float
    valid_percent: float | None = None

    @property
    def bar(self) -> int:
        """The percentage rounded to a whole number, for a bar's width."""
        return max(0, min(100, round(self.percent)))


def field_completeness(load: IngestLoad) -> list[Completeness]:
    """Each field's share of ``load``'s stored rows with a value (and with a valid one).

    The loader records counts (``{"present": 87, "valid": 85, "of": 100}``); a bare
    fraction (0.87) is read too.
    """
    rows = []
    for field, value in (load.completeness or {}).items():
        if isinstance(value, Mapping):
            total = value.get("of")
            if not isinstance(total, int | float):
                continue
            rows.append(Completeness(field, _share(value.get("present"), total),
                                     None if value.get("valid") is None else _share(value.get("valid"), total)))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rows.append(Completeness(field, 100 * float(value)))
    return rows


def _share(count: Any, total: float) -> float:
    return 100 * count / total if isinstance(count, int | float) and total else 0.0
