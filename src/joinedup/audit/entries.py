"""Which tables are entries of the tamper-evident log, and each entry's canonical encoding.

A capability whose rows are entries registers its table here (the audit trail's own
``audit_events`` below; ``sharing_decisions`` from the sharing package), so that the
audit package reads them through their ``Table`` and never imports the capability.

The encoding is what a leaf of the Merkle tree hashes::

    joinedup-audit-entry/v1 LF canonical-JSON

where the JSON object has ``table``, ``id`` and the registered fields, keys sorted, no
spaces, UTF-8, timestamps as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC). People appear by
internal id only (person ids, user ids), as the rows hold them.

A field added to a logged table after version 1 is registered as ``added``: an entry that
holds a value in one is encoded as version 2 (``joinedup-audit-entry/v2``, its JSON with
the added fields too); an entry that holds none is encoded as version 1, exactly as before,
so every entry written before the field existed still verifies. Version 2's fields are
fixed once entries hold them: adding another to ``added`` would change every version 2
entry's JSON, so a later field needs a version 3.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from json.encoder import c_make_encoder, encode_basestring
from json.scanner import make_scanner
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    cast,
    select,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import NullType, TypeEngine

from joinedup.audit.models import AuditEvent

#: The first line of an entry, by version: a version 2 entry holds a value in an added field.
ENCODINGS = {1: "joinedup-audit-entry/v1\n", 2: "joinedup-audit-entry/v2\n"}
_scan = make_scanner(json.JSONDecoder())
_sha256 = hashlib.sha256


@dataclass(frozen=True)
class LoggedTable:
    """A table whose every row is an entry of the log, and the fields its entries encode:
    ``fields`` always (version 1), ``added`` when the entry holds a value in one (version 2)."""

    table: Table
    fields: tuple[str, ...]
    added: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field an entry may encode, in the order rows are read."""
        return self.fields + self.added


_REGISTRY: dict[str, LoggedTable] = {}


class UnknownSource(LookupError):
    """An entry of a table whose encoding is not registered in this process."""


def register_logged_table(table: Table, fields: Sequence[str], added: Sequence[str] = ()) -> LoggedTable:
    """Make every row of ``table`` an entry of the log, encoding ``fields`` (version 1) and,
    when it holds a value in one, the ``added`` fields too (version 2).

    The table needs an ``id`` and a nullable ``log_index`` column; an added field is nullable."""
    if {"id", "table", "log_index"} & {*fields, *added} or "at" not in fields or set(fields) & set(added):
        raise ValueError("an entry encodes when it was written (at), its id and table always, its log_index never, "
                         "and each field once")
    missing = [name for name in ("id", "log_index", *fields, *added) if name not in table.c]
    if missing:
        raise ValueError(f"{table.name} has no column {', '.join(missing)}")
    for name in (*fields, *added):
        _writer(table.c[name].type)
    logged = LoggedTable(table, tuple(fields), tuple(added))
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


def _quoted_timestamp(value: datetime | str) -> str:
    """A timestamp as the encoding writes it, a JSON string; SQLite's text the short way."""
    if value.__class__ is str and len(value) == 26 and value[10] == " ":
        return f'"{value[:10]}T{value[11:]}Z"'
    return f'"{_timestamp(value)}"'


