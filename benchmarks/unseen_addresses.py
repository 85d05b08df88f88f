"""A gazetteer and a messy client extract that JoinedUp's own generator did not make.

    .venv/bin/python benchmarks/unseen_addresses.py --out DIR [--addresses 20000] [--seed 7]
                                                   [--vocabulary own|faker]

Written apart from ``joinedup.synth`` on purpose, so that the matcher is measured on
errors its generator's author did not design. It shares no code, no word list and no
error process with ``joinedup.synth``:

- **the area**: several towns, each with its own outward codes, localities and streets;
  street names repeat across towns and sometimes within one; houses, named houses,
  houses converted into lettered or numbered flats, purpose-built blocks, numbers with
  a letter suffix, alternative and historic LPIs. The vocabulary is this module's own
  lists, or, with ``--vocabulary faker``, the Faker package's en_GB street, town and
  locality names (the ``bench`` extra), whose street types ("Vista", "Cove", "Fort")
  JoinedUp has never seen;
- **the gazetteer** is an AddressBase-style file (12-digit zero-padded UPRNs, BS 7666
  status codes, AddressBase classification codes) with its own column names, and
- **the extract** is a client list with four address lines and a postcode, each with a
  TOML mapping written from docs/gazetteer.md and docs/mappings.md alone;
- **the errors**: each record has one error class (``truth.csv`` names it): keyboard
  typos and phonetic misspellings of the street or town, with and without a postcode,
  abbreviations, a dropped street type, transposed house numbers, postcode slips,
  outward code only, no town, flat and house-name variants, a county added, several
  slips at once, and addresses outside the gazetteer (another town; a street the area
  also has, in a town it has not; a number beyond the end of a real street).

``truth.csv``: ``source``, ``local_id``, ``record_ref``, ``uprn`` (empty when the address
is not in the gazetteer) and ``address_error``. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = "clients"

OWN_TOWNS = (
    "Brackenford", "Tollerby", "Wexley Green", "Castle Ormsby", "Pendleworth", "Saltmarsh",
    "Kingsbury Vale", "Little Hadlow", "Marston Fields", "Oakhampstead",
)
OWN_LOCALITIES = (
    "Upper Dene", "Ferry End", "Broom Hill", "Highcross", "Netherton", "Abbotsleigh", "Goose Green",
    "Windmill Rise", "Sandhurst", "Priorsfield", "Cold Norton", "Longmoor", "Bell Common", "Hatchford",
    "Quarry Bank", "Rushmere", "Stony Cross", "Tanner's Green",
)
OWN_STEMS = (
    "Sycamore", "Lavender", "Kingfisher", "Chaucer", "Tennyson", "Wellington", "Beaconsfield", "Priory",
    "Orchard", "Foxglove", "Marlborough", "Cheltenham", "Buttercup", "Hawthorn", "Magdalen", "Phillips",
    "Whitworth", "Gainsborough", "Rutherford", "Nightingale", "Cranbrook", "Ferndale", "Heathcote",
    "Juniper", "Larkspur", "Mulberry", "Pemberton", "Quarry", "Rosemary", "Stratford", "Thackeray",
    "Violet", "Waverley", "Yarrow", "Ashcombe", "Bramley", "Coniston", "Derwent", "Ellesmere",
    "Fairfax", "Glebe", "Harcourt", "Ivanhoe", "Kenilworth", "Lancaster", "Meadowsweet", "Newbury",
    "Osborne", "Peacock", "Queensway", "Richmond", "Stanhope", "Trafalgar", "Usher", "Victoria",
    "Windermere", "Woodpecker", "Chestnut", "Cromwell", "Dickens", "Fitzroy", "Grosvenor",
    "Holloway", "Keats", "Milton", "Shelley", "Wordsworth", "Byron", "Elgar", "Purcell", "Handel",
    "Coleridge", "Faraday", "Brunel", "Telford", "Stephenson", "Darwin", "Newton", "Kelvin", "Lister",
    "St Michael's", "St Peter's", "Bishop's", "King's", "Mill", "Church", "Station", "School",
)
OWN_TYPES = (
    ("Road", 20), ("Street", 12), ("Avenue", 8), ("Close", 10), ("Way", 6), ("Lane", 8), ("Drive", 6),
    ("Crescent", 4), ("Gardens", 4), ("Terrace", 3), ("Place", 3), ("Grove", 3), ("Court", 2),
    ("Walk", 2), ("Row", 2), ("Mews", 1), ("Rise", 1), ("Square", 1), ("Parade", 1), ("View", 1),
    ("Green", 1), ("Chase", 1), ("Croft", 1),
)
OWN_HOUSE_NAMES = (
    "The Old Forge", "Rowan House", "Fern Lea", "Hillcrest", "Meadow View", "The Laurels", "Orchard End",
    "Brook Cottage", "The Willows", "Ivy House", "Glenmore", "Stonecroft", "Holly Bank", "The Barn",
)
BLOCK_WORDS = ("House", "Court", "Lodge", "Heights", "Point", "Mansions")
FAR_TOWNS = ("Dunmarsh", "Eastlow", "Harrowgate Cross", "Penwick", "Ravensmoor", "Stokeley")

#: Abbreviations this generator's clerks use (not JoinedUp's table).
ABBREVIATIONS = {
    "Road": ("Rd", "Rd.", "RD"), "Street": ("St", "St.", "Str"), "Avenue": ("Ave", "Av", "Avenue."),
    "Close": ("Cl", "Cls"), "Lane": ("Ln",), "Drive": ("Dr", "Drv"), "Crescent": ("Cres", "Cresc", "Cr"),
    "Gardens": ("Gdns", "Gdn"), "Terrace": ("Terr", "Tce"), "Place": ("Pl",), "Grove": ("Gr", "Gro"),
    "Court": ("Ct",), "Square": ("Sq",), "Parade": ("Pde",), "Saint": ("St",),
}
COUNTIES = ("Shireshire", "West Wessex", "Mercia", "Northumbria")
QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
PHONETIC = (
    ("ph", "f"), ("f", "ph"), ("ck", "k"), ("ee", "ea"), ("ea", "ee"), ("ai", "ay"), ("ay", "ai"),
    ("ie", "ei"), ("ei", "ie"), ("ou", "ow"), ("ll", "l"), ("ss", "s"), ("tt", "t"), ("rr", "r"),
    ("wh", "w"), ("c", "k"), ("k", "c"), ("s", "z"), ("y", "ie"), ("or", "er"), ("er", "a"),
    ("our", "or"), ("ey", "y"), ("ough", "uff"), ("gh", ""), ("th", "f"), ("v", "f"), ("ch", "tch"),
)

#: Error classes and their weights. ``outside_gazetteer`` rows have no true UPRN.
CLASSES = (
    ("none", 26), ("abbreviated", 7), ("street_type_dropped", 2), ("street_keyboard_typo", 5),
    ("street_phonetic", 4), ("street_misspelt_no_postcode", 6), ("town_misspelt_no_postcode", 5),
    ("no_postcode", 6), ("postcode_slip", 4), ("outward_code_only", 2), ("transposed_number", 2),
    ("flat_variant", 5), ("house_name_variant", 3), ("no_town", 3), ("county_added", 2),
    ("several_slips_no_postcode", 3), ("outside_gazetteer", 8),
)


@dataclass
class Property:
    uprn: int
    parent: int | None
    number: str
    suffix: str
    name: str
    sao_text: str
    sao_number: str
    street: str
    locality: str
    town: str
    postcode: str
    classification: str
    alternatives: list[dict] = field(default_factory=list)


@dataclass
class Area:
    properties: list[Property]
    streets: dict[tuple[str, str], list[Property]]
    towns: list[str]
    outwards: dict[str, list[str]]


class Vocabulary:
    """Where names come from: this module's lists, or Faker's en_GB provider."""

    def __init__(self, kind: str, rng: random.Random) -> None:
        self.rng = rng
        self.kind = kind
        if kind == "faker":
            from faker import Faker

            self.faker = Faker("en_GB")
            self.faker.seed_instance(rng.randrange(2**32))

    def towns(self, count: int) -> list[str]:
        if self.kind == "faker":
            return self._distinct(self.faker.city, count)
        return self.rng.sample(OWN_TOWNS, count)

    def localities(self, count: int) -> list[str]:
        if self.kind == "faker":
            return self._distinct(lambda: self.faker.city_prefix() + " " + self.faker.last_name(), count)
        return self.rng.sample(OWN_LOCALITIES, count)

    def street(self) -> str:
        if self.kind == "faker":
            return self.faker.street_name()
        stem = self.rng.choice(OWN_STEMS)
        kinds, weights = zip(*OWN_TYPES)
        return f"{stem} {self.rng.choices(kinds, weights)[0]}"

    def house_name(self) -> str:
        if self.kind == "faker":
            return f"{self.faker.last_name()} {self.rng.choice(('House', 'Cottage', 'Lodge', 'Farm'))}"
        return self.rng.choice(OWN_HOUSE_NAMES)

    def block_name(self) -> str:
        stem = self.faker.last_name() if self.kind == "faker" else self.rng.choice(OWN_STEMS)
        return f"{stem} {self.rng.choice(BLOCK_WORDS)}"

    def _distinct(self, make, count: int) -> list[str]:
        seen: list[str] = []
        while len(seen) < count:
            name = make()
            if name not in seen:
                seen.append(name)
        return seen


def build_area(rng: random.Random, vocabulary: Vocabulary, properties_wanted: int) -> Area:
    """Towns, outward codes, streets and properties: about ``properties_wanted`` UPRNs."""
    town_count = max(2, min(8, properties_wanted // 2500 + 2))
    towns = vocabulary.towns(town_count)
    localities = vocabulary.localities(town_count * 2)
    area_letters = rng.choice(("QF", "XB", "VR", "ZT"))
    outwards: dict[str, list[str]] = {}
    district = 1
    for town in towns:
        outwards[town] = [f"{area_letters}{district + i}" for i in range(rng.randint(1, 3))]
        district += len(outwards[town])
    properties: list[Property] = []
    streets: dict[tuple[str, str], list[Property]] = {}
    used_names: list[str] = []
    old_names: set[str] = set()
    uprn = rng.randrange(10_000_000, 90_000_000)
    units: dict[str, int] = {}

    def postcode_unit(outward: str) -> str:
        serial = units.get(outward, 0)
        units[outward] = serial + 1
        sector, rest = divmod(serial, 400)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return f"{outward} {sector % 10}{letters[rest // 20]}{letters[rest % 20]}"

    while len(properties) < properties_wanted:
        town = rng.choice(towns)
        if used_names and rng.random() < 0.2:
            name = rng.choice(used_names)  # the same street name in another place
        else:
            name = vocabulary.street()
        if (name, town) in streets or name in old_names:
            continue
        used_names.append(name)
        locality = rng.choice(localities[towns.index(town) * 2: towns.index(town) * 2 + 2]) if rng.random() < 0.5 else ""
        outward = rng.choice(outwards[town])
        historic = vocabulary.street() if rng.random() < 0.05 else ""
        if historic in used_names:
            historic = ""
        elif historic:
            old_names.add(historic)
        on_street: list[Property] = []
        unit, left = postcode_unit(outward), rng.randint(6, 16)
        for number in range(1, rng.randint(5, 90)):
            if left <= 0:
                unit, left = postcode_unit(outward), rng.randint(6, 16)
            left -= 1
            uprn += rng.randint(1, 7)
            roll = rng.random()
            suffix = "A" if roll >= 0.16 and rng.random() < 0.02 else ""
            house = Property(uprn, None, str(number), suffix, "", "", "", name, locality, town, unit, "RD03")
            if roll < 0.06:
                house.name = vocabulary.house_name()
                house.alternatives.append({"number": str(number)})
                if rng.random() < 0.5:
                    house.number = ""
                house.classification = "RD02"
            elif roll < 0.14:
                lettered = rng.random() < 0.5
                flats = rng.randint(2, 4)
                house.classification = "PP"
                on_street.append(house)
                for flat in range(flats):
                    uprn += 1
                    on_street.append(Property(
                        uprn, house.uprn, str(number), suffix, "", f"Flat {'ABCD'[flat]}" if lettered else "",
                        "" if lettered else str(flat + 1), name, locality, town, unit, "RD06",
                    ))
                continue
            elif roll < 0.16:
                house.name = vocabulary.block_name()
                house.classification = "PP"
                on_street.append(house)
                for flat in range(rng.randint(6, 24)):
                    uprn += 1
                    on_street.append(Property(uprn, house.uprn, str(number), "", house.name, "", str(flat + 1),
                                              name, locality, town, unit, "RD06"))
                continue
            on_street.append(house)
        if historic:
            for item in on_street:
                item.alternatives.append({"street": historic, "status": "8"})
        streets[(name, town)] = on_street
        properties.extend(on_street)
    return Area(properties, streets, towns, outwards)


GAZETTEER_COLUMNS = (
    "UPRN", "PARENT_UPRN", "LOGICAL_STATUS", "SAO_START_NUMBER", "SAO_TEXT", "PAO_START_NUMBER",
    "PAO_START_SUFFIX", "PAO_TEXT", "STREET_DESCRIPTION", "LOCALITY", "TOWN_NAME", "POSTCODE_LOCATOR",
    "X_COORDINATE", "Y_COORDINATE", "CLASS",
)


def gazetteer_rows(area: Area, rng: random.Random) -> list[tuple]:
    rows = []
    for item in area.properties:
        parent = f"{item.parent:012d}" if item.parent else ""
        base = [f"{item.uprn:012d}", parent, "1", item.sao_number, item.sao_text, item.number, item.suffix,
                item.name, item.street.upper(), item.locality.upper(), item.town.upper(), item.postcode,
                f"{rng.uniform(400000, 500000):.2f}", f"{rng.uniform(200000, 300000):.2f}", item.classification]
        rows.append(tuple(base))
        for alternative in item.alternatives:
            other = list(base)
            other[2] = alternative.get("status", "3")
            if "street" in alternative:
                other[8] = alternative["street"].upper()
            else:
                other[5], other[7] = alternative["number"], ""
            rows.append(tuple(other))
    return rows


GAZETTEER_MAPPING = """\
# Written from docs/gazetteer.md for this AddressBase-style file.
[gazetteer]
name = "Unseen area AddressBase-style extract"

