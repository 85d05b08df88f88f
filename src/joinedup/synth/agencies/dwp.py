"""Jobcentre Plus: working-age benefit claimants and their work coaches.

The extract is stitched from two feeds, so dates come either as 2024-03-07 or as
07-MAR-2024, and names are surname first, the surname in capitals. Couples on a joint
Universal Credit claim each have a row under the same claim. The NI number is the
key the department cares about, and the one its staff rarely get wrong.
"""

from __future__ import annotations

from datetime import date

from joinedup.synth.agencies.base import (
    Extract,
    PlaceContext,
    Sheet,
    agency_rng,
    day_month_name,
    iso,
    pick_worker,
    random_date,
)
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, address_lines, pack_lines, record_person
from joinedup.synth.services import JOBCENTRES

EXTRACT = Extract(
    source="dwp",
    file="extracts/dwp_claimants.csv",
    format="csv",
    columns=(
        "CUSTOMER_REF", "CLAIM_REF", "SURNAME", "FORENAME", "OTHER_FORENAMES", "DATE_OF_BIRTH",
        "SEX", "NINO", "ADDRESS_LINE_1", "ADDRESS_LINE_2", "ADDRESS_LINE_3", "POSTCODE", "BENEFIT",
        "CLAIM_START", "CLAIM_STATUS", "CONDITIONALITY", "WORK_COACH", "JOBCENTRE", "WORK_COACH_PHONE",
        "WORK_COACH_EMAIL",
    ),
)
HABITS = Habits(
    typo=0.015, nickname=0.005, case_noise=0.01, drop_middle_names=0.2, swap_day_month=0.005,
    impossible_dob=0.002, stale_address=0.1, abbreviate=0.15, missing_postcode=0.02, misspelt_address=0.01,
    missing_ni=0.01, bad_ni=0.006, missing_phone=1.0, missing_email=1.0, duplicate=0.01,
)
BENEFITS = (("UC", 85), ("ESA", 8), ("JSA", 4), ("IS", 3))
REGIMES = ("Intensive Work Search", "Light Touch", "Work Preparation", "Work-Focused Interview", "No Work Requirements")
EARLIEST_CLAIM = date(2016, 4, 1)


def records(hood: Neighbourhood, place: PlaceContext) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    customers = place.local_ids("dwp-customer", "CR")
    claims = place.local_ids("dwp-claim", "CL")
    coaches = place.services.work_coaches
    jobcentre = JOBCENTRES[hood.plan.index % len(JOBCENTRES)]
    benefits, weights = zip(*BENEFITS)
    sheet = Sheet(EXTRACT)
    for number, household in enumerate(hood.households):
        if household.where == "far":
            continue
        adults = [member for member in household.members if 18 <= member.age < 66]
        if not adults:
            continue
        chance = 0.05 + 0.5 * household.adversity
        if household.kind == "lone_parent":
            chance += 0.15
        if household.where == "out":
            chance *= 0.4
        if rng.random() >= chance:
            continue
        partners = {household.members[a].index for a, b, rel in household.relations if rel == "partner_of"}
        partners |= {household.members[b].index for a, b, rel in household.relations if rel == "partner_of"}
        lead = rng.choice(adults)
        claimants = [lead] + [adult for adult in adults if adult is not lead and adult.index in partners and lead.index in partners]
        benefit = rng.choices(benefits, weights)[0]
        if benefit != "UC":
            claimants = claimants[:1]
        start = random_date(rng, max(EARLIEST_CLAIM, date(lead.dob.year + 18, 1, 1)), EXTRACT_DATE)
        status = "LIVE" if rng.random() < 0.9 else "CLOSED"
        regime = rng.choices(REGIMES, (40, 15, 12, 10, 23))[0] if benefit == "UC" else ""
        coach = pick_worker(rng, coaches, jobcentre)
        claim_ref = claims(hood.plan.index * 10_000 + number)
        feed = day_month_name if rng.random() < 0.4 else iso
        for claimant in claimants:
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                recorded = record_person(claimant, HABITS, rng)
                lines, _ = address_lines(recorded, HABITS, rng)
                lines.append(recorded.lpi.town)
                local_id = customers(claimant.index, copy)
                row = (
                    local_id, claim_ref, recorded.surname.upper(), recorded.forename, recorded.middle_names,
                    feed(recorded.dob), {"male": "M", "female": "F"}.get(recorded.sex, ""), recorded.ni_number,
                    *pack_lines(lines, 3), recorded.postcode, benefit, feed(start), status, regime,
                    coach.name, coach.team, coach.phone, coach.email,
                )
                sheet.add(row, local_id, claim_ref, claimant, recorded, ("duplicate",) if copy else ())
    return sheet
