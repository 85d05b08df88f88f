"""Creating the people who sign in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from joinedup.accounts.models import ROLES, User
from joinedup.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from joinedup.accounts.permissions import ROLE_NAMES
from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.errors import Forbidden, NotFound, Refusal
from joinedup.partners.models import Organisation
from joinedup.permissions import ACCOUNT_ROLES

#: The longest reason kept for a change of roles.
REASON_MAX = 2_000


def normalise_username(username: str) -> str:
    """Usernames compare without regard to case or surrounding spaces."""
    return username.strip().lower()


def find_user(session: Session, username: str) -> User | None:
    """The account called ``username``, whatever the case of either.

    Accounts are created with lower-case names, but one made before names were
    normalised may be stored as it was typed; it is found all the same.
    """
    return session.scalar(
        select(User)
        .where(func.lower(User.username) == normalise_username(username))
        .options(selectinload(User.organisation))
    )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    organisation: Organisation | int | str,
    team: str = "",
    job_title: str = "",
    roles: Iterable[str] = (),
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """Add a user whose password is stored only as an argon2id hash.

    ``organisation`` is an :class:`Organisation`, its id or its code. Raises
    ``ValueError`` for a taken or empty username, a short password, an unknown role or
    an unknown organisation, so that a bad account is never half made.
    """
    name = normalise_username(username)
    if not name:
        raise ValueError("A username is required.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"A password must have at least {MIN_PASSWORD_LENGTH} characters.")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(unknown)}. Roles are: {', '.join(ROLES)}.")
    if find_user(session, name) is not None:
        raise ValueError(f"The username {name!r} is taken.")
    user = User(
        username=name,
        password_hash=hash_password(password),
        display_name=display_name,
        organisation=_organisation(session, organisation),
        team=team,
        job_title=job_title,
        roles=[role for role in ROLES if role in set(roles)],
        email=email,
        phone=phone,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def change_roles(session: Session, actor: Actor, username: str, roles: Iterable[str], reason: str) -> User:
    """Give the user ``roles`` (every one they hold from now), saying why; audited
    (``account.roles``) with the roles before and after, which is how the record of an
    access made earlier keeps the role its user held then. Administrators only: anyone
    else is refused, and the refusal audited, before anything says whether the account
    exists."""
    wanted = set(roles)
    if not ACCOUNT_ROLES.permits(actor.roles):
        record_event(session, actor, action=ACCOUNT_ROLES, outcome="denied", subject_type="user",
                     reason=ACCOUNT_ROLES.refusal, details={"username": normalise_username(username)[:120]})
        raise Forbidden(ACCOUNT_ROLES.refusal, "role")
    problems = []
    unknown = sorted(wanted - set(ROLES))
    if unknown:
        problems.append(("roles", f"Unknown roles: {', '.join(unknown)}. Roles are: {', '.join(ROLES)}."))
    elif not wanted:
        problems.append(("roles", "Give at least one role."))
    reason = reason.strip()
    if not reason:
        problems.append(("reason", "Say why the roles change."))
    elif len(reason) > REASON_MAX:
        problems.append(("reason", f"The reason must be {REASON_MAX:,} characters or fewer."))
    if problems:
        raise Refusal(problems)
    user = find_user(session, username)
    if user is None:
        raise NotFound("No account has this username.", "username")
    before, after = list(user.roles or []), [role for role in ROLES if role in wanted]
    if before == after:
        raise Refusal("The user holds these roles already.", "roles")
    user.roles = after
    session.flush()
    record_event(session, actor, action=ACCOUNT_ROLES, outcome="success", subject_type="user", subject_id=user.id,
                 reason=reason, details={"before": before, "after": after})
    return user


@dataclass(frozen=True)
class RolesHeld:
    """The roles some users hold now, and what each held before every change of roles (the
    ``account.roles`` events): so a record of what a user did names the role they held
    when they did it, not the one they hold today."""

    names: dict[int, str]
    current: dict[int, tuple[str, ...]]
    changes: dict[int, tuple[tuple[datetime, tuple[str, ...]], ...]]

    def at(self, user_id: int | None, when: datetime) -> tuple[str, ...] | None:
        """The roles ``user_id`` held at ``when`` (None for a user not known)."""
        if user_id is None or user_id not in self.current:
            return None
        later = next((before for changed, before in self.changes.get(user_id, ()) if changed > when), None)
        return self.current[user_id] if later is None else later

    def role_name(self, user_id: int | None, when: datetime, unknown: str) -> str:
        """The first of the roles held then, in words, or ``unknown``."""
        from_then = self.at(user_id, when) or ()
        return next((ROLE_NAMES[role] for role in from_then if role in ROLE_NAMES), unknown)


def roles_held(session: Session, user_ids: Iterable[int] | None = None) -> RolesHeld:
    """:class:`RolesHeld` for ``user_ids`` (every user when None)."""
    users = select(User.id, User.display_name, User.roles)
    changes = select(AuditEvent).where(AuditEvent.action == ACCOUNT_ROLES.name, AuditEvent.outcome == "success",
                                       AuditEvent.subject_type == "user")
    if user_ids is not None:
        wanted = set(user_ids)
        users = users.where(User.id.in_(wanted))
        changes = changes.where(AuditEvent.subject_id.in_([str(one) for one in wanted]))
    names, current = {}, {}
    for user_id, name, roles in session.execute(users):
        names[user_id], current[user_id] = name, tuple(roles or ())
    before: dict[int, list[tuple[datetime, tuple[str, ...]]]] = {}
    for event in session.scalars(changes.order_by(AuditEvent.at, AuditEvent.id)):
        before.setdefault(int(event.subject_id), []).append((event.at, tuple(event.details.get("before", ()))))
    return RolesHeld(names, current, {user: tuple(found) for user, found in before.items()})


def _organisation(session: Session, organisation: Organisation | int | str) -> Organisation:
    if isinstance(organisation, Organisation):
        return organisation
    if isinstance(organisation, int):
        found = session.get(Organisation, organisation)
    else:
        found = session.scalar(select(Organisation).where(Organisation.code == organisation))
    if found is None:
        raise ValueError(f"No organisation {organisation!r}.")
    return found
