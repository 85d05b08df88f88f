"""Bulk inserts: what is stored and refused is the same whether the indexes are kept or rebuilt."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    cast,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from joinedup.db import UTCDateTime, to_json
from joinedup.db.bulk import REBUILD_FROM, BulkInsert, PreparedRows

metadata = MetaData()
entries = Table(
    "bulk_insert_trial", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False),
    Column("surname", Text),
    Index("ix_bulk_insert_trial_surname", "surname"),
    Index("ix_bulk_insert_trial_code", "code", unique=True),
)
documents = Table("bulk_insert_documents", metadata, Column("id", Integer, primary_key=True), Column("body", JSON))
stamped = Table("bulk_insert_stamped", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime),
                Column("born", Date))


@pytest.fixture
def trial(engine):
    metadata.create_all(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2].strip().upper()))
    yield engine, statements
    metadata.drop_all(engine)


def _rows(start: int, count: int) -> list[dict]:
    return [{"id": number, "code": f"C{number}", "surname": f"S{number % 97}"} for number in range(start, start + count)]


def _write(engine, rows) -> None:
    """As a link run writes: after another write in the same transaction."""
    writer = BulkInsert(entries, engine.dialect, ["id", "code", "surname"])
    with engine.begin() as connection:
        connection.execute(entries.delete().where(entries.c.id == 0))
        writer.write(connection, writer.prepare(rows))


def _ddl(statements: list[str]) -> list[str]:
    return [statement for statement in statements if statement.startswith(("DROP INDEX", "CREATE INDEX"))]


def _indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(entries.name)}


def test_an_insert_that_doubles_a_table_rebuilds_its_plain_indexes_on_sqlite_only(trial):
    """On PostgreSQL a DROP INDEX would lock the table against readers until the commit."""
    engine, statements = trial
    _write(engine, _rows(1, REBUILD_FROM))
    ddl = _ddl(statements)
    if engine.dialect.name == "sqlite":
        assert [statement.split()[0] for statement in ddl] == ["DROP", "CREATE"]
        assert "IX_BULK_INSERT_TRIAL_SURNAME" in ddl[0]
    else:
        assert not ddl
    assert _indexes(engine) == {"ix_bulk_insert_trial_surname", "ix_bulk_insert_trial_code"}
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(entries)) == REBUILD_FROM
        assert connection.scalar(select(func.count()).where(entries.c.surname == "S5")) == len(
            [number for number in range(1, REBUILD_FROM + 1) if number % 97 == 5])


def test_an_insert_that_does_not_double_the_table_keeps_the_indexes_in_place(sqlite_engine):
    metadata.create_all(sqlite_engine)
    statements: list[str] = []
    _write(sqlite_engine, _rows(1, REBUILD_FROM + 1))
    event.listen(sqlite_engine, "before_cursor_execute", lambda *args: statements.append(args[2].strip().upper()))
    _write(sqlite_engine, _rows(REBUILD_FROM + 2, REBUILD_FROM))
    _write(sqlite_engine, _rows(3 * REBUILD_FROM, 5))
    assert not _ddl(statements)
    _write(sqlite_engine, _rows(4 * REBUILD_FROM, 2 * REBUILD_FROM + 6))
    assert len(_ddl(statements)) == 2  # exactly doubling it rebuilds


def test_a_unique_index_still_refuses_a_duplicate_and_nothing_is_kept(trial):
    engine, _ = trial
    rows = _rows(1, REBUILD_FROM)
    rows[-1]["code"] = rows[0]["code"]
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):  # COPY's error is the driver's
        _write(engine, rows)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(entries)) == 0
    assert _indexes(engine) == {"ix_bulk_insert_trial_surname", "ix_bulk_insert_trial_code"}


def test_on_sqlite_an_insert_that_is_the_first_write_keeps_its_indexes(sqlite_engine):
    """The driver would commit a DROP INDEX made before the transaction's first write."""
    metadata.create_all(sqlite_engine)
    statements: list[str] = []
    event.listen(sqlite_engine, "before_cursor_execute", lambda *args: statements.append(args[2].strip().upper()))
    writer = BulkInsert(entries, sqlite_engine.dialect, ["id", "code", "surname"])
    rows = _rows(1, REBUILD_FROM)
    rows[-1]["code"] = rows[0]["code"]
    with pytest.raises(IntegrityError), sqlite_engine.begin() as connection:
        writer.write(connection, writer.prepare(rows))
    assert not _ddl(statements)
    assert _indexes(sqlite_engine) == {"ix_bulk_insert_trial_surname", "ix_bulk_insert_trial_code"}


