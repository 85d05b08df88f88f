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
from typing import Any

from sqlalchemy import Select, false, func, or_, select

from joinedup.disclosure.core import with_source
from joinedup.ingest.models import SourceRecord

IDENTIFIER_COLUMNS = (
    SourceRecord.nhs_number,
    SourceRecord.ni_number,
    SourceRecord.upn,
    SourceRecord.local_id,
    SourceRecord.record_ref,
)
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "date_of_birth": None if self.date_of_birth is None else self.date_of_birth.isoformat(),
            "postcode": self.postcode,
            "identifiers": list(self.identifiers),
        }


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
        if NAME_PART.match(token):
            names.append(token.lower())
        else:
            identifiers.append(compact(token))
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
    """Every source record matching ``query`` (each part must match), in name order.

    A statement only: nothing is disclosed until the sharing decision has been asked.
    """
    conditions = []
    for name in query.names:
        pattern = _escape_like(name) + "%"
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (SourceRecord.forename, SourceRecord.middle_names, SourceRecord.surname)
                )
            )
        )
    if query.date_of_birth is not None:
        conditions.append(SourceRecord.date_of_birth == query.date_of_birth)
    if query.postcode is not None:
        conditions.append(_compacted(SourceRecord.postcode) == compact(query.postcode))
    for identifier in query.identifiers:
        conditions.append(or_(*(_compacted(column) == identifier for column in IDENTIFIER_COLUMNS)))
    if query.problems:
        conditions.append(false())
    return with_source(
        select(SourceRecord)
        .where(*conditions)
        .order_by(
            func.lower(func.coalesce(SourceRecord.surname, "")),
            func.lower(func.coalesce(SourceRecord.forename, "")),
            SourceRecord.date_of_birth,
            SourceRecord.id,
        )
    )


def matches_disclosed(query: RecordQuery, fields: dict[str, Any]) -> bool:
    """Whether ``query`` matches a record on the fields disclosed of it alone, as
    :func:`matching_records` matches on every field. A search must never match on a value
    the user may not see: that would tell them the value (a search is not an oracle)."""
    for name in query.names:
        if not any(str(fields.get(part) or "").lower().startswith(name) for part in NAME_FIELDS):
            return False
    if query.date_of_birth is not None and fields.get("date_of_birth") != query.date_of_birth.isoformat():
        return False
    if query.postcode is not None and compact(str(fields.get("postcode") or "")) != compact(query.postcode):
        return False
    held = {compact(str(fields[column.key])) for column in IDENTIFIER_COLUMNS if fields.get(column.key)}
    return all(identifier in held for identifier in query.identifiers)


def _compacted(column):
    return func.upper(func.replace(column, " ", ""))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
