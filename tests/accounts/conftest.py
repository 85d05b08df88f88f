"""Accounts tests: a place with one organisation."""

from __future__ import annotations

import pytest

from joinedup.db import transaction
from joinedup.partners.models import Organisation


@pytest.fixture
def organisation_id(engine) -> int:
    with transaction(engine) as session:
        organisation = Organisation(code="CSC", name="Children's Social Care", type="childrens_social_care")
        session.add(organisation)
        session.flush()
        return organisation.id
