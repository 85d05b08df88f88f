"""What the web app takes, checked the same way on every route, before a handler runs.

- :data:`PersonId`: a person's public id in a path, in any case.
- :data:`Id`: an id or version number, from 1 up to the largest a store's integer column
  holds (PostgreSQL's ``integer``), so a bigger one is refused (422) rather than reaching
  the database; :data:`Offset` likewise for how many rows a page skips.
- :func:`parse_date`: a GOV.UK date input's day, month and year, as one date or a problem.
- :data:`Text`: any text the API takes. PostgreSQL cannot store or compare a NUL
  character, so text holding one is refused (422) wherever it is sent.
- :class:`FieldRefused`: a refusal of one field of a request. The API's answer names the
  field in ``field`` and starts its ``detail`` with it (``{"detail": "reason: ...",
  "field": "reason"}``), as it does for input the schema refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated

from annotated_types import Interval
from fastapi import HTTPException, Path, Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from joinedup.people import PERSON_ID_PATTERN

#: The largest whole number both stores keep in an integer column: PostgreSQL's ``integer``.
LARGEST_NUMBER = 2**31 - 1

#: An id or a version number, in a path or a body.
Id = Annotated[int, Interval(ge=1, le=LARGEST_NUMBER)]
#: How many rows a page of results skips.
Offset = Annotated[int, Query(ge=0, le=LARGEST_NUMBER, description="How many rows to skip.")]
#: A person's public id in a path, in any case; the domain's :data:`PERSON_ID_PATTERN`.
PersonId = Annotated[str, Path(pattern=PERSON_ID_PATTERN, description="The person's id, such as P3K9WQ2M7XA.")]


#: Why text holding a NUL character is refused.
NUL_REFUSED = "Text may not contain a NUL character (\\0)"


def _without_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_REFUSED)
    return value


#: Text the API takes, in a query, a path or a body.
Text = Annotated[str, AfterValidator(_without_nul)]


class FieldRefused(HTTPException):
    """The request cannot be done as sent because of one field: ``detail`` is
    ``"<field>: <message>"`` and the API's answer names ``field`` on its own too."""

    def __init__(self, status_code: int, field: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(status_code, f"{field}: {message}", headers=headers)
        self.field, self.message = field, message

    @classmethod
    def of(cls, status_code: int, problems: list[tuple[str, str]]) -> FieldRefused:
        """All of ``problems`` (``(field, message)`` pairs) in the detail, naming the first field."""
        (field, message), *others = problems
        return cls(status_code, field, "; ".join([message, *(f"{name}: {text}" for name, text in others)]))


def parse_date(day: str, month: str, year: str, *, label: str) -> tuple[date | None, str]:
    """A GOV.UK date input's three parts: None when all are empty, else a real date or a problem."""
    if not (day or month or year):
        return None, ""
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return None, f"{label} must be a real date, like 31 3 2027"
    try:
        return date(int(year), int(month), int(day)), ""
    except ValueError:
        return None, f"{label} must be a real date, like 31 3 2027"
