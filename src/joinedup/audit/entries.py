"""Which tables are entries of the tamper-evident log, and each entry's canonical encoding.

A capability whose rows are entries registers its table here (the audit trail's own
``audit_events`` below; ``sharing_decisions`` from the sharing package), so that the
audit package reads them through their ``Table`` and never imports the capability.

The encoding (version 1) is what a leaf of the Merkle tree hashes::

    joinedup-audit-entry/v1 LF canonical-JSON

where the JSON object has ``table``, ``id`` and the registered fields, keys sorted, no
spaces, UTF-8, timestamps as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC). People appear by
internal id only (person ids, user ids), as the rows hold them. A field added to a logged
table is not in version 1: encoding it needs a new version.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, Table, select
from sqlalchemy.engine import Connection, Dialect

from joinedup.audit.merkle import leaf_hash
from joinedup.audit.models import AuditEvent

ENCODING = b"joinedup-audit-entry/v1\n"


@dataclass(frozen=True)
class LoggedTable:
    """A table whose every row is an entry of the log, and the fields its entries encode."""

    table: Table
    fields: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.table.name


_REGISTRY: dict[str, LoggedTable] = {}


class UnknownSource(LookupError):
    """An entry of a table whose encoding is not registered in this process."""


def register_logged_table(table: Table, fields: Sequence[str]) -> LoggedTable:
    """Make every row of ``table`` an entry of the log, encoding ``fields`` (version 1).

    The table needs an ``id`` and a nullable ``log_index`` column."""
    if {"id", "table", "log_index"} & set(fields) or "at" not in fields:
        raise ValueError("an entry encodes when it was written (at), its id and table always, its log_index never")
    missing = [name for name in ("id", "log_index", *fields) if name not in table.c]
    if missing:
        raise ValueError(f"{table.name} has no column {', '.join(missing)}")
    logged = LoggedTable(table, tuple(fields))
    if _REGISTRY.get(table.name, logged) != logged:
        raise ValueError(f"{table.name} is already logged with other fields")
    _REGISTRY[table.name] = logged
    return logged


def logged_tables() -> list[LoggedTable]:
    """Every registered table, in the order they were registered."""
    return list(_REGISTRY.values())


def logged_table(name: str) -> LoggedTable:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownSource(f"entries of {name} cannot be encoded: its capability is not loaded") from None


def _timestamp(value: datetime | str) -> str:
    """A stored timestamp, UTC, as the encoding writes it: from a datetime (PostgreSQL's
    driver) or from SQLite's text (``YYYY-MM-DD HH:MM:SS.ffffff``, stored as UTC)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _document(value: Any) -> Any:
    """A stored JSON value: parsed from SQLite's text, as PostgreSQL's driver gives it."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _decoders(logged: LoggedTable) -> list[Callable[[Any], Any] | None]:
    decoders: list[Callable[[Any], Any] | None] = []
    for name in logged.fields:
        column_type = logged.table.c[name].type
        if isinstance(column_type, JSON):
            decoders.append(_document)
        elif isinstance(column_type, DateTime) or isinstance(getattr(column_type, "impl", None), DateTime):
            decoders.append(_timestamp)
        else:
            decoders.append(None)
    return decoders


_dumps: Callable[[Any], str] = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


class EntryReader:
    """Reads one logged table's entries as the database driver gives them, and encodes
    them: the sequencer, the verifier and receipts all read this one way, quickly (no ORM
    or type processing per row: a million entries are verified in seconds)."""

    def __init__(self, logged: LoggedTable, dialect: Dialect) -> None:
        self.logged = logged
        self._dialect = dialect
        self._decoders = [(position, decoder) for position, decoder in enumerate(_decoders(logged)) if decoder]
        self._fields = logged.fields

    def statement(self, where: ColumnElement[bool], *, order_by: str = "id", limit: int | None = None) -> str:
        """SQL selecting ``id, log_index`` and the encoded fields of the rows ``where`` holds."""
        table = self.logged.table
        query = select(table.c.id, table.c.log_index, *(table.c[name] for name in self._fields)).where(where) \
            .order_by(table.c[order_by])
        if limit is not None:
            query = query.limit(limit)
        return str(query.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))

    def rows(self, connection: Connection, where: ColumnElement[bool], **options: Any) -> Iterator[tuple]:
        """(id, log_index, field values as stored) of each row ``where`` holds."""
        result = connection.exec_driver_sql(self.statement(where, **options))
        while batch := result.fetchmany(10_000):
            yield from batch

    def encode(self, row_id: int, values: Sequence[Any]) -> bytes:
        """The canonical encoding of one entry from its stored field values, in field order."""
        values = list(values)
        for position, decoder in self._decoders:
            if values[position] is not None:
                values[position] = decoder(values[position])
        document = dict(zip(self._fields, values, strict=True))
        document["table"] = self.logged.name
        document["id"] = row_id
        return ENCODING + _dumps(document).encode("utf-8")

    def hash(self, row_id: int, values: Sequence[Any]) -> bytes:
        """The entry's leaf hash (RFC 6962: SHA-256 of 0x00 and its encoding)."""
        return leaf_hash(self.encode(row_id, values))


register_logged_table(AuditEvent.__table__, (
    "at", "user_id", "actor", "organisation_id", "action", "subject_type", "subject_id", "outcome",
    "channel", "client_address", "reason", "details"))
