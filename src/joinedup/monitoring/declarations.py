"""Staff declarations: a user's own surname and home postcode, for the household rule.

Accounts hold a display name and no address, so nothing could be compared. A member of
staff declares both when they join (recorded by an administrator, as HR's starter form
gives them); the household rule compares them with the index's surname and postcode of
each person the user views. A user without a declaration is not checked by that rule.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.accounts.models import User
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import NotFound, Refusal
from joinedup.monitoring.models import StaffDeclaration

#: A UK postcode's shape, spaces removed.
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}")


class DeclarationRefused(Refusal):
    """A declaration that cannot be kept: every problem, naming its field."""


def declare(session: Session, actor: Actor, username: str, *, surname: str, postcode: str) -> StaffDeclaration:
    """Keep ``username``'s declared surname and postcode (replacing any before); audited
    as ``monitoring.declare`` without the values, which are the member of staff's own."""
    user = session.scalar(select(User).where(User.username.ilike(username.strip())))
    if user is None:
        raise NotFound("No account has this username.", "username")
    surname = " ".join((surname or "").split())
    key = "".join((postcode or "").split()).upper()
    problems = []
    if not surname or len(surname) > 200:
        problems.append(("surname", "Enter the surname, 200 characters or fewer."))
    if not POSTCODE.fullmatch(key):
        problems.append(("postcode", "Enter a real postcode, like LS1 4AP."))
    if problems:
        raise DeclarationRefused(problems)
    found = session.get(StaffDeclaration, user.id)
    if found is None:
        found = StaffDeclaration(user_id=user.id, surname=surname, postcode=key)
        session.add(found)
    found.surname, found.postcode = surname, key
    found.declared_by, found.declared_at = actor.username[:120], utcnow()
    session.flush()
    record_event(session, actor, action="monitoring.declare", outcome="success", subject_type="user",
                 subject_id=user.id, details={"username": user.username})
    return found
