"""Children's social care: open and recently closed cases (CIN, CP, looked after).

A case system's export: one row per child, ISO dates, the CIN census gender codes
(1 male, 2 female, 0 not known), the allocated social worker of an open case with team
and direct line, and the referral that opened the case. Siblings share a case; a
household where police attended domestic abuse is far more likely to be referred.
Duplicates are common, notably the pre-birth record ("Baby Smith", due date for date of
birth) left open beside the record made once the child was born.

An older child on an open case may carry an exploitation concern (sexual or criminal,
from the assessment's factors) with the date it was identified. A pregnant woman whose
unborn child is on a pre-birth child-protection plan has her own row, as CP-IS flags
her: status "Pre-birth CP", with the plan's start and the expected date of delivery.
"""

from __future__ import annotations

from datetime import date, timedelta

from joinedup.synth.agencies.base import (
    Encounters,
    Extract,
    PlaceContext,
    Sheet,
    agency_rng,
    iso,
    pick_worker,
    random_date,
)
from joinedup.synth.geography import EXTRACT_DATE, PERIOD_START
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, address_lines, pack_lines, record_person

EXTRACT = Extract(
    source="csc",
    file="extracts/csc_children.csv",
    format="csv",
    columns=(
        "PersonID", "Forename", "Surname", "DOB", "Gender", "AddressLine1", "AddressLine2",
        "AddressLine3", "Town", "PostCode", "NHSNumber", "UPN", "ReferralDate", "ReferralSource",
        "ReferralReason", "CaseStatus", "CINStartDate", "CPPStartDate", "CPCategory",
        "LACStartDate", "LegalStatus", "CaseClosedDate", "AllocatedWorker", "WorkerTeam",
        "WorkerPhone", "WorkerEmail", "ExploitationConcern", "ExploitationStartDate", "ExpectedDeliveryDate",
    ),
)
HABITS = Habits(
    typo=0.02, nickname=0.02, case_noise=0.02, swap_day_month=0.01, impossible_dob=0.002,
    stale_address=0.1, abbreviate=0.12, missing_postcode=0.03, misspelt_address=0.01, missing_nhs=0.15, bad_nhs=0.004,
    missing_upn=0.25, bad_upn=0.004, duplicate=0.04,
)
GENDER = {"male": "1", "female": "2"}
REASONS = (
    ("Abuse or neglect", 50), ("Family dysfunction", 15), ("Family in acute stress", 10),
    ("Child's disability", 8), ("Parental illness or disability", 6), ("Absent parenting", 4),
    ("Socially unacceptable behaviour", 4), ("Low income", 1),
)
SOURCES = ("Police", "School", "Health services", "Individual", "Other legal agency", "Anonymous", "Housing")
CP_CATEGORIES = ("Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple")
LEGAL_STATUSES = ("C2 Full care order", "V2 Section 20 single placement", "C1 Interim care order", "E1 Placement order")
EXPLOITATION = ("Child sexual exploitation", "Child criminal exploitation", "Sexual and criminal exploitation")
#: The chance that a child of ten or over on an open case has an exploitation concern.
EXPLOITED = 0.25
#: The case status of a mother's row while her unborn child is on a plan.
PRE_BIRTH = "Pre-birth CP"
FLAG_OF = {"CIN": ("child_in_need", "cin"), "CP": ("child_protection_plan", "cp"), "LAC": ("looked_after", "lac")}
TEAM_FOR = {
    "CIN": ("Children in Need Team 1", "Children in Need Team 2", "Children in Need Team 3"),
    "CP": ("Child Protection Team",),
    "LAC": ("Children in Care Team",),
    "Assessment": ("Assessment Team North", "Assessment Team South", "MASH"),
}


def records(hood: Neighbourhood, place: PlaceContext, encounters: Encounters) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    # The exploitation concerns have their own stream, so the other columns keep theirs.
    concern_rng = agency_rng(place.seed, hood, "csc:exploitation")
    ids = place.local_ids(EXTRACT.source, "")
    sheet = Sheet(EXTRACT)
    reasons, reason_weights = zip(*REASONS)
    for household in hood.households:
        children = [person for person in household.members if person.age < 18]
        if not children:
            continue
        chance = 0.008 + 0.16 * household.adversity**1.5
        if household.household_id in encounters.domestic_abuse_households:
            chance += 0.25
        if household.where == "out":
            chance *= 0.3
        if rng.random() >= chance:
            continue
        status = rng.choices(("CIN", "CP", "LAC", "Assessment", "Closed"), (38, 13, 10, 9, 30))[0]
        referral = random_date(rng, PERIOD_START + timedelta(days=300), EXTRACT_DATE - timedelta(days=7))
        reason = rng.choices(reasons, reason_weights)[0]
        source = "Police" if household.household_id in encounters.domestic_abuse_households and rng.random() < 0.6 else rng.choice(SOURCES)
        team = rng.choice(TEAM_FOR.get(status, ("Assessment Team North",)))
        worker = pick_worker(rng, place.services.social_workers, team) if status != "Closed" else None
        for child in children:
            if child.dob > referral or rng.random() > 0.9:
                continue
            child_status = status
            if status == "LAC" and len(children) > 1 and rng.random() < 0.3:
                child_status = "CIN"
            facts = _case_facts(rng, child_status, referral)
            concern = _exploitation(concern_rng, child, facts)
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                recorded = record_person(child, HABITS, rng)
                extra = _duplicate(rng, child, recorded) if copy else ()
                lines, _ = address_lines(recorded, HABITS, rng)
                local_id = ids(child.index, copy)
                row = (
                    local_id, recorded.forename, recorded.surname, iso(recorded.dob),
                    GENDER.get(recorded.sex, "0"), *pack_lines(lines, 3), recorded.lpi.town,
                    recorded.postcode, recorded.nhs_number, recorded.upn, iso(referral), source,
                    reason, facts["status"], facts["cin"], facts["cp"], facts["cp_category"],
                    facts["lac"], facts["legal"], facts["closed"],
                    worker.name if worker else "", worker.team if worker else "",
                    worker.phone if worker else "", worker.email if worker else "", *concern, "",
                )
                sheet.add(row, local_id, "", child, recorded, extra)
                if child_status in FLAG_OF:
                    flag_type, start = FLAG_OF[child_status]
                    sheet.flag(local_id, "", child, flag_type, facts[start])
                if concern[0]:
                    sheet.flag(local_id, "", child, "exploitation_concern", concern[1])
    _pre_birth_plans(hood, place, encounters, sheet)
    return sheet


