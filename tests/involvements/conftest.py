"""The involvement index's world, on each database the ``engine`` fixture gives."""

from __future__ import annotations

import pytest
from involvement_support import World, build_world


@pytest.fixture
def world(engine, seed_once) -> World:
    return seed_once(engine, build_world)
