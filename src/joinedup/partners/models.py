from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db import Base, utcnow

#: The kinds of partner a place's hub brings together.
ORGANISATION_TYPES = (
    "local_authority",
    "childrens_social_care",
    "adult_social_care",
    "education",
    "health",
    "police",
    "housing",
    "dwp",
    "youth_justice",
    "voluntary",
)


class Organisation(Base):
    """A partner agency that signs sharing agreements and employs practitioners."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_systems: Mapped[list[SourceSystem]] = relationship(back_populates="owner")


class SourceSystem(Base):
    """One agency system whose extracts JoinedUp ingests (a case system, a register)."""

    __tablename__ = "source_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Organisation] = relationship(back_populates="source_systems")
