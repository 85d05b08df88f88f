"""Accounts tests: a place with one organisation, and cheap argon2 parameters when asked."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from joinedup.accounts import passwords
from joinedup.db import transaction
from joinedup.partners.models import Organisation


@pytest.fixture
def quick_hashes(monkeypatch):
    """Cheap argon2id parameters, for tests whose subject is not the hash's cost."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_unknown_user_hash", None)


@pytest.fixture
def organisation_id(engine) -> int:
    with transaction(engine) as session:
        organisation = Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care")
        session.add(organisation)
        session.flush()
        return organisation.id
