"""Staff declarations: a user's own surname and home postcode, for the household rule.

Accounts hold a display name and no address, so nothing could be compared. A member of
staff declares both, themselves (and sees or withdraws what they declared), or an
administrator records them from HR's starter form; the household rule compares them with
the index's surname and postcode of each person the user views. A user without a
declaration is not checked by that rule. The IG leads who review an organisation's
monitoring tasks see its staff's declarations, and who withdrew one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.accounts.models import User
from joinedup.audit import Actor, record_event
from joinedup.audit.models import AuditEvent
from joinedup.db import utcnow
from joinedup.errors import NotFound, Refusal
from joinedup.monitoring.models import StaffDeclaration
from joinedup.partners.models import Organisation
from joinedup.sharing.break_glass import reviewers_for_organisation

#: A UK postcode's shape, spaces removed.
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}")


def written_postcode(key: str) -> str:
    """A kept postcode (spaces removed) as people write it: LS14AP as LS1 4AP."""
    return f"{key[:-3]} {key[-3:]}" if len(key) > 3 else key


class DeclarationRefused(Refusal):
    """A declaration that cannot be kept: every problem, naming its field."""


def declare(session: Session, actor: Actor, username: str, *, surname: str, postcode: str) -> StaffDeclaration:
    """Keep ``username``'s declared surname and postcode (replacing any before), as an
    administrator records them; audited as ``monitoring.declare`` without the values,
    which are the member of staff's own."""
    user = session.scalar(select(User).where(User.username.ilike(username.strip())))
    if user is None:
        raise NotFound("No account has this username.", "username")
    return _keep(session, actor, user, surname, postcode, "monitoring.declare")


def declare_own(session: Session, actor: Actor, *, surname: str, postcode: str) -> StaffDeclaration:
    """Keep the signed-in user's own surname and postcode (replacing any before); audited
    as ``monitoring.declaration.save``, without the values."""
    return _keep(session, actor, _own_account(session, actor), surname, postcode, "monitoring.declaration.save")


def own_declaration(session: Session, actor: Actor) -> StaffDeclaration | None:
    """What the signed-in user declared of themselves, if anything."""
    return session.get(StaffDeclaration, _own_account(session, actor).id)


def withdraw_own(session: Session, actor: Actor) -> None:
    """Delete the signed-in user's declaration: the household rule no longer checks them.
    Audited as ``monitoring.declaration.withdraw``, which their IG leads are shown."""
    user = _own_account(session, actor)
    found = session.get(StaffDeclaration, user.id)
    if found is None:
        raise NotFound("You have no declaration to withdraw.", "declaration")
    session.delete(found)
    session.flush()
    record_event(session, actor, action="monitoring.declaration.withdraw", outcome="success", subject_type="user",
                 subject_id=user.id, details={"username": user.username})


@dataclass(frozen=True)
class DeclaredStaff:
    """A member of staff's declaration as their IG lead reads it, the postcode as written
    (``surname`` and ``postcode`` empty, and ``withdrawn_at`` set, for one withdrawn and
    not made again)."""

    username: str
    display_name: str
    organisation: str
    surname: str
    postcode: str
    declared_by: str
    declared_at: datetime | None
    withdrawn_at: datetime | None = None


def reviewed_declarations(session: Session, actor: Actor) -> list[DeclaredStaff]:
    """The declarations of the staff of the organisations whose monitoring ``actor``
    reviews (their IG leads; else a partnership's; else the administrators), and those
    withdrawn and not made again, by organisation and username."""
    if actor.user_id is None:
        return []
    declared = {user.id: (user, found) for user, found in session.execute(
        select(User, StaffDeclaration).join(StaffDeclaration, StaffDeclaration.user_id == User.id))}
    withdrawn: dict[int, datetime] = {}
    for user_id, at in session.execute(
            select(AuditEvent.user_id, AuditEvent.at).where(
                AuditEvent.action == "monitoring.declaration.withdraw", AuditEvent.outcome == "success")
            .order_by(AuditEvent.id)):
        if user_id is not None and user_id not in declared:
            withdrawn[user_id] = at
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(withdrawn)))} if withdrawn else {}
    organisations = {user.organisation_id for user, _found in declared.values()} | {
        user.organisation_id for user in users.values()}
    reviewed = {organisation for organisation in organisations
                if any(user.id == actor.user_id for user in reviewers_for_organisation(session, organisation).users)}
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    shown = [DeclaredStaff(user.username, user.display_name, names.get(user.organisation_id, "No organisation"),
                           found.surname, written_postcode(found.postcode), found.declared_by, found.declared_at)
             for user, found in declared.values() if user.organisation_id in reviewed]
    shown += [DeclaredStaff(user.username, user.display_name, names.get(user.organisation_id, "No organisation"),
                            "", "", "", None, withdrawn[user.id])
              for user in users.values() if user.organisation_id in reviewed]
    return sorted(shown, key=lambda staff: (staff.organisation, staff.username.lower()))


def _own_account(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("Only a signed-in member of staff declares for themselves.", "user")
    return user


def _keep(session: Session, actor: Actor, user: User, surname: str, postcode: str, action: str) -> StaffDeclaration:
    """Check and keep a declaration for ``user``, naming each problem by its field."""
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
    record_event(session, actor, action=action, outcome="success", subject_type="user",
                 subject_id=user.id, details={"username": user.username})
    return found
