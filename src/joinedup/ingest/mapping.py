"""Source mappings: one TOML file per agency format (see ``docs/mappings.md``).

A mapping is checked in full when it is loaded, so that a typo in a key fails at once
with the key's name, rather than hours later as a column of empty values.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.ingest.models import RELATIONSHIP_KINDS
from joinedup.partners.models import ORGANISATION_TYPES
from joinedup.partners.roles import CONTACT_ROUTES, INVOLVEMENT_ROLES

MAPPINGS_DIR = Path(__file__).parent / "mappings"
FORMATS = ("csv", "jsonl", "fhir-ndjson")
FIELD_TYPES = ("string", "date", "number", "integer", "boolean")
NAME_ORDERS = ("surname_first", "forename_first")
CANONICAL_FIELDS = (
    "forename",
    "middle_names",
    "surname",
    "date_of_birth",
    "sex",
    "address_text",
    "postcode",
    "nhs_number",
    "ni_number",
    "upn",
    "phone",
    "email",
)
NAME_PARTS = ("forename", "middle_names", "surname")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_TRUE = frozenset({"y", "yes", "true", "t", "1"})
DEFAULT_FALSE = frozenset({"n", "no", "false", "f", "0"})

_SOURCE_KEYS = (
    "code",
    "name",
    "organisation",
    "organisation_name",
    "organisation_type",
    "description",
    "format",
    "encoding",
    "delimiter",
    "local_id",
    "record_ref",
)
_FIELD_KEYS = ("column", "columns", "join", "type", "format", "values", "true", "false", "optional")
_NAME_KEYS = ("column", "order", "separator", "optional")
_IDENTIFIER_KEYS = ("column", "format", "unique")
_SCHEME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Identifiers with their own canonical field: a mapping names them under [fields].
_CANONICAL_IDENTIFIERS = ("nhs_number", "ni_number", "upn")
_RELATIONSHIP_KEYS = ("group", "role", "lead", "roles", "unrelated", "optional")
_INVOLVEMENT_KEYS = ("role", "team", "worker", "starts", "ends", "contact")
_FLAG_KEYS = ("type", "values", "when", "starts", "ends", "legal_status", "team", "contact_team", "category")
_PATH_SEGMENT = re.compile(r"(?:[^.\[\]]|\[[^\]]*\])+")
_PATH_FILTER = re.compile(r"\[([^\]=]+)=([^\]]*)\]")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, eq=False)
class FieldMapping:
    """Where one canonical field or fact comes from, and how to read it."""

    name: str
    columns: tuple[str, ...]
    join: str = " "
    type: str = "string"
    formats: tuple[str, ...] = (DEFAULT_DATE_FORMAT,)
    values: dict[str, Any] | None = None
    true: frozenset[str] = DEFAULT_TRUE
    false: frozenset[str] = DEFAULT_FALSE
    #: A file may leave the column(s) out; stored values are then kept (see docs/mappings.md).
    optional: bool = False

    @property
    def described(self) -> str:
        """The column(s) as a person would name them in a message."""
        return ", ".join(f"'{column}'" for column in self.columns)


@dataclass(frozen=True, eq=False)
class IdentifierMapping:
    """A source's identifier of a scheme other than NHS number, NI number or UPN (a
    council person id, a police national computer id, a hospital number).

    Records of any source that carry the same ``scheme`` are compared on it; ``unique``
    says that one person never has two values in the scheme, so that a disagreement
    counts against a match. A value that fails ``pattern`` is flagged and not used.
    """

    scheme: str
    column: str
    pattern: re.Pattern[str] | None = None
    unique: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(frozen=True, eq=False)
class NameSplit:
    """One column holding a whole name, split into forename, middle names and surname."""

    column: str
    order: str
    separator: str | None = None
    optional: bool = False


def role_key(text: str) -> str:
    """How a role value is compared: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, eq=False)
