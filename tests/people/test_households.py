"""Households by current UPRN, stated relationships between persons, and the family view.

The first tests build a small index by hand (records loaded through a mapping's
[relationships], persons and memberships written directly, ``Person.uprn`` set as a
link run sets it), so that each rule is visible. The last ones link a synthetic place
and score the relationships against its truth.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joinedup.db import session_factory, transaction, utcnow
from joinedup.gazetteer.models import GazetteerAddress
from joinedup.ingest import SourceRecord, ingest_file, load_mapping
from joinedup.people import (
    Person,
    PersonRecord,
    family_view,
    household_of,
    households,
    relationships,
    score_relationships,
)
from joinedup.people.households import COMMUNAL_CLASSIFICATIONS

TENANCIES = """
[source]
code = "tenancies"
organisation = "HSG"
organisation_type = "housing"
format = "csv"
local_id = "ID"
record_ref = "Group"

[fields]
forename = "First"
surname = "Last"

[relationships]
group = "Group"
role = "Role"
lead = ["Lead tenant"]

[relationships.roles]
"Joint tenant" = "partner_of"
"Son" = "child_of"
"Daughter" = "child_of"
"""

CARERS = TENANCIES.replace('"tenancies"', '"carers"').replace('"HSG"', '"VOL"').replace(
    '"housing"', '"voluntary"').replace('lead = ["Lead tenant"]', 'lead = ["Client"]').replace(
    '"Joint tenant" = "partner_of"', '"Partner" = "partner_of"\n"Carer" = "carer_of"')

HEADER = "ID,Group,Role,First,Last\n"

#: (uprn, name or number, street, classification)
PROPERTIES = [
    ("100", "10", "High Street", "residential"),
    ("200", "Elm House Care Home", "School Road", "care_home"),
    ("300", "5", "Mill Lane", "residential"),
    ("400", "Joinford Primary School", "School Road", "school"),
]

#: person id -> (forename, surname, date of birth, uprn, records as (source, local id))
PEOPLE = {
    "PANN": ("Ann", "Shah", date(1980, 5, 1), "100", [("tenancies", "T1"), ("carers", "C1")]),
    "PRAJ": ("Raj", "Shah", date(1979, 2, 3), "100", [("tenancies", "T2"), ("carers", "C3")]),
    "PDEV": ("Dev", "Shah", date(2012, 7, 9), "100", [("tenancies", "T3")]),
    "PSAM": ("Sam", "Lee", date(1990, 1, 1), "100", []),                 # a lodger: lives there, unrelated
    "PIDA": ("Ida", "Shah", date(1940, 3, 3), "200", [("carers", "C2")]),  # Ann's mother, in a care home
    "PRES1": ("Rose", "Hill", date(1930, 1, 1), "200", []),
    "PRES2": ("Reg", "Hill", date(1931, 1, 1), "200", []),
    "PRES3": ("Rita", "Moss", date(1935, 1, 1), "200", []),
    "PKIT": ("Kit", "Ray", date(2001, 1, 1), "400", []),                  # wrongly placed at a school
    "PTWO": ("Two", "Records", date(1970, 1, 1), "300", [("tenancies", "T8"), ("tenancies", "T9")]),
}


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def family(engine, tmp_path):
    """The Shah family and their neighbours, loaded and indexed by hand."""
    tenancies = HEADER + (
        "T1,TEN/1,Lead tenant,Ann,Shah\nT2,TEN/1,Joint tenant,Raj,Shah\nT3,TEN/1,Son,Dev,Shah\n"
        "T8,TEN/8,Lead tenant,Two,Records\nT9,TEN/8,Son,Two,Records\n"   # one person twice: says nothing
    )
    carers = HEADER + "C2,F1,Client,Ida,Shah\nC1,F1,Daughter,Ann,Shah\nC3,F2,Client,Raj,Shah\nC1,F2,Partner,Ann,Shah\n"
    # C1 appears in two groups with two record refs: two records of Ann's, both hers.
    for mapping, extract in ((TENANCIES, tenancies), (CARERS, carers)):
        load = ingest_file(engine, load_mapping(_write(tmp_path, "m.toml", mapping)), _write(tmp_path, "x.csv", extract))
        assert load.status == "completed", load.error
    with transaction(engine) as session:
        for uprn, name, street, classification in PROPERTIES:
            number = name if name.isdigit() else ""
            session.add(GazetteerAddress(
                uprn=uprn, lpi_status="approved", preferred=True, pao_start_number=number,
                pao_text="" if number else name, street=street, town="Joinford", postcode="JU1 1AA",
                classification=classification, in_boundary=True,
            ))
        records = [((record.source_system.code, record.local_id), record.id)
                   for record in session.scalars(select(SourceRecord))]
        for person_id, (forename, surname, born, uprn, held) in PEOPLE.items():
            person = Person(person_id=person_id, forename=forename, surname=surname, date_of_birth=born, uprn=uprn,
                            golden={}, record_count=len(held))
            session.add(person)
            session.flush()
            for key, record_id in records:
                if key in held:
                    session.add(PersonRecord(source_record_id=record_id, person_id=person.id))
        gone = Person(person_id="PGONE", forename="Old", surname="Shah", uprn="100", golden={},
                      retired_at=utcnow(), superseded_by="PANN")
        session.add(gone)
    return engine


def test_persons_are_grouped_by_current_uprn_with_the_gazetteer_address(family):
    with session_factory(family)() as session:
        found = {household.uprn: household for household in households(session)}
    assert set(found) == {"100", "200", "300", "400"}
    home = found["100"]
    assert [resident.person_id for resident in home.residents] == ["PRAJ", "PANN", "PSAM", "PDEV"]  # oldest first
    assert "PGONE" not in {resident.person_id for resident in home.residents}, "retired persons live nowhere"
    assert (home.kind, home.communal, home.is_family_home) == ("home", False, True)
    assert home.address.text == "10 High Street, Joinford, JU1 1AA"
    assert home.summary == "4 people at this address"


def test_a_care_home_is_an_establishment_not_a_family(family):
    with session_factory(family)() as session:
        (care_home,) = households(session, ["000000000200"])  # padded UPRNs find their property
        (school,) = households(session, ["400"])
    assert care_home.communal and not care_home.is_family_home
    assert care_home.address.classification in COMMUNAL_CLASSIFICATIONS
    assert len(care_home.residents) == 4
    assert care_home.summary == "A care home: 4 residents, a communal establishment, not one household"
    assert (school.kind, school.is_family_home) == ("not_a_home", False)
    assert school.summary == "A school, not a home: 1 person recorded here"


def test_stated_relationships_collapse_to_persons_with_their_sources(family):
    with session_factory(family)() as session:
        found = relationships(session)
    described = {(r.person.person_id, r.kind, r.related.person_id): r for r in found}
    assert set(described) == {
        ("PANN", "partner_of", "PRAJ"),   # stated by both sources, each the other way round
        ("PANN", "parent_of", "PDEV"),    # stated as "Dev is child_of Ann"
        ("PIDA", "parent_of", "PANN"),    # stated as "Ann is child_of Ida"
    }, "two records of one person (PTWO) relate nobody"
    partners = described[("PANN", "partner_of", "PRAJ")]
    assert partners.sources == ("carers", "tenancies")
    parent = described[("PANN", "parent_of", "PDEV")]
    assert parent.sources == ("tenancies",)
    assert parent.described == "Ann Shah is the parent of Dev Shah"
    assert parent.inverse_described == "Dev Shah is the child of Ann Shah"
    assert parent.seen_from("PDEV")[0] == "parent_of" and parent.seen_from("PANN")[0] == "child_of"
    with session_factory(family)() as session:
        only = relationships(session, ["PIDA"])
    assert [(r.person.person_id, r.kind, r.related.person_id) for r in only] == [("PIDA", "parent_of", "PANN")]


def test_the_family_view_is_the_household_plus_relatives_wherever_they_live(family):
    with session_factory(family)() as session:
        view = family_view(session, "PANN")
    assert view.household.uprn == "100" and view.address.text == "10 High Street, Joinford, JU1 1AA"
    members = {member.person.person_id: member for member in view.members}
    assert list(members) == ["PRAJ", "PSAM", "PDEV", "PIDA"], "co-residents oldest first, then relatives elsewhere"
    assert [(tie.role, tie.sources) for tie in members["PRAJ"].ties] == [("partner", ("carers", "tenancies"))]
    assert [tie.role for tie in members["PDEV"].ties] == ["child"]
    assert members["PSAM"].co_resident and not members["PSAM"].related, "a lodger is a co-resident, not a relative"
    mother = members["PIDA"]
    assert not mother.co_resident and [tie.role for tie in mother.ties] == ["parent"]
    assert mother.address.uprn == "200" and mother.address.communal, "a relative elsewhere, with their own address"
    assert mother.address.text == "Elm House Care Home, School Road, Joinford, JU1 1AA"
    assert [m.person.person_id for m in view.relatives_elsewhere] == ["PIDA"]
    assert {m.person.person_id for m in view.co_residents} == {"PRAJ", "PSAM", "PDEV"}


def test_in_a_care_home_the_other_residents_are_not_family(family):
    with session_factory(family)() as session:
        view = family_view(session, "PIDA")
        assert household_of(session, "PIDA").communal
    assert view.household.communal and len(view.household.residents) == 4
    assert [(m.person.person_id, m.co_resident, [t.role for t in m.ties]) for m in view.members] == [
        ("PANN", False, ["child"]),
    ]
    assert view.members[0].address.uprn == "100"


def test_a_family_view_of_an_unknown_or_retired_person_says_why(family):
    with session_factory(family)() as session:
        with pytest.raises(LookupError, match="no person PNOBODY"):
            family_view(session, "PNOBODY")
        with pytest.raises(LookupError, match="PGONE is retired; their records are now PANN"):
            family_view(session, "PGONE")


# --------------------------------------------------------------------------- a linked place


def _with_uprns(engine) -> None:
    """Until every link run fills ``Person.uprn``, take it from the golden record."""
    with transaction(engine) as session:
        for person in session.scalars(select(Person).where(Person.uprn.is_(None))):
            person.uprn = (person.golden.get("uprn") or {}).get("value")


def test_relationships_in_a_linked_place_are_true_and_scored(linked_once, small_place):
    linked_store = linked_once  # linked, the run completed
    _with_uprns(linked_store)
    with session_factory(linked_store)() as session:
        score = score_relationships(session, small_place / "truth")
        found = relationships(session)
        homes = households(session)
        person = found[0].person.person_id
        view = family_view(session, person)
    assert score.statements > 0 and score.statements_wrong == 0, "housing states only true relationships"
    assert score.stated == len(found) > 0
    assert score.recovered > 0 and score.precision >= 0.95, score
    assert 0 < score.recall < 1, "only housing states relationships, and only to the lead tenant"
    assert sum(true for true, _, _, _ in score.by_kind.values()) == score.true_relationships
    assert {home.kind for home in homes if home.address.classification in COMMUNAL_CLASSIFICATIONS} <= {"communal"}
    assert any(home.communal for home in homes), "the place has care homes, hostels or HMOs with residents"
    assert found[0].related.person_id in {member.person.person_id for member in view.relatives}
