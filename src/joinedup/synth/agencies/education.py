"""Education: the pupils on roll at the town's schools, from the schools' MIS returns.

Legal names (with the name a child goes by in its own column), dd/mm/yyyy dates, the UPN,
the school and national curriculum year, this year's attendance and suspensions, SEN
provision, and the designated safeguarding lead's contact. Written with a byte-order
mark, as a spreadsheet saves "CSV UTF-8", so its mapping reads it as ``utf-8-sig``.
A pupil who changed school mid-year is on roll twice, with two pupil references.
A pupil the school knows to be a young carer (the school census has asked since 2023) is
marked, with the date the school identified it.
"""

from __future__ import annotations

from datetime import date

from joinedup.synth.agencies.base import Extract, PlaceContext, Sheet, agency_rng, dmy, iso, random_date
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, address_lines, pack_lines, record_person
from joinedup.synth.names import NICKNAMES

EXTRACT = Extract(
    source="education",
    file="extracts/education_pupils.csv",
    format="csv",
    encoding="utf-8-sig",
    columns=(
        "PupilRef", "UPN", "LegalSurname", "LegalForename", "MiddleNames", "PreferredForename",
        "DOB", "Gender", "AddressLine1", "AddressLine2", "AddressLine3", "Town", "Postcode",
        "SchoolName", "SchoolURN", "NCYear", "AttendancePct", "Suspensions", "LastSuspensionDate",
        "SENProvision", "DSLName", "DSLPhone", "DSLEmail", "ParentContactPhone", "YoungCarer", "YoungCarerSince",
    ),
)
HABITS = Habits(
    typo=0.008, case_noise=0.01, drop_middle_names=0.05, swap_day_month=0.004, impossible_dob=0.001,
    stale_address=0.08, abbreviate=0.05, missing_postcode=0.01, missing_upn=0.01, bad_upn=0.003,
    missing_phone=1.0, missing_email=1.0, duplicate=0.01,
)
ACADEMIC_YEAR_START = date(2023, 9, 1)
#: Households where a child is likelier to care for a parent, sibling or grandparent.
CARING_KINDS = {"lone_parent": 0.05, "lone_parent_adult_children": 0.04, "three_generation": 0.06, "kinship_care": 0.05}
TERM_START = date(2023, 9, 5)
TERM_END = date(2024, 3, 28)
YOUNG_CARERS_FROM = date(2021, 9, 1)


def national_curriculum_year(dob: date) -> int:
    """0 for Reception, 1..13 after: from age on 31 August before the academic year."""
    age = ACADEMIC_YEAR_START.year - dob.year - (1 if (dob.month, dob.day) > (8, 31) else 0)
    return age - 4


def records(hood: Neighbourhood, place: PlaceContext) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    carer_rng = agency_rng(place.seed, hood, "education:young-carer")  # its own stream: other columns keep theirs
    ids = place.local_ids(EXTRACT.source, "PUP")
    services = place.services
    sheet = Sheet(EXTRACT)
    plan = hood.plan
    catchment = {phase: services.nearest_schools(phase, plan.easting, plan.northing) for phase in ("primary", "secondary")}
    for household in hood.households:
        if household.where == "far":
            continue
        parent_phone = next((member.phone for member in household.members if member.age >= 18 and member.phone), "")
        for person in household.members:
            year = national_curriculum_year(person.dob)
            if not 0 <= year <= 13:
                continue
            chance = 0.94 if year <= 11 else 0.45
            if household.where == "out":
                chance *= 0.35
            if rng.random() >= chance:
                continue
            phase = "primary" if year <= 6 else "secondary"
            schools = catchment[phase]
            school = rng.choices(schools, (70, 20, 10)[: len(schools)])[0]
            adversity = household.adversity
            attendance = min(100.0, max(35.0, rng.gauss(95.5 - 16 * adversity**1.3, 2.5 + 6 * adversity)))
            suspension_chance = (0.015 if phase == "primary" else 0.05) + 0.3 * adversity**1.5
            suspensions = rng.randint(1, 6) if rng.random() < suspension_chance else 0
            last = dmy(random_date(rng, TERM_START, TERM_END)) if suspensions else ""
            sen = rng.choices(("N", "K", "E"), (84 - 20 * adversity, 13 + 15 * adversity, 3 + 5 * adversity))[0]
            preferred = ""
            if person.forename in NICKNAMES and rng.random() < 0.25:
                preferred = rng.choice(NICKNAMES[person.forename])
            carer = _young_carer(carer_rng, household, person)
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                if copy:
                    school = rng.choice(schools)
                recorded = record_person(person, HABITS, rng)
                lines, _ = address_lines(recorded, HABITS, rng)
                local_id = ids(person.index, copy)
                row = (
                    local_id, recorded.upn, recorded.surname, recorded.forename, recorded.middle_names,
                    preferred, dmy(recorded.dob), {"male": "M", "female": "F"}.get(recorded.sex, ""),
                    *pack_lines(lines, 3), recorded.lpi.town, recorded.postcode, school.name, school.urn,
                    "R" if year == 0 else str(year), f"{attendance:.1f}", str(suspensions), last, sen,
                    school.dsl.name, school.dsl.phone, school.dsl.email, parent_phone,
                    "Y" if carer else "N", dmy(carer),
                )
                sheet.add(row, local_id, "", person, recorded, ("duplicate",) if copy else ())
                if sen == "E":
                    sheet.flag(local_id, "", person, "send_ehc_plan")
                if carer:
                    sheet.flag(local_id, "", person, "young_carer", iso(carer))
    return sheet


def _young_carer(rng, household, person) -> date | None:
    """Since when the school has known a pupil of eight or over to be a young carer (None: not one)."""
    roll, offset = rng.random(), rng.random()
    chance = 0.004 + CARING_KINDS.get(household.kind, 0.0) + 0.04 * household.adversity
    if person.age < 8 or roll >= chance:
        return None
    return date.fromordinal(YOUNG_CARERS_FROM.toordinal() + int(offset * (TERM_END - YOUNG_CARERS_FROM).days))