class RelationshipMapping:
    """How a source states relationships between its own records (``[relationships]``).

    Rows that share a ``group`` value (a tenancy reference, a family id) are one
    household or family in the source. Each row's ``role`` says how it relates to the
    group's lead: a value in ``lead`` marks the lead, a value in ``roles`` gives the kind
    ("this row is <kind> of the lead", one of :data:`RELATIONSHIP_KINDS`), a value in
    ``unrelated`` is a member with no relationship to state (a lodger). Role values are
    compared ignoring case and runs of spaces (:func:`role_key`); the tables here are
    keyed that way.
    """

    group: str
    role: str
    lead: frozenset[str]
    roles: dict[str, str]
    unrelated: frozenset[str] = frozenset()
    optional: bool = False

    def kind_of(self, role: str) -> str | None:
        """``lead``, a relationship kind, ``""`` for a known role that states none, or
        None for a role the mapping does not name."""
        key = role_key(role)
        if key in self.lead:
            return "lead"
        if key in self.roles:
            return self.roles[key]
        if key in self.unrelated:
            return ""
        return None


@dataclass(frozen=True)
class InvolvementMapping:
    """How a source's rows say who works with the person (``[involvements]``).

    Each row with a ``team`` (or a ``worker``) is an involvement of the source's
    organisation in ``role``. ``team``, ``worker`` (the worker's secure e-mail, their key
    in the organisation's directory), ``starts`` and ``ends`` name facts of the mapping;
    ``contact`` is the route shown first (a phone, secure e-mail, the team's duty line).
    """

    role: str
    team: str | None = None
    worker: str | None = None
    starts: str | None = None
    ends: str | None = None
    contact: str = "phone"


@dataclass(frozen=True)
class FlagMapping:
    """How a source's rows state flags (one ``[flags]`` table, or several ``[[flags]]``).

    ``type`` names the fact whose value gives the flag type, through ``values`` (value →
    flag type code; an empty code: that value is no flag). Without ``values`` the fact
    holds the codes themselves. ``when`` keeps only rows whose facts hold one of the
    values listed (fact → values). ``starts`` and ``ends`` name a fact, or one fact per
    flag type; ``legal_status`` and ``team`` (the directory team to contact) name facts;
    ``contact_team`` names one team of the organisation's directory for every flag;
    ``category`` is the sharing category the flags are disclosed under, instead of their
    type's. Whether each code is a flag type is the flag index's check, row by row.
    """

    type: str
    values: dict[str, str] = field(default_factory=dict)
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    starts: dict[str, str] | str | None = None
    ends: dict[str, str] | str | None = None
    legal_status: str | None = None
    team: str | None = None
    contact_team: str | None = None
    category: str | None = None

    def fact_for(self, key: str, flag_type: str) -> str | None:
        """The fact holding ``key`` (``starts`` or ``ends``) of a flag of ``flag_type``."""
        named = getattr(self, key)
        return named.get(flag_type) if isinstance(named, dict) else named


@dataclass(frozen=True, eq=False)
class SourceMapping:
    """A whole mapping: the source system it describes, its key, fields and facts."""

    code: str
    name: str
    organisation: str
    organisation_name: str
    organisation_type: str | None
    description: str
    format: str
    encoding: str
    delimiter: str
    local_id: FieldMapping
    record_ref: FieldMapping | None
    fields: dict[str, FieldMapping] = field(default_factory=dict)
    name_split: NameSplit | None = None
    facts: dict[str, FieldMapping] = field(default_factory=dict)
    relationships: RelationshipMapping | None = None
    involvements: InvolvementMapping | None = None
    flags: tuple[FlagMapping, ...] = ()
    identifiers: dict[str, IdentifierMapping] = field(default_factory=dict)
    origin: str = ""

    @property
    def canonical_fields(self) -> tuple[str, ...]:
        """The canonical fields this mapping fills, in the canonical order. A mapping with
        an address fills the postcode too: a row with none of its own takes the one its
        address ends in, and the data-quality summary counts it."""
        mapped = set(self.fields) | (set(NAME_PARTS) if self.name_split else set())
        if "address_text" in mapped:
            mapped.add("postcode")
        return tuple(name for name in CANONICAL_FIELDS if name in mapped)


def available_mappings(directory: Path | None = None) -> list[str]:
    """The names of the mappings that ship with JoinedUp (or that are in ``directory``)."""
    return sorted(path.stem for path in (directory or MAPPINGS_DIR).glob("*.toml"))


def load_mapping(name_or_path: str | Path) -> SourceMapping:
    """Read and check a mapping: a shipped mapping's name, or the path of a TOML file."""
    data, origin = read_mapping_document(name_or_path)
    return parse_mapping(data, origin=origin)


