"""Streaming readers for agency extracts: CSV, JSON Lines and FHIR Bulk Data NDJSON.

A reader yields one item per row: ``(row_number, row, careful)``, or an :class:`Issue`
for a row it could not read at all (``rejected``) or a line that is not a row (a FHIR
resource other than a Patient: a ``warning`` on its line). It never holds more than one
row in memory. Bytes that are not valid in the declared encoding are decoded with
``surrogateescape`` so that one bad byte costs one flagged field, not the whole file;
``careful`` tells the record builder that a row may hold such bytes (or NULs), so only
those rows pay for the check.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import operator
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joinedup.ingest.mapping import FieldMapping, SourceMapping, compile_path

REJECTED = "rejected"
FLAGGED = "flagged"
WARNING = "warning"

#: The longest CSV record the csv module will assemble before giving up on the row.
MAX_RECORD_CHARS = 64 * 1024 * 1024
PREVIEW_CHARS = 300
#: A FHIR NDJSON line holding another resource: a warning on its line (the type is the value).
OTHER_RESOURCE = "is a FHIR resource other than Patient, so it was not read as a row"

# The csv module's own cap (128 KiB a field) would end a load with an exception at the
# first large cell; the record builder applies the product's field cap instead, and
# names the row and field. Raising the cap only ever makes csv accept more.
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS))

Row = Any
Accessor = Callable[[Row], Any]


class LoadFailed(Exception):
    """The file as a whole cannot be loaded; the message says why, in the data team's words."""


@dataclass(slots=True)
class Issue:
    """A problem with one row (or, with no row number, the whole file)."""

    row_number: int | None
    field: str
    severity: str
    message: str
    value: str = ""


def printable(text: str, limit: int | None = None) -> str:
    """Text safe to store and show: undecodable bytes as ``\\xNN``, NULs as ``\\x00``."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text):,} characters)"
    if text.isascii() and "\x00" not in text:
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    point = ord(char)
    if 0xDC80 <= point <= 0xDCFF:
        return f"\\x{point - 0xDC00:02x}"
    if 0xD800 <= point <= 0xDFFF:
        return f"\\u{point:04x}"
    if point == 0:
        return "\\x00"
    return char


def _codec(encoding: str) -> str:
    """utf-8 files often start with a byte-order mark; reading them as utf-8-sig drops it."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


class Extract(ABC):
    """An agency extract opened for streaming; use as a context manager."""

    #: Every value is a string (CSV), so accessors may skip the checks JSON values need.
    rows_are_text = False
    #: The file names its columns before any row (CSV), so a missing one is known at once.
    has_header = False

    def __init__(self, mapping: SourceMapping, path: Path, *, newline: str | None) -> None:
        self.mapping = mapping
        self.path = path
        self.total_bytes = path.stat().st_size
        self.warnings: list[Issue] = []
        self._binary = path.open("rb")
        self._text = io.TextIOWrapper(
            self._binary, encoding=_codec(mapping.encoding), errors="surrogateescape", newline=newline
        )

    @property
    def bytes_read(self) -> int:
        return self._binary.tell()

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> Extract:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require(self, mapped: FieldMapping, label: str) -> None:
        """Fail the load if the file cannot hold a column the mapping needs."""

    def missing(self, columns: tuple[str, ...]) -> list[str]:
        """Those of ``columns`` the file does not have (known only for a file with a header)."""
        return []

    def locate_many(self, columns: tuple[str, ...]) -> Accessor:
        """The present ones of several columns, as a tuple, in one call (CSV has a faster one)."""
        present = [accessor for column in columns if (accessor := self.locate(column, column)) is not None]
        return lambda row: tuple(accessor(row) for accessor in present)

    @abstractmethod
    def locate(self, column: str, field: str) -> Accessor | None:
        """How to read one column (or path) from a row; None when the file has no such column."""

    @abstractmethod
    def rows(self) -> Iterator[tuple[int, Row, bool] | Issue]:
        """Each row with its number and whether it was decoded cleanly, or the Issue that rejects it."""

    def no_rows(self) -> str:
        """Why a file that holds no rows at all cannot be a load."""
        return "the file has no rows"


