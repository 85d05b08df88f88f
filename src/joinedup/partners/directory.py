"""The partners as the pages list them: every organisation and source system, and their names
(codes and names, never a record)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.partners.models import Organisation, SourceSystem


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by code."""
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def organisation_names(session: Session) -> dict[str, str]:
    """Organisation code → name."""
    return dict(session.execute(select(Organisation.code, Organisation.name)).all())


def organisation_id(session: Session, code: str) -> int | None:
    """The id of the organisation with ``code``, or None."""
    return session.scalar(select(Organisation.id).where(Organisation.code == code)) if code else None


def source_systems(session: Session) -> list[tuple[str, str]]:
    """Every source system as (code, name), by name: for a list to choose from."""
    return [(code, name) for code, name in session.execute(select(SourceSystem.code, SourceSystem.name)
                                                            .order_by(SourceSystem.name, SourceSystem.code))]


def is_source_system(session: Session, code: str) -> bool:
    """Whether a source system has this code."""
    return session.scalar(select(SourceSystem.id).where(SourceSystem.code == code)) is not None
