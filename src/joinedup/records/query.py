"""Reading a practitioner's one-box search into criteria.

People search the way they would ask a colleague: a name, a date of birth, a postcode,
an NHS or National Insurance number, a pupil number or an agency's own reference, in any
order and any mix. Every part must match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

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
