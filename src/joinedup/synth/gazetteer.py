"""The gazetteer: one neighbourhood's streets and premises, as an LLPG extract lists them.

A *premises* has one UPRN and one or more LPIs (address records): the approved address
and, for a minority, an alternative form (a house name, "12A" for the flat over a shop)
or a historic one (the street's old name). Flats have their building as parent UPRN.
Streets are numbered odd on one side and even on the other, with postcode units given
to runs of neighbouring addresses, so a unit on the boundary road straddles the
authority boundary. Far-away addresses (where people move to or came from) are premises
with no UPRN: they are never in the gazetteer.
"""

from __future__ import annotations

import math
import random
from typing import NamedTuple

from joinedup.synth.geography import (
    FAR_PLACES,
    TOWN,
    TOWN_CENTRE,
    NeighbourhoodPlan,
    PostcodeBlock,
    street_name,
)
from joinedup.synth.names import BLOCK_NAMES, HOUSE_NAMES, STREET_KINDS, STREET_STEMS
from joinedup.synth.services import Practice, School

GAZETTEER_COLUMNS = (
    "uprn", "parent_uprn", "lpi_status", "sao_text", "sao_start_number", "pao_start_number",
    "pao_start_suffix", "pao_text", "street", "locality", "town", "postcode", "easting",
    "northing", "classification", "in_boundary",
)
CLASSIFICATIONS = ("residential", "hmo", "care_home", "school", "hostel", "commercial")
UPRNS_PER_NEIGHBOURHOOD = 20_000
FIRST_UPRN = 100_000_000_000


class Lpi(NamedTuple):
    """One address record of a premises, in BS 7666 parts."""

    status: str  # approved | alternative | historic
    sao_text: str
    sao_number: str
    pao_number: str
    pao_suffix: str
    pao_text: str
    street: str
    locality: str
    town: str
    postcode: str


class Premises:
    """A UPRN: where a household can live (or a school, shop, care home or hostel is)."""

    __slots__ = ("uprn", "parent_uprn", "classification", "kind", "lpis", "easting", "northing", "in_boundary", "capacity")

    def __init__(self, uprn, parent_uprn, classification, kind, lpi, easting, northing, in_boundary, capacity=1):
        self.uprn: int | None = uprn
        self.parent_uprn: int | None = parent_uprn
        self.classification: str = classification
        self.kind: str = kind  # house | flat | hmo | care_home | hostel | school | practice | shop | building | far
        self.lpis: list[Lpi] = [lpi]
        self.easting: float = easting
        self.northing: float = northing
        self.in_boundary: bool = in_boundary
        self.capacity: int = capacity

    @property
    def approved(self) -> Lpi:
        return self.lpis[0]

    @property
    def uprn_text(self) -> str:
        return "" if self.uprn is None else str(self.uprn)

    def gazetteer_rows(self) -> list[tuple]:
        parent = "" if self.parent_uprn is None else str(self.parent_uprn)
        flag = "Y" if self.in_boundary else "N"
        easting, northing = f"{self.easting:.1f}", f"{self.northing:.1f}"
        return [
            (
                self.uprn, parent, lpi.status, lpi.sao_text, lpi.sao_number, lpi.pao_number,
                lpi.pao_suffix, lpi.pao_text, lpi.street, lpi.locality, lpi.town, lpi.postcode,
                easting, northing, self.classification, flag,
            )
            for lpi in self.lpis
        ]


class PostcodeRuns:
    """Hands out a block's postcode units to runs of neighbouring addresses."""

    def __init__(self, block: PostcodeBlock, rng: random.Random, run: tuple[int, int]) -> None:
        self.block = block
        self.rng = rng
        self.run = run
        self.unit = -1
        self.left = 0

    def next(self, addresses: int = 1) -> str:
        """The postcode of the next ``addresses`` delivery points, opening a unit if due."""
        if self.left <= 0 or addresses > 12:
            self.unit = min(self.unit + 1, self.block.size - 1)
            self.left = self.rng.randint(*self.run)
        self.left -= addresses
        return self.block.postcode(max(self.unit, 0))


