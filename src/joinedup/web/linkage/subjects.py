"""What the linkage routes' gates record as the event's subject and details.

Each is a dependency for ``require(ACTION, subject=..., details=...)``
(:mod:`joinedup.web.gates`), reading the route's own parameters typed as the route reads
them: an id the route refuses (out of range, holding a NUL) is refused before the gate
audits anything, as when each handler checked its gate itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from joinedup.web.pagination import page_number
from joinedup.web.params import Id, Offset, PersonId, Text

#: The link settings are one row: every change of the thresholds is to row 1.
SETTINGS_ROW = 1


def pair(left: Id, right: Id) -> str:
    """A pair of records, as ``left-right``."""
    return f"{left}-{right}"


def person(person_id: PersonId) -> str:
    """A person, by the id the API's path holds."""
    return person_id


def person_page(person_id: Text) -> str:
    """A person, by the id a page's path holds as typed (cut to 20 characters)."""
    return person_id[:20]


def run(run_id: Id) -> int:
    return run_id


def version(version: Id) -> int:
    """A model version, in the API's path."""
    return version


def version_form(version: Annotated[Text, Form()] = "") -> str:
    """A model version, as the page's form sent it (cut to 10 characters)."""
    return version[:10]


def settings() -> int:
    return SETTINGS_ROW


def offset(offset: Offset = 0) -> dict:
    """Where in the review queue the API's page starts."""
    return {"offset": offset}


def page(page: Text = "1") -> dict:
    """Which page of the review queue a page shows."""
    return {"page": page_number(page)}
