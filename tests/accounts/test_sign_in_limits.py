"""Sign-in: right and wrong passwords; guessing slowed per username and address, with
waits that double, and a far higher ceiling per address; no one refused for another's
mistakes. The clock is passed in: nothing here sleeps."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select

from joinedup.accounts import SignInLimits, User, authenticate, create_user
from joinedup.audit import AuditEvent
from joinedup.db import transaction, utcnow

PASSWORD = "correct horse battery"

#: Small numbers, so each rule shows in a few attempts.
LIMITS = SignInLimits(
    failures_before_delay=3,
    first_delay=timedelta(minutes=1),
    longest_delay=timedelta(minutes=8),
    forget_after=timedelta(hours=24),
    address_ceiling=10,
    address_window=timedelta(minutes=15),
)
HOME = "10.0.0.1"
ELSEWHERE = "198.51.100.7"
OFFICE = "203.0.113.5"  # a whole office behind one NAT


def _users(engine, organisation_id, *names):
    with transaction(engine) as session:
        for name in names or ("sam.social", "dana.dsl"):
            create_user(
                session,
                username=name,
                password=PASSWORD,
                display_name=name,
                organisation=organisation_id,
                roles=["practitioner"],
            )


def attempt(engine, username, password, address=HOME, now=None, limits=LIMITS):
    with transaction(engine) as session:
        return authenticate(
            session, username=username, password=password, client_address=address, now=now, limits=limits
        )


def sign_in_events(engine):
    with transaction(engine) as session:
        return [
            (event.outcome, event.actor, event.reason)
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id)
            )
        ]


def test_right_password_signs_in_and_is_audited(engine, organisation_id):
    _users(engine, organisation_id)
    result = attempt(engine, " Sam.Social ", PASSWORD)
    assert result.outcome == "success" and result.user.username == "sam.social"
    assert sign_in_events(engine) == [("success", "sam.social", "The password was right.")]


def test_wrong_password_and_unknown_user_fail_alike_and_are_audited(engine, organisation_id):
    _users(engine, organisation_id)
    assert attempt(engine, "sam.social", "wrong password").outcome == "failure"
    assert attempt(engine, "nobody", PASSWORD).outcome == "failure"
    assert sign_in_events(engine) == [
        ("failure", "sam.social", "The password was wrong."),
        ("failure", "nobody", "No account has this username."),
    ]


def test_a_disabled_account_cannot_sign_in(engine, organisation_id):
    _users(engine, organisation_id)
    with transaction(engine) as session:
        session.scalar(select(User).where(User.username == "sam.social")).active = False
    assert attempt(engine, "sam.social", PASSWORD).outcome == "failure"
    assert sign_in_events(engine)[-1] == ("failure", "sam.social", "The account is disabled.")


def test_each_further_failure_of_a_username_at_an_address_doubles_its_wait(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()
    assert [attempt(engine, "sam.social", "guess", now=start + timedelta(seconds=s)).retry_after_minutes
            for s in range(3)] == [0, 0, 1]
    at = start + timedelta(seconds=2)
    for expected_wait in (2, 4, 8, 8):  # doubling, up to the longest wait
        early = attempt(engine, "sam.social", PASSWORD, now=at + timedelta(seconds=30))
        assert early.outcome == "locked" and early.user is None
        at += timedelta(minutes=expected_wait // 2 if expected_wait < 8 else 8, seconds=1)
        failed = attempt(engine, "sam.social", "guess", now=at)
        assert (failed.outcome, failed.retry_after_minutes) == ("failure", expected_wait)
    assert sign_in_events(engine)[-2][0:2] == ("locked", "sam.social")


def test_refused_attempts_do_not_count_and_the_wait_ends_when_it_says(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()
    for second in range(3):
        attempt(engine, "sam.social", "guess", now=start + timedelta(seconds=second))
    for second in range(3, 60, 5):
        refused = attempt(engine, "sam.social", "guess", now=start + timedelta(seconds=second))
        assert (refused.outcome, refused.retry_after_minutes) == ("locked", 1)
    after = attempt(engine, "sam.social", PASSWORD, now=start + timedelta(minutes=1, seconds=3))
    assert after.outcome == "success"
    # Signing in clears the count of this username at this address.
    again = attempt(engine, "sam.social", "typo", now=start + timedelta(minutes=2))
    assert (again.outcome, again.retry_after_minutes) == ("failure", 0)


def test_failures_from_other_addresses_never_block_the_user_here(engine, organisation_id):
    """Someone guessing Sam's password elsewhere does not lock Sam out at their desk."""
    _users(engine, organisation_id)
    start = utcnow()
    for second in range(6):
        attempt(engine, "sam.social", "guess", address=ELSEWHERE, now=start + timedelta(seconds=second))
    assert attempt(engine, "sam.social", PASSWORD, address=ELSEWHERE, now=start + timedelta(seconds=7)).outcome == (
        "locked")
    here = attempt(engine, "sam.social", PASSWORD, address=HOME, now=start + timedelta(seconds=8))
    assert here.outcome == "success"


