"""Gazetteer column mappings: which column of an LLPG or AddressBase extract holds what.

A mapping is a TOML file (see ``docs/gazetteer.md``), in the spirit of the ingest
mappings: a ``[gazetteer]`` table for the file and a ``[columns]`` table naming the
column of each part. It is checked in full when loaded, so a typo fails at once with
the key's name. ``llpg`` (the synthetic place's LLPG) ships in ``mappings/``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.ingest import mapping as ingest_mapping
from joinedup.ingest.mapping import MappingError

MAPPINGS_DIR = Path(__file__).parent / "mappings"

#: Every part of an LPI a mapping can name, in the order the loader reads them.
COLUMNS = (
    "uprn", "parent_uprn", "lpi_status",
    "sao_text", "sao_start_number", "sao_start_suffix", "sao_end_number", "sao_end_suffix",
    "pao_text", "pao_start_number", "pao_start_suffix", "pao_end_number", "pao_end_suffix",
    "street", "locality", "town", "postcode", "easting", "northing", "classification", "in_boundary",
)
REQUIRED = ("uprn", "street")
_GAZETTEER_KEYS = ("name", "description", "format", "encoding", "delimiter")
_COLUMN_KEYS = ("column", "columns", "join", "values", "true", "false", "default")


@dataclass(frozen=True, eq=False)
class ColumnMapping:
    """Where one part comes from: one column, or several joined; optional translations.

    ``values`` translates the file's codes to ours (an LPI status "1" to "approved");
    ``true``/``false`` are the spellings of the in-boundary flag; ``default`` is used
    when the column is empty (or absent from the mapping's file).
    """

    name: str
    columns: tuple[str, ...] = ()
    join: str = " "
    values: dict[str, str] | None = None
    true: frozenset[str] = frozenset({"y", "yes", "true", "t", "1"})
    false: frozenset[str] = frozenset({"n", "no", "false", "f", "0"})
    default: str = ""


@dataclass(frozen=True, eq=False)
class GazetteerMapping:
    """A whole gazetteer mapping: the file's shape and each part's column."""

    name: str
    description: str
    format: str
    encoding: str
    delimiter: str
    columns: dict[str, ColumnMapping] = field(default_factory=dict)
    origin: str = ""


def available_mappings() -> list[str]:
    """The names of the gazetteer mappings that ship with JoinedUp."""
    return ingest_mapping.available_mappings(MAPPINGS_DIR)


def load_gazetteer_mapping(name_or_path: str | Path) -> GazetteerMapping:
    """Read and check a mapping: a shipped mapping's name, or the path of a TOML file."""
    data, origin = ingest_mapping.read_mapping_document(name_or_path, MAPPINGS_DIR, "gazetteer mapping")
    return parse_gazetteer_mapping(data, origin=origin)


def parse_gazetteer_mapping(data: dict[str, Any], *, origin: str = "") -> GazetteerMapping:
    """Check a parsed mapping document and build the GazetteerMapping it describes."""
    where_file = origin or "gazetteer mapping"

    def fail(where: str, problem: str) -> MappingError:
        return MappingError(f"{where_file}: {where}: {problem}")

    _known(data, ("gazetteer", "columns"), "top level", fail)
    head = data.get("gazetteer", {})
    if not isinstance(head, dict):
        raise fail("[gazetteer]", "must be a table")
    _known(head, _GAZETTEER_KEYS, "[gazetteer]", fail)
    fmt = _text(head, "format", "[gazetteer]", fail, "csv")
    if fmt != "csv":
        raise fail("[gazetteer] format", f"'{fmt}' is not supported (only csv)")
    encoding = _text(head, "encoding", "[gazetteer]", fail, "utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise fail("[gazetteer] encoding", f"'{encoding}' is not a known encoding") from None
    delimiter = _text(head, "delimiter", "[gazetteer]", fail, ",")
    if len(delimiter) != 1:
        raise fail("[gazetteer] delimiter", "must be a single character")
    table = data.get("columns")
    if not isinstance(table, dict):
        raise fail("[columns]", "is required: it names the column of each part of the address")
    columns: dict[str, ColumnMapping] = {}
    for name, spec in table.items():
        if name not in COLUMNS:
            raise fail(f"[columns] {name}", f"is not a part of a gazetteer address (expected one of {', '.join(COLUMNS)})")
        columns[name] = _column(name, spec, f"[columns] {name}", fail)
    for name in REQUIRED:
        if name not in columns:
            raise fail("[columns]", f"'{name}' is required")
    return GazetteerMapping(
        name=_text(head, "name", "[gazetteer]", fail, "gazetteer"),
        description=_text(head, "description", "[gazetteer]", fail, ""),
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        origin=origin,
    )


def _known(data: dict[str, Any], allowed: tuple[str, ...], where: str, fail) -> None:
    for key in data:
        if key not in allowed:
            raise fail(where, f"unknown key '{key}' (expected one of {', '.join(allowed)})")


def _text(data: dict[str, Any], key: str, where: str, fail, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise fail(f"{where} {key}", "must be a string")
    return value


def _column(name: str, spec: Any, where: str, fail) -> ColumnMapping:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        raise fail(where, "must be a column name or a table")
    _known(spec, _COLUMN_KEYS, where, fail)
    if "column" in spec and "columns" in spec:
        raise fail(where, "needs one of 'column' or 'columns', not both")
    if "column" in spec:
        column = spec["column"]
        if not isinstance(column, str) or not column:
            raise fail(f"{where} column", "must be a non-empty string")
        columns: tuple[str, ...] = (column,)
    elif "columns" in spec:
        listed = spec["columns"]
        if not isinstance(listed, list) or not listed or not all(isinstance(c, str) and c for c in listed):
            raise fail(f"{where} columns", "must be a non-empty list of column names")
        columns = tuple(listed)
    elif "default" in spec:
        columns = ()
    else:
        raise fail(where, "needs 'column', 'columns' or a 'default'")
    values = spec.get("values")
    if values is not None:
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise fail(f"{where} values", "must be a table of the file's codes and their meanings (strings)")
        values = {str(code).strip().lower(): meaning for code, meaning in values.items()}
    spellings = {}
    for which in ("true", "false"):
        if which in spec:
            if name != "in_boundary":
                raise fail(f"{where} {which}", "applies only to in_boundary")
            listed = spec[which]
            if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
                raise fail(f"{where} {which}", "must be a list of the file's spellings")
            spellings[which] = frozenset(s.strip().lower() for s in listed)
    column = ColumnMapping(
        name=name,
        columns=columns,
        join=_text(spec, "join", where, fail, " "),
        values=values,
        default=_text(spec, "default", where, fail, ""),
        **spellings,
    )
    if column.true & column.false:
        raise fail(where, "a spelling cannot mean both true and false")
    return column
