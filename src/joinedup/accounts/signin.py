"""Checking a username and password, with guessing slowed down and every attempt audited."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.accounts.models import SignInAttempt, User
from joinedup.accounts.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from joinedup.accounts.users import find_user, normalise_username
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow

USERNAME_LIMIT = 120
ADDRESS_LIMIT = 64


@dataclass(frozen=True)
class Authentication:
    """The result of one sign-in attempt.

    ``retry_after_minutes`` is set when sign-in is (now) locked for this username or
    address: on a ``locked`` attempt, and on the failure that reached the limit.
    """

    outcome: Literal["success", "failure", "locked"]
    user: User | None = None
    retry_after_minutes: int = 0


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_address: str = "",
    max_failures: int = 5,
    lockout_minutes: int = 15,
    channel: str = "web",
    now: datetime | None = None,
) -> Authentication:
    """Check ``username`` and ``password``, unless too many recent failures lock them out.

    Failures count per username (since its last success) and per client address, within
    the last ``lockout_minutes``. A locked attempt is audited but not counted, so the
    lock lifts when the message says it will. Unknown usernames cost the same time and
    count the same as wrong passwords, so neither reveals which accounts exist.
    """
    now = now or utcnow()
    name = normalise_username(username)[:USERNAME_LIMIT]
    address = client_address[:ADDRESS_LIMIT]
    window = timedelta(minutes=lockout_minutes)

    def audit(outcome: str, user: User | None, reason: str) -> None:
        actor = Actor(
            user_id=None if user is None else user.id,
            username=name,
            organisation_id=None if user is None else user.organisation_id,
            roles=frozenset(() if user is None else user.roles or ()),
            channel=channel,
            client_address=address,
        )
        record_event(
            session,
            actor,
            action="sign_in",
            outcome=outcome,
            subject_type="user",
            subject_id="" if user is None else user.id,
            reason=reason,
        )

    wait = _minutes_locked(session, name, address, max_failures, window, now)
    user = find_user(session, name)
    if wait:
        audit("locked", user, f"{max_failures} or more failed attempts in {lockout_minutes} minutes.")
        return Authentication("locked", retry_after_minutes=wait)

    if user is None:
        spend_verification_time(password)
        reason = "No account has this username."
    elif not verify_password(user.password_hash, password):
        reason = "The password was wrong."
    elif not user.active:
        reason = "The account is disabled."
    else:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.add(SignInAttempt(username=name, client_address=address or None, succeeded=True, at=now))
        audit("success", user, "The password was right.")
        return Authentication("success", user=user)

    session.add(SignInAttempt(username=name, client_address=address or None, succeeded=False, at=now))
    session.flush()
    audit("failure", user, reason)
    return Authentication(
        "failure", retry_after_minutes=_minutes_locked(session, name, address, max_failures, window, now)
    )


def _minutes_locked(
    session: Session, name: str, address: str, max_failures: int, window: timedelta, now: datetime
) -> int:
    """Whole minutes until sign-in unlocks for this username and address; 0 if it is not locked."""
    since = now - window
    last_success = session.scalar(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.username == name, SignInAttempt.succeeded.is_(True)
        )
    )
    by_name = _failure_times(session, SignInAttempt.username == name, max(since, last_success or since))
    by_address = _failure_times(session, SignInAttempt.client_address == address, since) if address else []
    unlocks = [
        failures[len(failures) - max_failures] + window
        for failures in (by_name, by_address)
        if len(failures) >= max_failures
    ]
    if not unlocks:
        return 0
    return max(1, math.ceil((max(unlocks) - now).total_seconds() / 60))


def _failure_times(session: Session, condition, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(SignInAttempt.at)
            .where(condition, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since)
            .order_by(SignInAttempt.at)
        )
    )
