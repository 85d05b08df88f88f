"""Loading the gazetteer: counts, bad rows named by row and field, reloads applied as changes."""

from __future__ import annotations

from gazetteer_support import HEADER, ROWS, write_gazetteer
from sqlalchemy import func, select

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.gazetteer import AddressMatch, GazetteerAddress, load_gazetteer, match_addresses


def _current(engine) -> dict[str, list[GazetteerAddress]]:
    with transaction(engine) as session:
        rows = session.scalars(select(GazetteerAddress).where(GazetteerAddress.retired_at.is_(None))).all()
    found: dict[str, list[GazetteerAddress]] = {}
    for row in rows:
        found.setdefault(row.uprn, []).append(row)
    return found


def test_a_first_load_adds_every_uprn_with_its_lpis(engine, gazetteer_csv):
    load = load_gazetteer(engine, gazetteer_csv, loaded_by="tester")
    assert load.status == "completed"
    assert (load.rows_read, load.new, load.changed, load.retired, load.unchanged, load.rejected) == (15, 13, 0, 0, 0, 0)
    current = _current(engine)
    assert sorted(lpi.lpi_status for lpi in current["111"]) == ["alternative", "approved"]
    preferred = [lpi for lpi in current["111"] if lpi.preferred]
    assert [lpi.lpi_status for lpi in preferred] == ["approved"]
    flat = current["102"][0]
    assert (flat.parent_uprn, flat.sao, flat.pao, flat.in_boundary) == ("100", "Flat 2", "10", True)
    assert flat.single_line == "Flat 2, 10 High Street, Old Town, Joinford, JU1 1AA"
    assert current["150"][0].in_boundary is False
    assert current["140"][0].classification == "school"
    with transaction(engine) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "gazetteer.load"))
    assert event.outcome == "success" and event.details["new"] == 13


