"""The migrations build exactly the schema the models describe, on every backend."""

import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import SAWarning

from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.db import make_engine, transaction
from joinedup.db.migrate import current_revision, upgrade
from joinedup.schema import metadata
from joinedup.partners import Organisation


def test_migrations_reach_head_and_match_the_models(engine):
    assert current_revision(engine) is not None
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False}), metadata)
    assert diff == []


def test_migrating_a_new_store_warns_of_nothing(tmp_path):
    """`joinedup init` and `make demo` migrate a new store: a newcomer's first screen."""
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        upgrade(engine)
    engine.dispose()


def test_upgrade_is_idempotent(engine):
    before = set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == before


def test_timestamps_come_back_as_aware_utc(engine):
    when = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    with transaction(engine) as session:
        session.add(AuditEvent(at=when, action="test", outcome="success"))
    with transaction(engine) as session:
        stored = session.scalar(select(AuditEvent.at))
    assert stored == when
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(engine):
    with pytest.raises(Exception, match="naive"):
        with transaction(engine) as session:
            session.add(AuditEvent(at=datetime(2026, 1, 1), action="test", outcome="success"))


def test_a_failed_transaction_writes_nothing(engine):
    with pytest.raises(RuntimeError):
        with transaction(engine) as session:
            session.add(Organisation(code="P", name="Police", type="police"))
            session.flush()
            raise RuntimeError("boom")
    with transaction(engine) as session:
        assert session.scalar(select(Organisation)) is None


def test_audit_events_record_who_what_where_and_outcome(engine):
    actor = Actor(user_id=None, username="cli-user", channel="cli", client_address="local")
    with transaction(engine) as session:
        record_event(session, actor, action="ingest.load", outcome="success", subject_type="ingest_load", subject_id=7, details={"rows": 3})
    with transaction(engine) as session:
        event = session.scalar(select(AuditEvent))
    assert (event.actor, event.action, event.outcome, event.subject_id, event.channel) == ("cli-user", "ingest.load", "success", "7", "cli")
    assert event.details == {"rows": 3}
    assert event.at <= datetime.now(UTC)
