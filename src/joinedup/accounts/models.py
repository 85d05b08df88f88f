from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db import Base, utcnow
from joinedup.permissions import FRONTLINE_ROLES, GOVERNANCE_ROLES, NON_READING_ROLES, PROCESSING_ROLES, ROLES
from joinedup.partners.models import Organisation

#: The roles and their groups are the permission registry's (joinedup.permissions).
__all__ = ["FRONTLINE_ROLES", "GOVERNANCE_ROLES", "NON_READING_ROLES", "PROCESSING_ROLES", "ROLES", "SignInAttempt",
           "User", "WebSession"]


class User(Base):
    """A practitioner or officer who signs in; belongs to one organisation and team."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    team: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list] = mapped_column(default=list)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When an administrator last lifted this account's sign-in waits: failed attempts
    #: before then no longer make its username wait, at any address.
    unlocked_at: Mapped[datetime | None] = mapped_column()

    organisation: Mapped[Organisation] = relationship()

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])


#: Usernames differ by more than case: ``Sam.Social`` and ``sam.social`` are one account.
Index("uq_users_lower_username", func.lower(User.username), unique=True)


class WebSession(Base):
    """A server-side sign-in session. The cookie holds a random token; we store its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: The purposes the user stated at the point of access, per person they looked at:
    #: ``{person_id: {"code", "safeguarding_risk", "relationship", "at"}}``. They last as
    #: long as the session (see :func:`joinedup.accounts.sessions.remember_purpose`).
    purposes: Mapped[dict] = mapped_column(default=dict)

    user: Mapped[User | None] = relationship()


class SignInAttempt(Base):
    """Each sign-in attempt, kept to slow guessing by username and address, and by address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_at", "username", "at"),
        Index("ix_sign_in_attempts_client_address_at", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    client_address: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)
