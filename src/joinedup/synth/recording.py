"""How an agency records a person: the slips, habits and gaps of real case systems.

Each agency has :class:`Habits`: how often its staff mistype a name, write the name a
person goes by, swap day and month, leave an identifier out, keep an address after the
person has moved, abbreviate ("Rd", "Flt 2") or drop the postcode. :func:`record_person`
applies them to a true :class:`~joinedup.synth.population.Person` and returns what the
agency holds, together with the list of slips it made, which the ground truth keeps.

A few values are deliberately invalid (a wrong NHS check digit, a malformed NI number,
30 February) so that ingest has something real to flag.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from joinedup.synth.gazetteer import Lpi
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.identifiers import UPN_CHECK_LETTERS, is_valid_nhs_number
from joinedup.synth.names import NICKNAMES, STREET_KINDS
from joinedup.synth.population import Person

KEYBOARD_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}


@dataclass(frozen=True)
class Habits:
    """The chance of each slip when one agency records one person."""

    typo: float = 0.01
    nickname: float = 0.0
    case_noise: float = 0.01
    drop_middle_names: float = 0.3
    swap_day_month: float = 0.005
    missing_dob: float = 0.0
    impossible_dob: float = 0.001
    stale_address: float = 0.1  # of people who moved: the agency still has the old address
    other_address_form: float = 0.15  # write an alternative or historic LPI, where one exists
    abbreviate: float = 0.05
    drop_locality: float = 0.3
    missing_postcode: float = 0.01
    postcode_typo: float = 0.004
    misspelt_address: float = 0.0  # the street or town typed as heard; the postcode then often not known
    missing_nhs: float = 0.0
    bad_nhs: float = 0.0
    missing_ni: float = 0.0
    bad_ni: float = 0.0
    missing_upn: float = 0.0
    bad_upn: float = 0.0
    missing_phone: float = 0.3
    missing_email: float = 0.5
    duplicate: float = 0.01
    # Slips that no rule of the linkage model was written for (issue 12's classes): each
    # agency has them at these rates unless it says otherwise.
    missing_forename: float = 0.004
    missing_surname: float = 0.003
    mistyped_year: float = 0.004
    wrong_dob: float = 0.002
    swapped_names: float = 0.003  # forename and surname swapped, one of them mistyped
    short_forename: float = 0.004  # a short form no nickname list has ("Jacq", "Seb")
    hyphen_part_dropped: float = 0.3  # of hyphenated surnames
    married_name: float = 0.003  # an adult's surname changed
    accent: float = 0.004  # an accent written on the forename


class Recorded:
    """What one agency holds about one person, and the slips (``errors``) it made."""

    __slots__ = (
        "forename", "middle_names", "surname", "dob", "sex", "premises", "lpi", "postcode",
        "nhs_number", "ni_number", "upn", "phone", "email", "errors", "room",
    )

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.room = ""

    @property
    def uprn(self) -> str:
        return self.premises.uprn_text


def record_person(person: Person, habits: Habits, rng: random.Random, when: date = EXTRACT_DATE) -> Recorded:
    """The agency's version of ``person`` as of ``when`` (their address on that day)."""
    out = Recorded()
    errors = out.errors
    roll = rng.random

    forename = person.forename
    if habits.nickname and roll() < habits.nickname and forename in NICKNAMES:
        forename = rng.choice(NICKNAMES[forename])
        errors.append("nickname")
    surname = person.surname
    if roll() < habits.typo:
        if roll() < 0.5:
            forename = typo(forename, rng)
        else:
            surname = typo(surname, rng)
        errors.append("typo")
    if "-" in surname and roll() < habits.hyphen_part_dropped:
        surname = rng.choice(surname.split("-"))
        errors.append("hyphen_part_dropped")
    elif person.role != "child" and roll() < habits.married_name:
        surname = rng.choice(MARRIED_NAMES)
        errors.append("married_name")
    if roll() < habits.short_forename and len(forename) > 4:
        forename = forename[:rng.choice((3, 4))]
        errors.append("short_forename")
    if roll() < habits.accent:
        forename = accented(forename)
        errors.append("accent")
    if roll() < habits.swapped_names:
        forename, surname = typo(surname, rng) if roll() < 0.5 else surname, forename
        errors.append("names_swapped")
    if roll() < habits.missing_forename:
        forename = ""
        errors.append("missing_forename")
    elif roll() < habits.missing_surname:
        surname = ""
        errors.append("missing_surname")
    if ("'" in surname or "-" in surname) and roll() < 0.3:
        surname = surname.replace("'", rng.choice(("", " "))).replace("-", rng.choice((" ", "")))
        errors.append("punctuation")
    if roll() < habits.case_noise:
        forename, surname = case_noise(forename, rng), case_noise(surname, rng)
        errors.append("case_or_spacing")
    out.forename = forename
    out.surname = surname
    out.middle_names = "" if roll() < habits.drop_middle_names else person.middle_names
    out.sex = person.sex

    dob = person.dob
    out.dob = (dob.year, dob.month, dob.day)
    if roll() < habits.missing_dob:
        out.dob = None
        errors.append("missing_dob")
    elif roll() < habits.impossible_dob:
        out.dob = impossible_date(dob, rng)
        errors.append("impossible_date")
    elif roll() < habits.mistyped_year:
        year = dob.year + rng.choice((-10, -1, 1, 10))
        out.dob = (year, dob.month, min(dob.day, 28) if dob.month == 2 else dob.day)
        errors.append("mistyped_year")
    elif roll() < habits.wrong_dob:
        other = date.fromordinal(dob.toordinal() + rng.randint(400, 9000) * rng.choice((-1, 1)))
        out.dob = (other.year, other.month, other.day)
        errors.append("wrong_dob")
    elif dob.day <= 12 and dob.day != dob.month and roll() < habits.swap_day_month:
        out.dob = (dob.year, dob.day, dob.month)
        errors.append("dob_day_month_swapped")

    residence = person.residence_at(when)
    premises = residence.premises
    if habits.stale_address and len(person.history) > 1:
        previous = person.previous_before(when)
        if previous is not None and roll() < habits.stale_address:
            premises = previous.premises
            errors.append("stale_address")
    out.premises = premises
    lpi = premises.lpis[0]
    if len(premises.lpis) > 1 and roll() < habits.other_address_form:
        lpi = rng.choice(premises.lpis[1:])
        errors.append(f"{lpi.status}_address_form")
    if premises.kind == "hmo" and roll() < 0.4:
        out.room = f"Room {rng.randint(1, premises.capacity)}"
    out.lpi = lpi
    postcode = lpi.postcode
    if roll() < habits.missing_postcode:
        postcode = ""
        errors.append("missing_postcode")
    elif roll() < habits.postcode_typo:
        postcode = postcode[:-2] + postcode[-1] + postcode[-2]
        errors.append("postcode_typo")
    out.postcode = postcode
    if habits.misspelt_address and roll() < habits.misspelt_address:
        misspell_address(out, rng)

    out.nhs_number = _identifier(person.nhs_number, habits.missing_nhs, habits.bad_nhs, bad_nhs_number, "nhs", rng, errors)
    out.ni_number = _identifier(person.ni_number, habits.missing_ni, habits.bad_ni, malformed_ni_number, "ni", rng, errors)
    out.upn = _identifier(person.upn, habits.missing_upn, habits.bad_upn, bad_upn, "upn", rng, errors)
    out.phone = "" if roll() < habits.missing_phone else person.phone
    out.email = "" if roll() < habits.missing_email else person.email
    return out


