"""Helpers for the ingest tests: the fixture files and a look at what was stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.ingest import SourceRecord, load_mapping
from joinedup.partners import SourceSystem

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def fixture_mapping():
    return lambda name: load_mapping(FIXTURES / f"{name}.toml")


@pytest.fixture
def stored():
    """The records of one source system, by local id (and record ref when it has one)."""

    def read(engine, code: str) -> dict[str, SourceRecord]:
        with transaction(engine) as session:
            records = session.scalars(
                select(SourceRecord).join(SourceRecord.source_system).where(SourceSystem.code == code)
            ).all()
        return {
            (record.local_id if not record.record_ref else f"{record.local_id}/{record.record_ref}"): record
            for record in records
        }

    return read
