"""Server-side sign-in sessions.

The browser holds only a random token; the database holds its SHA-256, so a copy of the
database cannot be replayed as cookies. Each session carries its own CSRF token. A
session with no user is an anonymous, pre-sign-in session: it exists so that the
sign-in form has a CSRF token too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, joinedload

from joinedup.accounts.models import User, WebSession
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow

#: Signed-in sessions that timed out are kept this long, so a returning user is told why.
EXPIRED_SESSION_MEMORY = timedelta(days=1)

#: last_seen_at is written at most this often, to spare the database a write per request.
TOUCH_INTERVAL = timedelta(seconds=30)

#: A session ends this many hours after sign-in however busy it is, so that a stolen or
#: forgotten session cannot be kept alive for ever.
LIFETIME_HOURS = 12


@dataclass(frozen=True)
class SignedInUser:
    """A detached snapshot of the signed-in user: safe to use after the transaction ends."""

    id: int
    username: str
    display_name: str
    organisation_id: int
    organisation_code: str
    organisation_name: str
    team: str
    job_title: str
    roles: tuple[str, ...]
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            organisation_id=user.organisation_id,
            organisation_code=user.organisation.code,
            organisation_name=user.organisation.name,
            team=user.team,
            job_title=user.job_title,
            roles=tuple(user.roles or ()),
            email=user.email,
            phone=user.phone,
        )

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def actor(self, *, channel: str, client_address: str = "") -> Actor:
        """The audit trail's view of this user acting through ``channel`` (web, api)."""
        return Actor(
            user_id=self.id,
            username=self.username,
            organisation_id=self.organisation_id,
            roles=frozenset(self.roles),
            channel=channel,
            client_address=client_address,
        )


@dataclass(frozen=True)
class SessionState:
    """What a request's session token turned out to mean.

    ``status`` is ``active`` (``token`` and ``csrf_token`` are set; ``user`` is set unless
    the session is anonymous), ``expired`` (a signed-in session timed out and has been
    ended) or ``none`` (no token, or one we do not know). ``purposes`` are the purposes
    the user stated at the point of access, by person id (see :func:`remember_purpose`);
    ``context`` is their working context, as stored (see :func:`remember_context`).
    """

    status: Literal["active", "expired", "none"]
    token: str | None = None
    csrf_token: str | None = None
    user: SignedInUser | None = None
    purposes: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    context: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def signed_in(self) -> bool:
        return self.status == "active" and self.user is not None


NO_SESSION = SessionState("none")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session,
    *,
    user: User | None = None,
    client_address: str = "",
    replacing: str | None = None,
    timeout_minutes: int = 30,
    lifetime_hours: int = LIFETIME_HOURS,
) -> SessionState:
    """Start a session with a fresh token and CSRF token, ending the one it replaces.

    Replacing the pre-sign-in session on sign-in is what stops session fixation: a
    token planted before sign-in is worthless after it.
    """
    if replacing:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(replacing)))
    purge_expired_sessions(session, timeout_minutes=timeout_minutes, lifetime_hours=lifetime_hours)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        token_hash=token_hash(token),
        user_id=None if user is None else user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        client_address=client_address[:64] or None,
    )
    session.add(row)
    session.flush()
    return SessionState("active", token, row.csrf_token, None if user is None else SignedInUser.of(user))


def _session_row(session: Session, token: str) -> WebSession | None:
    """The session behind ``token`` with its user and organisation, in one query: every
    request asks this first."""
    return session.scalar(
        select(WebSession)
        .where(WebSession.token_hash == token_hash(token))
        .options(joinedload(WebSession.user).joinedload(User.organisation))
    )


