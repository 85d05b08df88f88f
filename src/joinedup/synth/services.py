"""The place's services: schools, GP practices, and the practitioners who work in them.

These exist once for the whole town (every neighbourhood's children go to the same
schools) and depend only on the seed and the population, so any neighbourhood, in any
process, rebuilds exactly the same :class:`Services`. Practitioners' contact details are
what the involvement index later shows: who is working with this person, and how to
reach them. Their phone numbers are in Ofcom's drama range and their e-mail addresses
under reserved ``.example`` domains.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass

from joinedup.synth.geography import TOWN, NeighbourhoodPlan
from joinedup.synth.identifiers import derived_seed, office_phone
from joinedup.synth.names import FORENAMES_FEMALE, FORENAMES_MALE, STREET_STEMS, SURNAMES

SAINTS = ("Mary", "Anne", "Joseph", "Peter", "Paul", "John", "Michael", "Chad", "Hilda", "Bede", "Thomas", "Andrew")


@dataclass(frozen=True)
class Practitioner:
    """Someone whose name, team and direct line appear on an agency's record."""

    name: str
    team: str
    phone: str
    email: str
    title: str = ""  # e.g. "PC" and a collar number for police officers


@dataclass(frozen=True)
class School:
    name: str
    phase: str  # primary | secondary
    urn: str
    establishment: str  # the DfE establishment number, four digits
    host: int  # the neighbourhood whose streets it stands on
    easting: float
    northing: float
    dsl: Practitioner


@dataclass(frozen=True)
class Practice:
    name: str
    ods_code: str
    host: int
    easting: float
    northing: float
    phone: str


#: Teams of each agency. The first names match the demo's users (csc, police, housing,
#: dwp, voluntary), so that a demo practitioner sees records carrying their own team.
CSC_TEAMS = (
    "Children in Need Team 2", "MASH", "Assessment Team North", "Assessment Team South",
    "Children in Need Team 1", "Children in Need Team 3", "Child Protection Team",
    "Children in Care Team", "Disabled Children's Team", "Leaving Care Team",
)
POLICE_TEAMS = ("Safeguarding Hub", "Neighbourhood Policing Team", "CID", "Response Team")
HOUSING_TEAMS = ("Tenancy Sustainment", "Neighbourhood Housing North", "Neighbourhood Housing South", "Income Recovery")
JOBCENTRES = ("Jobcentre Plus Central", "Jobcentre Plus North", "Jobcentre Plus South")
VOLUNTARY_TEAMS = ("Family Support", "Food Bank", "Debt Advice", "Wellbeing Hub", "Befriending", "Domestic Abuse Outreach")


