"""The ground truth is complete and honest, so that accuracy measured against it is real.

Every extract row is in ``truth/records.csv`` exactly once; the slips it lists are the
slips in the row; and the place has the realism the later capabilities are tested on:
people recorded under other names, stale addresses, duplicates within one source, and
postcode units that straddle the authority boundary.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from joinedup.synth.agencies import EXTRACTS
from joinedup.synth.identifiers import is_valid_ni_number, is_valid_nhs_number, is_valid_upn

KEYS = {
    "csc": ("PersonID", None), "education": ("PupilRef", None), "police": ("NOMINAL_ID", "INCIDENT_REF"),
    "housing": ("Tenant ID", "Tenancy Ref"), "dwp": ("CUSTOMER_REF", "CLAIM_REF"), "voluntary": ("Ref", None),
}
NAME_SLIPS = {"typo", "nickname", "case_or_spacing", "punctuation", "encoding_loss", "hyphen_part_dropped",
              "married_name", "short_forename", "accent", "names_swapped", "missing_forename", "missing_surname"}


def _extract_keys(town, source):
    if source == "gp":
        return [(patient["id"], "") for patient in town.gp_patients()]
    local, ref = KEYS[source]
    return [(row[local], row[ref] if ref else "") for row in town.extract_rows(source)]


def _truth_by_source(town):
    grouped = defaultdict(list)
    for row in town.truth("records"):
        grouped[row["source"]].append(row)
    return grouped


def test_every_extract_row_is_in_the_truth_exactly_once(town):
    truth = _truth_by_source(town)
    people = {row["person_id"] for row in town.truth("people")}
    uprns = {row["uprn"] for row in town.csv_rows("gazetteer.csv")}
    for extract in EXTRACTS:
        keys = _extract_keys(town, extract.source)
        truth_keys = [(row["local_id"], row["record_ref"]) for row in truth[extract.source]]
        assert len(set(keys)) == len(keys), f"{extract.source}: a (local id, record ref) repeats"
        assert keys == truth_keys, f"{extract.source}: truth does not follow the extract row for row"
        assert all(row["person_id"] in people for row in truth[extract.source])
        assert all(row["uprn"] in uprns for row in truth[extract.source] if row["uprn"])


def test_coverage_is_plausible_for_each_agency(town):
    people = town.truth("people")
    children = sum(1 for person in people if person["date_of_birth"] > "2006-03-31")
    covered = {source: {row["person_id"] for row in rows} for source, rows in _truth_by_source(town).items()}
    total = len(people)
    assert 0.85 * total < len(covered["gp"]) < total
    assert 0.5 * children < len(covered["education"]) < children
    assert 0.01 * children < len(covered["csc"]) < 0.1 * children
    assert 0.02 * total < len(covered["police"]) < 0.12 * total
    assert 0.003 * total < len(covered["voluntary"]) < 0.03 * total
    assert 0.03 * total < len(covered["housing"]) < 0.2 * total
    assert 0.03 * total < len(covered["dwp"]) < 0.2 * total
    police = Counter(row["person_id"] for row in _truth_by_source(town)["police"])
    assert any(count > 1 for count in police.values()), "some people appear in more than one incident"


def test_identifiers_are_valid_except_where_deliberately_broken(town):
    truth = {row["local_id"]: row for row in _truth_by_source(town)["gp"]}
    patients = town.gp_patients()
    checked = broken = 0
    for patient in patients:
        numbers = [item["value"] for item in patient.get("identifier", [])]
        if not numbers:
            continue
        checked += 1
        corrupted = "invalid_nhs" in truth[patient["id"]]["errors"]
        assert is_valid_nhs_number(numbers[0]) != corrupted
        broken += corrupted
    assert checked > 0.98 * len(patients) and 0 < broken < 0.01 * checked
    for source, column, valid, slip in (("education", "UPN", is_valid_upn, "invalid_upn"), ("dwp", "NINO", is_valid_ni_number, "invalid_ni")):
        errors = [row["errors"] for row in _truth_by_source(town)[source]]
        values = [row[column] for row in town.extract_rows(source)]
        for value, error in zip(values, errors):
            if value:
                assert valid(value) != (slip in error), (source, value, error)


def test_recorded_names_differ_from_true_names_exactly_where_the_truth_says(town):
    people = {row["person_id"]: row for row in town.truth("people")}
    truth = _truth_by_source(town)["education"]
    differing = 0
    for row, record in zip(town.extract_rows("education"), truth):
        person = people[record["person_id"]]
        same = (row["LegalForename"], row["LegalSurname"]) == (person["forename"], person["surname"])
        slips = set(record["errors"].split(";")) & NAME_SLIPS
        assert same != bool(slips), (row["LegalForename"], row["LegalSurname"], person["forename"], person["surname"], slips)
        differing += not same
    assert differing > 0
    voluntary = _truth_by_source(town)["voluntary"]
    nicknamed = sum("nickname" in record["errors"] for record in voluntary)
    assert nicknamed > 0.05 * len(voluntary), "people give the name they go by"


def test_stale_addresses_point_at_a_previous_home(town):
    current = {row["person_id"]: row["uprn"] for row in town.truth("people")}
    history = defaultdict(set)
    for row in town.truth("address_history"):
        history[row["person_id"]].add(row["uprn"])
    stale = [row for row in town.truth("records") if "stale_address" in row["errors"]]
    assert len(stale) > 10
    for row in stale:
        assert row["uprn"] != current[row["person_id"]]
        assert row["uprn"] in history[row["person_id"]]
    gp = [row for row in _truth_by_source(town)["gp"] if not row["errors"] and current[row["person_id"]]]
    assert all(row["uprn"] == current[row["person_id"]] for row in gp)


def test_each_source_has_duplicates_of_one_person_under_two_local_ids(town):
    for source, rows in _truth_by_source(town).items():
        ids = defaultdict(set)
        for row in rows:
            ids[row["person_id"]].add(row["local_id"])
        duplicated = sum(1 for local_ids in ids.values() if len(local_ids) > 1)
        assert duplicated > 0, f"{source} has no duplicate person"
        assert duplicated < 0.1 * len(ids), f"{source} has too many duplicates"


def test_every_kind_of_slip_occurs_and_none_is_rife(town):
    rows = town.truth("records")
    slips = Counter(slip for row in rows for slip in row["errors"].split(";") if slip)
    for slip in (
        "typo", "nickname", "dob_day_month_swapped", "missing_nhs", "stale_address", "abbreviated_address",
        "missing_postcode", "case_or_spacing", "duplicate", "invalid_nhs", "invalid_ni", "impossible_date",
        "alternative_address_form", "historic_address_form",
    ):
        assert slips[slip] > 0, f"no {slip} in the whole place"
    for slip in ("typo", "dob_day_month_swapped", "invalid_nhs", "invalid_ni", "impossible_date", "duplicate"):
        assert slips[slip] < 0.05 * len(rows), f"{slip} is not a realistic rate"


def test_in_boundary_by_postcode_differs_from_in_boundary_by_uprn(town):
    rows = [row for row in town.csv_rows("gazetteer.csv") if row["lpi_status"] == "approved"]
    sides = defaultdict(set)
    for row in rows:
        sides[row["postcode"]].add(row["in_boundary"])
    straddling = [postcode for postcode, flags in sides.items() if flags == {"Y", "N"}]
    assert straddling, "some postcode units straddle the boundary"
    by_uprn = {row["uprn"] for row in rows if row["in_boundary"] == "Y"}
    by_postcode = {row["uprn"] for row in rows if "Y" in sides[row["postcode"]]}
    assert by_uprn < by_postcode


def test_people_live_in_households_with_families_and_histories(town):
    people = town.truth("people")
    households = {row["household_id"]: row for row in town.truth("households")}
    kinds = Counter(row["kind"] for row in households.values())
    for kind in ("couple_children", "lone_parent", "single_older", "hmo_lodger", "care_home_resident", "kinship_care"):
        assert kinds[kind] > 0, kind
    assert Counter(row["residence"] for row in people).keys() == {"in_boundary", "out_of_boundary", "elsewhere"}
    relations = {(row["person_id"], row["related_person_id"], row["relationship"]) for row in town.truth("relationships")}
    assert {relation for _, _, relation in relations} == {"parent_of", "child_of", "partner_of", "carer_of"}
    for person, other, relation in relations:
        if relation == "parent_of":
            assert (other, person, "child_of") in relations
        if relation == "partner_of":
            assert (other, person, "partner_of") in relations
    born = [row for row in people if row["date_of_birth"] >= "2021-04-01"]
    assert born, "children were born during the extract period"
    moved = Counter(row["person_id"] for row in town.truth("address_history"))
    assert sum(1 for count in moved.values() if count > 1) > 0.1 * len(people)
    ni_holders = [row for row in people if row["ni_number"]]
    assert all(row["date_of_birth"] <= "2008-03-31" for row in ni_holders), "NI numbers are for over-16s"


def test_a_family_names_its_members_apart_twins_too(town):
    # Two members of one family with one forename are indistinguishable when they are twins
    # (one surname, date of birth and address): no engine could keep them apart.
    shared_kinds = {"sharers", "hmo_lodger", "care_home_resident", "hostel_resident"}
    families = {row["household_id"] for row in town.truth("households") if row["kind"] not in shared_kinds}
    members = defaultdict(list)
    for row in town.truth("people"):
        if row["household_id"] in families:
            members[row["household_id"]].append(row)
    for household, people in members.items():
        forenames = Counter(row["forename"] for row in people)
        assert max(forenames.values()) == 1, (household, forenames.most_common(1))
    twins = [people for people in members.values()
             if any(count > 1 for count in Counter(row["date_of_birth"] for row in people).values())]
    assert twins, "the place has twins"


def test_homes_are_not_shared_between_unrelated_households(town):
    shared_kinds = {"hmo_lodger", "care_home_resident", "hostel_resident"}
    households = [row for row in town.truth("households") if row["uprn"] and row["kind"] not in shared_kinds]
    homes = Counter(row["uprn"] for row in households)
    assert max(homes.values()) == 1


def test_each_record_has_one_address_error_class_and_the_hard_ones_occur(town):
    from joinedup.synth.recording import ADDRESS_ERROR_CLASSES

    rows = town.truth("records")
    classes = Counter(row["address_error"] for row in rows)
    assert set(classes) <= set(ADDRESS_ERROR_CLASSES)
    for kind in ("street_misspelt_no_postcode", "town_misspelt_no_postcode", "outside_gazetteer", "none"):
        assert classes[kind] > 0, f"no {kind} in the whole place"
    for row in rows:
        assert (row["address_error"] == "outside_gazetteer") == (row["uprn"] == "")
        if row["address_error"].startswith("street_misspelt"):
            assert "street_misspelt" in row["errors"]
