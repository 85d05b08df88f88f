"""Passwords are stored only as argon2id hashes; bad accounts are refused whole."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from joinedup.accounts import User, create_user, hash_password, passwords, verify_password
from joinedup.db import transaction

PASSWORD = "correct horse battery"


@pytest.mark.production_hashes
def test_hashes_are_argon2id_with_rfc_9106_low_memory_parameters():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert hash_password(PASSWORD) != stored, "each hash has its own salt"


def test_a_malformed_stored_hash_never_matches():
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password("", "")


@pytest.mark.production_hashes
def test_weaker_hashes_are_marked_for_rehashing():
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(hash_password(PASSWORD))


def test_create_user_stores_a_hash_and_normalises_the_username(engine, organisation_id):
    with transaction(engine) as session:
        user = create_user(
            session,
            username="  Sam.Social ",
            password=PASSWORD,
            display_name="Sam Okafor",
            organisation="CSC",
            team="Children in Need",
            job_title="Social worker",
            roles=("admin", "practitioner"),
            email="sam@example.org",
            phone="01632 960000",
        )
    with transaction(engine) as session:
        stored = session.get(User, user.id)
        assert stored.username == "sam.social"
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert stored.roles == ["practitioner", "admin"]
        assert stored.organisation.code == "CSC"
        assert stored.active


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"username": " "}, "username is required"),
        ({"password": "short"}, "at least 10 characters"),
        ({"roles": ["practitioner", "superuser"]}, "Unknown roles: superuser"),
        ({"organisation": "NOPE"}, "No organisation"),
        ({"organisation": 999}, "No organisation"),
        ({"username": "SAM.SOCIAL"}, "is taken"),
    ],
)
def test_create_user_refuses_a_bad_account(engine, organisation_id, changes, message):
    account = {
        "username": "other.user",
        "password": PASSWORD,
        "display_name": "Other",
        "organisation": organisation_id,
        "roles": ["practitioner"],
    }
    with transaction(engine) as session:
        create_user(session, **{**account, "username": "sam.social"})
    with pytest.raises(ValueError, match=message), transaction(engine) as session:
        create_user(session, **{**account, **changes})
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
