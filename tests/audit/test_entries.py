"""The canonical encoding of an entry: exactly canonical JSON, and the same on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from joinedup.audit.entries import (
    ENCODINGS,
    EntryReader,
    logged_table,
    register_logged_table,
)
from joinedup.audit.models import AuditEvent
from joinedup.db import transaction
from joinedup.sharing.models import SharingDecision

ENCODING = ENCODINGS[1].encode()

EVENT = {
    "at": datetime(2026, 12, 2, 9, 30, 5, 120, tzinfo=UTC), "user_id": None, "actor": "sam.social",
    "organisation_id": None, "action": "person.view", "subject_type": "person", "subject_id": "P000042",
    "outcome": "allowed", "channel": "web", "client_address": "10.0.0.7", "reason": "Ärger \u2014 \"quoted\"\n",
    "details": {"b": [1, 2.5, None], "a": {"z": "ß", "y": True}},
}


def _encoded(engine, table, row: dict) -> bytes:
    with transaction(engine) as session:
        row_id = session.execute(insert(table).returning(table.c.id), [row]).scalar_one()
    reader = EntryReader(logged_table(table.name), engine.dialect)
    with engine.connect() as connection:
        [stored] = reader.rows(connection, table.c.id == row_id)
    return reader.encode(row_id, stored[2:])


def test_an_entry_is_encoded_as_canonical_json(engine):
    encoded = _encoded(engine, AuditEvent.__table__, EVENT)
    assert encoded.startswith(ENCODING)
    document = json.loads(encoded[len(ENCODING):])
    expected = {**EVENT, "at": "2026-12-02T09:30:05.000120Z", "id": 1, "table": "audit_events"}
    assert document == expected
    assert encoded[len(ENCODING):] == json.dumps(expected, sort_keys=True, separators=(",", ":"),
                                                 ensure_ascii=False).encode("utf-8")


def test_both_stores_encode_an_entry_alike(sqlite_engine, postgres_engine):
    """A log copied from SQLite to PostgreSQL (or read by either) hashes to the same leaves."""
    decision = {"at": datetime(2026, 1, 1, tzinfo=UTC), "username": "sam", "person_id": "P1", "action": "person.view",
                "purpose": "safeguarding", "outcome": "shared", "basis": "", "policy_ids": ["a"], "fields": [],
                "reason": "", "channel": "web"}
    assert _encoded(sqlite_engine, AuditEvent.__table__, EVENT) == _encoded(postgres_engine, AuditEvent.__table__, EVENT)
    assert _encoded(sqlite_engine, SharingDecision.__table__, decision) == \
        _encoded(postgres_engine, SharingDecision.__table__, decision)
    several = {**decision, "record_ids": [3, 11], "record_count": 2}  # version 2
    assert _encoded(sqlite_engine, SharingDecision.__table__, several) == \
        _encoded(postgres_engine, SharingDecision.__table__, several)


text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | text_values,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text_values, inner, max_size=3),
                           max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(reason=text_values, subject=text_values, details=st.dictionaries(text_values, json_values, max_size=4),
       user=st.none() | st.integers(1, 10**9))
def test_the_field_by_field_encoding_is_json_dumps_of_the_whole(reason, subject, details, user):
    reader = EntryReader(logged_table("audit_events"), None)
    values = ["2026-12-02 09:30:05.000120", user, "sam", None, "person.view", "person", subject, "allowed", "web",
              "", reason, json.dumps(details)]
    expected = dict(zip(reader.logged.fields, values, strict=True)) | {
        "at": "2026-12-02T09:30:05.000120Z", "details": details, "id": 7, "table": "audit_events"}
    assert reader.encode(7, values) == ENCODING + json.dumps(
        expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_a_logged_table_must_say_when_and_may_not_encode_its_own_place():
    table = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", String(10)),
                  Column("log_index", Integer))
    with pytest.raises(ValueError, match="when it was written"):
        register_logged_table(table, ("body",))
    with pytest.raises(ValueError, match="log_index"):
        register_logged_table(table, ("body", "log_index"))
