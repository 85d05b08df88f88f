"""A practitioner's one-box search: reading it into criteria, and what matches them.

People search the way they would ask a colleague: a name, a date of birth, a postcode,
an NHS or National Insurance number, a pupil number or an agency's own reference, in any
order and any mix. Every part must match. :func:`matching_records` finds the candidates
in the store; :func:`matches_disclosed` says whether a candidate matches on the fields
disclosed of it alone, so that a search is never an oracle for a withheld value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, case, false, func, literal_column, or_, select

from joinedup.disclosure.core import with_source
from joinedup.ingest.models import IDENTIFIER_COLUMNS, SourceRecord, compacted
from joinedup.ingest.search_keys import NAME_KEYS, SOUND_KEYS, fold, search_keys, sound
from joinedup.ingest.validators import is_title
from joinedup.people.nicknames import NICKNAMES, root

NAME_FIELDS = ("forename", "middle_names", "surname")

NHS_NUMBER = re.compile(r"(?<![\w])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w])")
NI_NUMBER = re.compile(
    r"(?<![\w])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ ]?(\d{2})[ ]?(\d{2})[ ]?(\d{2})[ ]?([A-D])(?![\w])",
    re.IGNORECASE,
)
DAY_FIRST_DATE = re.compile(r"(?<![\w/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\w/.-])")
ISO_DATE = re.compile(r"(?<![\w/.-])(\d{4})-(\d{2})-(\d{2})(?![\w/.-])")
POSTCODE = re.compile(r"(?<![\w])([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})(?![\w])", re.IGNORECASE)
NAME_PART = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")

#: How closely a record's name matches a name typed, closest first: the same name once
#: case, accents and apostrophes are set aside; a nickname of it; a name it begins; a name
#: that sounds like it.
EXACT, NICKNAME, BEGINS, SOUNDS_LIKE = 0, 1, 2, 3
CLOSENESS = {EXACT: "Same name", NICKNAME: "Nickname", BEGINS: "Begins with what you typed",
             SOUNDS_LIKE: "Sounds similar"}
#: The same, as the API names them.
CLOSENESS_CODES = {EXACT: "exact", NICKNAME: "nickname", BEGINS: "begins", SOUNDS_LIKE: "sounds_like"}
#: The fewest letters a name typed needs to be looked up by its sound.
SOUND_FROM = 3


@dataclass(frozen=True)
class RecordQuery:
    """Search criteria, each normalised the way the stored values are compared.

    ``problems`` lists what could not be understood (an impossible date, say), in words
    to show the person who typed it.
    """

    names: tuple[str, ...] = ()
    date_of_birth: date | None = None
    postcode: str | None = None
    identifiers: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.date_of_birth or self.postcode or self.identifiers)

    def given(self) -> dict[str, int]:
        """What kinds of criteria were typed, and how many of each: what the search's audit
        event keeps. Never the values: a name, a date of birth or an identifier is personal
        data, and the log refers to people by id only, so that erasing a person never
        breaks it (docs/audit.md)."""
        counts = {"names": len(self.names), "date_of_birth": int(self.date_of_birth is not None),
                  "postcode": int(self.postcode is not None), "identifiers": len(self.identifiers)}
        return {kind: count for kind, count in counts.items() if count}


def compact(value: str) -> str:
    """An identifier or postcode as compared: upper case, no spaces."""
    return re.sub(r"\s+", "", value).upper()


def parse_search(text: str) -> RecordQuery:
    """Split free text into names, a date of birth, a postcode and identifiers."""
    rest = f" {text.strip()} "
    identifiers: list[str] = []
    problems: list[str] = []
    dates: list[date] = []

    def take(pattern: re.Pattern[str], handle) -> None:
        nonlocal rest
        rest = pattern.sub(lambda match: f" {handle(match)} ", rest)

    def identifier(match: re.Match[str]) -> str:
        identifiers.append(compact("".join(match.groups())))
        return ""

    def day_first(match: re.Match[str]) -> str:
        day, month, year = (int(part) for part in match.groups())
        return _date(match.group(0), year, month, day)

    def iso(match: re.Match[str]) -> str:
        year, month, day = (int(part) for part in match.groups())
        return _date(match.group(0), year, month, day)

    def _date(written: str, year: int, month: int, day: int) -> str:
        try:
            dates.append(date(year, month, day))
        except ValueError:
            problems.append(f"{written} is not a real date. Enter a date of birth like 27/03/2007.")
        return ""

    postcodes: list[str] = []

    def postcode(match: re.Match[str]) -> str:
        postcodes.append(f"{match.group(1).upper()} {match.group(2).upper()}")
        return ""

    take(NHS_NUMBER, identifier)
    take(NI_NUMBER, identifier)
    take(ISO_DATE, iso)
    take(DAY_FIRST_DATE, day_first)
    take(POSTCODE, postcode)

    names: list[str] = []
    for token in rest.split():
        token = token.strip(",;")
        if not any(character.isalnum() for character in token):
            continue
        if is_title(token):
            names.append(token.rstrip(".").lower())
        elif NAME_PART.match(token):
            names.append(token.lower())
        else:
            identifiers.append(compact(token))
    # Forenames are stored without the titles written before them (docs/mappings.md): a
    # title before a name is not looked for ("Mrs Jane Smith", "Smith, Dr. Ann"), while one
    # with no name after it may be a surname ("John Lord", "Lord").
    names = [name for at, name in enumerate(names)
             if not is_title(name) or all(is_title(later) for later in names[at + 1:])]
    if len(set(dates)) > 1:
        problems.append("Enter one date of birth.")
    if len(set(postcodes)) > 1:
        problems.append("Enter one postcode.")
    return RecordQuery(
        names=tuple(names),
        date_of_birth=dates[0] if dates else None,
        postcode=postcodes[0] if postcodes else None,
        identifiers=tuple(dict.fromkeys(identifiers)),
        problems=tuple(problems),
    )


def matching_records(query: RecordQuery) -> Select:
    """Every source record matching ``query`` (each part must match), closest first
    (the :data:`CLOSENESS` grades of the names typed, summed), then in name order.

    Names are looked up in the records' search keys (:mod:`joinedup.ingest.search_keys`):
    folded once when each record was written, indexed, so that the search is an index
    lookup. A statement only: nothing is disclosed until the sharing decision has been asked.
    """
    conditions, grades = [], []
    for name in query.names:
        condition, grade = _name_match(name)
        conditions.append(condition)
        grades.append(grade)
    if query.date_of_birth is not None:
        conditions.append(SourceRecord.date_of_birth == query.date_of_birth)
    if query.postcode is not None:
        conditions.append(SourceRecord.postcode.in_(_postcode_forms(query.postcode)))
    for identifier in query.identifiers:
        conditions.append(or_(*(compacted(column) == identifier for column in IDENTIFIER_COLUMNS)))
    if query.problems:
        conditions.append(false())
    return with_source(
        select(SourceRecord)
        .where(*conditions)
        .order_by(
            *([sum(grades[1:], grades[0])] if grades else []),
            func.coalesce(SourceRecord.surname_key, ""),
            func.coalesce(SourceRecord.forename_key, ""),
            SourceRecord.date_of_birth,
            SourceRecord.id,
        )
    )


def disclosed_match(query: RecordQuery, fields: dict[str, Any],
                    keys: dict[str, str | None] | None = None) -> int | None:
    """How closely ``query`` matches a record on the fields disclosed of it alone (a
    :data:`CLOSENESS` grade: the worst of the names typed), or None when it does not
    match, as :func:`matching_records` matches on every field. A search must never match
    on a value the user may not see: that would tell them the value (a search is not an
    oracle). ``keys`` are the record's stored search keys, used when every name is
    disclosed (they are those names folded); otherwise the keys of the disclosed names are
    worked out here."""
    worst = EXACT
    if query.names:
        if keys is None or any(part not in fields for part in NAME_FIELDS):
            keys = search_keys(*(fields.get(part) for part in NAME_FIELDS))
        for name in query.names:
            grade = _grade(name, keys)
            if grade is None:
                return None
            worst = max(worst, grade)
    if query.date_of_birth is not None and fields.get("date_of_birth") != query.date_of_birth.isoformat():
        return None
    if query.postcode is not None and str(fields.get("postcode") or "") not in _postcode_forms(query.postcode):
        return None
    held = {compact(str(fields[column.key])) for column in IDENTIFIER_COLUMNS if fields.get(column.key)}
    return worst if all(identifier in held for identifier in query.identifiers) else None


def matches_disclosed(query: RecordQuery, fields: dict[str, Any]) -> bool:
    """Whether ``query`` matches a record on the fields disclosed of it alone (see
    :func:`disclosed_match`)."""
    return disclosed_match(query, fields) is not None


def stored_keys(record: SourceRecord) -> dict[str, str | None]:
    """The search keys written with ``record``'s names."""
    return {name: getattr(record, name) for name in (*NAME_KEYS, *SOUND_KEYS)}


