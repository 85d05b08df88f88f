"""The people of one neighbourhood: households, families, where they live and have lived.

A neighbourhood is generated as it stands on the extract date: households of plausible
shapes (couples, lone parents, grandparents bringing up grandchildren, house-sharers,
lodgers in houses in multiple occupation, care home and hostel residents), each person
with a name from their birth cohort, a date of birth and identifiers. History is then
drawn backwards over the extract period: some households moved in (from another
address in the neighbourhood, from beyond the boundary, or from far away), some moved
away, young adults left their parents' homes, and children were born. Moves chain
consistently: a home someone left is empty, or taken by someone who moved in later.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from joinedup.synth.gazetteer import NeighbourhoodGazetteer, Premises, far_address
from joinedup.synth.geography import EXTRACT_DATE, PERIOD_START, NeighbourhoodPlan
from joinedup.synth.identifiers import (
    EMAIL_DOMAINS,
    NEIGHBOUR_LA_CODE,
    TOWN_LA_CODE,
    IdentifierIssuer,
    derived_seed,
    resident_phone,
)
from joinedup.synth.names import FORENAMES_FEMALE, FORENAMES_MALE, SURNAMES, forename_era, rank_weights
from joinedup.synth.services import Services

EXTRACT_ORDINAL = EXTRACT_DATE.toordinal()
PERIOD_START_ORDINAL = PERIOD_START.toordinal()
PERIOD_DAYS = EXTRACT_ORDINAL - PERIOD_START_ORDINAL
SURNAME_WEIGHTS = rank_weights(SURNAMES, flatten=6.0)
FORENAME_WEIGHTS = {
    (sex, era): rank_weights(names, flatten=3.0)
    for sex, table in (("female", FORENAMES_FEMALE), ("male", FORENAMES_MALE))
    for era, names in table.items()
}

#: Household shapes and how common each is among ordinary (non-communal) households.
HOUSEHOLD_KINDS = {
    "single_adult": 0.15, "single_older": 0.13, "couple": 0.11, "older_couple": 0.09,
    "couple_children": 0.19, "lone_parent": 0.075, "couple_adult_children": 0.065,
    "lone_parent_adult_children": 0.03, "three_generation": 0.025, "kinship_care": 0.008,
    "sharers": 0.04, "adult_carer": 0.012,
}
#: Tenure (owner-occupied, private rent, social rent) by household shape.
TENURE = {
    "single_adult": (35, 38, 27), "single_older": (65, 7, 28), "couple": (60, 30, 10),
    "older_couple": (82, 5, 13), "couple_children": (62, 22, 16), "lone_parent": (25, 30, 45),
    "couple_adult_children": (72, 10, 18), "lone_parent_adult_children": (40, 15, 45),
    "three_generation": (55, 20, 25), "kinship_care": (45, 15, 40), "sharers": (2, 93, 5),
    "adult_carer": (60, 15, 25), "hmo_lodger": (0, 100, 0), "care_home_resident": (0, 0, 0),
    "hostel_resident": (0, 0, 0),
}
FLAT_SHARE = {
    "single_adult": 0.6, "single_older": 0.35, "couple": 0.3, "older_couple": 0.15,
    "lone_parent": 0.35, "sharers": 0.2, "lone_parent_adult_children": 0.2,
}
#: Chance, over the whole extract period, that a household moved into its home.
MOVED_IN = {"owner": 0.12, "private": 0.40, "social": 0.12, "hmo": 0.45, "care_home": 0.7, "hostel": 0.85}


class Person:
    """One synthetic person, as they truly are (agencies record them imperfectly)."""

    __slots__ = (
        "index", "person_id", "forename", "middle_names", "surname", "dob", "sex", "nhs_number",
        "ni_number", "upn", "phone", "email", "household", "history", "age", "role",
    )

    def __init__(self, index: int, age: float, sex: str, role: str) -> None:
        self.index = index
        self.person_id = f"P{index + 1:08d}"
        self.age = age  # years on the extract date, with a fraction
        self.sex = sex
        self.role = role  # adult | child | older
        self.dob = date.fromordinal(EXTRACT_ORDINAL - int(age * 365.25))
        self.forename = ""
        self.middle_names = ""
        self.surname = ""
        self.nhs_number = ""
        self.ni_number = ""
        self.upn = ""
        self.phone = ""
        self.email = ""
        self.household: Household | None = None
        self.history: list[Residence] = []

    @property
    def current(self) -> Residence:
        return self.history[-1]

    def residence_at(self, when: date) -> Residence:
        """Where they lived on ``when`` (their first known home, if before it)."""
        for residence in reversed(self.history):
            if residence.start <= when:
                return residence
        return self.history[0]

    def previous_before(self, when: date) -> Residence | None:
        """The home before the one they lived in on ``when``, if they moved."""
        current = self.residence_at(when)
        position = self.history.index(current)
        return self.history[position - 1] if position > 0 else None


@dataclass(slots=True)
class Residence:
    premises: Premises
    start: date
    end: date | None = None


@dataclass(slots=True, eq=False)
class Household:
    household_id: str
    kind: str
    members: list[Person]
    tenure: str = "owner"  # owner | private | social | care_home | hostel
    adversity: float = 0.0  # 0..1: drives agency contact (police, CSC, arrears, benefits)
    where: str = "town"  # town | out (beyond the boundary) | far (moved away)
    wants: str = "house"  # house | flat | hmo | care_home | hostel
    premises: Premises | None = None
    moved_in: date | None = None
    previous: Premises | None = None
    previous_start: date | None = None
    relations: list[tuple[int, int, str]] = field(default_factory=list)  # member positions


@dataclass
class Neighbourhood:
    """Everything generated for one neighbourhood, ready for the agencies to record."""

    plan: NeighbourhoodPlan
    households: list[Household]
    people: list[Person]
    gazetteer: NeighbourhoodGazetteer
    relationships: list[tuple[str, str, str]]


def _adult_age(rng: random.Random, low: float = 18, high: float = 64, peak: float = 34) -> float:
    return min(high, max(low, rng.triangular(low, high, peak)))


#: The chance that a child is the twin of the sibling listed before them.
TWINS = 0.03


def _children(rng: random.Random, count: int, oldest_cap: float = 17.9) -> list[float]:
    youngest = rng.triangular(0, min(15, oldest_cap), 2)
    ages = [youngest]
    for _ in range(count - 1):
        # Twins: about one birth in 65 in the UK; a twin has the same date of birth.
        step = 0.0 if rng.random() < TWINS else rng.uniform(1.2, 5.5)
        ages.append(min(oldest_cap, ages[-1] + step))
    return ages


def household_shape(kind: str, rng: random.Random) -> tuple[list[tuple[float, str, str]], list[tuple[int, int, str]]]:
    """Members (age, sex, role) and relations (by position) of one household of ``kind``."""
    members: list[tuple[float, str, str]] = []
    relations: list[tuple[int, int, str]] = []

    def add(age: float, sex: str) -> int:
        role = "child" if age < 18 else ("older" if age >= 65 else "adult")
        members.append((age, sex, role))
        return len(members) - 1

    def couple(first_age: float) -> tuple[int, int]:
        first_sex = rng.choice(("female", "male"))
        second_sex = first_sex if rng.random() < 0.04 else ("male" if first_sex == "female" else "female")
        gap = rng.gauss(2.0, 3.0) if second_sex == "male" else rng.gauss(-2.0, 3.0)
        a = add(first_age, first_sex)
        b = add(max(18.0, first_age + gap), second_sex)
        relations.append((a, b, "partner_of"))
        return a, b

    def parent_child(parents: tuple[int, ...], child: int) -> None:
        for parent in parents:
            relations.append((parent, child, "parent_of"))

    if kind == "single_adult":
        add(_adult_age(rng, 18, 64, 30), rng.choice(("female", "male")))
    elif kind == "single_older":
        add(min(101.0, rng.triangular(65, 100, 78)), "female" if rng.random() < 0.62 else "male")
    elif kind == "couple":
        couple(_adult_age(rng, 20, 64, 32))
    elif kind == "older_couple":
        couple(rng.triangular(65, 92, 72))
    elif kind in ("couple_children", "lone_parent"):
        count = rng.choices((1, 2, 3, 4, 5), (40, 38, 15, 5, 2))[0]
        ages = _children(rng, count)
        parent_age = max(ages) + rng.uniform(19, 40)
        if kind == "couple_children":
            parents = couple(parent_age)
        else:
            parents = (add(parent_age, "female" if rng.random() < 0.9 else "male"),)
        for age in ages:
            parent_child(parents, add(age, rng.choice(("female", "male"))))
    elif kind in ("couple_adult_children", "lone_parent_adult_children"):
        ages = [rng.uniform(18, 30) for _ in range(rng.choices((1, 2), (70, 30))[0])]
        if rng.random() < 0.3:
            ages.append(rng.uniform(11, 17.9))
        parent_age = max(ages) + rng.uniform(20, 36)
        if kind == "couple_adult_children":
            parents = couple(parent_age)
        else:
            parents = (add(parent_age, "female" if rng.random() < 0.85 else "male"),)
        for age in ages:
            parent_child(parents, add(age, rng.choice(("female", "male"))))
    elif kind == "three_generation":
        ages = _children(rng, rng.choices((1, 2, 3), (45, 40, 15))[0])
        parent_age = max(ages) + rng.uniform(19, 36)
        parents = couple(parent_age) if rng.random() < 0.6 else (add(parent_age, "female"),)
        grandparent = add(min(100.0, parent_age + rng.uniform(20, 34)), "female" if rng.random() < 0.7 else "male")
        relations.append((grandparent, parents[0], "parent_of"))
        for age in ages:
            parent_child(parents, add(age, rng.choice(("female", "male"))))
        if members[grandparent][0] > 80:
            relations.append((parents[0], grandparent, "carer_of"))
    elif kind == "kinship_care":
        grandparent_age = rng.uniform(50, 74)
        carers = couple(grandparent_age) if rng.random() < 0.55 else (add(grandparent_age, "female"),)
        for age in _children(rng, rng.choices((1, 2, 3), (55, 35, 10))[0]):
            child = add(age, rng.choice(("female", "male")))
            for carer in carers:
                relations.append((carer, child, "carer_of"))
    elif kind == "sharers":
        for _ in range(rng.randint(2, 4)):
            add(_adult_age(rng, 19, 45, 26), rng.choice(("female", "male")))
    elif kind == "adult_carer":
        carer = add(rng.uniform(40, 66), "female" if rng.random() < 0.6 else "male")
        parent = add(min(101.0, members[carer][0] + rng.uniform(22, 36)), "female" if rng.random() < 0.65 else "male")
        relations.append((parent, carer, "parent_of"))
        relations.append((carer, parent, "carer_of"))
    elif kind == "hmo_lodger":
        add(_adult_age(rng, 19, 60, 30), "male" if rng.random() < 0.65 else "female")
    elif kind == "care_home_resident":
        add(min(103.0, rng.triangular(72, 103, 87)), "female" if rng.random() < 0.7 else "male")
    elif kind == "hostel_resident":
        add(_adult_age(rng, 18, 62, 28), "male" if rng.random() < 0.75 else "female")
    else:
        raise ValueError(f"unknown household kind {kind}")
    return members, relations


class NeighbourhoodBuilder:
    """Generates one neighbourhood's households, gazetteer and history from its plan."""

    def __init__(self, plan: NeighbourhoodPlan, seed: int, services: Services, issuer: IdentifierIssuer) -> None:
        self.plan = plan
        self.seed = seed
        self.services = services
        self.issuer = issuer
        self.rng = random.Random(derived_seed(seed, "neighbourhood", plan.index))
        self.people: list[Person] = []
        self.households: list[Household] = []

    def build(self) -> Neighbourhood:
        self._households()
        self._names_and_identifiers()
        gazetteer = NeighbourhoodGazetteer(self.plan, self.seed, self.rng)
        schools, practices = self.services.hosted_by(self.plan.index)
        pools = gazetteer.build(self._needs(), schools, practices)
        self._house(pools)
        self._history(pools)
        relationships = self._relationships()
        return Neighbourhood(self.plan, self.households, self.people, gazetteer, relationships)

    # -- households ------------------------------------------------------------------

    def _households(self) -> None:
        rng = self.rng
        quota = self.plan.people
        communal = []
        if quota >= 100:
            communal += ["care_home_resident"] * max(1, round(quota * 0.006))
            if self.plan.hosts_hostel:
                communal += ["hostel_resident"] * max(1, round(quota * 0.012))
            communal += ["hmo_lodger"] * max(3, round(quota * 0.02))
        kinds = list(HOUSEHOLD_KINDS)
        weights = list(HOUSEHOLD_KINDS.values())
        while len(self.people) < quota:
            kind = communal.pop() if communal else rng.choices(kinds, weights)[0]
            members, relations = household_shape(kind, rng)
            room = quota - len(self.people)
            if len(members) > room:
                kind = "single_adult"
                members, relations = household_shape(kind, rng)
            self._add_household(kind, members, relations)

    def _add_household(self, kind: str, members, relations) -> None:
        rng = self.rng
        number = len(self.households)
        household = Household(f"H{self.plan.index:04d}{number:04d}", kind, [])
        for age, sex, role in members:
            person = Person(self.plan.first_person + len(self.people), age, sex, role)
            person.household = household
            household.members.append(person)
            self.people.append(person)
        household.relations = relations
        if kind == "care_home_resident":
            household.tenure, household.wants = "care_home", "care_home"
        elif kind == "hostel_resident":
            household.tenure, household.wants = "hostel", "hostel"
        elif kind == "hmo_lodger":
            household.tenure, household.wants = "private", "hmo"
        else:
            household.tenure = rng.choices(("owner", "private", "social"), TENURE[kind])[0]
            flat = FLAT_SHARE.get(kind, 0.08) + (0.15 if household.tenure == "social" else 0.0)
            household.wants = "flat" if rng.random() < flat else "house"
            roll = rng.random()
            household.where = "far" if roll < 0.025 else ("out" if roll < 0.08 else "town")
        adversity = rng.random() ** 3
        adversity += {"social": 0.12, "private": 0.04, "hostel": 0.35}.get(household.tenure, 0.0)
        adversity += {"lone_parent": 0.1, "kinship_care": 0.12, "hmo_lodger": 0.08}.get(kind, 0.0)
        household.adversity = min(1.0, adversity)
        self.households.append(household)

    def _names_and_identifiers(self) -> None:
        rng = self.rng
        for household in self.households:
            family = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
            members = household.members
            partners = {a: b for a, b, rel in household.relations if rel == "partner_of"}
            parents_of: dict[int, list[int]] = {}
            for a, b, rel in household.relations:
                if rel in ("parent_of", "carer_of") and members[b].role == "child":
                    parents_of.setdefault(b, []).append(a)
            family_home = household.kind not in ("sharers", "hmo_lodger", "care_home_resident", "hostel_resident")
            named: set[str] = set()
            for person in members:
                person.forename, person.middle_names = self._forenames(person)
                # A family names its members apart, twins above all: two children of one
                # home with one forename, surname and date of birth are not twins any
                # record could tell apart, but one child written twice.
                for _ in range(20):
                    if not family_home or person.forename not in named:
                        break
                    person.forename, person.middle_names = self._forenames(person)
                named.add(person.forename)
                if not family_home:
                    person.surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
                else:
                    person.surname = family
            for a, b in partners.items():
                if rng.random() < 0.25:
                    members[b].surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
            for child, parents in parents_of.items():
                if household.kind == "lone_parent" and rng.random() < 0.45:
                    members[child].surname = self._absent_surname(household)
                elif household.kind == "kinship_care" and rng.random() < 0.5:
                    members[child].surname = self._absent_surname(household)
                elif len(parents) == 2 and rng.random() < 0.03:
                    first, second = (members[p].surname for p in parents)
                    if first != second:
                        members[child].surname = f"{first}-{second}"
            for person in members:
                self._identifiers(person, household)

    def _absent_surname(self, household: Household) -> str:
        """One surname for all of a household's children who carry an absent parent's name."""
        for person in household.members:
            if person.role == "child" and person.surname != household.members[0].surname:
                return person.surname
        return self.rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]

    def _forenames(self, person: Person) -> tuple[str, str]:
        rng = self.rng
        era = forename_era(person.dob.year)
        table = FORENAMES_FEMALE if person.sex == "female" else FORENAMES_MALE
        names = table[era]
        weights = FORENAME_WEIGHTS[(person.sex, era)]
        forename = rng.choices(names, cum_weights=weights)[0]
        middle = ""
        roll = rng.random()
        if roll < 0.62:
            first = rng.choices(names, cum_weights=weights)[0]
            middle = first if first != forename else ""
            if roll < 0.08:
                second = rng.choice(names)
                if second not in (forename, first):
                    middle = f"{first} {second}"
        return forename, middle

    def _identifiers(self, person: Person, household: Household) -> None:
        rng = self.rng
        issuer = self.issuer
        person.nhs_number = issuer.nhs_number(person.index)
        if person.age >= 16:
            person.ni_number = issuer.ni_number(person.index)
        entered = date(person.dob.year + 4 + (person.dob.month >= 9), 9, 1)  # Reception
        if entered <= EXTRACT_DATE and person.age < 19:
            la = NEIGHBOUR_LA_CODE if household.where == "out" and rng.random() < 0.5 else TOWN_LA_CODE
            person.upn = issuer.upn(person.index, entered, la)
        if person.age >= 18:
            if rng.random() < 0.8:
                person.phone = resident_phone(rng)
            if rng.random() < (0.6 if person.age < 75 else 0.15):
                person.email = self._email(person)
        elif person.age >= 13 and rng.random() < 0.4:
            person.phone = resident_phone(rng)

    def _email(self, person: Person) -> str:
        rng = self.rng
        forename = _ascii(person.forename).lower()
        surname = _ascii(person.surname).lower().replace("'", "").replace("-", "")
        style = rng.randrange(4)
        if style == 0:
            local = f"{forename}.{surname}"
        elif style == 1:
            local = f"{forename[0]}{surname}"
        elif style == 2:
            local = f"{forename}{surname}"
        else:
            local = f"{forename}_{surname[:3]}"
        return f"{local}{person.index}@{rng.choice(EMAIL_DOMAINS)}"  # the index keeps it unique

    # -- homes -----------------------------------------------------------------------

    def _needs(self) -> dict[str, int]:
        need = {"house": 0, "flat": 0, "out_house": 0, "out_flat": 0, "hmo": 0, "care_home": 0, "hostel": 0}
        for household in self.households:
            if household.wants in ("care_home", "hostel"):
                need[household.wants] += 1
            elif household.wants == "hmo":
                continue
            elif household.where == "out":
                need[f"out_{household.wants}"] += 1
            else:
                need[household.wants] += 1  # a household that moved far away left a home here
        lodgers = sum(1 for household in self.households if household.wants == "hmo")
        need["hmo"] = -(-lodgers // 4) if lodgers else 0
        return need

    def _house(self, pools: dict[str, list[Premises]]) -> None:
        """Give every household its current home; what is left over stands empty."""
        rng = self.rng
        for pool in pools.values():
            rng.shuffle(pool)
        hmo_rooms = [premises for premises in pools["hmo"] for _ in range(premises.capacity)]
        for household in self.households:
            if household.wants in ("care_home", "hostel"):
                household.premises = pools[household.wants][0]
            elif household.wants == "hmo":
                household.premises = hmo_rooms.pop()
            elif household.where == "far":
                household.premises = far_address(rng)
            else:
                key = household.wants if household.where == "town" else f"out_{household.wants}"
                household.premises = pools[key].pop()

    def _history(self, pools: dict[str, list[Premises]]) -> None:
        """Draw who moved in when, from where; then each person's address history."""
        rng = self.rng
        movers: list[Household] = []
        for household in self.households:
            chance = MOVED_IN.get(household.tenure if household.wants != "hmo" else "hmo", 0.12)
            if household.where == "far" or household.where == "out" and rng.random() < 0.5 or rng.random() < chance:
                household.moved_in = date.fromordinal(PERIOD_START_ORDINAL + rng.randrange(PERIOD_DAYS))
                movers.append(household)
        # A home can be someone's previous address until the day its present household
        # moved in (or, empty today, until now). Latest movers claim first.
        free_until: list[tuple[date, Premises, str]] = []
        for key in ("house", "flat", "out_house", "out_flat"):
            for premises in pools[key]:
                free_until.append((EXTRACT_DATE, premises, "out" if key.startswith("out") else "town"))
        for household in movers:
            if household.wants in ("house", "flat") and household.where != "far":
                free_until.append((household.moved_in, household.premises, household.where))
        free_until.sort(key=lambda item: item[0], reverse=True)
        movers.sort(key=lambda household: household.moved_in, reverse=True)
        open_slots: dict[str, list[Premises]] = {"town": [], "out": []}
        next_slot = 0
        for household in movers:
            while next_slot < len(free_until) and free_until[next_slot][0] >= household.moved_in:
                _, premises, side = free_until[next_slot]
                open_slots[side].append(premises)
                next_slot += 1
            if household.where == "far" or household.wants == "care_home":
                side = "town" if rng.random() < 0.85 else "out"
            elif household.wants == "hostel":
                side = "town" if rng.random() < 0.6 else "far"
            else:
                side = rng.choices(("town", "out", "far"), (70, 6, 24))[0]
            slots = [premises for premises in open_slots.get(side, ()) if premises is not household.premises]
            if slots:
                household.previous = slots[rng.randrange(len(slots))]
                open_slots[side].remove(household.previous)
            else:
                household.previous = far_address(rng)
        self._leavers_and_absent_parents()
        for household in self.households:
            self._member_histories(household)

    def _leavers_and_absent_parents(self) -> None:
        """Young adults who left their parents' home; lone parents' children's other parent."""
        rng = self.rng
        settled_parents = [
            household for household in self.households
            if household.kind in ("couple", "older_couple", "couple_adult_children", "lone_parent_adult_children", "single_older")
            and household.moved_in is None and household.where == "town"
        ]
        single_men = [
            household for household in self.households
            if household.kind == "single_adult" and household.members[0].sex == "male" and household.where != "far"
        ]
        for household in self.households:
            if household.kind != "single_adult" or not settled_parents:
                continue
            person = household.members[0]
            if person.age > 30 or rng.random() > 0.45:
                continue
            parents = rng.choice(settled_parents)
            parent = parents.members[0]
            if not 18 <= parent.age - person.age <= 42:
                continue
            person.surname = parent.surname if parent.sex == "male" or len(parents.members) == 1 else parents.members[1].surname
            for member in parents.members[:2]:
                if member.age - person.age >= 18:
                    household.relations.append((-1, member.index, "child_of_person"))
            household.moved_in = household.moved_in or date.fromordinal(PERIOD_START_ORDINAL + rng.randrange(PERIOD_DAYS))
            household.previous = parents.premises
            household.previous_start = person.dob
            if household in single_men:
                single_men.remove(household)
        for household in self.households:
            mother = household.members[0]
            if household.kind != "lone_parent" or mother.sex != "female" or not single_men or rng.random() > 0.4:
                continue
            father_household = single_men.pop(rng.randrange(len(single_men)))
            father = father_household.members[0]
            children = [member for member in household.members if member.role == "child"]
            if not children or abs(father.age - mother.age) > 12 or father.age - max(c.age for c in children) < 17:
                continue
            for child in children:
                if child.surname != mother.surname:
                    father.surname = child.surname
            household.relations.append((-1, father.index, "parent_of_person"))

    def _member_histories(self, household: Household) -> None:
        rng = self.rng
        current = household.premises
        for person in household.members:
            dob = person.dob
            if household.moved_in is None:
                start = max(dob, date.fromordinal(PERIOD_START_ORDINAL - rng.randrange(60, 9000)))
                person.history = [Residence(current, start)]
                continue
            moved = household.moved_in
            if dob >= moved:
                person.history = [Residence(current, dob)]
                continue
            before = household.previous_start or date.fromordinal(moved.toordinal() - rng.randrange(200, 6000))
            before = max(before, dob)
            person.history = [Residence(household.previous, before, moved), Residence(current, moved)]

    def _relationships(self) -> list[tuple[str, str, str]]:
        by_index = {person.index: person for person in self.people}
        rows: list[tuple[str, str, str]] = []
        for household in self.households:
            members = household.members
            for a, b, rel in household.relations:
                if rel == "partner_of":
                    rows.append((members[a].person_id, members[b].person_id, "partner_of"))
                    rows.append((members[b].person_id, members[a].person_id, "partner_of"))
                elif rel == "parent_of":
                    rows.append((members[a].person_id, members[b].person_id, "parent_of"))
                    rows.append((members[b].person_id, members[a].person_id, "child_of"))
                elif rel == "carer_of":
                    rows.append((members[a].person_id, members[b].person_id, "carer_of"))
                elif rel == "child_of_person":
                    parent = by_index[b]
                    rows.append((parent.person_id, members[0].person_id, "parent_of"))
                    rows.append((members[0].person_id, parent.person_id, "child_of"))
                elif rel == "parent_of_person":
                    parent = by_index[b]
                    for child in members:
                        if child.role == "child":
                            rows.append((parent.person_id, child.person_id, "parent_of"))
                            rows.append((child.person_id, parent.person_id, "child_of"))
        return list(dict.fromkeys(rows))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
