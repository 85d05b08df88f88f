"""Addresses as the matcher compares them: tokens, postcodes and the normalised key.

Normalising *contracts* words to one spelling rather than expanding them: "Street",
"Str" and "St" all become ``ST``, and so does "Saint", so "St Anne's Road" and "Saint
Annes Rd" agree without having to guess which "St" is which. Flats are written
``FLAT 2`` whether the agency wrote "Flat 2", "Flt 2", "F2" or "Apartment 2"; a number
and a single letter ("12 A") become one token (``12A``).
"""

from __future__ import annotations

import hashlib
import re

from joinedup.ingest.validators import Invalid, is_outward_code
from joinedup.ingest.validators import postcode as valid_postcode
from joinedup.ingest.validators import postcode_at_end

#: One spelling for each word that agencies write several ways.
CANONICAL_WORDS = {
    "ROAD": "RD", "RD": "RD",
    "STREET": "ST", "STR": "ST", "ST": "ST", "SAINT": "ST", "STE": "ST",
    "AVENUE": "AVE", "AVE": "AVE", "AV": "AVE", "AVN": "AVE",
    "LANE": "LN", "LN": "LN",
    "CLOSE": "CL", "CL": "CL", "CLS": "CL",
    "DRIVE": "DR", "DR": "DR", "DRV": "DR",
    "CRESCENT": "CRES", "CRES": "CRES", "CRESC": "CRES", "CR": "CRES",
    "GARDENS": "GDNS", "GDNS": "GDNS", "GDN": "GDNS", "GARDEN": "GDN",
    "TERRACE": "TERR", "TERR": "TERR", "TCE": "TERR", "TER": "TERR",
    "PLACE": "PL", "PL": "PL",
    "GROVE": "GR", "GR": "GR", "GRV": "GR", "GRO": "GR",
    "WAY": "WAY", "WY": "WAY",
    "WALK": "WLK", "WLK": "WLK", "WK": "WLK",
    "MEWS": "MEWS", "MWS": "MEWS", "MW": "MEWS",
    "VIEW": "VW", "VW": "VW",
    "RISE": "RISE",
    "COURT": "CT", "CT": "CT", "CRT": "CT",
    "SQUARE": "SQ", "SQ": "SQ", "SQR": "SQ", "SQRE": "SQ",
    "PARADE": "PDE", "PDE": "PDE",
    "HILL": "HL", "HL": "HL",
    "PARK": "PK", "PK": "PK",
    "BUILDINGS": "BLDGS", "BLDGS": "BLDGS",
    "HOUSE": "HO", "HSE": "HO", "HO": "HO",
    "LODGE": "LODGE", "LDG": "LODGE", "LDGE": "LODGE",
    "COTTAGE": "COTT", "COTT": "COTT", "COTTAGES": "COTTS", "COTTS": "COTTS",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "UPPER": "UPR", "UPR": "UPR", "LOWER": "LWR", "LWR": "LWR",
    "FLAT": "FLAT", "FLT": "FLAT", "FL": "FLAT", "APARTMENT": "FLAT", "APT": "FLAT", "APPT": "FLAT",
    "MAISONETTE": "FLAT", "MAIS": "FLAT",
    "ROOM": "ROOM", "RM": "ROOM", "BEDSIT": "ROOM",
    "UNIT": "UNIT",
    "GROUND": "GROUND", "GND": "GROUND", "GRD": "GROUND",
    "FIRST": "FIRST", "1ST": "FIRST", "SECOND": "SECOND", "2ND": "SECOND", "THIRD": "THIRD", "3RD": "THIRD",
    "FLOOR": "FLOOR", "FLR": "FLOOR",
    "BASEMENT": "BASEMENT", "BSMT": "BASEMENT",
    "AND": "AND",
}

#: Words that say "the part of a building" (a flat, a room); what follows is its identifier.
SUB_UNIT_WORDS = frozenset({"FLAT", "ROOM", "UNIT"})
#: Words that say which floor; "FIRST FLOOR FLAT" is a flat's whole identifier.
FLOOR_WORDS = frozenset({"GROUND", "FIRST", "SECOND", "THIRD", "BASEMENT", "FLOOR", "TOP", "UPR", "LWR"})