def nickname_group(name: str) -> frozenset[str]:
    """The folded forenames that share ``name``'s root in the curated list of nicknames
    (:mod:`joinedup.people.nicknames`): "bill" gives william, will, billy and the rest.
    Empty when the name is in no group."""
    return _nickname_groups().get(root(fold(name).upper()), frozenset())


@cache
def _nickname_groups() -> dict[str, frozenset[str]]:
    """Each root of the curated list → its group of folded forenames (groups of two or
    more). Worked out once: the list is fixed, and a search grades every record it
    considers against the names typed."""
    groups: dict[str, set[str]] = {}
    for other, its_root in NICKNAMES.items():
        groups.setdefault(its_root, set()).add(fold(other))
    return {its_root: frozenset(group) for its_root, group in groups.items() if len(group) > 1}


def _name_match(name: str):
    """The condition that a record has ``name`` (exactly, by a nickname, as the start of
    a name, or by sound), and its :data:`CLOSENESS` grade as an expression."""
    folded, group, heard = fold(name), nickname_group(name), _heard(name)
    if not folded:
        return false(), literal_column(str(SOUNDS_LIKE))
    keys = (SourceRecord.forename_key, SourceRecord.middle_names_key, SourceRecord.surname_key)
    after = folded[:-1] + chr(ord(folded[-1]) + 1)
    starts = [and_(key >= folded, key < after) for key in keys]
    exact = or_(*(key == folded for key in keys))
    nickname = SourceRecord.forename_key.in_(sorted(group)) if group else false()
    sounds = or_(SourceRecord.forename_sound == heard, SourceRecord.surname_sound == heard) if heard else false()
    grade = case((exact, EXACT), (nickname, NICKNAME), (or_(*starts), BEGINS), else_=SOUNDS_LIKE)
    return or_(*starts, nickname, sounds), grade


def _grade(name: str, keys: dict[str, str | None]) -> int | None:
    folded = fold(name)
    names = [keys[key] for key in NAME_KEYS if keys[key]]
    if folded in names:
        return EXACT
    if keys["forename_key"] in nickname_group(name):
        return NICKNAME
    if any(value.startswith(folded) for value in names):
        return BEGINS
    heard = _heard(name)
    if heard and heard in (keys["forename_sound"], keys["surname_sound"]):
        return SOUNDS_LIKE
    return None


def _heard(name: str) -> str:
    """The phonetic code a typed name is looked up by: none for fewer than
    :data:`SOUND_FROM` letters, which would sound like too many names."""
    return sound(name) if len(fold(name).replace(" ", "")) >= SOUND_FROM else ""


def _postcode_forms(postcode: str) -> tuple[str, str]:
    """A postcode as stored (the validator writes "JU1 0AB") and as some agencies send it."""
    return postcode, compact(postcode)
