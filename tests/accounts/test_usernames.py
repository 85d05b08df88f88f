"""Usernames are one account whatever their case: at sign-in, on creation, in the store,
and for accounts stored as typed before usernames were normalised."""

from __future__ import annotations


import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from joinedup.accounts import User, authenticate, create_user, find_user, hash_password
from joinedup.db import transaction, utcnow
from joinedup.db.migrate import upgrade

PASSWORD = "correct horse battery"
#: The last revision before usernames were unique without regard to case.
BEFORE = "0007"


def _stored_as_typed(engine, *usernames: str) -> None:
    """Accounts written straight to the store, as an older release could leave them."""
    organisations = sa.table("organisations", sa.column("id"), sa.column("code"), sa.column("name"),
                             sa.column("type"), sa.column("created_at"))
    users = sa.table("users", *(sa.column(name) for name in (
        "username", "password_hash", "display_name", "organisation_id", "team", "job_title", "roles", "active",
        "created_at")))
    with engine.begin() as connection:
        connection.execute(sa.insert(organisations).values(id=1, code="CSC", name="Children's Social Care",
                                                           type="childrens_social_care", created_at=utcnow()))
        for username in usernames:
            connection.execute(sa.insert(users).values(
                username=username, password_hash=hash_password(PASSWORD), display_name=username, organisation_id=1,
                team="", job_title="", roles=sa.literal('["practitioner"]', sa.JSON), active=True,
                created_at=utcnow()))


def test_sign_in_ignores_the_case_of_the_username(engine, organisation_id):
    with transaction(engine) as session:
        create_user(session, username="Sam.Social", password=PASSWORD, display_name="Sam",
                    organisation=organisation_id)
    with transaction(engine) as session:
        for typed in ("sam.social", "SAM.SOCIAL", " Sam.social "):
            result = authenticate(session, username=typed, password=PASSWORD, client_address="10.0.0.1")
            assert result.outcome == "success" and result.user.username == "sam.social", typed
            assert find_user(session, typed).username == "sam.social"


def test_two_accounts_cannot_differ_only_in_case(engine, organisation_id):
    with transaction(engine) as session:
        create_user(session, username="sam.social", password=PASSWORD, display_name="Sam",
                    organisation=organisation_id)
    with transaction(engine) as session, pytest.raises(ValueError, match="taken"):
        create_user(session, username="SAM.Social", password=PASSWORD, display_name="Another Sam",
                    organisation=organisation_id)
    with pytest.raises(IntegrityError):
        with transaction(engine) as session:
            session.add(User(username="Sam.Social", password_hash="x", display_name="Sam", organisation_id=organisation_id,
                             roles=[]))
    with transaction(engine) as session:
        assert session.scalars(select(User.username)).all() == ["sam.social"]


def test_accounts_stored_as_typed_keep_working_after_the_upgrade(unmigrated_engine):
    upgrade(unmigrated_engine, BEFORE)
    _stored_as_typed(unmigrated_engine, "Dana.DSL")
    upgrade(unmigrated_engine)
    with transaction(unmigrated_engine) as session:
        signed_in = authenticate(session, username="dana.dsl", password=PASSWORD, client_address="10.0.0.1")
        assert signed_in.outcome == "success" and signed_in.user.username == "Dana.DSL"
        assert find_user(session, "DANA.dsl").username == "Dana.DSL"
        with pytest.raises(ValueError, match="taken"):
            create_user(session, username="dana.dsl", password=PASSWORD, display_name="Dana", organisation="CSC")


def test_the_upgrade_names_accounts_that_differ_only_in_case(unmigrated_engine):
    upgrade(unmigrated_engine, BEFORE)
    _stored_as_typed(unmigrated_engine, "Dana.DSL", "dana.dsl", "sam.social")
    with pytest.raises(RuntimeError, match=r"whatever their case: dana\.dsl\. Rename"):
        upgrade(unmigrated_engine)