[columns]
uprn = "UPRN"
parent_uprn = "PARENT_UPRN"
lpi_status = "LOGICAL_STATUS"
sao_start_number = "SAO_START_NUMBER"
sao_text = "SAO_TEXT"
pao_start_number = "PAO_START_NUMBER"
pao_start_suffix = "PAO_START_SUFFIX"
pao_text = "PAO_TEXT"
street = "STREET_DESCRIPTION"
locality = "LOCALITY"
town = "TOWN_NAME"
postcode = "POSTCODE_LOCATOR"
easting = "X_COORDINATE"
northing = "Y_COORDINATE"
classification = "CLASS"
in_boundary = { default = "Y" }
"""

EXTRACT_COLUMNS = ("Client No", "Address 1", "Address 2", "Address 3", "Town/City", "Post Code")
EXTRACT_MAPPING = f"""\
# Written from docs/mappings.md for the client list.
[source]
code = "{SOURCE}"
name = "Client list (unseen)"
organisation = "UNSEEN"
organisation_name = "An agency JoinedUp has not seen"
organisation_type = "voluntary"
format = "csv"
local_id = "Client No"

[fields]
address_text = {{ columns = ["Address 1", "Address 2", "Address 3", "Town/City"], join = ", " }}
postcode = "Post Code"
"""


# The errors -----------------------------------------------------------------------------

def keyboard_typo(word: str, rng: random.Random) -> str:
    """A slip of the fingers: a neighbouring key, a doubled or missed letter, two letters swapped."""
    letters = [i for i, char in enumerate(word) if char.isalpha()]
    if len(letters) < 3:
        return word
    at = rng.choice(letters[1:])
    kind = rng.randrange(4)
    char = word[at]
    if kind == 0:
        row = next((row for row in QWERTY if char.lower() in row), "")
        spot = row.find(char.lower())
        near = [row[j] for j in (spot - 1, spot + 1) if 0 <= j < len(row)]
        new = rng.choice(near) if near else "e"
        return word[:at] + (new.upper() if char.isupper() else new) + word[at + 1:]
    if kind == 1:
        return word[:at] + word[at + 1:]
    if kind == 2:
        return word[:at] + char + word[at:]
    if at + 1 < len(word) and word[at + 1].isalpha() and word[at + 1] != char:
        return word[:at] + word[at + 1] + char + word[at + 2:]
    return word[:at] + word[at + 1:]


def phonetic_misspelling(word: str, rng: random.Random) -> str:
    """Written as heard: one sound spelt another way ("ph" as "f", "ee" as "ea")."""
    lower = word.lower()
    options = [(old, new) for old, new in PHONETIC if old in lower[1:]]
    if not options:
        return keyboard_typo(word, rng)
    old, new = rng.choice(options)
    at = lower.find(old, 1)
    spelt = lower[:at] + new + lower[at + len(old):]
    return spelt.title() if word[:1].isupper() else spelt


def misspell_street(street: str, rng: random.Random, phonetic: bool | None = None) -> str:
    words = street.split()
    target = rng.randrange(len(words) - 1) if len(words) > 1 and rng.random() < 0.85 else len(words) - 1
    if phonetic is None:
        phonetic = rng.random() < 0.4
    changed = phonetic_misspelling(words[target], rng) if phonetic else keyboard_typo(words[target], rng)
    words[target] = changed
    result = " ".join(words)
    return result if result != street else street + "e"


def misspell_town(town: str, rng: random.Random) -> str:
    words = town.split()
    target = max(range(len(words)), key=lambda i: len(words[i]))
    words[target] = phonetic_misspelling(words[target], rng) if rng.random() < 0.4 else keyboard_typo(words[target], rng)
    result = " ".join(words)
    return result if result != town else town + "e"


def abbreviate(street: str, rng: random.Random) -> str:
    words = street.split()
    options = ABBREVIATIONS.get(words[-1])
    if options:
        words[-1] = rng.choice(options)
    return " ".join(words)


def postcode_slip(postcode: str, rng: random.Random) -> str:
    outward, inward = postcode.split(" ")
    kind = rng.randrange(3)
    if kind == 0:
        return f"{outward} {inward[0]}{inward[2]}{inward[1]}"
    if kind == 1:
        return f"{outward}{inward}"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{outward} {inward[:2]}{rng.choice([c for c in letters if c != inward[2]])}"


@dataclass
class Written:
    lines: list[str]
    town: str
    postcode: str


def clean_lines(item: Property, rng: random.Random, street: str | None = None) -> Written:
    street = street or item.street
    lines: list[str] = []
    if item.sao_text or item.sao_number:
        lines.append(item.sao_text or f"Flat {item.sao_number}")
    if item.name and not item.number:
        lines.append(item.name)
        lines.append(street)
    elif item.name:
        lines.append(item.name)
        lines.append(f"{item.number}{item.suffix} {street}")
    else:
        lines.append(f"{item.number}{item.suffix} {street}")
    if item.locality and rng.random() < 0.5:
        lines.append(item.locality)
    return Written(lines, item.town, item.postcode)


def write_record(item: Property, kind: str, area: Area, rng: random.Random) -> Written | None:
    """The address as the client's worker typed it, with this class of error; None if it can't apply."""
    if kind == "none":
        return clean_lines(item, rng)
    if kind == "abbreviated":
        short = abbreviate(item.street, rng)
        if short == item.street:
            return None
        written = clean_lines(item, rng, short)
        if rng.random() < 0.3:
            written.lines = [line.replace("Flat ", rng.choice(("Flt ", "F", "Apt "))) for line in written.lines]
        return written
    if kind == "street_type_dropped":
        if len(item.street.split()) < 2:
            return None
        return clean_lines(item, rng, item.street.rsplit(" ", 1)[0])
    if kind == "street_keyboard_typo":
        return clean_lines(item, rng, misspell_street(item.street, rng, phonetic=False))
    if kind == "street_phonetic":
        return clean_lines(item, rng, misspell_street(item.street, rng, phonetic=True))
    if kind == "street_misspelt_no_postcode":
        written = clean_lines(item, rng, misspell_street(item.street, rng))
        written.postcode = ""
        return written
    if kind == "town_misspelt_no_postcode":
        written = clean_lines(item, rng)
        written.town, written.postcode = misspell_town(item.town, rng), ""
        return written
    if kind == "no_postcode":
        written = clean_lines(item, rng)
        written.postcode = ""
        return written
    if kind == "postcode_slip":
        written = clean_lines(item, rng)
        written.postcode = postcode_slip(item.postcode, rng)
        return written
    if kind == "outward_code_only":
        written = clean_lines(item, rng)
        written.postcode = item.postcode.split(" ")[0]
        return written
    if kind == "transposed_number":
        if len(item.number) < 2 or item.number[0] == item.number[1] or item.sao_number or item.sao_text:
            return None
        swapped = item.number[1] + item.number[0] + item.number[2:]
        if swapped.startswith("0"):
            return None
        written = clean_lines(item, rng)
        written.lines = [line.replace(f"{item.number}{item.suffix} ", f"{swapped}{item.suffix} ", 1) for line in written.lines]
        return written
    if kind == "flat_variant":
        if not (item.sao_text or item.sao_number) or not item.number:
            return None
        flat = item.sao_number or item.sao_text.split()[-1]
        form = rng.randrange(4)
        street_line = f"{item.number} {item.street}"
        if item.name:
            street_line = f"{item.name}, {street_line}" if rng.random() < 0.5 else street_line
        if form == 0:
            lines = [f"{flat}/{item.number} {item.street}"]
        elif form == 1:
            lines = [f"Apartment {flat}", street_line]
        elif form == 2:
            lines = [f"Flat {flat} {street_line}"]
        else:
            lines = [f"{item.number}{flat} {item.street}"] if flat.isalpha() else [f"Flat {flat}", street_line]
        return Written(lines, item.town, item.postcode)
    if kind == "house_name_variant":
        if not item.name or item.sao_number or item.sao_text:
            return None
        number = item.number or next((alt.get("number", "") for alt in item.alternatives if alt.get("number")), "")
        form = rng.randrange(3)
        if form == 0 and number:
            lines = [f"{number} {item.street}"]
        elif form == 1 and number:
            lines = [f"{item.name}, {number} {item.street}"]
        else:
            lines = [item.name, item.street]
        return Written(lines, item.town, item.postcode)
    if kind == "no_town":
        written = clean_lines(item, rng)
        written.town = ""
        return written
    if kind == "county_added":
        written = clean_lines(item, rng)
        written.town = f"{item.town}, {rng.choice(COUNTIES)}"
        return written
    if kind == "several_slips_no_postcode":
        written = clean_lines(item, rng, abbreviate(misspell_street(item.street, rng), rng))
        written.lines = [line.upper() if rng.random() < 0.5 else line.lower() for line in written.lines]
        if rng.random() < 0.5:
            written.town = misspell_town(item.town, rng)
        written.postcode = ""
        return written
    raise ValueError(kind)


def outside_record(area: Area, rng: random.Random) -> Written:
    """An address the gazetteer does not have."""
    kind = rng.randrange(3)
    if kind == 0:  # another town, far away, with its own postcode
        street = rng.choice(list(area.streets))[0]
        return Written([f"{rng.randint(1, 120)} {street}"], rng.choice(FAR_TOWNS),
                       f"{rng.choice(('DM', 'EW', 'PK'))}{rng.randint(1, 30)} {rng.randint(1, 9)}{rng.choice('ABDEF')}{rng.choice('GHJLN')}")
    if kind == 1:  # a street the area has, in a town it has not, without a postcode
        street, _town = rng.choice(list(area.streets))
        return Written([f"{rng.randint(1, 40)} {street}"], rng.choice(FAR_TOWNS), "")
    (street, town), houses = rng.choice(list(area.streets.items()))  # a new build past the end of the street
    last = max((int(house.number) for house in houses if house.number.isdigit()), default=1)
    postcode = houses[-1].postcode
    return Written([f"{last + rng.randint(3, 40)} {street}"], town, postcode if rng.random() < 0.5 else "")


def generate(out: Path, *, addresses: int = 20_000, seed: int = 7, vocabulary: str = "own") -> dict[str, int]:
    """Write gazetteer.csv, gazetteer.toml, clients.csv, clients.toml and truth.csv into ``out``."""
    rng = random.Random(seed)
    words = Vocabulary(vocabulary, random.Random(seed + 1))
    area = build_area(rng, words, max(200, addresses // 2))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "gazetteer.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(GAZETTEER_COLUMNS)
        writer.writerows(gazetteer_rows(area, rng))
    (out / "gazetteer.toml").write_text(GAZETTEER_MAPPING, encoding="utf-8")
    (out / "clients.toml").write_text(EXTRACT_MAPPING, encoding="utf-8")
    homes = [item for item in area.properties if item.classification != "PP"]
    kinds, weights = zip(*CLASSES)
    counts: dict[str, int] = {}
    with (out / "clients.csv").open("w", encoding="utf-8", newline="") as extract, \
            (out / "truth.csv").open("w", encoding="utf-8", newline="") as truth:
        rows, answers = csv.writer(extract), csv.writer(truth)
        rows.writerow(EXTRACT_COLUMNS)
        answers.writerow(("source", "local_id", "record_ref", "uprn", "address_error"))
        serial = 0
        while serial < addresses:
            kind = rng.choices(kinds, weights)[0]
            if kind == "outside_gazetteer":
                written, uprn = outside_record(area, rng), ""
            else:
                item = rng.choice(homes)
                written = write_record(item, kind, area, rng)
                if written is None:
                    continue
                uprn = f"{item.uprn:012d}"
            serial += 1
            lines = (written.lines + ["", "", ""])[:3] if len(written.lines) <= 3 else \
                [", ".join(written.lines[:-2]), *written.lines[-2:]]
            local_id = f"C{serial:07d}"
            rows.writerow((local_id, *lines, written.town, written.postcode))
            answers.writerow((SOURCE, local_id, "", uprn, kind))
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--addresses", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vocabulary", choices=("own", "faker"), default="own")
    args = parser.parse_args()
    counts = generate(args.out, addresses=args.addresses, seed=args.seed, vocabulary=args.vocabulary)
    for kind, count in sorted(counts.items(), key=lambda pair: -pair[1]):
        print(f"{kind:<30}{count:>8,}")


if __name__ == "__main__":
    main()
