"""The agency systems a user can choose between: codes and names, never a record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.partners.models import SourceSystem


def source_systems(session: Session) -> list[tuple[str, str]]:
    """Every source system's code and name, by name: for a filter by source."""
    return [(code, name) for code, name in session.execute(
        select(SourceSystem.code, SourceSystem.name).order_by(SourceSystem.name))]


def is_source_system(session: Session, code: str) -> bool:
    """Whether a source system has this code."""
    return session.scalar(select(SourceSystem.id).where(SourceSystem.code == code)) is not None