def test_a_json_value_is_stored_alike_by_a_bulk_insert_and_by_a_statement_and_read_back_whole(trial):
    """Both write the text of :func:`joinedup.db.to_json` (orjson): keys that are not text
    are written as text, as json.dumps writes them, and accents are kept."""
    engine, _ = trial
    body = {"forename": {"value": "Zoë", "agreeing": 2, "of": 3}, 7: [1.5, None, True], "empty": {}}
    writer = BulkInsert(documents, engine.dialect, ["id", "body"])
    with engine.begin() as connection:
        writer.write(connection, writer.prepare([{"id": 1, "body": body}]))
        connection.execute(insert(documents), [{"id": 2, "body": body}])
    with engine.connect() as connection:
        read = connection.execute(select(documents.c.body).order_by(documents.c.id)).scalars().all()
        stored = connection.execute(select(cast(documents.c.body, Text)).order_by(documents.c.id)).scalars().all()
    assert read == [{"forename": {"value": "Zoë", "agreeing": 2, "of": 3}, "7": [1.5, None, True], "empty": {}}] * 2
    assert stored == ['{"forename":{"value":"Zoë","agreeing":2,"of":3},"7":[1.5,null,true],"empty":{}}'] * 2


def test_rows_given_as_values_in_any_column_order_are_stored_as_the_same_rows_as_mappings(trial):
    """A link run gives the standing index's million rows as values, not mappings
    (:meth:`PreparedRows.of_values`); each value must land in its own column, whatever
    order the columns are named in, and JSON must still be written as JSON."""
    engine, _ = trial
    with engine.begin() as connection:
        PreparedRows.of_values(entries, engine.dialect, ("surname", "id", "code"),
                               [("Okafor", 1, "C1"), (None, 2, "C2")]).write(connection)
        PreparedRows.of_values(documents, engine.dialect, ("body", "id"), [({"a": [1, "Zoë"]}, 1)]).write(connection)
    with engine.connect() as connection:
        assert connection.execute(select(entries).order_by(entries.c.id)).all() == [(1, "C1", "Okafor"), (2, "C2", None)]
        assert connection.execute(select(documents.c.body)).scalar_one() == {"a": [1, "Zoë"]}


def test_a_time_repeated_down_a_column_and_times_between_are_each_stored_as_given(trial):
    """A run stamps every row with one time, formatted once (the same object); a row with
    another time between them, or none, is still stored with its own."""
    engine, _ = trial
    first, second = datetime(2026, 12, 4, 9, 30, tzinfo=UTC), datetime(2026, 12, 4, 10, 45, tzinfo=UTC)
    days = [date(2001, 3, 4), date(2002, 5, 6)]
    given = [(1, first, days[0]), (2, first, days[0]), (3, second, days[1]), (4, None, None), (5, first, days[0])]
    with engine.begin() as connection:
        PreparedRows.of_values(stamped, engine.dialect, ("id", "at", "born"), given).write(connection)
    with engine.connect() as connection:
        assert connection.execute(select(stamped).order_by(stamped.c.id)).all() == given


class _Score(float):
    """A float subclass, as numpy's float64 is: orjson refuses it."""


def test_what_orjson_refuses_is_written_or_refused_as_json_dumps_did():
    assert to_json({"score": _Score(0.5), "big": 2**70}) == json.dumps({"score": 0.5, "big": 2**70})
    with pytest.raises(TypeError):
        to_json({"born": date(2015, 3, 1)})
    assert to_json([float("nan")]) == "[null]"  # json.dumps wrote NaN, which is not JSON
