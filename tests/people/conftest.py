"""A small synthetic place, every extract ingested and its addresses matched, per backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.demo import load_place, load_place_gazetteer
from joinedup.gazetteer import match_addresses
from joinedup.synth import generate_place

PEOPLE = 400
SEED = 11


@pytest.fixture(scope="session")
def small_place(tmp_path_factory) -> Path:
    place = tmp_path_factory.mktemp("people-place")
    generate_place(place, people=PEOPLE, seed=SEED)
    return place


@pytest.fixture
def linked_store(engine, small_place):
    """``engine`` with the small place's extracts loaded and addresses matched."""
    load_place(engine, small_place)
    load_place_gazetteer(engine, small_place)
    match_addresses(engine, full=True, address_engine=None)
    return engine