#: A floor's flat as letting agents and housing officers abbreviate it ("FFF, 9 Yarrow
#: Close"), written out as gazetteers write it. TFF is left alone: top floor or third.
FLOOR_FLATS = {"GFF": ("GROUND", "FLOOR", "FLAT"), "FFF": ("FIRST", "FLOOR", "FLAT"),
               "SFF": ("SECOND", "FLOOR", "FLAT")}

_APOSTROPHES = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[^A-Z0-9-]+")
_RANGE = re.compile(r"^\d+[A-Z]?-\d+[A-Z]?$")
_FLAT_GLUED = re.compile(r"^(?:FLAT|FLT|APT|F)(\d+[A-Z]?)$")
_ROOM_GLUED = re.compile(r"^(?:RM|ROOM)(\d+[A-Z]?)$")
_NUMBER = re.compile(r"^\d+[A-Z]?$")


def tokens(text: str | None) -> list[str]:
    """The address's words, upper case, each in its one spelling."""
    if not text:
        return []
    text = _APOSTROPHES.sub("", text.upper()).replace("&", " AND ")
    out: list[str] = []
    for raw in _NOT_WORD.sub(" ", text).split():
        if "-" in raw and not _RANGE.match(raw):
            parts = [part for part in raw.split("-") if part]
        else:
            parts = [raw]
        for word in parts:
            glued = _FLAT_GLUED.match(word)
            if glued:
                out += ["FLAT", glued.group(1)]
                continue
            if word in FLOOR_FLATS:
                out += FLOOR_FLATS[word]
                continue
            glued = _ROOM_GLUED.match(word)
            if glued:
                out += ["ROOM", glued.group(1)]
                continue
            if len(word) == 1 and word.isalpha() and out and out[-1].isdigit() and _joins_number(out):
                out[-1] += word
                continue
            out.append(CANONICAL_WORDS.get(word, word))
    return out


def _joins_number(out: list[str]) -> bool:
    """Whether a single letter after the last token belongs to it ("12 A" is 12A).

    Not after a flat's identifier ("FLAT 2 A" stays two tokens, the A being odd anyway).
    """
    return not (len(out) >= 2 and out[-2] in SUB_UNIT_WORDS)


def normalise(text: str | None) -> str:
    """The address as one string of normalised words."""
    return " ".join(tokens(text))


def is_number(token: str) -> bool:
    """A house or flat number, with or without a letter suffix, or a range (12-14)."""
    return bool(_NUMBER.match(token) or _RANGE.match(token))


def clean_postcode(text: str | None) -> str:
    """A valid UK postcode in its normal form ("JU1 0AB"), or "" when it is not one."""
    if not text:
        return ""
    try:
        return valid_postcode(text)
    except Invalid:
        return ""


def outward_code(text: str | None) -> str:
    """The outward code (the part before the space) of a postcode, whole or partial."""
    if not text:
        return ""
    full = clean_postcode(text)
    if full:
        return full.split(" ")[0]
    compact = "".join(text.split()).upper()
    return compact if is_outward_code(compact) else ""


def split_postcode(address: str | None, postcode: str | None) -> tuple[str, str, str]:
    """(address without a trailing postcode, the full postcode, the outward code).

    The postcode field wins; when it is empty or not a postcode, a postcode at the end
    of the address text is used. A partial postcode (an outward code alone) gives the
    outward code with no full postcode.
    """
    address = address or ""
    full = clean_postcode(postcode)
    outward = full.split(" ")[0] if full else outward_code(postcode)
    address, in_text = postcode_at_end(address)
    if in_text and not full:
        full, outward = in_text, in_text.split(" ")[0]
    return address, full, outward


def record_text(address: str | None, postcode: str | None) -> str:
    """The normalised text a decision is keyed by: the address's words and its postcode."""
    rest, full, outward = split_postcode(address, postcode)
    words = normalise(rest)
    code = full or outward or normalise(postcode)
    return f"{words} | {code}" if code else words


def address_key(normalised_text: str) -> str:
    """The digest that stands for a normalised address text in indexes and decisions."""
    return hashlib.sha256(normalised_text.encode("utf-8")).hexdigest()


def canonical_uprn(text: str) -> str:
    """A UPRN as stored: digits without leading zeros ("000000000100" is "100").

    LLPG exports often pad UPRNs to 12 digits; agencies and people often don't. Text that
    is not all digits is returned stripped, so that it simply matches nothing.
    """
    text = (text or "").strip()
    return str(int(text)) if text.isdigit() else text