class Street:
    """A street being built: numbers alternate sides, positions follow a straight line."""

    def __init__(self, gazetteer: NeighbourhoodGazetteer, name: str, locality: str, town: str, origin, heading: float,
                 frontage: float, postcodes: PostcodeRuns, inside: str = "all", old_name: str = "") -> None:
        self.gazetteer = gazetteer
        self.name = name
        self.locality = locality
        self.town = town
        self.origin = origin
        self.heading = heading
        self.frontage = frontage
        self.postcodes = postcodes
        self.inside = inside  # all | none | odd (the boundary road: odd numbers inside)
        self.old_name = old_name
        self.number = 0

    def _position(self, number: int) -> tuple[float, float]:
        along = (number - 1) // 2 * self.frontage
        side = 9.0 if number % 2 else -9.0
        cos, sin = math.cos(self.heading), math.sin(self.heading)
        return (self.origin[0] + along * cos - side * sin, self.origin[1] + along * sin + side * cos)

    def _inside(self, number: int) -> bool:
        return self.inside == "all" or (self.inside == "odd" and number % 2 == 1)

    def _lpi(self, postcode: str, number: int | str = "", suffix: str = "", pao_text: str = "", sao_text: str = "", sao_number: str = "", status: str = "approved", street: str = "") -> Lpi:
        return Lpi(status, sao_text, sao_number, str(number), suffix, pao_text, street or self.name, self.locality, self.town, postcode)

    def _add(self, premises: Premises) -> Premises:
        if self.old_name and premises.uprn is not None:
            approved = premises.lpis[0]
            premises.lpis.append(approved._replace(status="historic", street=self.old_name))
        self.gazetteer.premises.append(premises)
        return premises

    def house(self, kind: str = "house", classification: str = "residential", name: str = "", capacity: int = 1,
              addresses: int = 1) -> Premises:
        """The next numbered premises; ``name`` makes it a named building (a care home, say)."""
        self.number += 1
        number = self.number
        postcode = self.postcodes.next(addresses)
        easting, northing = self._position(number)
        premises = Premises(
            self.gazetteer.new_uprn(), None, classification, kind, self._lpi(postcode, number, pao_text=name),
            easting, northing, self._inside(number), capacity,
        )
        return self._add(premises)

    def named_house(self, rng: random.Random) -> Premises:
        """A house with a name; its number is kept as an alternative LPI, or the other way round."""
        premises = self.house()
        approved = premises.lpis[0]
        name = rng.choice(HOUSE_NAMES)
        if rng.random() < 0.5:
            premises.lpis[0] = approved._replace(pao_text=name)
            premises.lpis.insert(1, approved._replace(status="alternative"))
        else:
            premises.lpis[0] = approved._replace(pao_text=name, pao_number="")
            premises.lpis.insert(1, approved._replace(status="alternative"))
        return premises

    def conversion(self, flats: int, rng: random.Random) -> list[Premises]:
        """A house converted into flats: the building is the parent of ``flats`` flats."""
        building = self.house(kind="building", addresses=flats)
        approved = building.approved
        lettered = rng.random() < 0.6
        result = []
        for position in range(flats):
            sao = f"Flat {'ABCDEF'[position]}" if lettered else ""
            number = "" if lettered else str(position + 1)
            flat = Premises(
                self.gazetteer.new_uprn(), building.uprn, "residential", "flat",
                approved._replace(sao_text=sao, sao_number=number), building.easting + rng.uniform(-2, 2),
                building.northing + rng.uniform(-2, 2), building.in_boundary,
            )
            if lettered and position < 3 and rng.random() < 0.3:
                floor = ("Ground Floor Flat", "First Floor Flat", "Second Floor Flat")[position]
                flat.lpis.append(flat.lpis[0]._replace(status="alternative", sao_text=floor))
            result.append(self._add(flat))
        return result

    def block(self, flats: int, rng: random.Random) -> list[Premises]:
        """A purpose-built block of numbered flats, named like "Elm Court"."""
        name = f"{rng.choice(STREET_STEMS)} {rng.choice(BLOCK_NAMES)}"
        building = self.house(kind="building", name=name, addresses=flats)
        approved = building.approved
        result = []
        for position in range(flats):
            flat = Premises(
                self.gazetteer.new_uprn(), building.uprn, "residential", "flat",
                approved._replace(sao_number=str(position + 1)), building.easting + rng.uniform(-8, 8),
                building.northing + rng.uniform(-8, 8), building.in_boundary,
            )
            result.append(self._add(flat))
        return result

    def shop(self, flats_above: int, rng: random.Random) -> tuple[Premises, list[Premises]]:
        """A shop, with the flats over it (alternative form: the shop's number plus a letter)."""
        shop = self.house(kind="shop", classification="commercial", addresses=1 + flats_above)
        approved = shop.approved
        flats = []
        for position in range(flats_above):
            sao = "First Floor Flat" if flats_above == 1 else f"Flat {position + 1}"
            flat = Premises(
                self.gazetteer.new_uprn(), shop.uprn, "residential", "flat", approved._replace(sao_text=sao),
                shop.easting, shop.northing, shop.in_boundary,
            )
            if rng.random() < 0.4:
                flat.lpis.append(approved._replace(status="alternative", pao_suffix="ABCD"[position]))
            flats.append(self._add(flat))
        return shop, flats


class NeighbourhoodGazetteer:
    """Builds the premises of one neighbourhood, enough for its households and a few spare."""

    def __init__(self, plan: NeighbourhoodPlan, seed: int, rng: random.Random) -> None:
        self.plan = plan
        self.seed = seed
        self.rng = rng
        self.premises: list[Premises] = []
        self._next_uprn = FIRST_UPRN + plan.index * UPRNS_PER_NEIGHBOURHOOD
        self._street_names = 0
        run = (10, 18)
        self.town_postcodes = PostcodeRuns(plan.town_postcodes, rng, run)
        self.neighbour_postcodes = PostcodeRuns(plan.neighbour_postcodes, rng, run)

    def new_uprn(self) -> int:
        uprn = self._next_uprn
        self._next_uprn += 1
        if uprn >= FIRST_UPRN + (self.plan.index + 1) * UPRNS_PER_NEIGHBOURHOOD:
            raise RuntimeError("a neighbourhood ran out of UPRNs")
        return uprn

    def _new_street(self, frontage: float, where: str = "town") -> Street:
        rng = self.rng
        plan = self.plan
        name = plan.street_name(self._street_names, self.seed)
        self._street_names += 1
        old_name = ""
        if where == "town" and rng.random() < 0.06:
            old_name = street_name(rng.randrange(10_000_000), self.seed + 1)
        if where == "town":
            distance = plan.radius * math.sqrt(rng.random())
            bearing = rng.uniform(0, 2 * math.pi)
            origin = (plan.easting + distance * math.cos(bearing), plan.northing + distance * math.sin(bearing))
            return Street(self, name, plan.locality, TOWN, origin, rng.uniform(0, math.pi), frontage, self.town_postcodes, old_name=old_name)
        if where == "boundary":
            radius = plan.town_radius
            heading = plan.angle + math.pi / 2
        else:
            radius = plan.town_radius + rng.uniform(300, 900)
            heading = rng.uniform(0, math.pi)
        origin = (TOWN_CENTRE[0] + radius * math.cos(plan.angle), TOWN_CENTRE[1] + radius * math.sin(plan.angle))
        if where == "boundary":
            return Street(self, name, plan.locality, TOWN, origin, heading, frontage, self.town_postcodes, inside="odd")
        return Street(self, name, "", plan.neighbour_town, origin, heading, frontage, self.neighbour_postcodes, inside="none")

    def build(self, need: dict[str, int], schools: list[School], practices: list[Practice]) -> dict[str, list[Premises]]:
        """Streets with at least ``need`` premises of each kind; returns them pooled by kind.

        ``need`` keys: ``house``, ``flat`` (inside the authority), ``out_house``,
        ``out_flat`` (beyond it), ``hmo`` (houses in multiple occupation), ``care_home``
        and ``hostel`` (residents each).
        """
        rng = self.rng
        pools: dict[str, list[Premises]] = {key: [] for key in ("house", "flat", "out_house", "out_flat", "hmo", "care_home", "hostel")}
        high_street = self._new_street(7.0)
        shops = max(3, round(self.plan.people / 90))
        for _ in range(shops):
            over = rng.choice((0, 0, 1, 1, 2))
            _, flats = high_street.shop(over, rng)
            pools["flat"].extend(flats)
        if need.get("care_home"):
            name = f"{rng.choice(STREET_STEMS)} {rng.choice(('House', 'Lodge', 'Court', 'Grange'))} Care Home"
            pools["care_home"].append(high_street.house("care_home", "care_home", name=name, capacity=need["care_home"]))
        if need.get("hostel"):
            name = rng.choice((f"{TOWN} Foyer", "St Martin's House", f"{rng.choice(STREET_STEMS)} House"))
            pools["hostel"].append(high_street.house("hostel", "hostel", name=name, capacity=need["hostel"]))
        for school in schools:
            self._new_street(60.0).house("school", "school", name=school.name)
        for practice in practices:
            high_street.house("practice", "commercial", name=practice.name)

        want_houses = math.ceil(need.get("house", 0) * 1.08) + 2
        want_flats = math.ceil(need.get("flat", 0) * 1.08) + 2
        hmos = need.get("hmo", 0)
        while len(pools["house"]) < want_houses or len(pools["flat"]) < want_flats or len(pools["hmo"]) < hmos:
            flats_short = want_flats - len(pools["flat"])
            houses_short = want_houses - len(pools["house"])
            if flats_short > 0 and (houses_short <= 0 or rng.random() < 0.35):
                street = self._new_street(12.0)
                for _ in range(rng.randint(1, 2)):
                    pools["flat"].extend(street.block(min(max(flats_short, 6), rng.randint(8, 30)), rng))
                for _ in range(rng.randint(0, 8)):
                    pools["house"].append(street.house())
                continue
            style = rng.choices(("terrace", "semi", "detached"), (45, 40, 15))[0] if houses_short > 0 else "terrace"
            frontage = {"terrace": 6.0, "semi": 10.0, "detached": 18.0}[style]
            length = {"terrace": (24, 70), "semi": (16, 50), "detached": (8, 24)}[style]
            street = self._new_street(frontage)
            for _ in range(min(rng.randint(*length), max(houses_short, 0) + 6)):
                roll = rng.random()
                if style == "terrace" and roll < 0.10:
                    pools["flat"].extend(street.conversion(rng.randint(2, 3), rng))
                elif style == "terrace" and len(pools["hmo"]) < hmos and roll < 0.25:
                    pools["hmo"].append(street.house("hmo", "hmo", capacity=rng.randint(4, 6)))
                elif style == "detached" and roll < 0.25 or roll < 0.02:
                    pools["house"].append(street.named_house(rng))
                else:
                    pools["house"].append(street.house())
        self._build_edge(need, pools)
        return pools

    def _build_edge(self, need: dict[str, int], pools: dict[str, list[Premises]]) -> None:
        """The boundary road, and a street or two in the neighbouring town beyond it."""
        rng = self.rng
        out_houses = math.ceil(need.get("out_house", 0) * 1.08) + 1
        out_flats = math.ceil(need.get("out_flat", 0) * 1.08) + 1
        boundary = self._new_street(8.0, where="boundary")
        for _ in range(max(6, 2 * (out_houses // 3))):
            premises = boundary.house()
            pools["house" if premises.in_boundary else "out_house"].append(premises)
        while len(pools["out_house"]) < out_houses or len(pools["out_flat"]) < out_flats:
            street = self._new_street(10.0, where="neighbour")
            if len(pools["out_flat"]) < out_flats:
                pools["out_flat"].extend(street.conversion(rng.randint(2, 3), rng))
            for _ in range(min(rng.randint(10, 40), out_houses - len(pools["out_house"]) + 2)):
                pools["out_house"].append(street.house())

    def rows(self) -> list[tuple]:
        return [row for premises in self.premises for row in premises.gazetteer_rows()]


def far_address(rng: random.Random) -> Premises:
    """An address elsewhere in the country: never in the gazetteer, so no UPRN."""
    town, area = rng.choice(FAR_PLACES)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    street = f"{rng.choice(STREET_STEMS)} {rng.choice(list(STREET_KINDS))}"
    lpi = Lpi("approved", "", "", str(rng.randint(1, 180)), "", "", street, "", town, postcode)
    return Premises(None, None, "residential", "far", lpi, 0.0, 0.0, False)
