"""A small gazetteer with the shapes that matter, and records to match against it.

Joinford's High Street has a building divided into flats (10), a house (12) and a named
house with its number as an alternative LPI (Rose Cottage, 14). Mill Lane exists twice,
in Millbrook and in Ashgrove, and Millbrook's has a historic name (Old Mill Lane). There
is a school, a care home, a house in multiple occupation and a house over the boundary.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gazetteer_support import write_gazetteer
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem

@pytest.fixture
def gazetteer_csv(tmp_path) -> Path:
    return write_gazetteer(tmp_path / "gazetteer.csv")


class Sources:
    """Two agencies' systems, and a helper to add records to them."""

    def __init__(self, engine) -> None:
        self.engine = engine
        with transaction(engine) as session:
            housing = Organisation(code="HSG", name="Housing", type="housing")
            police = Organisation(code="POL", name="Police", type="police")
            session.add_all([housing, police])
            session.flush()
            self.organisations = {"housing": housing.id, "police": police.id}
            systems = [
                SourceSystem(code="housing", name="Tenancies", owner_organisation_id=housing.id),
                SourceSystem(code="police", name="Incidents", owner_organisation_id=police.id),
            ]
            session.add_all(systems)
            session.flush()
            self.ids = {system.code: system.id for system in systems}

    def add(self, source: str, local_id: str, address: str | None, postcode: str | None = None,
            record_ref: str = "", **fields) -> int:
        with transaction(self.engine) as session:
            record = SourceRecord(source_system_id=self.ids[source], local_id=local_id, record_ref=record_ref,
                                  address_text=address, postcode=postcode, row_hash=f"{local_id}/{record_ref}",
                                  **fields)
            session.add(record)
            session.flush()
            return record.id

    def record_id(self, source: str, local_id: str, record_ref: str = "") -> int:
        with transaction(self.engine) as session:
            return session.scalar(select(SourceRecord.id).where(
                SourceRecord.source_system_id == self.ids[source], SourceRecord.local_id == local_id,
                SourceRecord.record_ref == record_ref))


@pytest.fixture
def sources(engine) -> Sources:
    return Sources(engine)