def _document(value: Any) -> str:
    """A stored JSON value, canonical: parsed from SQLite's text, as PostgreSQL's driver gives
    it. Text that does not parse (only a damaged or forged row holds it) is written as ``!``
    and the text as a JSON string, which no canonical value starts with: the entry still
    gets its place, and its hash can match no other value."""
    if isinstance(value, str):
        # The C scanner straight away (json.loads adds two Python calls, a third of its time
        # on a small value); text it does not take whole goes json.loads's way, to its rules.
        try:
            parsed, end = _scan(value, 0)
        except StopIteration:
            end = -1
        if end == len(value):
            return _dumps(parsed)
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            return "!" + encode_basestring(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    return _dumps(value)


class _Documents(dict):
    """Canonical JSON of stored JSON texts, remembered: most entries repeat a few values
    (the fields shown, the policies that decided), and parsing is most of an entry's cost."""

    LIMIT = 50_000

    def __missing__(self, text: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        self[text] = canonical = _document(text)
        return canonical


def _day(value: date | str) -> str:
    return encode_basestring(value if isinstance(value, str) else value.isoformat())


def _writer(column_type: TypeEngine) -> Callable[[Any], str]:
    """How one column's stored value (as either driver gives it) is written in the encoding."""
    column_type = getattr(column_type, "impl", column_type)
    if isinstance(column_type, JSON):
        return _document
    if isinstance(column_type, NullType):
        # A foreign key whose table is not loaded yet: an integer id, written as JSON writes it.
        return _dumps
    if isinstance(column_type, DateTime):
        return _quoted_timestamp
    if isinstance(column_type, Date):
        return _day
    if isinstance(column_type, Boolean):
        return lambda value: "true" if value else "false"
    if isinstance(column_type, Integer):
        return str
    if isinstance(column_type, String):
        return encode_basestring
    raise ValueError(f"a logged column of type {column_type} has no encoding")


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


if c_make_encoder is not None:
    #: Canonical JSON by the C encoder made once (json.dumps makes one per call, which is
    #: most of its time on a small value): the same text as JSONEncoder(sort_keys=True,
    #: separators=(",", ":"), ensure_ascii=False).encode, twice as fast.
    _canonical = c_make_encoder(None, _refuse, encode_basestring, None, ":", ",", True, False, True)

    def _dumps(value: Any) -> str:
        return "".join(_canonical(value, 0))
else:  # pragma: no cover - Python without the json C accelerator
    _dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def stream(connection: Connection, sql: str) -> Iterator[tuple]:
    """The rows of ``sql`` as the driver gives them, a batch at a time (on PostgreSQL from a
    server-side cursor, so a million rows are never all in memory)."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"audit_stream_{next(_CURSORS)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(10_000):
            yield from batch
    finally:
        cursor.close()


_CURSORS = itertools.count()


class EntryReader:
    """Reads one logged table's entries as the database driver gives them, and encodes
    them: the sequencer, the verifier and receipts all read this one way, quickly (no ORM
    or type processing per row: a million entries are verified in seconds)."""

    def __init__(self, logged: LoggedTable, dialect: Dialect) -> None:
        self.logged = logged
        self._dialect = dialect
        self._entry = _entry_writer(logged)

    def statement(self, where: ColumnElement[bool], *, order_by: str = "id", limit: int | None = None) -> str:
        """SQL selecting ``id, log_index`` and the encoded fields of the rows ``where`` holds."""
        table = self.logged.table
        columns = [cast(table.c[name], Text) if isinstance(table.c[name].type, JSON) else table.c[name]
                   for name in self.logged.columns]
        query = select(table.c.id, table.c.log_index, *columns).where(where).order_by(table.c[order_by])
        if limit is not None:
            query = query.limit(limit)
        return str(query.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))

    def rows(self, connection: Connection, where: ColumnElement[bool], **options: Any) -> Iterator[tuple]:
        """(id, log_index, field values as stored) of each row ``where`` holds."""
        return stream(connection, self.statement(where, **options))

    def encode(self, row_id: int, values: Sequence[Any]) -> bytes:
        """The canonical encoding of one entry from its stored field values, in column order."""
        return self._entry((row_id, None, *values)).encode("utf-8")

    def hash(self, row_id: int, values: Sequence[Any]) -> bytes:
        """The entry's leaf hash (RFC 6962: SHA-256 of 0x00 and its encoding)."""
        return self.leaf((row_id, None, *values))

    def leaf(self, row: Sequence[Any]) -> bytes:
        """The leaf hash of a row as :meth:`rows` gives it (id, log_index, field values)."""
        return _sha256(b"\x00" + self._entry(row).encode("utf-8")).digest()


def _entry_writer(logged: LoggedTable) -> Callable[[Sequence[Any]], str]:
    """The function writing an entry from its row (id, log_index, field values): its version
    line, then canonical JSON (keys sorted, no spaces, UTF-8) written field by field, as
    json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) would write the
    whole object, without building it. It is made as one f-string per version for the
    table's fields in key order (as namedtuple and dataclasses make theirs): walking a list
    of fields for each entry was most of the time of verifying a million."""
    scope: dict[str, Any] = {"_null": "null", "_table": encode_basestring(logged.name)}
    place = {name: 2 + index for index, name in enumerate(logged.columns)} | {"id": 0}
    for number, name in enumerate(logged.columns):
        if not name.isidentifier():
            raise ValueError(f"{logged.name} has a logged column named {name!r}")
        writer = _writer(logged.table.c[name].type)
        scope[f"_w{number}"] = _Documents().__getitem__ if writer is _document else writer

    def text(version: int, names: Sequence[str]) -> str:
        parts = []
        for name in sorted([*names, "id", "table"]):
            if name == "table":
                value = "{_table}"
            elif name == "id":
                value = "{row[0]}"
            else:
                at = place[name]
                value = f"{{_null if row[{at}] is None else _w{at - 2}(row[{at}])}}"
            parts.append(f'{"," if parts else "{{"}"{name}":{value}')
        return "f" + repr(ENCODINGS[version])[:-1] + "".join(parts) + "}}'"

    source = "def entry(row):\n"
    if logged.added:
        unset = " and ".join(f"row[{place[name]}] is None" for name in logged.added)
        source += f"    if not ({unset}):\n        return {text(2, logged.columns)}\n"
    source += f"    return {text(1, logged.fields)}\n"
    exec(compile(source, f"<entry encoding of {logged.name}>", "exec"), scope)  # noqa: S102 - our own text
    return scope["entry"]


register_logged_table(AuditEvent.__table__, (
    "at", "user_id", "actor", "organisation_id", "action", "subject_type", "subject_id", "outcome",
    "channel", "client_address", "reason", "details"))
