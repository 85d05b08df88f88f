"""Shaping one row of an extract into a source record: canonical fields, facts and flags.

The rule throughout: a value that fails validation is kept as the agency sent it and
flagged; only a row that cannot be a record at all (no usable local id, a value over
the size cap) is rejected. The flags travel with the record, so a practitioner looking
at it later sees what was doubtful and why.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.ingest import validators
from joinedup.ingest.mapping import CANONICAL_FIELDS, NAME_PARTS, FieldMapping, IdentifierMapping, SourceMapping
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.readers import FLAGGED, REJECTED, Extract, Issue, Row, printable
from joinedup.ingest.validators import Invalid

#: The most characters one mapped value may hold; a row with a larger value is rejected.
FIELD_SIZE_CAP = 131_072

_COLUMNS = SourceRecord.__table__.c
KEY_LENGTH = _COLUMNS.local_id.type.length
#: The longest identifier of an ``[identifiers]`` scheme that is kept.
IDENTIFIER_LENGTH = 64
_LENGTHS = {name: getattr(_COLUMNS[name].type, "length", None) for name in CANONICAL_FIELDS}
_SURROGATES = re.compile("[\ud800-\udfff]")
#: Fields whose value its rule refuses is kept only in the flag (a date of birth that
#: fails is too, whatever the problem): a forename that is only a title ("Mr") would
#: count as a forename that disagrees with the person's own.
_EMPTY_WHEN_REFUSED = frozenset({"forename"})
_VALIDATORS: dict[str, Callable[[str], Any]] = {
    "forename": validators.forename,
    "sex": validators.sex,
    "postcode": validators.postcode,
    "nhs_number": validators.nhs_number,
    "ni_number": validators.ni_number,
    "upn": validators.upn,
    "phone": validators.phone,
    "email": validators.email,
}

#: Most rows have no flags; sharing one immutable empty value spares the garbage
#: collector a container per row, and the collector is a real share of a large load.
_NO_FLAGS: tuple[()] = ()

#: The field that flags and issues about a row's stated relationship name.
RELATIONSHIP_FIELD = "relationship"
UNKNOWN_ROLE = "is not a role the mapping's [relationships] names, so no relationship was recorded"


@dataclass(frozen=True)
class Absent:
    """What the mapping names but a file leaves out (optional columns): never read, and
    never written over a stored value."""

    fields: frozenset[str] = frozenset()
    facts: frozenset[str] = frozenset()
    relationships: bool = False

    def __bool__(self) -> bool:
        return bool(self.fields or self.facts or self.relationships)


def _nothing(row: Row) -> None:
    return None


class _Rejected(Exception):
    def __init__(self, field: str, message: str, value: str = "") -> None:
        super().__init__(message)
        self.issue_args = (field, message, value)


@dataclass(slots=True)
class ShapedRow:
    """A row ready to store: its key, its column values and what was doubtful in it."""

    row_number: int
    local_id: str
    record_ref: str
    values: dict[str, Any]
    present: int
    valid: int
    #: (group, "lead" or a relationship kind) when the row states a relationship.
    relation: tuple[str, str] | None = None

    @property
    def issues(self) -> list[Issue]:
        """The row's flags as issues of the load (made only for rows that have flags)."""
        return [
            Issue(self.row_number, flag["field"], FLAGGED, flag["problem"], flag["value"])
            for flag in self.values["flags"]
        ]


def _text(raw: Any, join: str) -> str:
    """A JSON value as text: lists of values are joined; objects are not values."""
    if isinstance(raw, str):
        return raw.strip()
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    if isinstance(raw, list) and not any(isinstance(item, dict | list) for item in raw):
        return join.join(text for text in (_text(item, join) for item in raw) if text)
    raise Invalid("is not a single value")


