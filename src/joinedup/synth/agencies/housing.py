"""Housing: the council's tenancies, one row per household member, with rent arrears.

The housing management system knows its own properties well, so the address is the
tenancy's property, in structured parts (flat, house number, building, street, area,
town, postcode), though officers abbreviate. Every member of a tenancy's household has
a row under the tenancy reference, and ``Relationship`` says how they are related to
the lead tenant, as the officer recorded it: "Lead tenant", "Joint tenant" (a partner
named on the tenancy), "Partner", "Son", "Daughter", "Mother", "Father", "Grandson",
"Granddaughter" (children a grandparent brings up), or "Other" (a sharer). The words are
derived from the household's true relations, so what the extract states is true, but it
states only relationships to the lead: a partner's own children are not marked as theirs.
Arrears are the tenancy's, as of the last weekly rent run, on every member's row. NI
numbers were only collected for newer tenancies (and children have none).
"""

from __future__ import annotations

from datetime import timedelta

from joinedup.synth.agencies.base import Extract, PlaceContext, Sheet, agency_rng, dmy, pick_worker
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.population import Household, Neighbourhood, Person
from joinedup.synth.recording import Habits, abbreviate_street, record_person

EXTRACT = Extract(
    source="housing",
    file="extracts/housing_tenancies.csv",
    format="csv",
    line_terminator="\r\n",
    columns=(
        "Tenant ID", "Tenancy Ref", "Relationship", "Title", "First Name", "Surname", "Date of Birth", "NI Number",
        "Telephone", "Email", "Flat", "House No", "Building", "Street", "Area", "Town", "Post Code",
        "Tenancy Start", "Tenancy Type", "Weekly Rent", "Arrears Balance", "Arrears As Of",
        "Housing Officer", "Officer Team", "Officer Phone", "Officer Email",
    ),
)
HABITS = Habits(
    typo=0.02, nickname=0.03, case_noise=0.01, drop_middle_names=1.0, swap_day_month=0.01,
    impossible_dob=0.002, stale_address=0.0, other_address_form=0.1, abbreviate=0.25,
    missing_postcode=0.01, postcode_typo=0.005, missing_ni=0.35, bad_ni=0.01, missing_phone=0.15,
    missing_email=0.6, duplicate=0.012,
)
RENT_RUN = EXTRACT_DATE - timedelta(days=(EXTRACT_DATE.weekday()) % 7)  # the Monday of the extract's week


def records(hood: Neighbourhood, place: PlaceContext) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    tenants = place.local_ids("housing-tenant", "T")
    tenancies = place.local_ids("housing-tenancy", "TEN/")
    officers = place.services.housing_officers
    sheet = Sheet(EXTRACT)
    for number, household in enumerate(hood.households):
        if household.tenure != "social" or household.where != "town":
            continue
        adults = [member for member in household.members if member.age >= 18]
        if not adults:
            continue
        named = adults[:2] if len(adults) > 1 and household.kind.startswith("couple") and rng.random() < 0.6 else adults[:1]
        lead = named[0]
        tenancy_ref = tenancies(hood.plan.index * 10_000 + number)
        start = lead.current.start
        if start >= EXTRACT_DATE - timedelta(days=365):
            kind = "Introductory"
        else:
            kind = rng.choices(("Secure", "Assured", "Flexible"), (78, 15, 7))[0]
        rent = rng.uniform(78, 165)
        arrears = 0.0
        roll = rng.random()
        if roll < 0.15 + 0.55 * household.adversity:
            arrears = round(min(6000.0, rng.lognormvariate(5.6 + 1.2 * household.adversity, 0.9)), 2)
        elif roll > 0.9:
            arrears = -round(rng.uniform(5, 300), 2)
        team = "Income Recovery" if arrears > 1500 else ("Tenancy Sustainment" if household.adversity > 0.5 else rng.choice(("Neighbourhood Housing North", "Neighbourhood Housing South")))
        officer = pick_worker(rng, officers, team)
        lead_position = household.members.index(lead)
        members = named + [member for member in household.members if member not in named]
        for member in members:
            relationship = relationship_to_lead(household, lead_position, household.members.index(member), member in named)
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                recorded = record_person(member, HABITS, rng)
                lpi = recorded.lpi
                abbreviated = rng.random() < HABITS.abbreviate
                street = abbreviate_street(lpi.street) if abbreviated else lpi.street
                if abbreviated:
                    recorded.errors.append("abbreviated_address")
                flat = lpi.sao_text or (f"Flat {lpi.sao_number}" if lpi.sao_number else "")
                local_id = tenants(member.index, copy)
                row = (
                    local_id, tenancy_ref, relationship, _title(member, rng), recorded.forename, recorded.surname,
                    dmy(recorded.dob), recorded.ni_number, recorded.phone, recorded.email, flat,
                    f"{lpi.pao_number}{lpi.pao_suffix}", lpi.pao_text, street, lpi.locality, lpi.town,
                    recorded.postcode, dmy(start), kind, f"{rent:.2f}", f"{arrears:.2f}", dmy(RENT_RUN),
                    officer.name, officer.team, officer.phone, officer.email,
                )
                sheet.add(row, local_id, tenancy_ref, member, recorded, ("duplicate",) if copy else ())
    return sheet


def relationship_to_lead(household: Household, lead: int, member: int, named: bool) -> str:
    """How the housing officer records member ``member`` (a position in the household)
    against the lead tenant at position ``lead``, from the household's true relations."""
    if member == lead:
        return "Lead tenant"
    person: Person = household.members[member]
    male = person.sex == "male"
    relations = {(a, b, rel) for a, b, rel in household.relations if a >= 0 and b >= 0}
    if (lead, member, "partner_of") in relations or (member, lead, "partner_of") in relations:
        return "Joint tenant" if named else "Partner"
    if (lead, member, "parent_of") in relations:
        return "Son" if male else "Daughter"
    if (member, lead, "parent_of") in relations:
        return "Father" if male else "Mother"
    if (lead, member, "carer_of") in relations and person.role == "child":
        return "Grandson" if male else "Granddaughter"  # kinship care: grandparents
    return "Other"


def _title(person: Person, rng) -> str:
    if person.role == "child":
        return ""
    if person.sex == "male":
        return "Mr"
    return rng.choice(("Mrs", "Ms", "Miss"))
