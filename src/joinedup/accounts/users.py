"""Creating the people who sign in."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from joinedup.accounts.models import ROLES, User
from joinedup.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from joinedup.partners.models import Organisation


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