def _raw_text(raw: Any, join: str) -> tuple[str, str | None]:
    """The text of a value and, for a JSON object or nested list, the problem with it."""
    try:
        return _text(raw, join), None
    except Invalid as exc:
        return json.dumps(raw, ensure_ascii=False, default=str), exc.problem


def split_name(text: str, order: str, separator: str | None) -> tuple[str | None, str | None, str | None]:
    """(forename, middle names, surname) from a whole name written in ``order``. Titles
    before the given names are left out when a name follows them ("BULL, MS RACHEL ELLIE"
    is Rachel Ellie Bull); given names that are only a title, or a placeholder for a baby
    not yet named, are the forename, for the forename's own rule to refuse."""
    if separator:
        if order == "surname_first":
            surname, _, given = text.partition(separator)
        else:
            given, _, surname = text.rpartition(separator)
        words = given.split()
        surname = " ".join(surname.split())
    else:
        words = text.split()
        if not words:
            return None, None, None
        if order == "surname_first":
            surname = words.pop(0)
            # "DE SOUZA DAISY": a surname that starts with a particle takes the next word too.
            while len(words) > 1 and surname.split()[-1].upper() in validators.SURNAME_PARTICLES:
                surname = f"{surname} {words.pop(0)}"
        else:
            surname = words.pop()
            # "Daisy Sheila De Souza": a particle before the last word is the surname's.
            while len(words) > 1 and words[-1].upper() in validators.SURNAME_PARTICLES:
                surname = f"{words.pop()} {surname}"
    words = validators.after_titles(words) or words
    if validators.unnamed_baby(words):
        # "Baby of Jane Smith": the words after "of" are the mother's, not the child's
        # middle names; the whole is the forename, for the forename's own rule to refuse.
        return " ".join(words), None, (surname or None)
    return (words[0] if words else None), (" ".join(words[1:]) or None), (surname or None)