def resume_session(
    session: Session,
    token: str | None,
    *,
    timeout_minutes: int,
    lifetime_hours: int = LIFETIME_HOURS,
    client_address: str = "",
    now: datetime | None = None,
) -> SessionState:
    """Look up the session behind ``token``, ending it if it has been idle for more than
    ``timeout_minutes`` or has lasted more than ``lifetime_hours``, whatever its activity."""
    if not token:
        return NO_SESSION
    now = now or utcnow()
    row = _session_row(session, token)
    if row is None:
        return NO_SESSION
    idle = now - row.last_seen_at
    if idle > timedelta(minutes=timeout_minutes):
        ended = f"No activity for more than {timeout_minutes} minutes."
    elif now - row.created_at > timedelta(hours=lifetime_hours):
        ended = f"Signed in for more than {lifetime_hours} hours."
    else:
        ended = ""
    if ended:
        session.delete(row)
        if row.user is None:
            return NO_SESSION
        record_event(
            session,
            SignedInUser.of(row.user).actor(channel="web", client_address=client_address),
            action="sign_out",
            outcome="timeout",
            subject_type="user",
            subject_id=row.user.id,
            reason=ended,
        )
        return SessionState("expired")
    if row.user is not None and not row.user.active:
        session.delete(row)
        return NO_SESSION
    if idle >= TOUCH_INTERVAL:
        row.last_seen_at = now
    user = None if row.user is None else SignedInUser.of(row.user)
    stored = dict(row.purposes or {})
    context = stored.pop(CONTEXT_KEY, None)
    return SessionState("active", token, row.csrf_token, user, stored, context)


#: How many persons' stated purposes a session keeps (the oldest are forgotten first).
MAX_STATED_PURPOSES = 50
#: Where the working context is kept among the stated purposes: never a person's id.
CONTEXT_KEY = "_context"


def remember_purpose(session: Session, token: str | None, person_id: str, purpose: dict[str, Any] | None) -> None:
    """Keep (or, with ``None``, forget) the purpose the user of ``token``'s session stated
    for ``person_id``. It lasts as long as the session, and only the latest
    :data:`MAX_STATED_PURPOSES` persons' are kept."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token or "")))
    if row is None or row.user_id is None:
        raise LookupError("a stated purpose needs a signed-in session")
    stored = dict(row.purposes or {})
    context = stored.pop(CONTEXT_KEY, None)
    purposes = {key: value for key, value in stored.items() if key != person_id}
    if purpose is not None:
        purposes[person_id] = {**purpose, "at": utcnow().isoformat()}
    kept = sorted(purposes.items(), key=lambda item: str(item[1].get("at", "")))[-MAX_STATED_PURPOSES:]
    row.purposes = dict(kept) | ({CONTEXT_KEY: context} if context is not None else {})


def remember_context(session: Session, token: str | None, context: dict[str, Any] | None) -> None:
    """Keep (or, with ``None``, forget) the working context of ``token``'s session
    (:mod:`joinedup.sharing.context` decides what it holds). It is the session's own: it
    lasts as long as the session, and no other session reads it."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token or "")))
    if row is None or row.user_id is None:
        raise LookupError("a working context needs a signed-in session")
    stored = {key: value for key, value in (row.purposes or {}).items() if key != CONTEXT_KEY}
    row.purposes = stored | ({CONTEXT_KEY: context} if context is not None else {})


def stored_context(session: Session, token: str | None) -> dict[str, Any] | None:
    """The working context kept in ``token``'s signed-in session, as stored, if any."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token or "")))
    if row is None or row.user_id is None:
        return None
    return (row.purposes or {}).get(CONTEXT_KEY)


def end_session(session: Session, token: str | None, *, client_address: str = "") -> bool:
    """Sign out: delete the session behind ``token``. True if there was one."""
    if not token:
        return False
    row = _session_row(session, token)
    if row is None:
        return False
    if row.user is not None:
        record_event(
            session,
            SignedInUser.of(row.user).actor(channel="web", client_address=client_address),
            action="sign_out",
            outcome="success",
            subject_type="user",
            subject_id=row.user.id,
            reason="The user signed out.",
        )
    session.delete(row)
    return True


def purge_expired_sessions(
    session: Session, *, timeout_minutes: int, lifetime_hours: int = LIFETIME_HOURS, now: datetime | None = None
) -> None:
    """Delete ended anonymous sessions, and signed-in ones that ended more than a day ago."""
    now = now or utcnow()
    idle_cutoff = now - timedelta(minutes=timeout_minutes)
    age_cutoff = now - timedelta(hours=lifetime_hours)
    session.execute(
        delete(WebSession).where(
            or_(
                and_(
                    WebSession.user_id.is_(None),
                    or_(WebSession.last_seen_at < idle_cutoff, WebSession.created_at < age_cutoff),
                ),
                WebSession.last_seen_at < idle_cutoff - EXPIRED_SESSION_MEMORY,
                WebSession.created_at < age_cutoff - EXPIRED_SESSION_MEMORY,
            )
        )
    )
