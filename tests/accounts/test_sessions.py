"""Server-side sessions: hashed tokens, CSRF tokens, inactivity timeout, sign-out."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from joinedup.accounts import WebSession, create_user, end_session, open_session, resume_session
from joinedup.accounts.sessions import TOUCH_INTERVAL, purge_expired_sessions
from joinedup.audit import AuditEvent
from joinedup.db import transaction, utcnow

PASSWORD = "correct horse battery"
TIMEOUT = 30


def _user(engine, organisation_id):
    with transaction(engine) as session:
        return create_user(
            session,
            username="sam.social",
            password=PASSWORD,
            display_name="Sam Okafor",
            organisation=organisation_id,
            roles=["practitioner"],
        )


def _age(engine, token, by: timedelta) -> None:
    with transaction(engine) as session:
        row = session.scalar(
            select(WebSession).where(WebSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
        )
        row.last_seen_at = utcnow() - by


def _born(engine, token, ago: timedelta) -> None:
    """Make the session behind ``token`` as old as ``ago``, though still in use."""
    with transaction(engine) as session:
        row = session.scalar(
            select(WebSession).where(WebSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
        )
        row.created_at = utcnow() - ago


def test_the_database_holds_only_the_tokens_hash(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user, client_address="10.1.2.3")
    assert state.signed_in and state.user.username == "sam.social"
    assert len(state.token) >= 40 and len(state.csrf_token) >= 40 and state.token != state.csrf_token
    with transaction(engine) as session:
        (row,) = session.scalars(select(WebSession)).all()
        assert row.token_hash == hashlib.sha256(state.token.encode()).hexdigest()
        assert state.token not in {row.token_hash, row.csrf_token}
        assert row.client_address == "10.1.2.3"
        resumed = resume_session(session, state.token, timeout_minutes=TIMEOUT)
    assert resumed.signed_in and resumed.user.id == user.id and resumed.csrf_token == state.csrf_token


def test_unknown_or_missing_tokens_are_no_session(engine):
    with transaction(engine) as session:
        assert resume_session(session, None, timeout_minutes=TIMEOUT).status == "none"
        assert resume_session(session, "made-up", timeout_minutes=TIMEOUT).status == "none"


def test_an_idle_session_expires_is_deleted_and_the_timeout_audited(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    _age(engine, state.token, timedelta(minutes=TIMEOUT, seconds=1))
    with transaction(engine) as session:
        assert (
            resume_session(session, state.token, timeout_minutes=TIMEOUT, client_address="10.0.0.1").status
            == "expired"
        )
    with transaction(engine) as session:
        assert session.scalars(select(WebSession)).all() == []
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).status == "none"
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).all()
    assert (event.outcome, event.user_id, event.client_address) == ("timeout", user.id, "10.0.0.1")


def test_activity_keeps_a_session_alive(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    _age(engine, state.token, timedelta(minutes=TIMEOUT - 1))
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).signed_in
    _age(engine, state.token, TOUCH_INTERVAL / 2)
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).signed_in


def test_a_session_ends_after_its_lifetime_however_busy_it_is(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    signed_in_at = utcnow()
    busy = [signed_in_at + timedelta(minutes=minutes) for minutes in range(20, 12 * 60, 20)]
    for moment in busy:  # a request every 20 minutes for twelve hours
        with transaction(engine) as session:
            resumed = resume_session(session, state.token, timeout_minutes=TIMEOUT, lifetime_hours=12, now=moment)
            assert resumed.signed_in, moment - signed_in_at
    with transaction(engine) as session:
        ended = resume_session(session, state.token, timeout_minutes=TIMEOUT, lifetime_hours=12,
                               client_address="10.0.0.1", now=signed_in_at + timedelta(hours=12, minutes=1))
    assert ended.status == "expired"
    with transaction(engine) as session:
        assert session.scalars(select(WebSession)).all() == []
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).all()
    assert (event.outcome, event.reason) == ("timeout", "Signed in for more than 12 hours.")


def test_the_lifetime_is_set_by_whoever_resumes_the_session(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    an_hour_on = utcnow() + timedelta(hours=1, minutes=1)
    with transaction(engine) as session:
        session.scalar(select(WebSession)).last_seen_at = an_hour_on - timedelta(minutes=1)
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT, lifetime_hours=2, now=an_hour_on).signed_in
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT, lifetime_hours=1,
                              now=an_hour_on).status == "expired"


def test_an_idle_anonymous_session_simply_ends(engine):
    with transaction(engine) as session:
        state = open_session(session)
    assert state.status == "active" and not state.signed_in and state.csrf_token
    _age(engine, state.token, timedelta(minutes=TIMEOUT + 1))
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).status == "none"


def test_replacing_a_session_ends_the_old_one(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        anonymous = open_session(session)
    with transaction(engine) as session:
        signed_in = open_session(session, user=user, replacing=anonymous.token)
    assert signed_in.token != anonymous.token and signed_in.csrf_token != anonymous.csrf_token
    with transaction(engine) as session:
        assert resume_session(session, anonymous.token, timeout_minutes=TIMEOUT).status == "none"
        assert resume_session(session, signed_in.token, timeout_minutes=TIMEOUT).signed_in


def test_sign_out_deletes_the_session_and_is_audited(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    with transaction(engine) as session:
        assert end_session(session, state.token, client_address="10.0.0.2")
        assert not end_session(session, state.token)
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).status == "none"
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).all()
    assert (event.outcome, event.user_id, event.actor) == ("success", user.id, "sam.social")


def test_a_disabled_users_session_stops_working(engine, organisation_id):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        state = open_session(session, user=user)
    with transaction(engine) as session:
        session.get(type(user), user.id).active = False
    with transaction(engine) as session:
        assert resume_session(session, state.token, timeout_minutes=TIMEOUT).status == "none"


def test_purging_forgets_idle_anonymous_sessions_and_day_old_signed_in_ones(
    engine, organisation_id
):
    user = _user(engine, organisation_id)
    with transaction(engine) as session:
        idle_anonymous = open_session(session)
        fresh_anonymous = open_session(session)
        recently_expired = open_session(session, user=user)
        long_gone = open_session(session, user=user)
        old_anonymous = open_session(session)
        busy_but_long_over = open_session(session, user=user)
    _age(engine, idle_anonymous.token, timedelta(minutes=TIMEOUT + 1))
    _age(engine, recently_expired.token, timedelta(hours=2))
    _age(engine, long_gone.token, timedelta(days=2))
    _born(engine, old_anonymous.token, timedelta(hours=13))
    _born(engine, busy_but_long_over.token, timedelta(hours=12) + timedelta(days=1, minutes=1))
    with transaction(engine) as session:
        purge_expired_sessions(session, timeout_minutes=TIMEOUT, lifetime_hours=12)
    with transaction(engine) as session:
        left = set(session.scalars(select(WebSession.token_hash)))
    hashed = lambda state: hashlib.sha256(state.token.encode()).hexdigest()  # noqa: E731
    assert left == {hashed(fresh_anonymous), hashed(recently_expired)}