class RecordBuilder:
    """Shapes rows of one extract, compiled once from the mapping and the file's layout."""

    def __init__(self, mapping: SourceMapping, extract: Extract, today: date, absent: Absent | None = None) -> None:
        absent = absent or Absent()
        self.mapping = mapping
        self.completeness_fields = mapping.canonical_fields
        self._bits = {name: 1 << position for position, name in enumerate(self.completeness_fields)}
        self._bad_bytes = f"holds bytes that are not valid {mapping.encoding}"
        self._today = today
        self.seen: set[str] = set()
        self._flags: list[dict[str, str]] = []
        self._blank = dict.fromkeys(CANONICAL_FIELDS)
        self._local_id = self._getter(extract, mapping.local_id, "local_id")
        self._record_ref = (
            self._getter(extract, mapping.record_ref, "record_ref") if mapping.record_ref else None
        )
        self._fields = [
            (name, self._getter(extract, spec, name), spec.join, spec.values,
             self._converter(name, spec), _LENGTHS[name], self._bits[name])
            for name, spec in mapping.fields.items() if name not in absent.fields
        ]
        self._name = None
        if mapping.name_split is not None and not absent.fields & set(NAME_PARTS):
            split = mapping.name_split
            spec = FieldMapping(name="name", columns=(split.column,))
            self._name = (self._getter(extract, spec, "name"), split)
        self._facts = [
            (name, _nothing if name in absent.facts else self._getter(extract, spec, name), spec,
             self._fact_converter(spec))
            for name, spec in mapping.facts.items()
        ]
        self._identifiers = [
            (scheme, self._getter(extract, FieldMapping(name=scheme, columns=spec.columns), scheme), spec)
            for scheme, spec in mapping.identifiers.items()
        ]
        self._relation = None
        if mapping.relationships is not None and not absent.relationships:
            stated = mapping.relationships
            self._relation = (
                self._getter(extract, FieldMapping(name="group", columns=(stated.group,)), "relationship group"),
                self._getter(extract, FieldMapping(name="role", columns=(stated.role,)), RELATIONSHIP_FIELD),
                stated,
            )

    @staticmethod
    def _getter(extract: Extract, spec: FieldMapping, field: str) -> Callable[[Row], Any]:
        accessors = [extract.locate(column, field) for column in spec.columns]
        accessors = [accessor for accessor in accessors if accessor is not None]
        if not accessors:
            return lambda row: None
        if len(spec.columns) == 1:
            return accessors[0]
        join = spec.join
        if extract.rows_are_text and len(accessors) > 1:
            cells = extract.locate_many(spec.columns)
            return lambda row: join.join(filter(None, map(str.strip, cells(row))))

        def joined(row: Row) -> str | None:
            parts, found = [], False
            for accessor in accessors:
                value = accessor(row)
                if value is None:
                    continue
                found = True
                text = value.strip() if value.__class__ is str else _raw_text(value, join)[0]
                if text:
                    parts.append(text)
            return join.join(parts) if found else None

        return joined

    def _converter(self, name: str, spec: FieldMapping) -> Callable[[str], Any] | None:
        if name == "date_of_birth":
            today = self._today
            parse = validators.date_parser(spec.formats, past_by=today)
            return lambda text: validators.birth_date(parse(text), today)
        return _VALIDATORS.get(name)

    @staticmethod
    def _fact_converter(spec: FieldMapping) -> Callable[[Any], Any]:
        kind = spec.type
        if kind == "date":
            parse = validators.date_parser(spec.formats)
            return lambda raw: parse(_text(raw, spec.join)).isoformat()
        if kind == "number":
            return _number
        if kind == "integer":
            return _integer
        if kind == "boolean":
            return lambda raw: _boolean(raw, spec)
        return lambda raw: _text(raw, spec.join)

    def _clean(self, text: str) -> tuple[str, str | None]:
        if _SURROGATES.search(text):
            return printable(text), self._bad_bytes
        if "\x00" in text:
            return printable(text), "contains NUL characters"
        return text, None

    def shape(self, row_number: int, row: Row, careful: bool) -> ShapedRow | Issue:
        """The record for one row, or the Issue that rejects it."""
        try:
            return self._shape(row_number, row, careful)
        except _Rejected as rejection:
            field, message, value = rejection.issue_args
            return Issue(row_number, field, REJECTED, message, value)

    def _key(self, name: str, getter: Callable[[Row], Any], row: Row, careful: bool) -> str:
        text, problem = _raw_text(getter(row), " ")
        if problem:
            raise _Rejected(name, problem, printable(text, 300))
        if len(text) > KEY_LENGTH:
            raise _Rejected(name, f"is longer than {KEY_LENGTH} characters", printable(text, 300))
        if careful:
            text, problem = self._clean(text)
            if problem:
                raise _Rejected(name, problem, text)
        return text

    def _shape(self, row_number: int, row: Row, careful: bool) -> ShapedRow:
        local_id = self._key("local_id", self._local_id, row, careful)
        if not local_id:
            raise _Rejected("local_id", "is empty, so the row cannot be a record")
        record_ref = self._key("record_ref", self._record_ref, row, careful) if self._record_ref else ""
        values = self._blank.copy()
        flags = self._flags
        flags.clear()
        present = valid = 0
        seen = self.seen

        for name, getter, join, translate, convert, length, bit in self._fields:
            raw = getter(row)
            if raw is None:
                continue
            seen.add(name)
            if type(raw) is str:
                text, problem = raw.strip(), None
            else:
                text, problem = _raw_text(raw, join)
            if translate is not None:
                text = translate.get(text, text)
            if not text:
                continue
            present |= bit
            if len(text) > FIELD_SIZE_CAP:
                raise _Rejected(name, f"is longer than {FIELD_SIZE_CAP:,} characters", printable(text, 300))
            if careful:
                text, unclean = self._clean(text)
                problem = problem or unclean
            value, refused = text, False
            if problem is None and convert is not None:
                try:
                    value = convert(text)
                except Invalid as exc:
                    problem, refused = exc.problem, name in _EMPTY_WHEN_REFUSED
            if problem is None and length and len(value) > length:
                problem = f"is longer than {length} characters"
            if problem is None:
                values[name] = value
                valid |= bit
                continue
            flags.append({"field": name, "problem": problem, "value": text})
            keep = name != "date_of_birth" and not refused and (not length or len(text) <= length)
            values[name] = text if keep else None

        if self._name is not None:
            present, valid = self._shape_name(row, careful, values, flags, present, valid)
        if values["postcode"] is None and values["address_text"]:
            # A one-line address ending in its postcode, with no postcode of its own.
            found = validators.postcode_at_end(values["address_text"])[1]
            if found:
                values["postcode"] = found
                present |= self._bits.get("postcode", 0)
                valid |= self._bits.get("postcode", 0)

        facts: dict[str, Any] = {}
        for name, getter, spec, convert in self._facts:
            raw = getter(row)
            if raw is not None:
                seen.add(name)
            facts[name] = self._fact(name, raw, spec, convert, careful, flags)

        identifiers: dict[str, dict[str, Any]] = {}
        for scheme, getter, spec in self._identifiers:
            raw = getter(row)
            if raw is None:
                continue
            seen.add(scheme)
            found = self._identifier(scheme, raw, spec, careful, flags)
            if found is not None:
                identifiers[scheme] = {"value": found, "unique": spec.unique}

        relation = self._relation_of(row, careful, flags) if self._relation is not None else None

        values["facts"] = facts
        values["identifiers"] = identifiers
        values["flags"] = flags.copy() if flags else _NO_FLAGS
        values["row_hash"] = _row_hash(values)
        return ShapedRow(row_number, local_id, record_ref, values, present, valid, relation)

    def _relation_of(self, row: Row, careful: bool, flags: list[dict[str, str]]) -> tuple[str, str] | None:
        """The row's group and its role's meaning ("lead" or a kind), when it states one.

        A role the mapping does not name, or a role with no group to place it in, is
        flagged on the row (which still loads); an empty role states nothing.
        """
        group_getter, role_getter, stated = self._relation
        raw = role_getter(row)
        if raw is None:
            return None
        self.seen.add(RELATIONSHIP_FIELD)
        role, problem = _raw_text(raw, " ")
        if careful and not problem:
            role, problem = self._clean(role)
        if not role:
            return None
        if problem:
            flags.append({"field": RELATIONSHIP_FIELD, "problem": problem, "value": printable(role, 300)})
            return None
        kind = stated.kind_of(role)
        if kind is None:
            flags.append({"field": RELATIONSHIP_FIELD, "problem": UNKNOWN_ROLE, "value": printable(role, 300)})
            return None
        if not kind:
            return None
        group, problem = _raw_text(group_getter(row), " ")
        if careful and not problem:
            group, problem = self._clean(group)
        if problem or not group:
            flags.append({"field": RELATIONSHIP_FIELD, "value": printable(role, 300), "problem": problem or (
                f"states a relationship, but its group ('{stated.group}') is empty, so it cannot be recorded")})
            return None
        return group, kind

    def _shape_name(
        self, row: Row, careful: bool, values: dict[str, Any], flags: list[dict[str, str]],
        present: int, valid: int,
    ) -> tuple[int, int]:
        getter, split = self._name
        raw = getter(row)
        if raw is None:
            return present, valid
        self.seen.add("name")
        text, problem = _raw_text(raw, " ")
        if not text:
            return present, valid
        if len(text) > FIELD_SIZE_CAP:
            raise _Rejected("name", f"is longer than {FIELD_SIZE_CAP:,} characters", printable(text, 300))
        if careful:
            text, unclean = self._clean(text)
            problem = problem or unclean
        if problem:
            flags.append({"field": "name", "problem": problem, "value": text})
        for part, value in zip(NAME_PARTS, split_name(text, split.order, split.separator)):
            if value is None:
                continue
            bit = self._bits[part]
            present |= bit
            length = _LENGTHS[part]
            if len(value) > length:
                flags.append({"field": part, "problem": f"is longer than {length} characters", "value": value})
                continue
            if part == "forename":
                try:
                    value = validators.forename(value)
                except Invalid as exc:
                    flags.append({"field": part, "problem": exc.problem, "value": value})
                    continue
            values[part] = value
            if not problem:
                valid |= bit
        return present, valid

    def _identifier(self, scheme: str, raw: Any, spec: IdentifierMapping, careful: bool,
                    flags: list[dict[str, str]]) -> str | None:
        """The identifier as written, trimmed; a value that fails the scheme's format is
        flagged (field ``identifiers.<scheme>``) and not kept, so linkage never uses it."""
        text, problem = _raw_text(raw, " ")
        if not text:
            return None
        if careful and not problem:
            text, problem = self._clean(text)
        if not problem and len(text) > IDENTIFIER_LENGTH:
            problem = f"is longer than {IDENTIFIER_LENGTH} characters"
        if not problem and spec.pattern is not None and not spec.pattern.fullmatch(text):
            problem = f"does not have the scheme's format ({spec.pattern.pattern})"
        if problem:
            flags.append({"field": f"identifiers.{scheme}", "problem": problem, "value": printable(text, 300)})
            return None
        return text

    def _fact(
        self, name: str, raw: Any, spec: FieldMapping, convert: Callable[[Any], Any],
        careful: bool, flags: list[dict[str, str]],
    ) -> Any:
        if isinstance(raw, str):
            raw = raw.strip()
            if len(raw) > FIELD_SIZE_CAP:
                raise _Rejected(name, f"is longer than {FIELD_SIZE_CAP:,} characters", printable(raw, 300))
            if careful:
                raw, problem = self._clean(raw)
                if problem:
                    flags.append({"field": name, "problem": problem, "value": raw})
                    return raw
            if spec.values is not None and raw in spec.values:
                raw = spec.values[raw]
                if not isinstance(raw, str):
                    return raw
        if raw is None or raw == "":
            if spec.type == "boolean" and "" in spec.true | spec.false:
                return "" in spec.true
            return None
        try:
            return convert(raw)
        except Invalid as exc:
            text, _ = _raw_text(raw, spec.join)
            if careful:
                text = printable(text)
            flags.append({"field": name, "problem": exc.problem, "value": text})
            return text


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise Invalid("is not a number")
    if isinstance(raw, int | float):
        return validators.number(str(raw)) if isinstance(raw, float) else raw
    if not isinstance(raw, str):
        raise Invalid("is not a number")
    return validators.number(raw)


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise Invalid("is not a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str):
        raise Invalid("is not a whole number")
    return validators.integer(raw)


def _boolean(raw: Any, spec: FieldMapping) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw, spec.join).lower()
    if text in spec.true:
        return True
    if text in spec.false:
        return False
    raise Invalid("is not one of the spellings for true or false")


def stored_row_hash(fields: dict[str, Any], facts: dict[str, Any], flags: list[dict[str, str]],
                    identifiers: dict[str, Any]) -> str:
    """The row hash of values read back from the store, as the builder would have made it."""
    values = {name: fields[name] for name in CANONICAL_FIELDS}
    values["facts"] = facts
    values["identifiers"] = identifiers
    values["flags"] = flags or _NO_FLAGS
    return _row_hash(values)


def _row_hash(values: dict[str, Any]) -> str:
    """A digest of everything stored from the row, so an unchanged row is not rewritten.

    ``repr`` of the values (plain strings, numbers, dates, lists and dicts, in the
    mapping's fixed order) is deterministic and several times cheaper than JSON.
    """
    return hashlib.sha256(repr(values).encode("utf-8", "surrogatepass")).hexdigest()
