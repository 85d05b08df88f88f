"""Housing: the council's tenancies, one row per tenant, with rent arrears.

The housing management system knows its own properties well, so the address is the
tenancy's property, in structured parts (flat, house number, building, street, area,
town, postcode), though officers abbreviate. A joint tenancy has a row per tenant
under one tenancy reference. Arrears are as of the last weekly rent run. NI numbers
were only collected for newer tenancies.
"""

from __future__ import annotations

from datetime import timedelta

from joinedup.synth.agencies.base import Extract, PlaceContext, Sheet, agency_rng, dmy, pick_worker
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, abbreviate_street, record_person

EXTRACT = Extract(
    source="housing",
    file="extracts/housing_tenancies.csv",
    format="csv",
    line_terminator="\r\n",
    columns=(
        "Tenant ID", "Tenancy Ref", "Title", "First Name", "Surname", "Date of Birth", "NI Number",
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
        for tenant in named:
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                recorded = record_person(tenant, HABITS, rng)
                lpi = recorded.lpi
                abbreviated = rng.random() < HABITS.abbreviate
                street = abbreviate_street(lpi.street) if abbreviated else lpi.street
                if abbreviated:
                    recorded.errors.append("abbreviated_address")
                flat = lpi.sao_text or (f"Flat {lpi.sao_number}" if lpi.sao_number else "")
                local_id = tenants(tenant.index, copy)
                row = (
                    local_id, tenancy_ref, _title(tenant, rng), recorded.forename, recorded.surname,
                    dmy(recorded.dob), recorded.ni_number, recorded.phone, recorded.email, flat,
                    f"{lpi.pao_number}{lpi.pao_suffix}", lpi.pao_text, street, lpi.locality, lpi.town,
                    recorded.postcode, dmy(start), kind, f"{rent:.2f}", f"{arrears:.2f}", dmy(RENT_RUN),
                    officer.name, officer.team, officer.phone, officer.email,
                )
                sheet.add(row, local_id, tenancy_ref, tenant, recorded, ("duplicate",) if copy else ())
    return sheet


def _title(person, rng) -> str:
    if person.sex == "male":
        return "Mr"
    return rng.choice(("Mrs", "Ms", "Miss"))