def _exploitation(rng, child, facts: dict[str, str]) -> tuple[str, str]:
    """An exploitation concern of a child on an open case, and since when ('' if none)."""
    roll, kind, offset = rng.random(), rng.choice(EXPLOITATION), rng.random()
    if not facts["cin"] or child.age < 10 or roll >= EXPLOITED:
        return ("", "")
    start = date.fromisoformat(facts["cin"])
    identified = start + timedelta(days=int(offset * (EXTRACT_DATE - start).days))
    return (kind, iso(identified))


def _pre_birth_plans(hood: Neighbourhood, place: PlaceContext, encounters: Encounters, sheet: Sheet) -> None:
    """Rows of pregnant women whose unborn child is on a child-protection plan.

    Rare (an unborn child is a few percent of the children on plans), likelier where
    police attended domestic abuse or the household is under strain."""
    rng = agency_rng(place.seed, hood, "csc:pre-birth")
    ids = place.local_ids(EXTRACT.source, "")
    for household in hood.households:
        for person in household.members:
            if person.sex != "female" or not 16 <= person.age <= 42:
                continue
            chance = 0.0004 + 0.02 * household.adversity**2
            if household.household_id in encounters.domestic_abuse_households:
                chance += 0.015
            if household.where != "town":
                chance *= 0.3
            if rng.random() >= chance:
                continue
            referral = random_date(rng, EXTRACT_DATE - timedelta(days=180), EXTRACT_DATE - timedelta(days=30))
            plan = min(EXTRACT_DATE, referral + timedelta(days=rng.randint(10, 45)))
            due = EXTRACT_DATE + timedelta(days=rng.randint(7, 160))
            worker = pick_worker(rng, place.services.social_workers, "Child Protection Team")
            recorded = record_person(person, HABITS, rng)
            lines, _ = address_lines(recorded, HABITS, rng)
            local_id = ids(person.index, 2)  # never a girl's own id as a child on a case (copies 0 and 1)
            row = (
                local_id, recorded.forename, recorded.surname, iso(recorded.dob), GENDER["female"],
                *pack_lines(lines, 3), recorded.lpi.town, recorded.postcode, recorded.nhs_number, "",
                iso(referral), rng.choice(SOURCES), "Abuse or neglect", PRE_BIRTH, "", iso(plan),
                rng.choice(CP_CATEGORIES), "", "", "", worker.name, worker.team, worker.phone, worker.email,
                "", "", iso(due),
            )
            sheet.add(row, local_id, "", person, recorded)
            sheet.flag(local_id, "", person, "unborn_child_protection_plan", iso(plan))


def _duplicate(rng, child, recorded) -> tuple[str, ...]:
    """Mark a second record of one child; a baby's is often its pre-birth record."""
    if child.age < 1.5 and rng.random() < 0.7:
        due = child.dob + timedelta(days=rng.randint(-20, 20))
        recorded.forename = "Baby"
        recorded.dob = (due.year, due.month, due.day)
        return ("duplicate", "unborn_record")
    return ("duplicate",)


def _case_facts(rng, status: str, referral) -> dict[str, str]:
    facts = {"status": status, "cin": "", "cp": "", "cp_category": "", "lac": "", "legal": "", "closed": ""}
    start = referral + timedelta(days=rng.randint(10, 45))
    if start > EXTRACT_DATE:
        start = EXTRACT_DATE
    if status == "Closed":
        facts["closed"] = iso(min(EXTRACT_DATE, referral + timedelta(days=rng.randint(20, 300))))
        return facts
    if status == "Assessment":
        return facts
    facts["cin"] = iso(start)
    if status in ("CP", "LAC"):
        cp_start = min(EXTRACT_DATE, start + timedelta(days=rng.randint(15, 120)))
        facts["cp"] = iso(cp_start)
        facts["cp_category"] = rng.choice(CP_CATEGORIES)
    if status == "LAC":
        facts["lac"] = iso(min(EXTRACT_DATE, start + timedelta(days=rng.randint(30, 240))))
        facts["legal"] = rng.choice(LEGAL_STATUSES)
    return facts