def _identifier(value: str, missing: float, bad: float, corrupt, name: str, rng: random.Random, errors: list[str]) -> str:
    if not value:
        return ""
    roll = rng.random()
    if roll < missing:
        errors.append(f"missing_{name}")
        return ""
    if roll < missing + bad:
        errors.append(f"invalid_{name}")
        return corrupt(value, rng)
    return value


def typo(name: str, rng: random.Random) -> str:
    """One keying slip: a swapped, dropped, doubled or neighbouring letter."""
    if len(name) < 3:
        return name + name[-1]
    for _ in range(5):
        position = rng.randrange(1, len(name) - 1)
        kind = rng.randrange(4)
        if kind == 0:
            result = name[:position] + name[position + 1] + name[position] + name[position + 2:]
        elif kind == 1:
            result = name[:position] + name[position + 1:]
        elif kind == 2:
            result = name[:position] + name[position] + name[position:]
        else:
            neighbours = KEYBOARD_NEIGHBOURS.get(name[position].lower(), "e")
            result = name[:position] + rng.choice(neighbours) + name[position + 1:]
        if result != name:
            return result
    return name + "e"


#: Surnames taken on marriage: not drawn from the place's own list, so the model cannot know them.
MARRIED_NAMES = ("Fairbrother", "Okonkwo", "Lindqvist", "Pellegrini", "Abernethy", "Nakamura", "Delacroix",
                 "Whitlock", "Quaresma", "Szymanski")
_ACCENTS = {"e": "é", "a": "á", "o": "ö", "i": "ï", "u": "ü"}


def accented(name: str) -> str:
    """The name with an accent on its last plain vowel (Zoe → Zoé, Chloe → Chloé)."""
    for position in range(len(name) - 1, 0, -1):
        if name[position] in _ACCENTS:
            return name[:position] + _ACCENTS[name[position]] + name[position + 1:]
    return name


