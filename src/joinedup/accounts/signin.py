"""Checking a username and password, with guessing slowed down and every attempt audited.

Guessing is slowed per pair of username and client address. After a few failures for
a pair, that pair waits before its next attempt, and every further failure doubles the
wait: guessing one person's password from one address soon stalls, while the person
themselves, at another address, and everyone else at this one, sign in as usual. An
address whose failures, across every username, pass a ceiling far above what an
office of people mistyping reaches (password spraying) is refused for a while.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.accounts.models import SignInAttempt, User
from joinedup.permissions import ACCOUNT_UNLOCK
from joinedup.accounts.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from joinedup.accounts.users import find_user, normalise_username
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow

USERNAME_LIMIT = 120
ADDRESS_LIMIT = 64


@dataclass(frozen=True)
class SignInLimits:
    """How far guessing is slowed.

    A pair of username and address may fail ``failures_before_delay`` times; after that
    each attempt waits ``first_delay``, doubled for every further failure, up to
    ``longest_delay``. A pair's failures count until it signs in, until an administrator
    unlocks the account (:func:`unlock_account`), or for ``forget_after``. An address that fails
    ``address_ceiling`` times in ``address_window``, whatever the usernames, is refused
    until its count drops below the ceiling.
    """

    failures_before_delay: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    longest_delay: timedelta = timedelta(hours=24)
    forget_after: timedelta = timedelta(hours=24)
    address_ceiling: int = 100
    address_window: timedelta = timedelta(minutes=15)

    def delay_after(self, failures: int) -> timedelta:
        """How long a pair waits after its ``failures``-th failure."""
        if failures < self.failures_before_delay:
            return timedelta(0)
        doublings = min(failures - self.failures_before_delay, 32)
        return min(self.longest_delay, self.first_delay * 2**doublings)


@dataclass(frozen=True)
class Authentication:
    """The result of one sign-in attempt.

    ``retry_after_minutes`` is set when sign-in is (now) refused for this username at
    this address, or for this address: on a ``locked`` attempt, and on the failure that
    started a wait. It is the same for a username that exists and one that does not.
    """

    outcome: Literal["success", "failure", "locked"]
    user: User | None = None
    retry_after_minutes: int = 0


@dataclass(frozen=True)
class _Wait:
    until: datetime
    reason: str


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_address: str = "",
    limits: SignInLimits = SignInLimits(),
    channel: str = "web",
    now: datetime | None = None,
) -> Authentication:
    """Check ``username`` and ``password``, unless this username at this address, or this
    address, must wait after too many failures.

    A refused attempt is audited but not counted, so the wait ends when the message says
    it will. Unknown usernames cost the same time and count the same as wrong passwords,
    so neither the answer nor the wait reveals which accounts exist.
    """
    now = now or utcnow()
    name = normalise_username(username)[:USERNAME_LIMIT]
    address = client_address[:ADDRESS_LIMIT]
    user = find_user(session, name)

    def audit(outcome: str, reason: str, details: dict | None = None) -> None:
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
            details=details or {},
        )

    wait = _wait(session, name, user, address, limits, now)
    if wait is not None:
        minutes = _minutes_until(wait.until, now)
        audit("locked", wait.reason, {"retry_after_minutes": minutes})
        return Authentication("locked", retry_after_minutes=minutes)

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
        audit("success", "The password was right.")
        return Authentication("success", user=user)

    session.add(SignInAttempt(username=name, client_address=address or None, succeeded=False, at=now))
    session.flush()
    audit("failure", reason)
    wait = _wait(session, name, user, address, limits, now)
    return Authentication("failure", retry_after_minutes=0 if wait is None else _minutes_until(wait.until, now))


class UnlockRefused(PermissionError):
    """Someone other than an administrator asked to unlock an account."""


def unlock_account(session: Session, actor: Actor, username: str, *, now: datetime | None = None) -> User | None:
    """Lift every sign-in wait on the account called ``username``, at every address, so
    that someone kept waiting, by their own mistakes or another's, can sign in now.

    The account's failed attempts before ``now`` stop counting; an address over its
    ceiling still waits, for that protects every account. Only administrators may
    unlock: anyone else gets :class:`UnlockRefused`, and the refusal is audited, before
    anything says whether the account exists. Returns None (audited too) when no
    account has the username.
    """
    now = now or utcnow()
    name = normalise_username(username)[:USERNAME_LIMIT]
    event = {"action": "account.unlock", "subject_type": "user", "details": {"username": name}}
    if not ACCOUNT_UNLOCK.permits(actor.roles):
        record_event(session, actor, outcome="denied", reason=ACCOUNT_UNLOCK.refusal, **event)
        raise UnlockRefused(ACCOUNT_UNLOCK.refusal)
    user = find_user(session, name)
    if user is None:
        record_event(session, actor, outcome="failure", reason="No account has this username.", **event)
        return None
    user.unlocked_at = now
    record_event(session, actor, outcome="success", subject_id=user.id,
                 reason="An administrator lifted the account's sign-in waits, at every address.", **event)
    return user


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _same_address(address: str):
    return SignInAttempt.client_address.is_(None) if not address else SignInAttempt.client_address == address


def _wait(
    session: Session, name: str, user: User | None, address: str, limits: SignInLimits, now: datetime
) -> _Wait | None:
    """Why, and until when, this username at this address must wait; None if it need not.

    The longer of the pair's wait and the address's, when both must wait.
    """
    waits = [wait for wait in (_pair_wait(session, name, user, address, limits, now),
                               _address_wait(session, address, limits, now)) if wait is not None]
    return max(waits, key=lambda wait: wait.until, default=None)


def _pair_wait(
    session: Session, name: str, user: User | None, address: str, limits: SignInLimits, now: datetime
) -> _Wait | None:
    """The wait of this username at this address: its failures since it last signed in
    there, since an administrator unlocked the account, and within ``forget_after``."""
    pair = (SignInAttempt.username == name, _same_address(address))
    since = now - limits.forget_after
    last_success = session.scalar(select(func.max(SignInAttempt.at)).where(*pair, SignInAttempt.succeeded.is_(True)))
    for moment in (last_success, None if user is None else user.unlocked_at):
        if moment is not None and moment > since:
            since = moment
    failures, latest = session.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(
            *pair, SignInAttempt.succeeded.is_(False), SignInAttempt.at >= since
        )
    ).one()
    delay = limits.delay_after(failures)
    if not delay or latest + delay <= now:
        return None
    return _Wait(latest + delay, f"{failures} failed attempts for this username from this address; "
                                 f"each further attempt waits longer.")


def _address_wait(session: Session, address: str, limits: SignInLimits, now: datetime) -> _Wait | None:
    """The wait of this address, whatever the username: until fewer than the ceiling of
    its failures fall within the window."""
    if not address:
        return None
    oldest_counted = session.scalar(
        select(SignInAttempt.at)
        .where(_same_address(address), SignInAttempt.succeeded.is_(False),
               SignInAttempt.at > now - limits.address_window)
        .order_by(SignInAttempt.at.desc())
        .offset(limits.address_ceiling - 1)
        .limit(1)
    )
    if oldest_counted is None:
        return None
    return _Wait(oldest_counted + limits.address_window,
                 f"{limits.address_ceiling} or more failed attempts from this address, for any usernames, "
                 f"in {_in_words(limits.address_window)}.")


def _in_words(period: timedelta) -> str:
    minutes = round(period.total_seconds() / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