def test_other_users_failures_at_a_shared_address_block_no_one(engine, organisation_id):
    """An office behind one address: colleagues' mistakes below the ceiling lock no one else."""
    _users(engine, organisation_id)
    start = utcnow()
    moments = iter(start + timedelta(seconds=second) for second in range(100))
    for colleague in ("ann", "bob"):
        for _ in range(3):  # each makes only their own username at this address wait
            attempt(engine, f"{colleague}.office", "guess", address=OFFICE, now=next(moments))
    for _ in range(2):
        attempt(engine, "dana.dsl", "typo", address=OFFICE, now=next(moments))
    assert attempt(engine, "sam.social", PASSWORD, address=OFFICE, now=next(moments)).outcome == "success"
    assert attempt(engine, "dana.dsl", PASSWORD, address=OFFICE, now=next(moments)).outcome == "success"
    assert attempt(engine, "ann.office", "guess", address=OFFICE, now=next(moments)).outcome == "locked"


def test_the_default_ceiling_for_an_address_is_far_above_an_office_of_typos(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()
    defaults = SignInLimits()
    assert defaults.address_ceiling >= 100
    colleagues = [f"colleague.{number}" for number in range(20)]
    for round_ in range(defaults.failures_before_delay - 1):  # 80 typos, none of them waiting
        for index, colleague in enumerate(colleagues):
            typo = attempt(engine, colleague, "typo", address=OFFICE, limits=defaults,
                           now=start + timedelta(seconds=round_ * 20 + index))
            assert typo.outcome == "failure"
    late = start + timedelta(minutes=3)
    assert attempt(engine, "sam.social", PASSWORD, address=OFFICE, limits=defaults, now=late).outcome == "success"


def test_spraying_many_usernames_from_one_address_meets_the_ceiling(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()
    for index in range(LIMITS.address_ceiling):
        attempt(engine, f"guess.{index}", "Password1", address=OFFICE, now=start + timedelta(minutes=1, seconds=index))
    blocked = attempt(engine, "sam.social", PASSWORD, address=OFFICE, now=start + timedelta(minutes=2))
    assert (blocked.outcome, blocked.retry_after_minutes) == ("locked", 14)
    assert sign_in_events(engine)[-1] == (
        "locked", "sam.social", "10 or more failed attempts from this address, for any usernames, in 15 minutes.")
    assert attempt(engine, "sam.social", PASSWORD, address=HOME, now=start + timedelta(minutes=2)).outcome == "success"
    assert attempt(engine, "sam.social", PASSWORD, address=OFFICE,
                   now=start + timedelta(minutes=16, seconds=1)).outcome == "success"


def test_the_wait_does_not_tell_whether_a_username_exists(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()

    def answers(username: str) -> list[tuple[str, int]]:
        results = [attempt(engine, username, "guess", address=ELSEWHERE, now=start + timedelta(seconds=second))
                   for second in range(5)]
        return [(result.outcome, result.retry_after_minutes) for result in results]

    assert answers("sam.social") == answers("no.such.person") == [
        ("failure", 0), ("failure", 0), ("failure", 1), ("locked", 1), ("locked", 1)]


def test_failures_are_forgotten_after_a_day(engine, organisation_id):
    _users(engine, organisation_id)
    start = utcnow()
    for minute in range(3):
        attempt(engine, "sam.social", "guess", now=start + timedelta(minutes=minute * 10))
    next_day = start + timedelta(hours=24, minutes=25)
    assert attempt(engine, "sam.social", "typo", now=next_day).retry_after_minutes == 0


def test_a_weak_hash_is_upgraded_on_sign_in(engine, organisation_id, monkeypatch):
    _users(engine, organisation_id)
    from joinedup.accounts import passwords

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert attempt(engine, "sam.social", PASSWORD).outcome == "success"
    with transaction(engine) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "sam.social"))
    assert "m=2048,t=2,p=1" in stored
