"""Sign-in: right and wrong passwords, guessing locked out per username and per address."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select

from joinedup.accounts import User, authenticate, create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction, utcnow

PASSWORD = "correct horse battery"

LIMITS = {"max_failures": 3, "lockout_minutes": 15}


def _users(engine, organisation_id):
    with transaction(engine) as session:
        for name in ("sam.social", "dana.dsl"):
            create_user(
                session,
                username=name,
                password=PASSWORD,
                display_name=name,
                organisation=organisation_id,
                roles=["practitioner"],
            )


def attempt(engine, username, password, address="10.0.0.1", now=None):
    with transaction(engine) as session:
        return authenticate(
            session, username=username, password=password, client_address=address, now=now, **LIMITS
        )


def sign_in_events(engine):
    with transaction(engine) as session:
        return [
            (event.outcome, event.actor, event.reason)
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id)
            )
        ]


def test_right_password_signs_in_and_is_audited(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    result = attempt(engine, " Sam.Social ", PASSWORD)
    assert result.outcome == "success" and result.user.username == "sam.social"
    assert sign_in_events(engine) == [("success", "sam.social", "The password was right.")]


def test_wrong_password_and_unknown_user_fail_alike_and_are_audited(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    assert attempt(engine, "sam.social", "wrong password").outcome == "failure"
    assert attempt(engine, "nobody", PASSWORD).outcome == "failure"
    assert sign_in_events(engine) == [
        ("failure", "sam.social", "The password was wrong."),
        ("failure", "nobody", "No account has this username."),
    ]


def test_a_disabled_account_cannot_sign_in(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    with transaction(engine) as session:
        session.scalar(select(User).where(User.username == "sam.social")).active = False
    assert attempt(engine, "sam.social", PASSWORD).outcome == "failure"
    assert sign_in_events(engine)[-1] == ("failure", "sam.social", "The account is disabled.")


def test_too_many_failures_lock_the_username_until_the_window_passes(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    start = utcnow()
    assert attempt(engine, "sam.social", "guess 1", now=start).retry_after_minutes == 0
    assert attempt(engine, "sam.social", "guess 2", now=start + timedelta(minutes=1)).retry_after_minutes == 0
    third = attempt(engine, "sam.social", "guess 3", address="10.9.9.9", now=start + timedelta(minutes=2))
    assert third.outcome == "failure" and third.retry_after_minutes == 13

    locked = attempt(engine, "sam.social", PASSWORD, address="10.8.8.8", now=start + timedelta(minutes=5))
    assert locked.outcome == "locked" and locked.user is None and locked.retry_after_minutes == 10
    assert sign_in_events(engine)[-1][0:2] == ("locked", "sam.social")

    assert (
        attempt(engine, "dana.dsl", PASSWORD, address="10.7.7.7", now=start + timedelta(minutes=5)).outcome
        == "success"
    )
    assert (
        attempt(engine, "sam.social", PASSWORD, now=start + timedelta(minutes=15, seconds=1)).outcome
        == "success"
    )


def test_locked_attempts_do_not_extend_the_lock(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    start = utcnow()
    for minute in range(3):
        attempt(engine, "sam.social", "guess", now=start + timedelta(minutes=minute))
    for minute in range(3, 14):
        assert (
            attempt(engine, "sam.social", "guess", now=start + timedelta(minutes=minute)).outcome == "locked"
        )
    assert (
        attempt(engine, "sam.social", PASSWORD, now=start + timedelta(minutes=15, seconds=1)).outcome
        == "success"
    )


def test_success_clears_the_usernames_count_but_not_the_addresses(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    start = utcnow()
    attempt(engine, "sam.social", "guess", now=start)
    attempt(engine, "sam.social", "guess", now=start + timedelta(seconds=1))
    assert (
        attempt(engine, "sam.social", PASSWORD, address="10.5.5.5", now=start + timedelta(seconds=2)).outcome
        == "success"
    )
    assert (
        attempt(
            engine, "sam.social", "typo", address="10.5.5.5", now=start + timedelta(seconds=3)
        ).retry_after_minutes
        == 0
    )

    # The first address has two failures; one more, on any username, locks it.
    third = attempt(engine, "someone.else", "guess", now=start + timedelta(seconds=4))
    assert third.retry_after_minutes == 15


def test_guessing_across_usernames_from_one_address_is_locked(engine, organisation_id, quick_hashes):
    _users(engine, organisation_id)
    start = utcnow()
    for index, name in enumerate(("a.user", "b.user", "c.user")):
        attempt(engine, name, "guess", address="203.0.113.5", now=start + timedelta(seconds=index))
    blocked = attempt(engine, "sam.social", PASSWORD, address="203.0.113.5", now=start + timedelta(minutes=1))
    assert blocked.outcome == "locked" and blocked.retry_after_minutes == 14
    assert (
        attempt(
            engine, "sam.social", PASSWORD, address="203.0.113.6", now=start + timedelta(minutes=1)
        ).outcome
        == "success"
    )


def test_a_weak_hash_is_upgraded_on_sign_in(engine, organisation_id, quick_hashes, monkeypatch):
    _users(engine, organisation_id)
    from joinedup.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert attempt(engine, "sam.social", PASSWORD).outcome == "success"
    with transaction(engine) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "sam.social"))
    assert "m=2048,t=2,p=1" in stored
