"""Finding one person by their public id: one pattern, one function, used everywhere.

A public id is ``P`` and up to 19 letters and digits (the index gives ``P`` and ten capitals
and digits, in base 32). It is read in any case, as people type it. Anything else is not a
person's id, so it is refused before the store is asked.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.people.models import Person

#: A person's public id, for a route's path (``^...$``) and for :data:`PERSON_ID`.
PERSON_ID_PATTERN = r"^[Pp][0-9A-Za-z]{1,19}$"
PERSON_ID = re.compile(PERSON_ID_PATTERN)


def person_by_id(session: Session, person_id: str) -> Person | None:
    """The person with this public id (any case), or None when there is none."""
    wanted = (person_id or "").strip().upper()
    if not PERSON_ID.fullmatch(wanted):
        return None
    return session.scalar(select(Person).where(Person.person_id == wanted))
