"""An administrator lifts an account's sign-in waits, at every address; no one else may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from joinedup.accounts import SignInLimits, UnlockRefused, User, authenticate, create_user, unlock_account
from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction, utcnow

PASSWORD = "correct horse battery"
LIMITS = SignInLimits(failures_before_delay=3, address_ceiling=8)
ADMIN = Actor(username="ada.admin", roles=frozenset({"admin"}), channel="cli")
PRACTITIONER = Actor(user_id=None, username="pat.practitioner", roles=frozenset({"practitioner"}), channel="api",
                     client_address="10.0.0.9")
DESK, LAPTOP, SPRAYER = "10.0.0.1", "10.0.0.2", "203.0.113.66"


@pytest.fixture
def sam(engine, organisation_id):
    with transaction(engine) as session:
        create_user(session, username="sam.social", password=PASSWORD, display_name="Sam",
                    organisation=organisation_id, roles=["practitioner"])


def attempt(engine, password, address, now, username="sam.social"):
    with transaction(engine) as session:
        return authenticate(session, username=username, password=password, client_address=address, now=now,
                            limits=LIMITS)


def unlock(engine, actor, username, now=None):
    """As the API and CLI ask: a refusal is raised once its record is committed."""
    refused = None
    with transaction(engine) as session:
        try:
            unlocked = unlock_account(session, actor, username, now=now)
        except UnlockRefused as exc:
            refused = exc
    if refused is not None:
        raise refused
    return None if unlocked is None else unlocked.username


def unlock_events(engine):
    with transaction(engine) as session:
        return [(event.actor, event.outcome, event.subject_id, event.reason, event.details)
                for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "account.unlock"))]


def test_an_administrator_lifts_the_waits_at_every_address(engine, sam):
    start = utcnow()
    for address in (DESK, LAPTOP):
        for second in range(3):
            attempt(engine, "guess", address, start + timedelta(seconds=second))
        assert attempt(engine, PASSWORD, address, start + timedelta(seconds=5)).outcome == "locked"

    assert unlock(engine, ADMIN, "SAM.Social", now=start + timedelta(seconds=10)) == "sam.social"

    for address in (DESK, LAPTOP):
        assert attempt(engine, PASSWORD, address, start + timedelta(seconds=11)).outcome == "success"
    after = attempt(engine, "typo", SPRAYER, start + timedelta(seconds=12))
    assert (after.outcome, after.retry_after_minutes) == ("failure", 0)
    with transaction(engine) as session:
        user_id = session.scalar(select(User.id))
    assert unlock_events(engine) == [
        ("ada.admin", "success", str(user_id), "An administrator lifted the account's sign-in waits, at every address.",
         {"username": "sam.social"})]


def test_an_address_over_its_ceiling_still_waits_after_an_unlock(engine, sam):
    start = utcnow()
    for index in range(LIMITS.address_ceiling):
        attempt(engine, "Password1", SPRAYER, start + timedelta(seconds=index), username=f"guess.{index}")
    unlock(engine, ADMIN, "sam.social", now=start + timedelta(seconds=30))
    assert attempt(engine, PASSWORD, SPRAYER, start + timedelta(seconds=31)).outcome == "locked"
    assert attempt(engine, PASSWORD, DESK, start + timedelta(seconds=31)).outcome == "success"


def test_only_administrators_unlock_and_each_refusal_is_audited(engine, sam):
    start = utcnow()
    for second in range(3):
        attempt(engine, "guess", DESK, start + timedelta(seconds=second))
    for username in ("sam.social", "no.such.person"):
        with pytest.raises(UnlockRefused, match="Unlocking an account is for administrators."):
            unlock(engine, PRACTITIONER, username)
    assert attempt(engine, PASSWORD, DESK, start + timedelta(seconds=5)).outcome == "locked"
    with transaction(engine) as session:
        assert session.scalar(select(User.unlocked_at)) is None
    assert unlock_events(engine) == [
        ("pat.practitioner", "denied", "", "Unlocking an account is for administrators.", {"username": name})
        for name in ("sam.social", "no.such.person")
    ]


def test_unlocking_an_account_that_does_not_exist_changes_nothing_and_is_audited(engine, sam):
    assert unlock(engine, ADMIN, "no.such.person") is None
    assert unlock_events(engine) == [
        ("ada.admin", "failure", "", "No account has this username.", {"username": "no.such.person"})]