class CsvExtract(Extract):
    """A delimited file whose first non-blank row is the header (row numbers count it)."""

    rows_are_text = True
    has_header = True

    def __init__(self, mapping: SourceMapping, path: Path) -> None:
        super().__init__(mapping, path, newline="")
        self._reader = csv.reader(self._text, delimiter=mapping.delimiter, strict=False)
        self.header: list[str] = []
        self._index: dict[str, int] = {}
        self._warned: set[str] = set()
        try:
            for row in self._reader:
                if any(cell.strip() for cell in row):
                    self.header = [cell.strip() for cell in row]
                    break
        except csv.Error as exc:
            self.close()
            raise LoadFailed(f"the header (row {self._reader.line_num}) cannot be read as CSV: {exc}") from None
        if not self.header:
            self.close()
            raise LoadFailed("the file is empty")
        for position, column in enumerate(self.header):
            if column in self._index:
                self.warnings.append(Issue(None, column[:64], WARNING,
                                           f"the header repeats column '{printable(column)}'; the first is used"))
            else:
                self._index[column] = position

    def require(self, mapped: FieldMapping, label: str) -> None:
        for column in self.missing(mapped.columns):
            raise LoadFailed(
                f"the file has no column '{column}', which the mapping names as [source] {label}"
                f" ({self.described_header})"
            )

    @property
    def described_header(self) -> str:
        found = ", ".join(f"'{printable(name)}'" for name in self.header[:40])
        more = ", …" if len(self.header) > 40 else ""
        return f"the header has {len(self.header)} columns: {found}{more}"

    def missing(self, columns: tuple[str, ...]) -> list[str]:
        return [column for column in columns if column not in self._index]

    def locate(self, column: str, field: str) -> Accessor | None:
        position = self._index.get(column)
        if position is None:
            if column not in self._warned:
                self._warned.add(column)
                self.warnings.append(Issue(None, field, WARNING,
                                           f"the file has no column '{column}'; {field} is empty in every row"))
            return None
        return operator.itemgetter(position)

    def locate_many(self, columns: tuple[str, ...]) -> Accessor:
        positions = [self._index[column] for column in columns if column in self._index]
        if len(positions) == 1:
            position = positions[0]
            return lambda row: (row[position],)
        return operator.itemgetter(*positions)

    def rows(self) -> Iterator[tuple[int, Row, bool] | Issue]:
        reader = self._reader
        width = len(self.header)
        last_line = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Issue(last_line + 1, "", REJECTED, "cannot be read as CSV", str(exc))
                last_line = reader.line_num
                continue
            number, last_line = last_line + 1, reader.line_num
            if not row:
                continue
            if len(row) != width:
                yield Issue(number, "", REJECTED,
                            "has a different number of values from the header",
                            f"{len(row)} values; the header has {width} columns")
                continue
            joined = "".join(row)
            yield number, row, not joined.isascii() or "\x00" in joined

    def no_rows(self) -> str:
        return "the file has a header but no rows"


class JsonLinesExtract(Extract):
    """One JSON object per line; for ``fhir-ndjson``, only ``Patient`` resources are rows."""

    def __init__(self, mapping: SourceMapping, path: Path) -> None:
        super().__init__(mapping, path, newline=None)
        self.fhir = mapping.format == "fhir-ndjson"
        self.other_resources: Counter[str] = Counter()
        self.lines_seen = 0

    def locate(self, column: str, field: str) -> Accessor:
        return _path_accessor(compile_path(column))

    def rows(self) -> Iterator[tuple[int, Row, bool] | Issue]:
        for number, line in enumerate(self._text, start=1):
            if not line or line.isspace():
                continue
            self.lines_seen += 1
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Issue(number, "", REJECTED, "is not valid JSON",
                            f"{exc.msg} at character {exc.pos + 1}: {printable(line.strip(), PREVIEW_CHARS)}")
                continue
            except (ValueError, RecursionError) as exc:
                yield Issue(number, "", REJECTED, "is not valid JSON",
                            f"{exc.__class__.__name__}: {printable(line.strip(), PREVIEW_CHARS)}")
                continue
            if not isinstance(item, dict):
                yield Issue(number, "", REJECTED, "is not a JSON object", printable(line.strip(), PREVIEW_CHARS))
                continue
            if self.fhir and item.get("resourceType") != "Patient":
                kind = _resource_type(item)
                self.other_resources[kind] += 1
                yield Issue(number, "resourceType", WARNING, OTHER_RESOURCE, kind)
                continue
            yield number, item, not line.isascii() or "\\u" in line
        if not self.lines_seen:
            raise LoadFailed("the file is empty")

    def no_rows(self) -> str:
        if not self.other_resources:
            return super().no_rows()
        counts = ", ".join(f"{kind} {count:,}" for kind, count in self.other_resources.most_common())
        total = sum(self.other_resources.values())
        lines = "its line holds" if total == 1 else f"all {total:,} of its lines hold"
        return f"the file has no Patient resources ({lines} other FHIR resources: {counts})"


def _resource_type(item: dict[str, Any]) -> str:
    kind = item.get("resourceType")
    if kind is None:
        return "no resourceType"
    return printable(kind if isinstance(kind, str) else json.dumps(kind), PREVIEW_CHARS)


def _path_accessor(steps: tuple[str | int | tuple[str, str], ...]) -> Accessor:
    """Follow a compiled path through one JSON object; a step that does not fit gives None.

    JSON objects are exactly dicts and arrays exactly lists, so the type checks are by
    class: this runs for every field of every row.
    """

    def follow(item: Any) -> Any:
        try:
            for step in steps:
                kind = step.__class__
                if kind is str:
                    item = item[step]
                elif kind is int:
                    if item.__class__ is not list:
                        return None
                    item = item[step]
                else:
                    key, wanted = step
                    for entry in item:
                        if entry.__class__ is dict and _as_key(entry.get(key)) == wanted:
                            item = entry
                            break
                    else:
                        return None
        except (KeyError, IndexError, TypeError):
            return None
        return item

    return follow


def _as_key(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def open_extract(mapping: SourceMapping, path: Path) -> Extract:
    """Open ``path`` in the mapping's format, reading the header if it has one."""
    if path.stat().st_size == 0:
        raise LoadFailed("the file is empty")
    if mapping.format == "csv":
        return CsvExtract(mapping, path)
    return JsonLinesExtract(mapping, path)