def read_mapping_document(
    name_or_path: str | Path, directory: Path | None = None, kind: str = "mapping"
) -> tuple[dict[str, Any], str]:
    """Find a mapping (a name shipped in ``directory``, or a file path) and parse its TOML.

    Shared by every capability whose input is described by a TOML mapping, so that a
    missing or malformed file reads the same everywhere. Returns the document and its path.
    """
    path = _resolve(name_or_path, directory or MAPPINGS_DIR, kind)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), str(path)
    except FileNotFoundError:
        raise MappingError(f"there is no {kind} file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None


def _resolve(name_or_path: str | Path, directory: Path, kind: str) -> Path:
    if isinstance(name_or_path, Path):
        return name_or_path
    if name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path:
        return Path(name_or_path)
    path = directory / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available_mappings(directory)) or "none"
        raise MappingError(f"there is no {kind} named '{name_or_path}' (the mappings are: {known})")
    return path


class _Checker:
    """Reads a parsed TOML document, raising MappingError that names file and key."""

    def __init__(self, origin: str) -> None:
        self.origin = origin or "mapping"

    def fail(self, where: str, problem: str) -> MappingError:
        return MappingError(f"{self.origin}: {where}: {problem}")

    def table(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a table")
        return data

    def known_keys(self, data: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(where, f"unknown key '{key}' (expected one of {', '.join(allowed)})")

    def text(self, data: dict[str, Any], key: str, where: str, *, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(where, f"'{key}' is required")
        if not isinstance(value, str) or (not value and default is None):
            raise self.fail(f"{where} {key}", "must be a non-empty string")
        return value


def parse_mapping(data: dict[str, Any], *, origin: str = "") -> SourceMapping:
    """Check a parsed mapping document and build the SourceMapping it describes."""
    check = _Checker(origin)
    check.known_keys(data, ("source", "fields", "facts", "relationships", "identifiers", "involvements",
                            "flags"), "top level")
    source = check.table(data.get("source"), "[source]")
    check.known_keys(source, _SOURCE_KEYS, "[source]")
    fmt = check.text(source, "format", "[source]")
    if fmt not in FORMATS:
        raise check.fail("[source] format", f"'{fmt}' is not one of {', '.join(FORMATS)}")
    encoding = check.text(source, "encoding", "[source]", default="utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise check.fail("[source] encoding", f"'{encoding}' is not a known encoding") from None
    delimiter = ","
    if "delimiter" in source:
        if fmt != "csv":
            raise check.fail("[source] delimiter", "applies only to the csv format")
        delimiter = check.text(source, "delimiter", "[source]")
        if len(delimiter) != 1:
            raise check.fail("[source] delimiter", "must be a single character")
    organisation_type = source.get("organisation_type")
    if organisation_type is not None and organisation_type not in ORGANISATION_TYPES:
        raise check.fail(
            "[source] organisation_type",
            f"'{organisation_type}' is not one of {', '.join(ORGANISATION_TYPES)}",
        )
    json_paths = fmt != "csv"
    code = check.text(source, "code", "[source]")
    organisation = check.text(source, "organisation", "[source]")
    for key, value, most in (("code", code, 64), ("organisation", organisation, 32)):
        if len(value) > most:
            raise check.fail(f"[source] {key}", f"must be at most {most} characters")
    if "local_id" not in source:
        raise check.fail("[source]", "'local_id' is required: the column holding the agency's own id")
    local_id = _field(check, "local_id", source["local_id"], "[source] local_id", json_paths, key=True)
    record_ref = None
    if "record_ref" in source:
        record_ref = _field(check, "record_ref", source["record_ref"], "[source] record_ref",
                            json_paths, key=True)

    fields = dict(check.table(data.get("fields", {}), "[fields]"))
    name_split = None
    if "name" in fields:
        name_split = _name_split(check, fields.pop("name"), json_paths)
        both = [part for part in NAME_PARTS if part in fields]
        if both:
            raise check.fail("[fields.name]", f"splits a whole name, so [fields] must not also map {', '.join(both)}")
    for name in fields:
        if name not in CANONICAL_FIELDS:
            raise check.fail(
                f"[fields] {name}",
                f"is not a canonical field (expected one of name, {', '.join(CANONICAL_FIELDS)})",
            )
    canonical = {
        name: _field(check, name, spec, f"[fields] {name}", json_paths, canonical=True)
        for name, spec in fields.items()
    }
    facts = {
        name: _field(check, name, spec, f"[facts] {name}", json_paths)
        for name, spec in check.table(data.get("facts", {}), "[facts]").items()
    }
    relationships = None
    if "relationships" in data:
        relationships = _relationships(check, data["relationships"], json_paths)
    involvements = _involvements(check, data["involvements"], facts) if "involvements" in data else None
    flags = _flags(check, data["flags"], facts) if "flags" in data else ()
    identifiers = {
        scheme: _identifier(check, scheme, spec, json_paths)
        for scheme, spec in check.table(data.get("identifiers", {}), "[identifiers]").items()
    }
    return SourceMapping(
        code=code,
        name=check.text(source, "name", "[source]", default=code) or code,
        organisation=organisation,
        organisation_name=check.text(source, "organisation_name", "[source]", default=organisation)
        or organisation,
        organisation_type=organisation_type,
        description=check.text(source, "description", "[source]", default=""),
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        local_id=local_id,
        record_ref=record_ref,
        fields=canonical,
        name_split=name_split,
        facts=facts,
        relationships=relationships,
        involvements=involvements,
        flags=flags,
        identifiers=identifiers,
        origin=origin,
    )


def _field(
    check: _Checker,
    name: str,
    spec: Any,
    where: str,
    json_paths: bool,
    *,
    canonical: bool = False,
    key: bool = False,
) -> FieldMapping:
    if isinstance(spec, str):
        spec = {"column": spec}
    spec = check.table(spec, where)
    check.known_keys(spec, _FIELD_KEYS, where)
    if ("column" in spec) == ("columns" in spec):
        raise check.fail(where, "needs exactly one of 'column' or 'columns'")
    if "column" in spec:
        columns = (check.text(spec, "column", where),)
    else:
        listed = spec["columns"]
        if not isinstance(listed, list) or not listed or not all(isinstance(c, str) and c for c in listed):
            raise check.fail(f"{where} columns", "must be a non-empty list of column names")
        columns = tuple(listed)
    if json_paths:
        for column in columns:
            _check_path(check, column, where)
    join = check.text(spec, "join", where, default=" ")
    kind = check.text(spec, "type", where, default="string")
    if kind not in FIELD_TYPES:
        raise check.fail(f"{where} type", f"'{kind}' is not one of {', '.join(FIELD_TYPES)}")
    if key and kind != "string":
        raise check.fail(f"{where} type", "an identifier is always a string")
    if canonical:
        expected = "date" if name == "date_of_birth" else "string"
        if "type" in spec and kind != expected:
            raise check.fail(f"{where} type", f"the canonical field {name} is always a {expected}")
        kind = expected
    formats: tuple[str, ...] = (DEFAULT_DATE_FORMAT,)
    if "format" in spec:
        if kind != "date":
            raise check.fail(f"{where} format", "applies only to dates")
        given = spec["format"]
        given = [given] if isinstance(given, str) else given
        if not isinstance(given, list) or not given or not all(isinstance(f, str) and f for f in given):
            raise check.fail(f"{where} format", "must be a strptime format or a list of them")
        formats = tuple(given)
    values = None
    if "values" in spec:
        values = check.table(spec["values"], f"{where} values")
        for code, meaning in values.items():
            allowed = (str,) if canonical else (str, int, float, bool)
            if not isinstance(meaning, allowed):
                raise check.fail(f"{where} values", f"the translation of '{code}' must be a "
                                 + ("string" if canonical else "string, number or boolean"))
    spellings = {}
    for which, default in (("true", DEFAULT_TRUE), ("false", DEFAULT_FALSE)):
        spellings[which] = default
        if which in spec:
            if kind != "boolean":
                raise check.fail(f"{where} {which}", "applies only to booleans")
            listed = spec[which]
            if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
                raise check.fail(f"{where} {which}", "must be a list of the agency's spellings")
            spellings[which] = frozenset(s.strip().lower() for s in listed)
    if spellings["true"] & spellings["false"]:
        raise check.fail(where, "a spelling cannot mean both true and false")
    optional = _optional(check, spec, where)
    if optional and key:
        raise check.fail(f"{where} optional", "an identifier is never optional: every row needs it")
    return FieldMapping(
        name=name,
        columns=columns,
        join=join,
        type=kind,
        formats=formats,
        values=values,
        true=spellings["true"],
        false=spellings["false"],
        optional=optional,
    )


def _identifier(check: _Checker, scheme: str, spec: Any, json_paths: bool) -> IdentifierMapping:
    where = f"[identifiers] {scheme}"
    if scheme in _CANONICAL_IDENTIFIERS:
        raise check.fail(where, f"{scheme} is a canonical field: map it under [fields]")
    if not _SCHEME.match(scheme):
        raise check.fail(where, "a scheme name is lower-case letters, digits and underscores (at most 40), "
                                "starting with a letter, such as council_person_id")
    if isinstance(spec, str):
        spec = {"column": spec}
    spec = check.table(spec, where)
    check.known_keys(spec, _IDENTIFIER_KEYS, where)
    column = check.text(spec, "column", where)
    if json_paths:
        _check_path(check, column, where)
    pattern = None
    if "format" in spec:
        text = check.text(spec, "format", where)
        try:
            pattern = re.compile(text)
        except re.error as exc:
            raise check.fail(f"{where} format", f"is not a regular expression: {exc}") from None
    unique = spec.get("unique", False)
    if not isinstance(unique, bool):
        raise check.fail(f"{where} unique", "must be true or false")
    return IdentifierMapping(scheme=scheme, column=column, pattern=pattern, unique=unique)


def _optional(check: _Checker, spec: dict[str, Any], where: str) -> bool:
    optional = spec.get("optional", False)
    if not isinstance(optional, bool):
        raise check.fail(f"{where} optional", "must be true or false")
    return optional


def _name_split(check: _Checker, spec: Any, json_paths: bool) -> NameSplit:
    where = "[fields.name]"
    spec = check.table(spec, where)
    check.known_keys(spec, _NAME_KEYS, where)
    column = check.text(spec, "column", where)
    if json_paths:
        _check_path(check, column, where)
    order = check.text(spec, "order", where)
    if order not in NAME_ORDERS:
        raise check.fail(f"{where} order", f"'{order}' is not one of {', '.join(NAME_ORDERS)}")
    separator = spec.get("separator")
    if separator is not None and (not isinstance(separator, str) or not separator.strip()):
        raise check.fail(f"{where} separator", "must be a non-blank string (leave it out to split on spaces)")
    return NameSplit(column=column, order=order, separator=separator, optional=_optional(check, spec, where))


def _relationships(check: _Checker, spec: Any, json_paths: bool) -> RelationshipMapping:
    where = "[relationships]"
    spec = check.table(spec, where)
    check.known_keys(spec, _RELATIONSHIP_KEYS, where)
    group = check.text(spec, "group", where)
    role = check.text(spec, "role", where)
    if json_paths:
        _check_path(check, group, f"{where} group")
        _check_path(check, role, f"{where} role")
    if group == role:
        raise check.fail(where, "'group' and 'role' must be different columns")
    seen: dict[str, str] = {}  # role key -> where it was named, to catch one value named twice

    def claim(value: Any, named_in: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise check.fail(named_in, "role values must be non-empty strings")
        key = role_key(value)
        if key in seen:
            raise check.fail(named_in, f"the role '{value}' is already named in {seen[key]}"
                             " (role values are compared ignoring case and spaces)")
        seen[key] = named_in
        return key

    def values(key: str, required: bool) -> frozenset[str]:
        listed = spec.get(key, [] if not required else None)
        if listed is None:
            raise check.fail(where, f"'{key}' is required: the role value(s) of the group's lead")
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list) or (required and not listed):
            raise check.fail(f"{where} {key}", "must be a role value or a non-empty list of them")
        return frozenset(claim(value, f"{where} {key}") for value in listed)

    lead = values("lead", required=True)
    unrelated = values("unrelated", required=False)
    roles: dict[str, str] = {}
    for value, kind in check.table(spec.get("roles", {}), "[relationships.roles]").items():
        named_in = f"[relationships.roles] '{value}'"
        if kind not in RELATIONSHIP_KINDS:
            raise check.fail(named_in, f"{kind!r} is not a relationship kind (expected one of "
                             f"{', '.join(RELATIONSHIP_KINDS)}, meaning 'this row is <kind> of the lead')")
        roles[claim(value, named_in)] = kind
    if not roles:
        raise check.fail("[relationships.roles]", "must map at least one role value to a relationship kind")
    return RelationshipMapping(group=group, role=role, lead=lead, roles=roles, unrelated=unrelated,
                               optional=_optional(check, spec, where))


def _involvements(check: _Checker, spec: Any, facts: dict[str, FieldMapping]) -> InvolvementMapping:
    where = "[involvements]"
    spec = check.table(spec, where)
    check.known_keys(spec, _INVOLVEMENT_KEYS, where)
    role = check.text(spec, "role", where)
    if role not in INVOLVEMENT_ROLES:
        raise check.fail(f"{where} role", f"'{role}' is not a role (expected one of {', '.join(INVOLVEMENT_ROLES)})")
    contact = check.text(spec, "contact", where, default="phone")
    if contact not in CONTACT_ROUTES:
        raise check.fail(f"{where} contact", f"'{contact}' is not a contact route (expected one of "
                         f"{', '.join(CONTACT_ROUTES)})")
    named = {}
    for key in ("team", "worker", "starts", "ends"):
        if key not in spec:
            continue
        fact = check.text(spec, key, where)
        if fact not in facts:
            raise check.fail(f"{where} {key}", f"'{fact}' is not a fact of this mapping (name one in [facts])")
        named[key] = fact
    if "team" not in named and "worker" not in named:
        raise check.fail(where, "name the fact holding the team or the worker, or both")
    return InvolvementMapping(role=role, contact=contact, **named)


def _flags(check: _Checker, spec: Any, facts: dict[str, FieldMapping]) -> tuple[FlagMapping, ...]:
    """``[flags]`` (one table) or ``[[flags]]`` (several), each naming facts of the mapping."""
    specs = spec if isinstance(spec, list) else [spec]
    if not specs:
        raise check.fail("[flags]", "must hold at least one table")
    return tuple(_flag(check, item, facts, "[flags]" if len(specs) == 1 else f"[[flags]] {number}")
                 for number, item in enumerate(specs, start=1))


def _flag(check: _Checker, spec: Any, facts: dict[str, FieldMapping], where: str) -> FlagMapping:
    spec = check.table(spec, where)
    check.known_keys(spec, _FLAG_KEYS, where)

    def fact(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in facts:
            raise check.fail(f"{where} {key}", f"{value!r} is not a fact of this mapping (name one in [facts])")
        return value

    named: dict[str, Any] = {"type": fact("type", check.text(spec, "type", where))}
    values = check.table(spec.get("values", {}), f"{where} values")
    for value, code in values.items():
        if not isinstance(code, str):
            raise check.fail(f"{where} values '{value}'", "must be a flag type code, or \"\" for no flag")
    named["values"] = dict(values)
    when = check.table(spec.get("when", {}), f"{where} when")
    kept: dict[str, tuple[str, ...]] = {}
    for key, listed in when.items():
        fact(f"when {key}", key)
        if not isinstance(listed, list) or not listed:
            raise check.fail(f"{where} when {key}", "must be a list of the values that make a flag")
        kept[key] = tuple(str(value).lower() for value in listed)
    named["when"] = kept
    for key in ("starts", "ends"):
        if key not in spec:
            continue
        value = spec[key]
        if isinstance(value, dict):
            named[key] = {flag_type: fact(f"{key} {flag_type}", name) for flag_type, name in value.items()}
        else:
            named[key] = fact(key, value)
    for key in ("legal_status", "team"):
        if key in spec:
            named[key] = fact(key, spec[key])
    for key in ("contact_team", "category"):
        if key in spec:
            named[key] = check.text(spec, key, where)
    if "team" in named and "contact_team" in named:
        raise check.fail(where, "name the fact holding the team, or one contact_team, not both")
    return FlagMapping(**named)


def _check_path(check: _Checker, path: str, where: str) -> None:
    segments = _PATH_SEGMENT.findall(path)
    if ".".join(segments) != path:
        raise check.fail(where, f"'{path}' is not a dotted path such as name.0.family")
    for segment in segments:
        head = segment.split("[", 1)[0]
        filters = segment[len(head):]
        if not head or _PATH_FILTER.sub("", filters):
            raise check.fail(where, f"'{path}' has a step '{segment}' that is not key, index or key[name=value]")


def compile_path(path: str) -> tuple[str | int | tuple[str, str], ...]:
    """Steps of a checked path: a key, a list index, or a (key, value) filter on a list."""
    steps: list[str | int | tuple[str, str]] = []
    for segment in _PATH_SEGMENT.findall(path):
        head = segment.split("[", 1)[0]
        steps.append(int(head) if head.isdigit() else head)
        steps.extend((key, value) for key, value in _PATH_FILTER.findall(segment[len(head):]))
    return tuple(steps)
