"""The people who sign in: adding them, unlocking them, changing their roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from joinedup.cli.console import console
from joinedup.cli.operators import administrator_actor
from joinedup.config import load_settings


def add_user(
    username: Annotated[str, typer.Option(help="The sign-in name.")],
    organisation: Annotated[str, typer.Option(help="The organisation's code.")],
    display_name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[list[str], typer.Option(help="A role; repeat for several.")],
    team: Annotated[str, typer.Option(help="Team.")] = "",
    job_title: Annotated[str, typer.Option(help="Job title.")] = "",
    email: Annotated[str | None, typer.Option(help="Work email.")] = None,
    phone: Annotated[str | None, typer.Option(help="Work phone.")] = None,
) -> None:
    """Add a user; the password is asked for, never passed on the command line."""
    from sqlalchemy import select

    from joinedup.accounts import create_user
    from joinedup.accounts.models import ROLES
    from joinedup.db import transaction
    from joinedup.partners.models import Organisation
    from joinedup.store import initialise

    unknown = sorted(set(role) - set(ROLES))
    if unknown:
        raise typer.BadParameter(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}", param_hint="--role")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = initialise(load_settings())
    with transaction(engine) as session:
        org = session.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            raise typer.BadParameter(f"no organisation with code {organisation!r}", param_hint="--organisation")
        create_user(session, username=username, password=password, display_name=display_name, organisation=org, team=team, job_title=job_title, roles=tuple(role), email=email, phone=phone)
    console.print(f"Added {username} ({', '.join(role)}) at {organisation}.")


def unlock_user(username: Annotated[str, typer.Argument(help="The account's username, in any case.")]) -> None:
    """Lift every sign-in wait on an account, at every address, so its user can sign in now."""
    from joinedup.accounts import unlock_account
    from joinedup.db import transaction
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with transaction(engine) as session:
        unlocked = unlock_account(session, administrator_actor(), username)
        name = None if unlocked is None else unlocked.username
    if name is None:
        console.print(f"[red]No account has the username {username!r}.[/]")
        raise typer.Exit(1)
    console.print(f"Unlocked {name}: earlier failed sign-ins no longer make them wait, at any address.")


def change_user_roles(
    username: Annotated[str, typer.Argument(help="The account's username, in any case.")],
    role: Annotated[list[str], typer.Option(help="A role the user holds from now; repeat for several.")],
    reason: Annotated[str, typer.Option(help="Why the roles change (kept in the audit trail).")],
) -> None:
    """Give a user the roles named (every one they hold from now), saying why. The change is
    audited with the roles before and after, so each earlier access keeps the role held then."""
    from joinedup.accounts import change_roles
    from joinedup.db import transaction
    from joinedup.errors import Refusal
    from joinedup.store import initialise

    engine = initialise(load_settings())
    try:
        with transaction(engine) as session:
            user = change_roles(session, administrator_actor(), username, role, reason)
            name, roles = user.username, list(user.roles)
    except Refusal as exc:
        for field, message in exc.problems:
            console.print(f"[red]{escape(field)}: {escape(message)}[/]")
        raise typer.Exit(1) from None
    console.print(f"{name} now holds: {', '.join(roles)}.")
