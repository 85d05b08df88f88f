"""Police: incidents and the people involved in them, one row per person per incident.

A pipe-delimited export from a records management system: upper-case surnames in one
column as "SURNAME, Forename", the address as one upper-case line (as it was on the day
of the incident), domestic abuse incidents flagged with the victim and perpetrator roles
and a DASH risk level, and the officer in the case. The victim of a high-risk incident
is referred to the MARAC (the multi-agency risk assessment conference): their row of that
incident says so, with the date the conference heard the case. A person keeps their nominal id
across incidents, except the duplicate nominals every force has: the same person created
again under a second id.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from joinedup.synth.agencies.base import Encounters, Extract, PlaceContext, Sheet, agency_rng, dmy, iso, random_date
from joinedup.synth.geography import EXTRACT_DATE, PERIOD_START
from joinedup.synth.identifiers import IdentifierSpace
from joinedup.synth.population import Neighbourhood, Person
from joinedup.synth.recording import Habits, address_lines, one_line, record_person

EXTRACT = Extract(
    source="police",
    file="extracts/police_incidents.csv",
    format="csv",
    delimiter="|",
    columns=(
        "NOMINAL_ID", "INCIDENT_REF", "INCIDENT_DATE", "INCIDENT_TYPE", "ROLE", "NOMINAL_NAME",
        "DOB", "SEX", "ADDRESS", "POSTCODE", "DA_FLAG", "DASH_RISK", "OIC_NAME", "OIC_COLLAR",
        "OIC_TEAM", "OIC_PHONE", "OIC_EMAIL", "MARAC", "MARAC_DATE",
    ),
)
HABITS = Habits(
    typo=0.04, nickname=0.06, case_noise=0.0, drop_middle_names=1.0, swap_day_month=0.02,
    missing_dob=0.05, impossible_dob=0.003, stale_address=0.1, abbreviate=0.35, drop_locality=0.6,
    missing_postcode=0.15, postcode_typo=0.01, misspelt_address=0.04, missing_phone=1.0, missing_email=1.0, duplicate=0.04,
)
OTHER_INCIDENTS = (
    ("ASB", ("SUSPECT", "VICTIM", "WITNESS"), 25), ("THEFT", ("SUSPECT", "VICTIM"), 14),
    ("CRIMINAL DAMAGE", ("SUSPECT", "VICTIM"), 10), ("ASSAULT", ("SUSPECT", "VICTIM", "WITNESS"), 12),
    ("PUBLIC ORDER", ("SUSPECT", "WITNESS"), 8), ("DRUGS", ("SUSPECT",), 6), ("BURGLARY", ("VICTIM",), 7),
    ("CONCERN FOR WELFARE", ("SUBJECT",), 8), ("MENTAL HEALTH", ("SUBJECT",), 6), ("ROAD TRAFFIC", ("DRIVER", "WITNESS"), 4),
)


#: The share of high-risk victims whose case is heard at the MARAC (SafeLives expects all).
MARAC_REFERRED = 0.85


class IncidentRefs:
    """Incident references unique across the whole place: year and a scrambled serial."""

    PER_NEIGHBOURHOOD = 3_000

    def __init__(self, seed: int) -> None:
        self.space = IdentifierSpace(9_999_991, seed, "police-incident")

    def __call__(self, neighbourhood: int, serial: int, when: date) -> str:
        if serial >= self.PER_NEIGHBOURHOOD:
            raise RuntimeError("more incidents in one neighbourhood than references set aside")
        return f"{when.year % 100:02d}/{self.space(neighbourhood * self.PER_NEIGHBOURHOOD + serial):07d}"


def records(hood: Neighbourhood, place: PlaceContext, encounters: Encounters) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    marac_rng = agency_rng(place.seed, hood, "police:marac")  # its own stream: the other columns keep theirs
    nominals = place.local_ids(EXTRACT.source, "NOM")
    refs = IncidentRefs(place.seed)
    officers = place.services.officers
    safeguarding = [officer for officer in officers if officer.team == "Safeguarding Hub"]
    sheet = Sheet(EXTRACT)
    serial = 0
    duplicate_from: dict[int, date] = {}

    def nominal(person: Person, when: date) -> tuple[str, int]:
        if person.index not in duplicate_from and rng.random() < HABITS.duplicate:
            duplicate_from[person.index] = random_date(rng, PERIOD_START, EXTRACT_DATE)
        copy = 1 if person.index in duplicate_from and when >= duplicate_from[person.index] else 0
        return nominals(person.index, copy), copy

    def incident(kind: str, when: datetime, involved: list[tuple[Person, str]], risk: str = "",
                 marac: date | None = None) -> None:
        nonlocal serial
        ref = refs(hood.plan.index, serial, when.date())
        serial += 1
        officer = rng.choice(safeguarding if kind == "DOMESTIC ABUSE" else officers)
        for person, role in involved:
            recorded = record_person(person, HABITS, rng, when.date())
            lines, _ = address_lines(recorded, HABITS, rng)
            local_id, copy = nominal(person, when.date())
            surname = recorded.surname.strip().upper()
            row = (
                local_id, ref, f"{dmy(when.date())} {when.hour:02d}:{when.minute:02d}", kind, role,
                f"{surname}, {recorded.forename.strip()}", dmy(recorded.dob),
                {"male": "M", "female": "F"}.get(recorded.sex, "U"),
                one_line(lines, recorded.lpi.town).upper(), recorded.postcode,
                "Y" if kind == "DOMESTIC ABUSE" else "N", risk, officer.name, officer.title.split(" ")[-1],
                officer.team, officer.phone, officer.email,
                "Y" if marac and role == "VICTIM" else "", dmy(marac) if marac and role == "VICTIM" else "",
            )
            sheet.add(row, local_id, ref, person, recorded, ("duplicate",) if copy else ())
            if kind == "DOMESTIC ABUSE" and role == "VICTIM":
                sheet.flag(local_id, ref, person, "domestic_abuse_victim", iso(when.date()))
                if marac:
                    sheet.flag(local_id, ref, person, "marac_case", iso(marac))
            elif kind == "MISSING PERSON":
                sheet.flag(local_id, ref, person, "missing_episodes", iso(when.date()))

    for household in hood.households:
        members = household.members
        adversity = household.adversity
        partners = [(members[a], members[b]) for a, b, rel in household.relations if rel == "partner_of"]
        for first, second in partners:
            if rng.random() >= 0.008 + 0.3 * adversity**1.5:
                continue
            victim, perpetrator = (first, second) if (first.sex == "female") == (rng.random() < 0.8) else (second, first)
            encounters.domestic_abuse_victims.add(victim.index)
            encounters.domestic_abuse_households.add(household.household_id)
            children = [member for member in members if member.age < 18]
            for _ in range(rng.choices((1, 2, 3, 4, 6), (50, 22, 13, 9, 6))[0]):
                when = _moment(rng, max(PERIOD_START, victim.history[0].start))
                involved = [(victim, "VICTIM"), (perpetrator, "PERPETRATOR")]
                if children and rng.random() < 0.4:
                    involved += [(child, "CHILD PRESENT") for child in children if child.dob < when.date()]
                risk = rng.choices(("STANDARD", "MEDIUM", "HIGH"), (55, 33, 12))[0]
                marac = _marac(marac_rng, risk, when.date())
                if marac:
                    encounters.marac_cases.setdefault(victim.index, marac)
                incident("DOMESTIC ABUSE", when, involved, risk, marac)
        kinds, roles, weights = zip(*OTHER_INCIDENTS)
        for person in members:
            if person.age < 10:
                continue
            chance = 0.01 + 0.1 * adversity
            if person.sex == "male" and 14 <= person.age <= 30:
                chance *= 2.5
            if household.where == "far":
                chance *= 0.3
            if rng.random() >= chance:
                continue
            for _ in range(rng.choices((1, 2, 3, 5), (70, 18, 8, 4))[0]):
                when = _moment(rng, max(PERIOD_START, person.history[0].start))
                if person.age < 18 and adversity > 0.4 and rng.random() < 0.3:
                    incident("MISSING PERSON", when, [(person, "MISSING PERSON")])
                    continue
                choice = rng.choices(range(len(kinds)), weights)[0]
                incident(kinds[choice], when, [(person, rng.choice(roles[choice]))])
    return sheet


def _marac(rng, risk: str, incident: date) -> date | None:
    """When the MARAC heard a high-risk victim's case (None: not referred, or not yet heard)."""
    referred = rng.random() < MARAC_REFERRED
    heard = incident + timedelta(days=rng.randint(5, 28))
    return heard if risk == "HIGH" and referred and heard <= EXTRACT_DATE else None


def _moment(rng, earliest: date) -> datetime:
    day = random_date(rng, earliest, EXTRACT_DATE - timedelta(days=1))
    return datetime(day.year, day.month, day.day, rng.choices(range(24), [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5, 5, 4, 3, 2])[0], rng.randrange(60))
