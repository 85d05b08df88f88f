"""A small gazetteer with the shapes that matter, and records to match against it.

Joinford's High Street has a building divided into flats (10), a house (12) and a named
house with its number as an alternative LPI (Rose Cottage, 14). Mill Lane exists twice,
in Millbrook and in Ashgrove, and Millbrook's has a historic name (Old Mill Lane). There
is a school, a care home, a house in multiple occupation and a house over the boundary.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners import Organisation, SourceSystem

HEADER = (
    "uprn", "parent_uprn", "lpi_status", "sao_text", "sao_start_number", "pao_start_number",
    "pao_start_suffix", "pao_text", "street", "locality", "town", "postcode", "easting", "northing",
    "classification", "in_boundary",
)
ROWS = [
    ("100", "", "approved", "", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("101", "100", "approved", "Flat 1", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("102", "100", "approved", "Flat 2", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("103", "100", "approved", "Flat 3", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("110", "", "approved", "", "", "12", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452010.0", "338000.0", "residential", "Y"),
    ("111", "", "approved", "", "", "", "", "Rose Cottage", "High Street", "Old Town", "Joinford", "JU1 1AB", "452020.0", "338000.0", "residential", "Y"),
    ("111", "", "alternative", "", "", "14", "", "", "High Street", "Old Town", "Joinford", "JU1 1AB", "452020.0", "338000.0", "residential", "Y"),
    ("120", "", "approved", "", "", "5", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451000.0", "339000.0", "residential", "Y"),
    ("120", "", "historic", "", "", "5", "", "", "Old Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451000.0", "339000.0", "residential", "Y"),
    ("121", "", "approved", "", "", "7", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451010.0", "339000.0", "hmo", "Y"),
    ("130", "", "approved", "", "", "5", "", "", "Mill Lane", "Ashgrove", "Joinford", "JU3 3DE", "453000.0", "337000.0", "residential", "Y"),
    ("140", "", "approved", "", "", "1", "", "Joinford Primary School", "School Road", "Old Town", "Joinford", "JU1 1AD", "452100.0", "338100.0", "school", "Y"),
    ("141", "", "approved", "", "", "3", "", "Elm House Care Home", "School Road", "Old Town", "Joinford", "JU1 1AD", "452110.0", "338100.0", "care_home", "Y"),
    ("150", "", "approved", "", "", "2", "", "", "Boundary Road", "", "Ashby Marsh", "JU4 4DD", "455000.0", "336000.0", "residential", "N"),
    ("151", "", "approved", "", "", "1", "", "", "Boundary Road", "Old Town", "Joinford", "JU4 4DD", "455000.0", "336020.0", "residential", "Y"),
]


def write_gazetteer(path: Path, rows=ROWS, header=HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


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
