"""A flag: a person's child-protection plan, looked-after status, MARAC case and the like,
as an agency's extract states it or a practitioner records it in the app.

A flag from an extract is read from one row (``source_record_id``), so it follows the row
into whichever person linkage puts it, and is corrected at source: the next extract
states it again. One row can carry several flags (a looked-after child on a plan), one of
each type. A flag recorded in the app is the recording organisation's, for a person
(``person_id``); one recorded for a person later merged into another shows on the person
they were merged into.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db import Base, utcnow
from joinedup.involvements.models import Team
from joinedup.partners.models import Organisation
from joinedup.people.models import Person

#: What a flag is now: in force, or ended.
FLAG_STATUSES = ("current", "ended")
#: Where a flag came from: an agency's extract (``extract:<source>``), or the app.
APP = "app"


class Flag(Base):
    """A flag of one type on the person an extract row belongs to, from one date to another."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("source_record_id", "type", name="uq_flags_record_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The extract row it came from (None for one recorded in the app).
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_records.id", ondelete="CASCADE"),
                                                         index=True)
    #: The person it was recorded for in the app (None for one from an extract).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    #: A code of :data:`joinedup.flags.catalogue.FLAG_TYPES`.
    type: Mapped[str] = mapped_column(String(40))
    #: The sharing category the flag is disclosed under (its type's, or the mapping's).
    category: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: The team to contact, from the organisation's directory (None: the organisation's own line).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("directory_teams.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    legal_status: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="current")
    #: Where it came from: ``extract:<source code>``, or ``app``.
    source: Mapped[str] = mapped_column(String(80))
    #: Who recorded (or last ended) it in the app.
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    team: Mapped[Team | None] = relationship()
    person: Mapped[Person | None] = relationship()
