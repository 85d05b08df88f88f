"""The housing extract lists whole households and states true relationships to the lead.

Every member of a council tenancy in the town has a row under the tenancy reference,
and ``Relationship`` (read through the shipped mapping's ``[relationships]``) says
something true about them and the lead tenant, as ``truth/relationships.csv`` has it.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from joinedup.ingest import load_mapping

SOURCE = "housing"


def _rows_with_truth(town):
    truth = [row for row in town.truth("records") if row["source"] == SOURCE]
    rows = town.extract_rows(SOURCE)
    assert len(rows) == len(truth)
    return list(zip(rows, truth))


def _canonical(a: str, b: str, kind: str) -> tuple[str, str, str]:
    if kind == "child_of":
        return b, a, "parent_of"
    if kind == "cared_for_by":
        return b, a, "carer_of"
    if kind == "partner_of":
        return (*sorted((a, b)), kind)
    return a, b, kind


def test_every_member_of_a_social_tenancy_in_the_town_has_a_row(town):
    people = {row["person_id"]: row for row in town.truth("people")}
    households = {row["household_id"]: row for row in town.truth("households")}
    members = defaultdict(set)
    for person in people.values():
        members[person["household_id"]].add(person["person_id"])
    tenancies = defaultdict(set)
    for row, truth in _rows_with_truth(town):
        tenancies[row["Tenancy Ref"]].add(truth["person_id"])
    listed = set()
    for tenancy, persons in tenancies.items():
        (household,) = {people[person]["household_id"] for person in persons}
        assert persons == members[household], f"{tenancy} does not list its whole household"
        assert households[household]["tenure"] == "social"
        listed.add(household)
    social_here = {key for key, row in households.items()
                   if row["tenure"] == "social" and row["residence"] == "in_boundary"}
    assert listed == social_here


def test_each_tenancy_has_one_lead_and_every_role_is_true_of_the_lead(town):
    stated = load_mapping(SOURCE).relationships
    true = {_canonical(row["person_id"], row["related_person_id"], row["relationship"])
            for row in town.truth("relationships")}
    leads = defaultdict(set)
    rows = _rows_with_truth(town)
    for row, truth in rows:
        if stated.kind_of(row["Relationship"]) == "lead":
            leads[row["Tenancy Ref"]].add(truth["person_id"])
    assert all(len(persons) == 1 for persons in leads.values()), "one lead tenant (perhaps recorded twice)"
    assert set(leads) == {row["Tenancy Ref"] for row, _ in rows}
    roles = Counter()
    for row, truth in rows:
        kind = stated.kind_of(row["Relationship"])
        assert kind is not None, f"the mapping does not know the role {row['Relationship']!r}"
        roles[row["Relationship"]] += 1
        if kind in ("", "lead"):
            continue
        (lead,) = leads[row["Tenancy Ref"]]
        assert _canonical(truth["person_id"], lead, kind) in true, (row["Relationship"], truth["person_id"], lead)
    for role in ("Lead tenant", "Joint tenant", "Partner", "Son", "Daughter", "Mother", "Grandson", "Other"):
        assert roles[role] > 0, f"no {role} in the whole town"


def test_children_on_a_tenancy_have_no_ni_number_title_or_email(town):
    people = {row["person_id"]: row for row in town.truth("people")}
    children = [row for row, truth in _rows_with_truth(town) if people[truth["person_id"]]["date_of_birth"] > "2008-04-01"]
    assert len(children) > 100
    assert all(not row["NI Number"] and not row["Title"] and not row["Email"] for row in children)
    assert {row["Relationship"] for row in children} <= {"Son", "Daughter", "Grandson", "Granddaughter"}