class Services:
    """Schools, practices and practitioners for a town of ``people`` people."""

    def __init__(self, people: int, seed: int, plans: list[NeighbourhoodPlan]) -> None:
        rng = random.Random(derived_seed(seed, "services"))
        self._rng = rng
        self._names_used: set[str] = set()
        self._emails_used: set[str] = set()
        self._phones = 0
        scale = max(1.0, people / 20_000)
        hosts = [(plan.index, plan.easting, plan.northing) for plan in plans]

        primaries = max(1, round(people / 2_500))
        secondaries = max(1, round(people / 11_000))
        self.schools: list[School] = []
        for number in range(primaries + secondaries):
            phase = "primary" if number < primaries else "secondary"
            position = number if phase == "primary" else number - primaries
            total = primaries if phase == "primary" else secondaries
            host, easting, northing = hosts[position * len(hosts) // total]
            name = self._unique(lambda: self._school_name(phase))
            establishment = (2000 if phase == "primary" else 4000) + number
            self.schools.append(
                School(
                    name=name, phase=phase, urn=f"{990_001 + number}", establishment=f"{establishment:04d}",
                    host=host, easting=easting + rng.uniform(-150, 150), northing=northing + rng.uniform(-150, 150),
                    dsl=self._practitioner("Safeguarding", _school_domain(name)),
                )
            )
        self.primaries = [school for school in self.schools if school.phase == "primary"]
        self.secondaries = [school for school in self.schools if school.phase == "secondary"]

        practices = max(2, round(people / 8_000))
        self.practices: list[Practice] = []
        for number in range(practices):
            host, easting, northing = hosts[number * len(hosts) // practices]
            name = "Riverside Surgery" if number == 0 else self._unique(self._practice_name)
            self._names_used.add(name)
            self.practices.append(
                Practice(
                    name=name, ods_code=f"Z{81001 + number:05d}", host=host,
                    easting=easting + rng.uniform(-120, 120), northing=northing + rng.uniform(-120, 120),
                    phone=self._office_phone(),
                )
            )

        def staff(teams: tuple[str, ...], per_team: float, domain: str, title: str = "") -> list[Practitioner]:
            count = max(2, round(per_team * scale))
            return [self._practitioner(team, domain, title) for team in teams for _ in range(count)]

        self.social_workers = staff(CSC_TEAMS, 3, "childrens.joinford.example")
        self.officers = staff(POLICE_TEAMS, 4, "police.example", "PC")
        self.housing_officers = staff(HOUSING_TEAMS, 3, "housing.joinford.example")
        self.work_coaches = staff(JOBCENTRES, 5, "dwp.example")
        self.key_workers = staff(VOLUNTARY_TEAMS, 2, "joinford-vcs.example")

    def nearest_schools(self, phase: str, easting: float, northing: float, count: int = 3) -> list[School]:
        schools = self.primaries if phase == "primary" else self.secondaries
        return sorted(schools, key=lambda school: math.hypot(school.easting - easting, school.northing - northing))[:count]

    def nearest_practices(self, easting: float, northing: float, count: int = 3) -> list[Practice]:
        return sorted(self.practices, key=lambda p: math.hypot(p.easting - easting, p.northing - northing))[:count]

    def hosted_by(self, neighbourhood: int) -> tuple[list[School], list[Practice]]:
        """The schools and practices standing in one neighbourhood (for its gazetteer)."""
        return (
            [school for school in self.schools if school.host == neighbourhood],
            [practice for practice in self.practices if practice.host == neighbourhood],
        )

    def _unique(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self._names_used:
                self._names_used.add(name)
                return name
        name = f"{make()} ({len(self._names_used)})"
        self._names_used.add(name)
        return name

    def _school_name(self, phase: str) -> str:
        rng = self._rng
        stem = rng.choice(STREET_STEMS)
        saint = rng.choice(SAINTS)
        if phase == "primary":
            return rng.choice((
                f"{stem} Primary School", f"{stem} Primary Academy", f"{stem} Community Primary School",
                f"St {saint}'s CE Primary School", f"St {saint}'s Catholic Primary School", f"{stem} Infant and Junior School",
            ))
        return rng.choice((
            f"{stem} High School", f"{stem} Academy", f"{TOWN} {stem} School",
            f"St {saint}'s Catholic High School", f"{stem} Park School",
        ))

    def _practice_name(self) -> str:
        stem = self._rng.choice(STREET_STEMS)
        return self._rng.choice((f"{stem} Medical Centre", f"{stem} Health Centre", f"The {stem} Practice", f"{stem} Road Surgery"))

    def _office_phone(self) -> str:
        self._phones += 1
        return office_phone(self._phones)

    def _practitioner(self, team: str, domain: str, title: str = "") -> Practitioner:
        rng = self._rng
        names = FORENAMES_FEMALE[1965] + FORENAMES_FEMALE[1985] if rng.random() < 0.7 else FORENAMES_MALE[1965] + FORENAMES_MALE[1985]
        forename = rng.choice(names)
        surname = rng.choice(SURNAMES[:150])
        email_name = f"{forename}.{surname}".lower().replace("'", "").replace(" ", "")
        if title == "PC":
            title = f"PC {rng.randrange(1000, 9999)}"
        # A practitioner is known by their e-mail (the directories key on it): a second
        # of the same name gets a number, as a mail system would give them.
        email = f"{_ascii(email_name)}@{domain}"
        number = 1
        while email in self._emails_used:
            number += 1
            email = f"{_ascii(email_name)}{number}@{domain}"
        self._emails_used.add(email)
        return Practitioner(name=f"{forename} {surname}", team=team, phone=self._office_phone(), email=email,
                            title=title)


def _school_domain(name: str) -> str:
    words = [word for word in name.replace("'", "").split() if word[0].isupper()]
    return "".join(word[0] for word in words).lower() + ".school.example"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