def test_bad_rows_are_rejected_or_flagged_naming_row_and_field(engine, tmp_path):
    rows = [
        *ROWS[:2],
        ("", "", "approved", "", "", "1", "", "", "Nowhere Street", "", "Joinford", "JU1 1AA", "", "", "residential", "Y"),
        ("12ab", "", "approved", "", "", "1", "", "", "Nowhere Street", "", "Joinford", "JU1 1AA", "", "", "residential", "Y"),
        ("200", "", "withdrawn", "", "", "1", "", "", "Nowhere Street", "", "Joinford", "JU1 1AA", "", "", "residential", "Y"),
        ("201", "", "approved", "", "", "1", "", "", "", "", "Joinford", "JU1 1AA", "", "", "residential", "Y"),
        ("202", "", "approved", "", "", "3", "", "", "Nowhere Street", "", "Joinford", "NOT A CODE", "east", "", "residential", "maybe"),
        ROWS[0],
    ]
    path = write_gazetteer(tmp_path / "bad.csv", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("203,too,few\n")
    load = load_gazetteer(engine, path)
    assert load.status == "completed"
    assert load.rejected == 6
    issues = {(issue.row_number, issue.field, issue.severity) for issue in load.issues}
    assert {(4, "uprn", "rejected"), (5, "uprn", "rejected"), (6, "lpi_status", "rejected"),
            (7, "street", "rejected"), (9, "uprn", "rejected"), (10, "", "rejected")} <= issues
    assert {(8, "postcode", "flagged"), (8, "easting", "flagged"), (8, "in_boundary", "flagged")} <= issues
    assert load.flagged == 1
    stored = _current(engine)["202"][0]
    assert (stored.postcode, stored.easting, stored.in_boundary) == ("NOT A CODE", None, None)


def test_a_file_without_the_uprn_column_fails_and_changes_nothing(engine, gazetteer_csv, tmp_path):
    load_gazetteer(engine, gazetteer_csv)
    broken = write_gazetteer(tmp_path / "broken.csv", [row[1:] for row in ROWS], HEADER[1:])
    load = load_gazetteer(engine, broken)
    assert load.status == "failed"
    assert "no column 'uprn'" in load.error
    assert len(_current(engine)) == 13


def test_a_reload_applies_new_changed_retired_and_unchanged_uprns(engine, gazetteer_csv, tmp_path, sources):
    load_gazetteer(engine, gazetteer_csv)
    sources.add("housing", "T1", "12 High Street, Joinford", "JU1 1AA")
    sources.add("housing", "T2", "Flat 2, 10 High Street, Joinford", "JU1 1AA")
    sources.add("housing", "T3", "5 Mill Lane, Ashgrove", "JU3 3DE")
    match_addresses(engine, address_engine=None)
    changed_flat = ("102", "100", "approved", "Flat 2", "", "10", "", "", "High Street", "Town Centre", "Joinford",
                    "JU1 1AA", "452000.0", "338000.0", "residential", "Y")
    rows = [row for row in ROWS if row[0] not in ("110", "102")] + [
        changed_flat,
        ("160", "", "approved", "", "", "16", "", "", "High Street", "Old Town", "Joinford", "JU1 1AB", "", "", "residential", "Y"),
    ]
    load = load_gazetteer(engine, write_gazetteer(tmp_path / "v2.csv", rows))
    assert (load.new, load.changed, load.retired, load.unchanged) == (1, 1, 1, 11)
    assert load.needs_rematch == 2
    current = _current(engine)
    assert "110" not in current and "160" in current and current["102"][0].locality == "Town Centre"
    with transaction(engine) as session:
        flagged = dict(session.execute(select(AddressMatch.uprn, AddressMatch.needs_rematch)).all())
        retired = session.scalar(select(func.count()).select_from(GazetteerAddress)
                                 .where(GazetteerAddress.uprn == "110", GazetteerAddress.retired_at.is_not(None)))
    assert flagged == {"110": True, "102": True, "130": False}
    assert retired == 1
    again = load_gazetteer(engine, write_gazetteer(tmp_path / "v3.csv", rows))
    assert (again.new, again.changed, again.retired, again.unchanged) == (0, 0, 0, 13)


def test_a_retired_uprn_that_returns_is_new_again(engine, gazetteer_csv, tmp_path):
    load_gazetteer(engine, gazetteer_csv)
    load_gazetteer(engine, write_gazetteer(tmp_path / "less.csv", [row for row in ROWS if row[0] != "110"]))
    back = load_gazetteer(engine, gazetteer_csv)
    assert (back.new, back.retired) == (1, 0)
    assert len(_current(engine)["110"]) == 1


def test_an_addressbase_shaped_file_loads_through_its_own_mapping(engine, tmp_path):
    header = ("UPRN", "PARENT_UPRN", "LOGICAL_STATUS", "SAO_TEXT", "SAO_START_NUMBER", "PAO_START_NUMBER",
              "PAO_TEXT", "STREET_DESCRIPTION", "LOCALITY", "TOWN_NAME", "POSTCODE_LOCATOR", "X_COORDINATE",
              "Y_COORDINATE", "CLASS")
    rows = [
        ("9001", "", "1", "", "", "4", "", "ACACIA AVENUE", "", "WEXCOMBE", "JU9 9AB", "1.0", "2.0", "RD04"),
        ("9002", "", "1", "", "", "6", "ST JUDE'S HOME", "ACACIA AVENUE", "", "WEXCOMBE", "JU9 9AB", "1.0", "2.0", "RI01"),
        ("9002", "", "8", "", "", "6", "", "ACACIA ROAD", "", "WEXCOMBE", "JU9 9AB", "1.0", "2.0", "RI01"),
        ("9003", "", "1", "", "", "8", "", "ACACIA AVENUE", "", "WEXCOMBE", "JU9 9AB", "1.0", "2.0", "CR01"),
    ]
    path = write_gazetteer(tmp_path / "ab.csv", rows, header)
    mapping = tmp_path / "addressbase.toml"
    mapping.write_text(
        '[gazetteer]\nname = "AddressBase"\n\n[columns]\nuprn = "UPRN"\nparent_uprn = "PARENT_UPRN"\n'
        'lpi_status = "LOGICAL_STATUS"\nsao_text = "SAO_TEXT"\nsao_start_number = "SAO_START_NUMBER"\n'
        'pao_start_number = "PAO_START_NUMBER"\npao_text = "PAO_TEXT"\nstreet = "STREET_DESCRIPTION"\n'
        'locality = "LOCALITY"\ntown = "TOWN_NAME"\npostcode = "POSTCODE_LOCATOR"\neasting = "X_COORDINATE"\n'
        'northing = "Y_COORDINATE"\nclassification = "CLASS"\nin_boundary = { default = "Y" }\n'
    )
    load = load_gazetteer(engine, path, mapping=mapping)
    assert (load.status, load.new, load.rejected) == ("completed", 3, 0)
    current = _current(engine)
    assert current["9001"][0].classification == "residential"
    assert {lpi.lpi_status for lpi in current["9002"]} == {"approved", "historic"}
    assert current["9002"][0].classification == "care_home"
    assert current["9003"][0].classification == "commercial"
    assert all(lpi.in_boundary for lpis in current.values() for lpi in lpis)