def case_noise(text: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return text.upper()
    if kind == 1:
        return text.lower()
    if kind == 2:
        return f" {text}  "
    return text.replace(" ", "  ") + " "


def impossible_date(real: date, rng: random.Random) -> tuple[int, int, int]:
    """A date that cannot exist, near the real one: 30 or 31 February, 31 of a short month."""
    if rng.random() < 0.6:
        return (real.year, 2, rng.choice((30, 31)))
    return (real.year, rng.choice((4, 6, 9, 11)), 31)


def bad_nhs_number(value: str, rng: random.Random) -> str:
    """The same number with a wrong check digit."""
    for _ in range(10):
        candidate = value[:9] + str(rng.randrange(10))
        if not is_valid_nhs_number(candidate):
            return candidate
    return value[:9] + str((int(value[9]) + 1) % 10)


def malformed_ni_number(value: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(("TN", "GB", "QQ", "DF")) + value[2:]
    if kind == 1:
        return value[:8] + rng.choice("EFXZ")
    if kind == 2:
        return value[:7] + value[8]
    return value[:2] + value[3:8] + "O" + value[8]


def bad_upn(value: str, rng: random.Random) -> str:
    letters = [letter for letter in UPN_CHECK_LETTERS if letter != value[0]]
    return rng.choice(letters) + value[1:]


def misspell_address(recorded: Recorded, rng: random.Random) -> None:
    """The street or the town typed as the person said it, and often without a postcode.

    A worker taking an address over the phone or at a drop-in spells a name as heard
    and seldom knows the postcode; the true UPRN is unchanged.
    """
    lpi = recorded.lpi
    if rng.random() < 0.7 or not lpi.town:
        words = lpi.street.split(" ")
        at = rng.randrange(len(words) - 1) if len(words) > 1 else 0
        words[at] = typo(words[at], rng)
        recorded.lpi = lpi._replace(street=" ".join(words))
        recorded.errors.append("street_misspelt")
    else:
        recorded.lpi = lpi._replace(town=typo(lpi.town, rng))
        recorded.errors.append("town_misspelt")
    if recorded.postcode and rng.random() < 0.6:
        recorded.postcode = ""
        recorded.errors.append("missing_postcode")


#: Each record's address error class, the most telling first: benchmarks report recall per class.
ADDRESS_ERROR_CLASSES = (
    "outside_gazetteer", "street_misspelt_no_postcode", "town_misspelt_no_postcode", "street_misspelt",
    "town_misspelt", "no_postcode", "postcode_typo", "other_address_form", "abbreviated", "none",
)


def address_error_class(recorded: Recorded) -> str:
    """The one class of error in the address a record holds (see ADDRESS_ERROR_CLASSES)."""
    errors = set(recorded.errors)
    if not recorded.uprn:
        return "outside_gazetteer"
    no_postcode = not recorded.postcode
    for misspelt in ("street_misspelt", "town_misspelt"):
        if misspelt in errors:
            return f"{misspelt}_no_postcode" if no_postcode else misspelt
    if no_postcode:
        return "no_postcode"
    if "postcode_typo" in errors:
        return "postcode_typo"
    if "alternative_address_form" in errors or "historic_address_form" in errors:
        return "other_address_form"
    if "abbreviated_address" in errors:
        return "abbreviated"
    return "none"


def abbreviate_street(street: str) -> str:
    stem, _, kind = street.rpartition(" ")
    short = STREET_KINDS.get(kind)
    return f"{stem} {short}" if stem and short else street


def address_lines(recorded: Recorded, habits: Habits, rng: random.Random) -> tuple[list[str], bool]:
    """The address as lines above the town (flat, building, number and street, locality).

    Returns the lines and whether the agency abbreviated them.
    """
    lpi: Lpi = recorded.lpi
    abbreviated = rng.random() < habits.abbreviate
    sao = lpi.sao_text or (f"Flat {lpi.sao_number}" if lpi.sao_number else "") or recorded.room
    street = lpi.street
    if abbreviated:
        street = abbreviate_street(street)
        sao = sao.replace("Flat ", rng.choice(("Flt ", "F", "Flat "))).replace("Room ", "Rm ")
    number = f"{lpi.pao_number}{lpi.pao_suffix}"
    lines = []
    if sao:
        lines.append(sao)
    if lpi.pao_text:
        lines.append(lpi.pao_text)
    lines.append(f"{number} {street}" if number else street)
    if lpi.locality and rng.random() >= habits.drop_locality:
        lines.append(lpi.locality)
    if abbreviated:
        recorded.errors.append("abbreviated_address")
    return lines, abbreviated


def pack_lines(lines: list[str], columns: int) -> list[str]:
    """Fit address lines into an agency's fixed number of columns, merging the first ones."""
    if len(lines) > columns:
        head = len(lines) - columns + 1
        lines = [", ".join(lines[:head])] + lines[head:]
    return lines + [""] * (columns - len(lines))


def one_line(lines: list[str], town: str, postcode: str = "") -> str:
    return ", ".join(part for part in (*lines, town, postcode) if part)

