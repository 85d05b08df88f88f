"""The person summary's world: tests/chronology_support.py's family (Mia and her mother
Lou), with the child's social worker and a child-protection plan, on each database."""

from __future__ import annotations

from datetime import date

import pytest
from chronology_support import World, allocate_and_flag, build_world

from joinedup.db import transaction


@pytest.fixture
def world(engine) -> World:
    built = build_world(engine)
    with transaction(engine) as session:
        allocate_and_flag(session, built, flag_starts=date(2025, 3, 15))
    return built
