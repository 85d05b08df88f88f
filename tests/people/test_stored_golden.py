"""A golden record is stored by record (each record once) and read back exactly as written.

The stored form is the store's business: every reader gets the golden record that
people.golden built, whichever way it was written (the ORM, a bulk insert, PostgreSQL's
COPY) and whenever (a row stored before the form keeps being read as it is).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from joinedup.db import to_json, transaction
from joinedup.db.bulk import PreparedRows
from joinedup.people.golden import golden_record
from joinedup.people.models import Person, StoredGoldenRecord

_RECORDS = [
    {"id": 11, "source": "gp", "local_id": "0ba5b42f-25b5-4714-a55a-84b824d93bc8", "record_ref": "", "invalid": set(),
     "updated_at": None, "forename": "Rose", "surname": "Mensah", "date_of_birth": None, "nhs_number": "9493313301"},
    {"id": 12, "source": "csc", "local_id": "CSC-7", "record_ref": "case 4", "invalid": set(), "updated_at": None,
     "forename": "ROSE", "surname": "Mensah-Obi", "date_of_birth": None, "postcode": "JU1 0AQ"},
]

_text = st.one_of(st.none(), st.text(max_size=12))
_entries = st.fixed_dictionaries({
    "value": st.one_of(_text, st.integers(-5, 5)),
    "source": st.sampled_from(["gp", "csc", "police"]),
    "local_id": _text,
    "record_ref": _text,
    "agreeing": st.integers(0, 9),
    "of": st.integers(0, 9),
    "record_id": st.one_of(st.none(), st.integers(1, 4)),
})
#: Anything a golden record's field might hold: the full form, or something else (a
#: field written by hand, a form older than record_id), which must come back unchanged.
_fields = st.one_of(_entries, _entries.map(lambda entry: {**entry, "extra": 1}),
                    st.fixed_dictionaries({"value": _text}), st.lists(st.integers(), max_size=3), _text)
_goldens = st.dictionaries(st.sampled_from(["forename", "surname", "date_of_birth", "uprn", "postcode", "odd"]),
                           _fields, max_size=6)


@given(_goldens)
def test_any_golden_record_reads_back_as_it_was_written(golden):
    stored = StoredGoldenRecord()
    written = stored.process_bind_param(golden, None)
    as_json = json.loads(to_json(written))
    read = stored.process_result_value(as_json, None)
    assert read == golden and list(read) == list(golden)  # the fields in their order (an entry's keys in golden's)


_NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def _person(person_id: str, golden: dict) -> dict:
    return {"person_id": person_id, "golden": golden, "record_count": 2, "low_information": False,
            "created_at": _NOW, "updated_at": _NOW}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(golden=_goldens)
def test_the_store_gives_back_each_golden_record_however_it_was_written(engine, golden):
    with transaction(engine) as session:
        session.execute(text("DELETE FROM persons"))
        session.add(Person(**_person("PORM", golden)))
        PreparedRows.of(Person.__table__, engine.dialect, [_person("PBULK", golden)]).write(session.connection())
    with transaction(engine) as session:
        read = dict(session.execute(select(Person.person_id, Person.golden)).all())
        raw = session.execute(text("SELECT golden FROM persons")).scalars().all()
    assert read == {"PORM": golden, "PBULK": golden}
    assert [_parsed(stored)["stored_as"] for stored in raw] == ["by_record", "by_record"]


def _parsed(raw) -> dict:
    """A golden record as stored (PostgreSQL's driver parses JSON itself)."""
    return json.loads(raw) if isinstance(raw, str) else raw


def test_each_record_is_stored_once_and_a_golden_record_of_the_old_form_is_read_as_it_is(engine):
    golden = golden_record(_RECORDS)
    assert golden["forename"]["value"] == "Rose" and golden["forename"]["agreeing"] == 2
    old_form = {"surname": {"value": "Okafor", "source": "gp", "local_id": "G1", "record_ref": "", "agreeing": 1,
                            "of": 1}}
    with transaction(engine) as session:
        session.add(Person(**_person("PNEW", golden)))
        session.flush()
        session.execute(text("INSERT INTO persons (person_id, golden, record_count, low_information, created_at, "
                             "updated_at) VALUES ('POLD', :golden, 1, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                        {"golden": json.dumps(old_form)})
    with transaction(engine) as session:
        raw = session.execute(text("SELECT golden FROM persons WHERE person_id = 'PNEW'")).scalar_one()
        read = dict(session.execute(select(Person.person_id, Person.golden)).all())
    stored = _parsed(raw)
    assert sorted(map(tuple, stored["records"])) == [
        ("csc", "CSC-7", "case 4", 12), ("gp", "0ba5b42f-25b5-4714-a55a-84b824d93bc8", "", 11)]
    assert json.dumps(stored).count("0ba5b42f") == 1
    assert read == {"PNEW": golden, "POLD": old_form}
