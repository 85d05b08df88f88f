"""The tables of transparency: holds on a person's access report, and subject access requests.

Both name the person by their public id (``P…``), as the log does, so a merge or an erasure
never breaks them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db import Base, utcnow

#: A subject access request's states: received, then in progress, then done or refused.
REQUEST_STATUSES = ("received", "in_progress", "done", "refused")
#: The states in which the request is still to be answered (and its export may be read).
OPEN_STATUSES = ("received", "in_progress")


class AccessHold(Base):
    """Entries about a person held back from their access report until a day: a covert case
    (a police investigation, say) that telling the person would prejudice. Who recorded it,
    when, at whose request and why are kept; the IG lead sees every hold."""

    __tablename__ = "transparency_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    #: Whose entries are held: one organisation's, or (empty) every organisation's.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubjectAccessRequest(Base):
    """A person's request for a copy of everything held about them (UK GDPR Article 15),
    on the one-month clock: due a calendar month after it was received, or up to two months
    later when extended (with the reason)."""

    __tablename__ = "subject_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def deadline(self) -> date:
        """The day the answer is due: the extended day, when extended."""
        return self.extended_to or self.due_on

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES
