"""Where the synthetic place is: the town, its localities, its neighbours and its postcodes.

Joinford is a fictional town in a fictional postcode area, ``JU``, which is valid in
format but allocated to nowhere. Its people are generated in *neighbourhoods* of a few
thousand, each a circle laid out on a sunflower spiral from the town centre, so that the
town grows outward with its population at a steady density. Every neighbourhood also
owns a stretch of the authority boundary in its direction: one boundary road (odd
numbers inside the authority, even numbers outside, postcode units shared across it)
and a street or two in the neighbouring town beyond it. That is why "in the authority by
postcode" and "in the authority by UPRN" disagree, as they do in real places.

Everything a neighbourhood needs to know about the rest of the town is in its
:class:`NeighbourhoodPlan`, which depends only on the number of people and the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from joinedup.synth.names import STREET_KINDS, STREET_STEMS

TOWN = "Joinford"
AUTHORITY = "Joinford Borough Council"
POSTCODE_AREA = "JU"
TOWN_CENTRE = (452_000.0, 338_000.0)  # easting, northing (metres, British National Grid)

#: The extract date every agency's snapshot is taken on, and the start of the period over
#: which the place's history (moves, births, incidents) is generated. Fixed, so that the
#: same seed gives the same bytes whenever it is run.
EXTRACT_DATE = date(2024, 3, 31)
PERIOD_START = date(2021, 4, 1)

INNER_LOCALITIES = ("Old Town", "St Anne's", "Castlefields", "Northgate", "Riverside", "Southfields")
OUTER_LOCALITIES = ("Millbrook", "Ashgrove", "Hatherley Park", "Westcroft", "Brookside", "Copse Hill")
LOCALITIES = INNER_LOCALITIES + OUTER_LOCALITIES

#: Towns just over the authority boundary, clockwise from the east.
NEIGHBOUR_TOWNS = ("Ashby Marsh", "Hollinfield", "Wexcombe", "Larkhampton", "Sedgebury", "Thornleigh")

#: Places far away (not in the gazetteer) that people move to and from, with their own
#: fictional postcode areas.
FAR_PLACES = (("Farnbury", "FB"), ("Kilbury", "KB"), ("Upton Marsh", "UA"), ("Jaxby", "JA"))

PEOPLE_PER_NEIGHBOURHOOD = 2000
PEOPLE_PER_KM2 = 4000
STREET_NAMES_PER_NEIGHBOURHOOD = 40

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward code may use
UNITS_PER_SECTOR = len(INWARD_LETTERS) ** 2
TOWN_UNITS_PER_NEIGHBOURHOOD = 100
NEIGHBOUR_UNITS_PER_NEIGHBOURHOOD = 10
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True)
class PostcodeBlock:
    """A run of postcode units reserved for one neighbourhood within one district."""

    district: int
    first_unit: int
    size: int

    def postcode(self, unit: int) -> str:
        if not 0 <= unit < self.size:
            raise ValueError(f"postcode unit {unit} is beyond this block of {self.size}")
        index = self.first_unit + unit
        sector, letters = divmod(index, UNITS_PER_SECTOR)
        first, second = divmod(letters, len(INWARD_LETTERS))
        return f"{POSTCODE_AREA}{self.district} {sector}{INWARD_LETTERS[first]}{INWARD_LETTERS[second]}"


@dataclass(frozen=True)
class NeighbourhoodPlan:
    """One neighbourhood: its people, its place in the town, and its postcodes."""

    index: int
    people: int
    first_person: int  # global index of its first person: identifiers derive from it
    easting: float
    northing: float
    radius: float  # metres
    angle: float  # direction from the town centre, radians
    town_radius: float  # where the authority boundary runs
    locality: str
    town_postcodes: PostcodeBlock
    neighbour_town: str
    neighbour_postcodes: PostcodeBlock
    hosts_hostel: bool

    def street_name(self, number: int, seed: int) -> str:
        """The ``number``-th street name of this neighbourhood.

        The first names come from the town-wide walk, so they repeat elsewhere in the
        town only once it is large; a neighbourhood needing more takes them from a
        second walk.
        """
        if number < STREET_NAMES_PER_NEIGHBOURHOOD:
            return street_name(self.index * STREET_NAMES_PER_NEIGHBOURHOOD + number, seed)
        return street_name(self.index * 1000 + number, seed + 1)


def street_name(index: int, seed: int) -> str:
    """Street names from a scrambled walk over stem x kind: no repeats for a long while."""
    combos = len(STREET_STEMS) * len(STREET_KINDS)
    stride = _coprime_stride(combos, seed)
    combo = (index * stride + seed * 7919) % combos
    stem, kind = divmod(combo, len(STREET_KINDS))
    return f"{STREET_STEMS[stem]} {list(STREET_KINDS)[kind]}"


def _coprime_stride(modulus: int, seed: int) -> int:
    stride = modulus // 2 + 1 + seed % 97
    while math.gcd(stride, modulus) != 1:
        stride += 1
    return stride


def plan_town(people: int) -> list[NeighbourhoodPlan]:
    """Split ``people`` into neighbourhoods and give each its place and postcode blocks."""
    count = max(1, math.ceil(people / PEOPLE_PER_NEIGHBOURHOOD))
    area = PEOPLE_PER_NEIGHBOURHOOD / PEOPLE_PER_KM2 * 1_000_000
    spacing = math.sqrt(area / math.pi)
    town_radius = spacing * (math.sqrt(count) + 0.6)
    locality_rank: dict[str, int] = {}
    neighbour_rank: dict[str, int] = {}
    plans = []
    for index in range(count):
        first = index * PEOPLE_PER_NEIGHBOURHOOD
        size = min(PEOPLE_PER_NEIGHBOURHOOD, people - first)
        distance = spacing * math.sqrt(index + 0.5)
        angle = (index * GOLDEN_ANGLE) % (2 * math.pi)
        ring = INNER_LOCALITIES if distance < 0.6 * town_radius or count < 4 else OUTER_LOCALITIES
        locality = ring[int(angle / (2 * math.pi) * len(ring))]
        rank = locality_rank.get(locality, 0)
        locality_rank[locality] = rank + 1
        neighbour = NEIGHBOUR_TOWNS[int(angle / (2 * math.pi) * len(NEIGHBOUR_TOWNS))]
        neighbour_index = neighbour_rank.get(neighbour, 0)
        neighbour_rank[neighbour] = neighbour_index + 1
        plans.append(
            NeighbourhoodPlan(
                index=index,
                people=size,
                first_person=first,
                easting=TOWN_CENTRE[0] + distance * math.cos(angle),
                northing=TOWN_CENTRE[1] + distance * math.sin(angle),
                radius=spacing,
                angle=angle,
                town_radius=town_radius,
                locality=locality,
                town_postcodes=_block(LOCALITIES.index(locality), len(LOCALITIES), 1, rank, TOWN_UNITS_PER_NEIGHBOURHOOD),
                neighbour_town=neighbour,
                neighbour_postcodes=_block(
                    NEIGHBOUR_TOWNS.index(neighbour), len(NEIGHBOUR_TOWNS), 88, neighbour_index,
                    NEIGHBOUR_UNITS_PER_NEIGHBOURHOOD,
                ),
                hosts_hostel=index % 3 == 0,
            )
        )
    return plans


def _block(group: int, groups: int, first_district: int, rank: int, size: int) -> PostcodeBlock:
    """The ``rank``-th block of ``size`` units for a locality or town; districts overflow."""
    per_district = (10 * UNITS_PER_SECTOR) // size
    overflow, slot = divmod(rank, per_district)
    district = first_district + group + groups * overflow
    return PostcodeBlock(district=district, first_unit=slot * size, size=size)
