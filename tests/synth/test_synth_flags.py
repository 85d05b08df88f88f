"""The flags each row truly states (``truth/flags.csv``): every one in the row's own
columns, the way its agency records it, at a plausible prevalence.

Issue 13 asks for flags in the manner of CP-IS, among them a young carer, a MARAC case,
an exploitation concern and an unborn child on a plan; each must come from the agency
that would record it, so that the flag index reads it through the shipped mappings.
"""

from __future__ import annotations

from collections import Counter, defaultdict

KEYS = {"csc": ("PersonID", None), "education": ("PupilRef", None), "police": ("NOMINAL_ID", "INCIDENT_REF"),
        "voluntary": ("Ref", None)}
EXPLOITATION = {"Child sexual exploitation", "Child criminal exploitation", "Sexual and criminal exploitation"}


def _rows(town, source):
    local, ref = KEYS[source]
    return {(row[local], row[ref] if ref else ""): row for row in town.extract_rows(source)}


def _flags(town):
    found = defaultdict(list)
    for flag in town.truth("flags"):
        found[flag["type"]].append(flag)
    return found


def test_every_true_flag_is_a_row_of_its_extract_stating_it(town):
    rows = {source: _rows(town, source) for source in KEYS}
    records = {(row["source"], row["local_id"], row["record_ref"]): row["person_id"] for row in town.truth("records")}
    for flag in town.truth("flags"):
        key = (flag["local_id"], flag["record_ref"])
        assert records[(flag["source"], *key)] == flag["person_id"], flag
        row = rows[flag["source"]][key]
        kind = flag["type"]
        if kind == "young_carer":
            assert flag["source"] == "education" and row["YoungCarer"] == "Y" and row["YoungCarerSince"], flag
        elif kind == "marac_case" and flag["source"] == "police":
            assert (row["MARAC"], row["ROLE"], row["DASH_RISK"]) == ("Y", "VICTIM", "HIGH") and row["MARAC_DATE"], flag
        elif kind == "marac_case":
            assert flag["source"] == "voluntary" and row["MARAC"] == "Y" and row["Need"] == "Domestic abuse support"
        elif kind == "exploitation_concern":
            assert flag["source"] == "csc" and row["ExploitationConcern"] in EXPLOITATION, flag
            assert row["CaseStatus"] in ("CIN", "CP", "LAC") and row["ExploitationStartDate"] >= row["CINStartDate"]
        elif kind == "unborn_child_protection_plan":
            assert flag["source"] == "csc" and row["CaseStatus"] == "Pre-birth CP", flag
            assert row["Gender"] == "2" and row["CPPStartDate"] == flag["start"] and row["ExpectedDeliveryDate"], flag


def test_rows_stating_a_new_flag_are_all_in_the_truth(town):
    """The other way round: no row states one of the four without the truth knowing it."""
    true = {(flag["source"], flag["local_id"], flag["record_ref"], flag["type"]) for flag in town.truth("flags")}
    stated = set()
    for key, row in _rows(town, "education").items():
        if row["YoungCarer"] == "Y":
            stated.add(("education", *key, "young_carer"))
    for source in ("police", "voluntary"):
        stated.update((source, *key, "marac_case") for key, row in _rows(town, source).items() if row["MARAC"] == "Y")
    for key, row in _rows(town, "csc").items():
        if row["ExploitationConcern"]:
            stated.add(("csc", *key, "exploitation_concern"))
        if row["CaseStatus"] == "Pre-birth CP":
            stated.add(("csc", *key, "unborn_child_protection_plan"))
    new = {"young_carer", "marac_case", "exploitation_concern", "unborn_child_protection_plan"}
    assert stated == {key for key in true if key[3] in new}


def test_the_new_flags_are_present_and_rare(town):
    people = {row["person_id"]: row for row in town.truth("people")}
    flags = _flags(town)
    holders = {kind: {flag["person_id"] for flag in found} for kind, found in flags.items()}
    pupils = {row["PupilRef"] for row in town.extract_rows("education")}
    children = sum(1 for person in people.values() if person["date_of_birth"] > "2006-03-31")
    assert 0.003 * len(pupils) < len(holders["young_carer"]) < 0.04 * len(pupils)
    assert 0 < len(holders["exploitation_concern"]) < 0.005 * children
    assert 0 < len(holders["marac_case"]) < len(holders["domestic_abuse_victim"]) * 0.4
    # Rarer than a child's own plan would be in life; enough here to measure.
    assert 0 < len(holders["unborn_child_protection_plan"]) < 0.002 * len(people)
    for person in holders["unborn_child_protection_plan"]:
        assert people[person]["sex"] == "female" and "1981-01-01" < people[person]["date_of_birth"] < "2008-04-01"
    assert Counter(flag["source"] for flag in flags["marac_case"]).keys() == {"police", "voluntary"}
