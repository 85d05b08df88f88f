"""The involvement index and each organisation's directory.

A :class:`Team` and its :class:`Worker` rows are an organisation's directory: who works
there, in which role, and how to reach them. An :class:`Involvement` says that an
organisation (a team, a worker) works with a person in a role from one date to another.
Its ``source`` is the extract row it came from (``source_record_id``, so it follows the
record wherever linkage puts it) or the practitioner who recorded it in the app
(``person_id``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db import Base, utcnow
from joinedup.partners.models import Organisation
from joinedup.people.models import Person

#: What an involvement is now: working with the person, or no longer.
INVOLVEMENT_STATUSES = ("current", "ended")
#: Where an involvement came from: an agency's extract, or a practitioner in the app.
INVOLVEMENT_SOURCES = ("extract", "recorded")


class Team(Base):
    """A team of a partner organisation (a school, a practice, a jobcentre counts as one),
    with its duty line and secure mailbox. A team of a sensitive service names the
    sensitive data category it belongs to: its involvements are shielded."""

    __tablename__ = "directory_teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_directory_teams_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    duty_phone: Mapped[str | None] = mapped_column(String(40))
    secure_email: Mapped[str | None] = mapped_column(String(254))
    sensitive_category: Mapped[str | None] = mapped_column(String(40))
    #: False once retired by the organisation's administrator: kept for what names it, no longer offered.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Worker(Base):
    """A practitioner in an organisation's directory, known by their secure e-mail."""

    __tablename__ = "directory_workers"
    __table_args__ = (UniqueConstraint("organisation_id", "secure_email", name="uq_directory_workers_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("directory_teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    secure_email: Mapped[str] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()


class Involvement(Base):
    """An organisation working with a person, in a role, from one date to another."""

    __tablename__ = "involvements"
    __table_args__ = (Index("ix_involvements_organisation_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person it was recorded for in the app (None for one from an extract).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    #: The extract row it came from (None for one recorded in the app).
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"),
                                                         unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("directory_teams.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("directory_workers.id"))
    role: Mapped[str] = mapped_column(String(40))
    contact_route: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="current")
    source: Mapped[str] = mapped_column(String(16))
    #: Who recorded (or last corrected) it in the app, or the load that brought it.
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    team: Mapped[Team | None] = relationship()
    worker: Mapped[Worker | None] = relationship()
    person: Mapped[Person | None] = relationship()



#: What a lead professional leads for: one person, or a family.
LEAD_SCOPES = ("person", "family")


class LeadProfessional(Base):
    """One involvement named lead for a person or a family, from when it was named (by
    whom, why) until another was named or it ended (when, by whom, why). The rows are the
    history; the one with no ``ended_at`` is the current lead.

    ``scope_key`` is what is led for: ``person:<person id>`` for a person, the family's
    key (:func:`joinedup.involvements.team.family_key`) for a family."""

    __tablename__ = "lead_professionals"
    __table_args__ = (Index("ix_lead_professionals_scope_key", "scope_key", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    scope_key: Mapped[str] = mapped_column(String(80))
    involvement_id: Mapped[int] = mapped_column(ForeignKey("involvements.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    named_by: Mapped[str] = mapped_column(String(120))
    named_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[str] = mapped_column(String(120), default="")
    end_reason: Mapped[str] = mapped_column(Text, default="")

    involvement: Mapped[Involvement] = relationship()


class TeamMember(Base):
    """A worker invited into the team around a family (any organisation's directory), by
    whom and why, until removed (when, by whom, why)."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_family_key", "family_key", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_key: Mapped[str] = mapped_column(String(80))
    worker_id: Mapped[int] = mapped_column(ForeignKey("directory_workers.id"))
    invited_by: Mapped[str] = mapped_column(String(120))
    invited_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str] = mapped_column(String(120), default="")
    removed_reason: Mapped[str] = mapped_column(Text, default="")

    worker: Mapped[Worker] = relationship()
