"""Monitoring's tables: the review tasks it raises, where its last run got to in the log,
and the staff declarations the household rule compares with the people viewed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db import Base, utcnow

#: The rules, in the order pages list them, with their names in words.
RULES = {
    "unrelated_views": "Many people viewed with no involvement or stated relationship",
    "refusals": "Repeated refusals",
    "out_of_hours": "Bulk access out of hours",
    "break_glass": "Break-glass used",
    "household": "Viewed someone who shares their surname and postcode",
}
#: What the IG lead concluded about a task, with the words pages use.
OUTCOMES = {
    "no_concern": "No concern",
    "advice_given": "Advice given",
    "escalated": "Escalated",
    "disciplinary_referral": "Disciplinary referral",
}
TASK_STATUSES = ("open", "closed")


class MonitoringTask(Base):
    """A finding for an IG lead to review: which rule, whose accesses, in which window,
    the audit events that are its evidence, and the outcome once reviewed. ``finding`` is
    the finding's key (rule, user, window or event): a rerun never raises it twice."""

    __tablename__ = "monitoring_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    finding: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(120), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    #: What was counted (people, refusals, views) and the threshold it passed.
    count: Mapped[int] = mapped_column(Integer, default=0)
    threshold: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The ids of the audit events that are the evidence, and the persons (public ids) in them.
    events: Mapped[list] = mapped_column(default=list)
    persons: Mapped[list] = mapped_column(default=list)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    outcome: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None] = mapped_column()


class MonitoringState(Base):
    """One row: the last position in the audit log a run has read, so the next reads on."""

    __tablename__ = "monitoring_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(BigInteger, default=-1)
    ran_at: Mapped[datetime | None] = mapped_column()
    ran_by: Mapped[str] = mapped_column(String(120), default="")


class StaffDeclaration(Base):
    """A member of staff's own surname and home postcode, as they declared them: accounts
    hold neither, and the household rule needs both to compare with the people viewed."""

    __tablename__ = "staff_declarations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    surname: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    declared_by: Mapped[str] = mapped_column(String(120), default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
