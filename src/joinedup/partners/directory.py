"""The partners as the pages list them: every organisation and source system, and their names."""

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
    """Every source system as (code, name), by code."""
    return [(code, name) for code, name in session.execute(select(SourceSystem.code, SourceSystem.name)
                                                            .order_by(SourceSystem.code))]
