"""Many rows into one table at the database driver's speed, with their parameters made first.

SQLAlchemy's per-row parameter handling is most of the time of a large insert, and a
long run (a load, a link run) must hold the store's write lock for as short a time as
it can. So a run makes its rows' parameters before its transaction (:meth:`prepare`),
and the transaction only hands them to the driver (:meth:`write`): on PostgreSQL by
COPY, elsewhere by the driver's executemany of the statement SQLAlchemy compiles, each
value through its column type's bind processor, so that what is stored is what Core
would store.

On SQLite, an insert that at least doubles a table (a first link run, a full run
rewriting the standing index) drops the table's plain indexes first and builds them
again after, in the same transaction: building an index once over a million sorted rows
is several times quicker than adding each row's entries one by one (13 s against 35 s
for the standing index's twelve, docs/people.md). Unique indexes and constraints stay,
so what is refused is the same, and readers are not held up: under WAL they read the
last committed state. Not on PostgreSQL, where dropping an index locks the table against
every reader until the transaction ends.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert, inspect, literal, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import JSON, Date, DateTime, TypeDecorator, TypeEngine

from joinedup.db import to_json

Prepared = list[tuple[Any, ...]]

#: Fewer rows than this are inserted with the indexes in place: rebuilding them costs more.
REBUILD_FROM = 10_000


class BulkInsert:
    """An INSERT of ``columns`` into ``table``; every row is a mapping that gives each
    column or, ``by_position``, a sequence of their values in ``columns``' order."""

    def __init__(self, table: Table, dialect: Dialect, columns: Sequence[str], *, by_position: bool = False) -> None:
        self._table = table
        self._by_copy = dialect.name == "postgresql"
        if self._by_copy:
            names = list(columns)
            self._sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            processors: dict[str, Callable[[Any], Any] | None] = {
                name: _copy_processor(table.c[name].type, dialect) for name in names
            }
        else:
            compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
            if not compiled.positional:
                raise ValueError(f"{dialect.name}: bulk inserts need a positional parameter style")
            names = list(compiled.positiontup)
            processors = {name: _processor(table.c[name].type, dialect) for name in names}
            self._sql = compiled.string
        position = {name: index for index, name in enumerate(columns)}
        self._values = operator.itemgetter(*((position[name] for name in names) if by_position else names))
        self._single = len(names) == 1
        self._processed = [
            (position, process) for position, name in enumerate(names) if (process := processors.get(name)) is not None
        ]

    def params(self, row: Mapping[str, Any] | Sequence[Any]) -> tuple[Any, ...]:
        """One row's parameters, ready for the driver (``row`` as the constructor was told)."""
        values = self._values(row)
        if not self._processed:
            return (values,) if self._single else values
        values = [values] if self._single else list(values)
        for position, process in self._processed:
            if values[position] is not None:
                values[position] = process(values[position])
        return tuple(values)

    def prepare(self, rows: Iterable[Mapping[str, Any]]) -> Prepared:
        return [self.params(row) for row in rows]

    def write(self, connection: Connection, prepared: Prepared) -> None:
        """Insert the prepared rows in the connection's transaction."""
        if not prepared:
            return
        rebuilt = self._rebuilt_indexes(connection, len(prepared))
        for index in rebuilt:
            index.drop(connection)
        self._insert(connection, prepared)
        for index in rebuilt:
            index.create(connection)

    def _rebuilt_indexes(self, connection: Connection, count: int) -> list:
        """The plain indexes to drop and build again around inserting ``count`` rows."""
        plain = sorted((index for index in self._table.indexes if not index.unique), key=lambda index: index.name)
        if count < REBUILD_FROM or not plain or not _rebuilds_indexes(connection):
            return []
        # More rows than ``count`` already (read no further than that).
        if connection.scalar(select(literal(1)).select_from(self._table).limit(1).offset(count)) is not None:
            return []
        present = {index["name"] for index in inspect(connection).get_indexes(self._table.name)}
        return [index for index in plain if index.name in present]

    def _insert(self, connection: Connection, prepared: Prepared) -> None:
        if not self._by_copy:
            connection.exec_driver_sql(self._sql, prepared)
            return
        driver_connection = connection.connection.dbapi_connection
        with driver_connection.cursor() as cursor, cursor.copy(self._sql) as copy:
            for row in prepared:
                copy.write_row(row)


def _copy_processor(column_type: TypeEngine, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What a COPY writes for a JSON column (or one stored as JSON by a type of ours):
    the text :func:`to_json` gives, of the value as the type would bind it. COPY takes
    every other value as the driver adapts it."""
    if isinstance(column_type, TypeDecorator) and isinstance(column_type.impl, JSON):
        bind = column_type.process_bind_param
        return lambda value: to_json(bind(value, dialect))
    return to_json if isinstance(column_type, JSON) else None


def _processor(column_type: TypeEngine, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor; for a date or time, one that processes a value
    repeated down the column once (the same object: a run stamps every row it writes with
    one time, and formatting it was a tenth of planning a million persons' rows)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    kind = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if process is None or not isinstance(kind, Date | DateTime):
        return process
    last: list[Any] = [None, None]

    def once_per_value(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return once_per_value


@dataclass
class PreparedRows:
    """Rows for one table, each turned into parameters as it is added, before the
    transaction that writes them: a million rows are never held both as mappings and as
    parameters (together they were a link run's peak memory)."""

    table: Table
    dialect: Dialect
    insert: BulkInsert | None = None
    rows: Prepared = field(default_factory=list)

    @classmethod
    def of(cls, table: Table, dialect: Dialect, rows: Iterable[Mapping[str, Any]]) -> PreparedRows:
        prepared = cls(table, dialect)
        for row in rows:
            prepared.add(row)
        return prepared

    @classmethod
    def of_values(cls, table: Table, dialect: Dialect, columns: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> PreparedRows:
        """Rows given as values in ``columns``' order: a million rows need not be made
        into mappings first."""
        writer = BulkInsert(table, dialect, columns, by_position=True)
        return cls(table, dialect, writer, [writer.params(row) for row in rows])

    def add(self, row: Mapping[str, Any]) -> None:
        """Add a row; the first one's keys are the columns of every row."""
        if self.insert is None:
            self.insert = BulkInsert(self.table, self.dialect, list(row))
        self.rows.append(self.insert.params(row))

    def write(self, connection: Connection) -> None:
        if self.insert is not None:
            self.insert.write(connection, self.rows)


def _rebuilds_indexes(connection: Connection) -> bool:
    """Whether indexes may be rebuilt around an insert here: on SQLite, where a DROP INDEX
    now is undone with the transaction if the insert fails.

    Python's sqlite3 driver opens its transaction at the first INSERT, UPDATE or DELETE,
    so DDL before one would be committed at once: an insert that is a transaction's first
    write keeps its indexes in place.
    """
    if connection.dialect.name != "sqlite":
        return False
    return connection.connection.dbapi_connection.in_transaction
