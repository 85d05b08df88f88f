"""A load's field completeness as the reports show it: shares of the stored rows."""

from __future__ import annotations

from joinedup.ingest import Completeness, IngestLoad, field_completeness


def test_completeness_is_each_fields_share_of_the_stored_rows():
    load = IngestLoad(completeness={
        "nhs_number": {"present": 87, "valid": 85, "of": 100},
        "phone": {"present": 3, "of": 4},  # no validity check for this field
        "email": {"present": 0, "valid": 0, "of": 0},  # an empty load
        "postcode": 0.5,  # a bare fraction, as older loads recorded it
        "broken": {"present": 3},  # no total: left out
        "flag": True,  # not a figure: left out
    })
    assert field_completeness(load) == [
        Completeness("nhs_number", 87.0, 85.0),
        Completeness("phone", 75.0, None),
        Completeness("email", 0.0, 0.0),
        Completeness("postcode", 50.0),
    ]
    assert [row.bar for row in field_completeness(load)] == [87, 75, 0, 50]
    assert field_completeness(IngestLoad(completeness=None)) == []
