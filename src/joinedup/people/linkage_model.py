"""The linkage model: source records as Splink sees them, the comparisons, training.

Every source record becomes one row of comparison columns (:func:`prepare`): names in
upper case without punctuation and with a nickname root, the date of birth and its
day-and-month swapped form, identifiers as written, the address as the matched UPRN
with the normalised text, postcode and outward code behind it, phone digits and email.

:func:`settings` describes the comparisons; :func:`train` estimates the model without
labels (the chance that two records match from deterministic rules, u by random
sampling, then m by expectation maximisation over the blocking passes of ``EM_PASSES``) and returns
Splink's model JSON, which is kept as a versioned :class:`~joinedup.people.models.LinkModel`.
"""

from __future__ import annotations

import copy
import functools
import logging
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd

from joinedup.gazetteer.normalise import (
    CANONICAL_WORDS,
    SUB_UNIT_WORDS,
    is_number,
    outward_code,
    tokens,
)
from joinedup.ingest.search_keys import fold
from joinedup.ingest.validators import SEXES
from joinedup.people.nicknames import root
from joinedup.people.splink_parsing import memoise_parsing

#: The normalised words that end a street's name (RD, ST, AVE…).
STREET_TYPES = frozenset(CANONICAL_WORDS[word] for word in (
    "ROAD", "STREET", "AVENUE", "LANE", "CLOSE", "DRIVE", "CRESCENT", "GARDENS", "TERRACE", "PLACE", "GROVE",
    "WAY", "WALK", "MEWS", "VIEW", "RISE", "COURT", "SQUARE", "PARADE", "HILL", "PARK"))

#: The columns of the table Splink links (besides one ``id_<scheme>`` column for each
#: identifier scheme of a mapping's ``[identifiers]`` that the records carry).
COLUMNS = (
    "unique_id", "forename", "forename_root", "forename_sound", "middle", "surname", "surname_sound", "dob",
    "dob_swapped", "birth_year", "birthday", "sex", "nhs_number", "ni_number", "upn", "uprn", "address", "house",
    "street", "postcode", "outward", "phone", "email",
)
#: The prefix of an identifier scheme's column.
SCHEME_PREFIX = "id_"
#: The table of candidate pairs Splink makes from the blocking rules before it compares them.
BLOCKED_PAIRS = "__splink__blocked_id_pairs"
#: How the "no evidence" level of a scheme that is not unique per person begins.
_SEVERAL = "not on both, or different"

#: The blocking rules of the EM passes, each training the comparisons it does not block
#: on; a pass that finds no pairs in the data at hand is skipped, and a pass after which
#: agreement no longer counts for a match (see :func:`sensible`) is discarded. Each
#: identifier scheme adds a pass of its own.
EM_PASSES = (
    ("dob",),  # the only pass that trains the name comparison when there are no identifiers or UPRNs
    ("dob", "surname"), ("dob", "forename_root"), ("forename_root", "surname"), ("nhs_number",),
    ("uprn", "forename_root"), ("postcode", "forename_root"),
)

#: The pairs with at least this match probability are candidates for one person.
DEFAULT_THRESHOLD = 0.99
#: Training learns from a random sample of this many records when there are more.
TRAINING_SAMPLE = 250_000
#: Pairs from this probability up to the threshold go to the clerical review queue.
DEFAULT_REVIEW_FROM = 0.80
#: An EM pass whose rule makes more pairs than this learns from a share of them, between
#: half this many and this many.
EM_PAIRS = 1_000_000

#: What each comparison is, in words, for the pair page and the model page.
COMPARISON_LABELS = {
    "name": "Name (forename and surname together)", "dob": "Date of birth", "sex": "Sex",
    "nhs_number": "NHS number", "ni_number": "NI number", "upn": "Unique pupil number",
    "address": "Address (UPRN, then house number and street, postcode)", "phone": "Phone", "email": "Email",
}


def comparison_label(column: str) -> str:
    """A comparison's name in words: an ``[identifiers]`` scheme's is its name, not its
    column ("Identifier: pnc id", not "id_pnc_id")."""
    if column.startswith(SCHEME_PREFIX) and column not in COMPARISON_LABELS:
        return f"Identifier: {column[len(SCHEME_PREFIX):].replace('_', ' ')}"
    return COMPARISON_LABELS.get(column, column)


#: The level of each comparison that a record paired with itself reaches, by which of its
#: columns are filled, best first: what a record can prove (see :func:`ceilings`).
SELF_LEVELS = {
    "name": ((("forename", "surname"), "same forename and surname"),
             (("surname",), "same surname, no forename on one of them"),
             (("forename",), "same forename, no surname on one of them")),
    "dob": ((("dob",), "same date of birth"),),
    "address": ((("uprn",), "same UPRN"), (("address",), "same address text"),
                (("house", "street"), "same house number and street"),
                (("postcode",), "same postcode, no UPRN on one of them"),
                (("outward",), "same outward code")),
}

#: A record paired with another that has the same date of birth but a clearly different
#: forename (not a nickname, an initial, a typo or the names swapped) is most often a
#: twin or a sibling. That level's weight is set, not learnt: EM cannot learn it, because
#: among pairs that agree on surname, birthday and address, twins are the non-matches.
#: log2(m/u) = -6, against about +12 for a shared date of birth.
TWIN_M, TWIN_U = 1 / 1024, 1 / 16
_TWINS = "same date of birth, but clearly different forenames (twins?)"
#: The same, for dates of birth a slip apart (a digit, two neighbouring digits swapped,
#: or day and month swapped): in one household, siblings born on one day of different
#: years (2017-03-27 and 2018-03-27), or a couple born days apart. A newcomer's own
#: extract (docs/people.md) had five such pairs linked at 0.997 on surname, address and
#: the slip; one person's records with a typo in the date *and* a forename that is not
#: theirs are far rarer. Fixed at the twins level's weight, for the same reason. One
#: known by the other's middle name is not held down here: that is one person's
#: habit, and siblings born on one day of different years are seldom named so.
_SIBLINGS = "date of birth a slip apart, and clearly different forenames (siblings, or a couple?)"
#: Levels whose m and u are set, not learnt: taken out for the EM passes.
FIXED_LEVELS = (_TWINS, _SIBLINGS)
#: Forenames less alike than this (Jaro-Winkler) are clearly different.
TWIN_SIMILARITY = 0.8
#: Names at least this alike (Jaro-Winkler) are one name with a typo.
_CLOSE = 0.88
#: Forenames of one sound (Soundex) are one name only when at least this alike, or one
#: slip apart: Soundex keeps a first letter and three consonants, so JOSEPH and JACOB
#: (J210), JACK and JOSHUA (J200), LUCY and LUKE (L200) share a code, while AMY and AMIE
#: (0.78) are one name, and so are MAX and MXA (0.60, two letters swapped).
SOUND_SIMILARITY = 0.75

_NOT_LETTERS = re.compile(r"[^A-Z ]+")
_NOT_DIGITS = re.compile(r"\D+")

# Splink logs every step, and warns of levels EM did not observe (they keep their defaults).
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)


#: Names repeat: a million records hold a few tens of thousands of distinct ones, and
#: normalising each record's names again was a tenth of a link run at that size.
_NAMES_KEPT = 1 << 17


#: Feminine endings of Slavic surnames and their masculine forms: one family's name, which
#: one agency may write in the other form (Kowalska and Kowalski, Ivanova and Ivanov).
GENDERED_ENDINGS = (("SKA", "SKI"), ("CKA", "CKI"), ("OVA", "OV"), ("EVA", "EV"))


@functools.lru_cache(maxsize=_NAMES_KEPT)
def compared_surname(text: str | None) -> str | None:
    """A surname as :func:`name` reads it, each word's feminine Slavic ending read as its
    masculine form (:data:`GENDERED_ENDINGS`): "Kowalska" and "Kowalski" are KOWALSKI."""
    words = (name(text) or "").split()
    for at, word in enumerate(words):
        for feminine, masculine in GENDERED_ENDINGS:
            if len(word) > len(feminine) + 2 and word.endswith(feminine):
                words[at] = word[:-len(feminine)] + masculine
                break
    return " ".join(words) or None


@functools.lru_cache(maxsize=_NAMES_KEPT)
def name(text: str | None) -> str | None:
    """A name in upper case without accents, letters and single spaces only; hyphens
    become spaces and apostrophes go ("O'Brien" is OBRIEN). Folded as the search folds
    (:func:`joinedup.ingest.search_keys.fold`), so letters that do not decompose are
    read too: Łukasz is LUKASZ and Søren SOREN, not UKASZ and SREN, and Saint is ST."""
    if not text:
        return None
    return " ".join(_NOT_LETTERS.sub("", fold(text).upper()).split()) or None


def jaro_winkler(left: str, right: str) -> float:
    """Jaro-Winkler similarity, as DuckDB's ``jaro_winkler_similarity`` computes it."""
    if left == right:
        return 1.0
    if not left or not right:
        return 0.0
    window = max(max(len(left), len(right)) // 2 - 1, 0)
    taken = [False] * len(right)
    matched_left = []
    for index, char in enumerate(left):
        for other in range(max(0, index - window), min(len(right), index + window + 1)):
            if not taken[other] and right[other] == char:
                taken[other] = True
                matched_left.append(char)
                break
    if not matched_left:
        return 0.0
    matched_right = [char for index, char in enumerate(right) if taken[index]]
    transpositions = sum(one != other for one, other in zip(matched_left, matched_right, strict=True)) / 2
    count = len(matched_left)
    jaro = (count / len(left) + count / len(right) + (count - transpositions) / count) / 3
    prefix = 0
    for one, other in zip(left[:4], right[:4], strict=False):
        if one != other:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def forenames_differ(left: str, right: str, left_surname: str | None = None,
                     right_surname: str | None = None) -> bool:
    """Whether two normalised forenames are clearly two people's: not one root (a
    nickname), not alike in spelling or sound (a typo, Amy and Amie; one Soundex code is
    not enough, see :data:`SOUND_SIMILARITY`; spelt alike from another first letter is a
    typo only one slip apart, Catherine and Katherine, since Harpreet and Gurpreet,
    Kulwinder and Sukhwinder share a name's element, not a slip), neither an
    initial or short form of the other, and, given the surnames, not the names swapped
    ("SIGGINS BARNABY" and "BARNABY SIGGINS": one forename alike the other's surname, and
    the other crossing at least not clearly different, which a typo in a short name such
    as LEE keeps; one crossing alone is not a swap, or Robert and Emily Roberts would not
    be twins). Given names of several words whose first word is the same are read by the
    rest (:func:`_rests_differ`). The SQL twins level asks the same (``_FORENAMES_DIFFER``)."""
    if _one_first_word(left, right):
        return _rests_differ(left.split(" ", 1)[1], right.split(" ", 1)[1])
    similarity = jaro_winkler(left, right)
    if left.startswith(right) or right.startswith(left) or within_the_other(left, right) or (
            (similarity >= SOUND_SIMILARITY or one_slip_apart(left, right)) and soundex(left) == soundex(right)):
        return False
    if left_surname and right_surname:
        crossings = (jaro_winkler(left, right_surname), jaro_winkler(left_surname, right))
        if max(crossings) >= _CLOSE and min(crossings) >= TWIN_SIMILARITY:
            return False
    if root(left.split()[0]) == root(right.split()[0]):
        return False
    return _spelt_apart(left, right)


def known_by_a_middle_name(forename: str | None, middle: str | None, other_forename: str | None,
                           other_middle: str | None) -> bool:
    """Whether one record's forename is one of the other's middle names, and that record
    holds no middle name of its own: one person known by a middle name in one agency
    ("JADE WILLIAMS" beside "Poppy Jade Williams"), or twins named after each other in an
    agency that records no middle names. The twins level does not hold such a pair down
    at one date of birth, so it reaches the review queue on its evidence; the clustering
    never links it on its score (:data:`~joinedup.people.clustering.MIDDLE_NAME_OR_TWINS`).
    A newcomer's trial linked 29 to 40% of such pairs and left most of the rest below even
    the review threshold. ``_KNOWN_BY_A_MIDDLE_NAME`` in SQL."""
    return bool((forename and not middle and other_middle and forename in other_middle.split())
                or (other_forename and not other_middle and middle and other_forename in middle.split()))


def twin_names(left: str | None, right: str | None, left_surname: str | None = None, right_surname: str | None = None,
               left_sex: str | None = None, right_sex: str | None = None) -> bool:
    """Whether two records' names say two people at one date of birth: forenames that
    clearly differ (:func:`forenames_differ`), or records of another sex, male and female
    (``compared_sex``), whose forenames are not the same or not both there. At a million
    records the twins Oliver and Olivia (one slip apart) and Charlotte and Charlie (one
    root) were each one person; in a newcomer's trial, twins' two newborn records with no
    forename ("Baby of Barlow", a girl, and "Baby Barlow", a boy). ``_TWIN_NAMES`` in SQL."""
    if left and right and forenames_differ(left, right, left_surname, right_surname):
        return True
    return (not left or not right or left != right) and (
        left_sex is not None and right_sex is not None and left_sex != right_sex)


def _spelt_apart(left: str, right: str) -> bool:
    """Not a typo of each other: Jaro-Winkler under :data:`TWIN_SIMILARITY`, or another
    first letter and more than one slip (:func:`_spelt_apart_sql` in SQL)."""
    return jaro_winkler(left, right) < TWIN_SIMILARITY or (left[:1] != right[:1] and not one_slip_apart(left, right))


def _one_first_word(left: str, right: str) -> bool:
    """Whether both are given names of several words that begin with the same word."""
    return " " in left and " " in right and left.split(" ", 1)[0] == right.split(" ", 1)[0]


def _rests_differ(left: str, right: str) -> bool:
    """Whether the rest of two given names that begin with the same word are two people's:
    María Carmen and María Luisa, Juan Carlos and Juan Pablo, or Wing Kin and Wing Yan
    (siblings of a Chinese family often share one syllable of the given name), unless
    one rest begins the other, is one slip from it or is spelt alike (a typo or another
    romanisation: Ka Wai and Ka Wei are one)."""
    return not (left.startswith(right) or right.startswith(left) or one_slip_apart(left, right)) \
        and _spelt_apart(left, right)


#: The fewest letters a forename within another must have to be its short form.
SHORT_FORM_LETTERS = 4
#: The fewest letters of a given name whose short form may come from its middle.
LONG_NAME_LETTERS = 9


def within_the_other(left: str, right: str) -> bool:
    """Whether one forename, of four letters or more, is a short form found within the
    other, which no list holds for every language: how it ends (Beth for Elizabeth, Tina
    for Christina, Drew for Andrew, Tunde for Babatunde, Seun for Oluwaseun), or, in a
    given name of nine letters or more, a part of its middle (Funmi for Olufunmilayo,
    Dami for Oluwadamilare, Lanre for Olanrewaju, Lisa for Elisabeth: a newcomer's trial
    found 5 to 25% of such pairs missed). Shorter names are not read from the middle:
    Anna is not Hannah. ``_WITHIN_THE_OTHER`` is the same test in SQL."""
    short, long = sorted((left, right), key=len)
    return len(short) >= SHORT_FORM_LETTERS and short != long and (
        long.endswith(short) or (len(long) >= LONG_NAME_LETTERS and short in long))


def one_slip_apart(left: str, right: str) -> bool:
    """Whether one letter added, dropped or changed, or two neighbours swapped, turns one
    into the other: DuckDB's ``damerau_levenshtein(left, right) <= 1``."""
    if abs(len(left) - len(right)) > 1:
        return False
    if len(left) == len(right):
        at = [index for index, (one, other) in enumerate(zip(left, right, strict=True)) if one != other]
        return len(at) <= 1 or (len(at) == 2 and at[1] == at[0] + 1
                                and left[at[0]] == right[at[1]] and left[at[1]] == right[at[0]])
    short, long = sorted((left, right), key=len)
    first = next((index for index, (one, other) in enumerate(zip(short, long)) if one != other), len(short))
    return short[first:] == long[first + 1:]


#: An identifier's last digit, and any letters after it: where numbers issued one after
#: another differ ("CP1234567" and "CP1234568", "AB123456C" and "AB123457C").
_LAST_DIGIT = re.compile(r"\d(\D*)$")


def keyed_with_a_slip(left: str, right: str) -> bool:
    """Whether two values of one identifier are one value keyed with a slip: one slip
    apart (:func:`one_slip_apart`), and not only in the last digit. A clerk swaps two
    neighbours or mistypes a character anywhere, and the identifier still names its
    person; numbers issued one after another (twins registered together) differ in the
    last digit, and name two. FEBRL 4 held 19 of its 68 missed pairs apart as twins
    whose identifiers differed by such a slip (1125721 keyed 1125271)."""
    if left == right or not one_slip_apart(left, right):
        return False
    return _LAST_DIGIT.sub(r"\1", left) != _LAST_DIGIT.sub(r"\1", right)


def keyed_with_a_slip_sql(left: str, right: str) -> str:
    """:func:`keyed_with_a_slip` in SQL (false when either is missing), the distance asked
    only of values that are not equal."""
    return (f"CASE WHEN {left} IS NULL OR {right} IS NULL OR {left} = {right} THEN false "
            f"WHEN NOT ({one_edit_sql(left, right)}) THEN false "
            f"ELSE regexp_replace({left}, '[0-9]([^0-9]*)$', '\\1') "
            f"<> regexp_replace({right}, '[0-9]([^0-9]*)$', '\\1') END")


_SOUNDEX = {**dict.fromkeys("BFPV", "1"), **dict.fromkeys("CGJKQSXZ", "2"), **dict.fromkeys("DT", "3"),
            "L": "4", **dict.fromkeys("MN", "5"), "R": "6"}


@functools.lru_cache(maxsize=_NAMES_KEPT)
def soundex(text: str | None) -> str | None:
    """American Soundex of a name's first word: SMITH and SMYTH are S530."""
    if not text:
        return None
    word = text.split()[0]
    out, last = word[0], _SOUNDEX.get(word[0], "")
    for char in word[1:]:
        code = _SOUNDEX.get(char, "")
        if code and code != last:
            out += code
        if char not in "HW":
            last = code
    return (out + "000")[:4]


def phone(text: str | None) -> str | None:
    """The phone number's digits, in the national form (+44 7… becomes 07…)."""
    if not text:
        return None
    digits = _NOT_DIGITS.sub("", text)
    if digits.startswith("44") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else None


def email(text: str | None) -> str | None:
    if not text or "@" not in text:
        return None
    return text.strip().lower()


def identifier(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = re.sub(r"[\s-]+", "", text).upper()
    return cleaned or None


@functools.lru_cache(maxsize=_NAMES_KEPT)
def postcode(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = re.sub(r"\s+", "", text).upper()
    return cleaned or None


@functools.lru_cache(maxsize=_NAMES_KEPT)
def house_and_street(text: str | None) -> tuple[str | None, str | None]:
    """The house number and the street's words of an address as written, normalised
    (:mod:`joinedup.gazetteer.normalise`): "12a, Tullaroop Street, Willaroo" is
    ("12A", "TULLAROOP ST"). The street is the words after the first number up to and
    including its street type, or the two words after it."""
    words = tokens(text)
    for position, word in enumerate(words):
        if is_number(word) and not (position and words[position - 1] in SUB_UNIT_WORDS):
            after = [token for token in words[position + 1:position + 6] if not is_number(token)]
            if not after:
                return word, None
            end = next((index for index, token in enumerate(after) if token in STREET_TYPES), None)
            street = after[:end + 1] if end is not None and end < 4 else after[:2]
            return word, " ".join(street)
    return None, None


def swapped(dob: str | None) -> str | None:
    """The ISO date with its day and month swapped, when that is another real date."""
    if not dob:
        return None
    year, month, day = dob[:4], dob[5:7], dob[8:10]
    if day == month or int(day) > 12:
        return None
    return f"{year}-{day}-{month}"


@functools.lru_cache(maxsize=_NAMES_KEPT)
def _born(born: date | None) -> tuple[str | None, str | None, str | None, str | None]:
    """A date of birth's comparison columns: the ISO date, with day and month swapped,
    the year, the day and month. Memoised like names: a million records hold some tens
    of thousands of dates, and one string per distinct value is a smaller frame."""
    if not born:
        return None, None, None, None
    dob = born.isoformat()
    return dob, swapped(dob), dob[:4], dob[5:]


#: The sexes compared: the canonical sexes but "unknown"; it, and a value ingest flagged and
#: kept as written (a title such as "Dr", a code no mapping table named), say nothing.
COMPARED_SEXES = frozenset(SEXES) - {"unknown"}


@functools.lru_cache(maxsize=64)
def compared_sex(text: str | None) -> str | None:
    """Male or female, or None: only those are compared (:data:`COMPARED_SEXES`)."""
    value = (text or "").strip().lower()
    return value if value in COMPARED_SEXES else None


#: The memoised normalisers: they hold names, addresses, postcodes and dates of birth, so
#: each link run and each erasure empties them (:func:`joinedup.people.linking.forget_values`).
MEMOISED = (name, compared_surname, soundex, house_and_street, postcode, _born, compared_sex)


def schemes_of(records: Iterable[dict[str, Any]]) -> dict[str, bool]:
    """The identifier schemes the records carry, each with whether it is unique per
    person (a scheme is unique when any source's mapping declares it so)."""
    found: dict[str, bool] = {}
    for record in records:
        for scheme, held in (record.get("identifiers") or {}).items():
            found[scheme] = found.get(scheme, False) or bool(held.get("unique"))
    return dict(sorted(found.items()))


def model_schemes(model: dict[str, Any]) -> dict[str, bool]:
    """The identifier schemes a model compares, each with whether it is unique."""
    return {
        comparison["output_column_name"][len(SCHEME_PREFIX):]:
            not comparison["comparison_levels"][0]["label_for_charts"].startswith(_SEVERAL)
        for comparison in model["comparisons"] if comparison["output_column_name"].startswith(SCHEME_PREFIX)
    }


def prepare(records: Iterable[dict[str, Any]], schemes: Iterable[str] = ()) -> pd.DataFrame:
    """The comparison columns of each record (a dict of the source record's fields).

    Each record carries ``id``, the canonical fields, ``date_of_birth`` as a date (or
    None), ``uprn`` (the matched UPRN or None), ``address`` (the gazetteer's normalised
    text or None) and ``identifiers`` (scheme → {"value", "unique"}); ``schemes`` are
    the identifier schemes to give a column each.
    """
    schemes = list(schemes)
    rows = []
    for record in records:
        forename = name(record.get("forename"))
        surname = compared_surname(record.get("surname"))
        code = postcode(record.get("postcode"))
        house, street = house_and_street(record.get("address_text"))
        held = record.get("identifiers") or {}
        rows.append((
            record["id"], forename, root(forename.split()[0]) if forename else None, soundex(forename),
            name(record.get("middle_names")), surname, soundex(surname),
            *_born(record.get("date_of_birth")), compared_sex(record.get("sex")),
            identifier(record.get("nhs_number")), identifier(record.get("ni_number")), identifier(record.get("upn")),
            record.get("uprn") or None, record.get("address") or None, house, street, code,
            outward_code(record.get("postcode")) or None, phone(record.get("phone")), email(record.get("email")),
            *(identifier((held.get(scheme) or {}).get("value")) for scheme in schemes),
        ))
    columns = [*COLUMNS, *(SCHEME_PREFIX + scheme for scheme in schemes)]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    # Text columns stay text when a source has no values at all (no NI numbers, say):
    # otherwise DuckDB reads an empty column as a number and the comparisons fail.
    return frame.astype({column: "string" for column in columns if column != "unique_id"})


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(sql: str, label: str = "not recorded on one or both") -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "is_null_level": True}


def _else(label: str) -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": label}


def _comparison(column: str, description: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"output_column_name": column, "comparison_description": description, "comparison_levels": levels}


def one_edit_sql(left: str, right: str) -> str:
    """SQL for DuckDB's ``damerau_levenshtein(left, right) <= 1`` (bytes: one added,
    dropped or changed, or two neighbours swapped), the distance asked only of the
    values that cheap tests leave: one longer than the other by two bytes or more is
    never one edit away, nor one of the same length with more than two bytes different.
    The distance alone was two thirds of scoring a million records' candidate pairs; most
    pairs it was asked of (dates of birth, postcodes) fail the cheap tests. One ``CASE``,
    each test its own branch: DuckDB's ``hamming`` fails on values of unequal length, or
    empty, and ``AND`` does not stop the calls after a false one."""
    return (f"CASE WHEN {left} = {right} THEN true "
            f"WHEN abs(strlen({left}) - strlen({right})) > 1 THEN false "
            f"WHEN strlen({left}) <> strlen({right}) THEN damerau_levenshtein({left}, {right}) <= 1 "
            f"WHEN hamming({left}, {right}) > 2 THEN false "
            f"ELSE damerau_levenshtein({left}, {right}) <= 1 END")


def _exact(column: str, label: str, term_frequencies: bool = False, typo: bool = False) -> dict[str, Any]:
    """Same value, optionally one character different (a typo), else different."""
    exact = _level(f'"{column}_l" = "{column}_r"', f"same {label}")
    if term_frequencies:
        exact.update(tf_adjustment_column=column, tf_adjustment_weight=1.0)
    levels = [_null(f'"{column}_l" IS NULL OR "{column}_r" IS NULL'), exact]
    if typo:
        levels.append(_level(one_edit_sql(f'"{column}_l"', f'"{column}_r"'),
                             f"{label} one character different"))
    levels.append(_else(f"different {label}"))
    return _comparison(column, label, levels)


def _scheme(scheme: str, unique: bool) -> dict[str, Any]:
    """An identifier scheme: agreement counts for a match; disagreement counts against
    only when the scheme is unique per person (one person may hold several hospital
    numbers, but not two council person ids). A unique value keyed with a slip of the
    other's counts nearly as agreement; one only its last digit apart does not, since
    one family registered together is given numbers one after another (a newcomer's
    trial linked a father and son, CP2006090 and CP2006094, on that evidence)."""
    column, words = SCHEME_PREFIX + scheme, scheme.replace("_", " ")
    if unique:
        return _comparison(column, words, [
            _null(f'"{column}_l" IS NULL OR "{column}_r" IS NULL'),
            _level(f'"{column}_l" = "{column}_r"', f"same {words}"),
            _level(keyed_with_a_slip_sql(f'"{column}_l"', f'"{column}_r"'),
                   f"{words} one slip apart, not only in the last digit"),
            _else(f"different {words}"),
        ])
    return _comparison(column, words, [
        _null(f'"{column}_l" IS NULL OR "{column}_r" IS NULL OR "{column}_l" <> "{column}_r"',
              f"{_SEVERAL} (a person may hold several {words} values)"),
        _level(f'"{column}_l" = "{column}_r"', f"same {words}"),
        _else(f"different {words}"),
    ])


def _within_sql(long: str, short: str) -> str:
    """SQL: ``short`` is a short form within ``long`` (one direction of :func:`within_the_other`)."""
    return (f"(length({short}) >= {SHORT_FORM_LETTERS} AND length({long}) > length({short}) "
            f"AND (ends_with({long}, {short}) OR (length({long}) >= {LONG_NAME_LETTERS} "
            f"AND strpos({long}, {short}) > 0)))")


#: :func:`within_the_other` in SQL.
_WITHIN_THE_OTHER = f"({_within_sql('forename_l', 'forename_r')} OR {_within_sql('forename_r', 'forename_l')})"
_FORENAME_CLOSE = ("(forename_root_l = forename_root_r OR forename_sound_l = forename_sound_r "
                   f"OR jaro_winkler_similarity(forename_l, forename_r) >= {_CLOSE} OR {_WITHIN_THE_OTHER})")
#: One's forename is one of the other's middle names: someone known by a middle name
#: ("ABIGAIL FRANCES GRAHAM" in one agency's records, "FRANCES GRAHAM" in another's).
#: At one date of birth the twins level holds such a pair down, unless the record with
#: that forename holds no middle name of its own (:func:`known_by_a_middle_name`): then the
#: pair is scored on its evidence and the clustering leaves it for a reviewer.
_FORENAME_A_MIDDLE_NAME = ("coalesce(list_contains(string_split(middle_r, ' '), forename_l) "
                           "OR list_contains(string_split(middle_l, ' '), forename_r), false)")
_SURNAME_CLOSE = (f"(jaro_winkler_similarity(surname_l, surname_r) >= {_CLOSE} "
                  "OR list_has_any(string_split(surname_l, ' '), string_split(surname_r, ' ')))")
_SWAPPED_CLOSE = (f"jaro_winkler_similarity(forename_l, surname_r) >= {_CLOSE} "
                  f"AND jaro_winkler_similarity(surname_l, forename_r) >= {_CLOSE}")
_CROSSINGS = ("coalesce(jaro_winkler_similarity(forename_l, surname_r), 0), "
              "coalesce(jaro_winkler_similarity(surname_l, forename_r), 0)")


def _spelt_apart_sql(left: str, right: str) -> str:
    """:func:`_spelt_apart` in SQL."""
    return (f"(jaro_winkler_similarity({left}, {right}) < {TWIN_SIMILARITY} "
            f"OR (substr({left}, 1, 1) <> substr({right}, 1, 1) AND NOT {one_edit_sql(left, right)}))")


_REST_L, _REST_R = "substr(forename_l, strpos(forename_l, ' ') + 1)", "substr(forename_r, strpos(forename_r, ' ') + 1)"
#: Forenames that are clearly two people's: both there, not one root, not alike in
#: spelling or sound, not an initial or short form of the other, and not the names swapped;
#: given names of several words that begin with the same word, by the rest (:func:`forenames_differ`).
_FORENAMES_DIFFER = (
    "forename_l IS NOT NULL AND forename_r IS NOT NULL AND CASE "
    "WHEN strpos(forename_l, ' ') > 0 AND strpos(forename_r, ' ') > 0 "
    "AND split_part(forename_l, ' ', 1) = split_part(forename_r, ' ', 1) THEN "
    f"NOT starts_with({_REST_L}, {_REST_R}) AND NOT starts_with({_REST_R}, {_REST_L}) "
    f"AND NOT {one_edit_sql(_REST_L, _REST_R)} AND {_spelt_apart_sql(_REST_L, _REST_R)} "
    "ELSE forename_root_l <> forename_root_r "
    f"AND NOT (forename_sound_l = forename_sound_r AND (jaro_winkler_similarity(forename_l, forename_r) "
    f">= {SOUND_SIMILARITY} OR {one_edit_sql('forename_l', 'forename_r')})) "
    f"AND {_spelt_apart_sql('forename_l', 'forename_r')} "
    "AND NOT starts_with(forename_l, forename_r) AND NOT starts_with(forename_r, forename_l) "
    f"AND NOT {_WITHIN_THE_OTHER} "
    f"AND NOT (greatest({_CROSSINGS}) >= {_CLOSE} AND least({_CROSSINGS}) >= {TWIN_SIMILARITY}) END"
)


#: :func:`known_by_a_middle_name` in SQL.
_KNOWN_BY_A_MIDDLE_NAME = ("coalesce((middle_l IS NULL AND list_contains(string_split(middle_r, ' '), forename_l)) "
                           "OR (middle_r IS NULL AND list_contains(string_split(middle_l, ' '), forename_r)), false)")
#: :func:`twin_names` in SQL (``sex`` is prepared by :func:`compared_sex`: male, female or NULL).
_TWIN_NAMES = (f"(({_FORENAMES_DIFFER}) OR (sex_l <> sex_r AND (forename_l IS NULL OR forename_r IS NULL "
               "OR forename_l <> forename_r)))")


def _name() -> dict[str, Any]:
    """One comparison over the pair of names, so that swapped names are credited once."""
    return _comparison("name", "forename and surname together", [
        _null("(forename_l IS NULL AND surname_l IS NULL) OR (forename_r IS NULL AND surname_r IS NULL)",
              "no name on one or both"),
        # Spaces aside: "LAUR A" is LAURA and "MARY ANN" is MARYANN (a space typed or lost).
        _level("replace(forename_l, ' ', '') = replace(forename_r, ' ', '') "
               "AND replace(surname_l, ' ', '') = replace(surname_r, ' ', '')", "same forename and surname"),
        _level("forename_l = surname_r AND surname_l = forename_r", "forename and surname swapped"),
        _level(f"surname_l = surname_r AND {_FORENAME_CLOSE}", "same surname, forename a nickname or a typo"),
        _level(f"surname_l = surname_r AND {_FORENAME_A_MIDDLE_NAME}",
               "same surname, one's forename the other's middle name"),
        _level(f"{_FORENAME_CLOSE} AND {_SURNAME_CLOSE}",
               "forename alike, surname a typo or part of a double-barrelled surname"),
        _level(_SWAPPED_CLOSE, "forename and surname swapped, with a typo"),
        _level("surname_l = surname_r AND (forename_l IS NULL OR forename_r IS NULL)",
               "same surname, no forename on one of them"),
        _level(f"{_FORENAME_CLOSE} AND (surname_l IS NULL OR surname_r IS NULL)",
               "same forename, no surname on one of them"),
        _level(f"{_FORENAME_CLOSE}", "same forename, different surname (a married name?)"),
        _level(f"surname_l = surname_r OR {_SURNAME_CLOSE}", "same surname, different forename"),
        _level("forename_l = surname_r OR surname_l = forename_r",
               "one's forename is the other's surname, the other name different (swapped, and one changed)"),
        _else("different names"),
    ])


def _identifier_in_common(schemes: dict[str, bool], *, slips: bool = False) -> str:
    """SQL: the pair holds one value of a strong identifier (NHS number, NI number, UPN)
    or of a scheme unique per person or, with ``slips``, one keyed with a slip of the
    other (:func:`keyed_with_a_slip`). Twins never share one (see
    :meth:`joinedup.people.clustering.Groups.twins`); numbers only their last digit
    apart do not count, since twins registered together may hold such. Siblings are
    registered at other times, and their numbers may be a digit apart anywhere: the
    siblings level asks for the value itself (:func:`~joinedup.people.clustering.share_an_identifier`)."""
    unique = [SCHEME_PREFIX + scheme for scheme, is_unique in schemes.items() if is_unique]
    slipped = {"ni_number", *unique} if slips else set()  # an NHS number or UPN so slipped fails its check
    return " OR ".join(f'coalesce("{column}_l" = "{column}_r", false)'
                       + (" OR " + keyed_with_a_slip_sql(f'"{column}_l"', f'"{column}_r"') if column in slipped else "")
                       for column in [*IDENTIFIER_COMPARISONS, *unique])


#: On the digits alone, so that a transposition across the month and day (1957-10-24
#: typed 1957-12-04) is one edit, as it is to the clerk typing 19571024. One edit leaves
#: the year or the day as it was, so the distance is asked only of dates that keep one
#: (most candidate pairs' dates keep neither, and the siblings level asks it again).
_DOB_ONE_EDIT = ("(birth_year_l = birth_year_r OR right(dob_l, 2) = right(dob_r, 2)) AND "
                 + one_edit_sql("replace(dob_l, '-', '')", "replace(dob_r, '-', '')"))
_DOB_SLIP = f"dob_swapped_l = dob_r OR {_DOB_ONE_EDIT}"


def _dob(schemes: dict[str, bool] | None = None) -> dict[str, Any]:
    return _comparison("dob", "date of birth", [
        _null('"dob_l" IS NULL OR "dob_r" IS NULL'),
        _level(f"dob_l = dob_r AND {_TWIN_NAMES} AND NOT {_KNOWN_BY_A_MIDDLE_NAME} "
               f"AND NOT ({_identifier_in_common(schemes or {}, slips=True)})", _TWINS,
               m_probability=TWIN_M, u_probability=TWIN_U, fix_m_probability=True, fix_u_probability=True),
        _level("dob_l = dob_r", "same date of birth"),
        _level(f"({_DOB_SLIP}) AND {_FORENAMES_DIFFER} AND NOT {_FORENAME_A_MIDDLE_NAME} "
               f"AND NOT ({_identifier_in_common(schemes or {})})",
               _SIBLINGS, m_probability=TWIN_M, u_probability=TWIN_U, fix_m_probability=True,
               fix_u_probability=True),
        _level("dob_swapped_l = dob_r", "day and month swapped"),
        _level(_DOB_ONE_EDIT, "one digit different, or two neighbouring digits swapped"),
        _level("birthday_l = birthday_r", "same day and month, another year"),
        _level("birth_year_l = birth_year_r", "same year"),
        _else("different dates of birth"),
    ])


def _address() -> dict[str, Any]:
    no_uprn = "(uprn_l IS NULL OR uprn_r IS NULL)"
    return _comparison("address", "address: UPRN, then house number and street, postcode, outward code", [
        _null("(uprn_l IS NULL AND address_l IS NULL AND street_l IS NULL AND postcode_l IS NULL) "
              "OR (uprn_r IS NULL AND address_r IS NULL AND street_r IS NULL AND postcode_r IS NULL)",
              "no address on one or both"),
        _level('"uprn_l" = "uprn_r"', "same UPRN", tf_adjustment_column="uprn", tf_adjustment_weight=1.0),
        _level(f"{no_uprn} AND address_l = address_r", "same address text"),
        _level(f"{no_uprn} AND house_l = house_r AND street_l = street_r", "same house number and street"),
        _level(f"{no_uprn} AND house_l = house_r AND jaro_winkler_similarity(street_l, street_r) >= 0.9",
               "same house number, street a typo away"),
        _level(f"{no_uprn} AND house_l = house_r AND ("
               "(length(split_part(street_l, ' ', 1)) >= 5 "
               "AND starts_with(replace(street_r, ' ', ''), split_part(street_l, ' ', 1))) "
               "OR (length(split_part(street_r, ' ', 1)) >= 5 "
               "AND starts_with(replace(street_l, ' ', ''), split_part(street_r, ' ', 1))))",
               "same house number, street's name the same once spaces are ignored"),
        _level(f"{no_uprn} AND postcode_l = postcode_r", "same postcode, no UPRN on one of them"),
        _level("postcode_l = postcode_r", "same postcode, different UPRNs"),
        _level(f"length(postcode_l) >= 4 AND {one_edit_sql('postcode_l', 'postcode_r')}",
               "postcode one character different, or two swapped"),
        _level("outward_l = outward_r", "same outward code"),
        _else("different addresses"),
    ])


def blocking_rules(schemes: Iterable[str] = ()) -> list[str]:
    """The rules that generate candidate pairs: each an equality a true pair is likely to
    keep, several of them without the date of birth (missing or mistyped) or the name.
    None is a name alone, a phone alone or a common value alone: at a million records
    those make tens of millions of pairs."""
    rules = [f"l.{column} = r.{column}" for column in (
        "nhs_number", "ni_number", "upn", "email", *(SCHEME_PREFIX + scheme for scheme in schemes))]
    rules += [" AND ".join(f"l.{column} = r.{column}" for column in columns) for columns in (
        ("phone", "surname"), ("phone", "forename_root"),
        ("dob", "surname"), ("dob", "forename_root"), ("dob", "uprn"), ("dob", "postcode"),
        ("forename_root", "surname", "birth_year"),
        ("surname", "postcode"), ("forename_root", "postcode"), ("uprn", "forename_root"),
    )]
    # The house and street as written pair a record whose address found no UPRN with one
    # whose did; two records that each have a UPRN are paired by it.
    one_without_uprn = "(l.uprn IS NULL OR r.uprn IS NULL)"
    rules += [f"l.house = r.house AND l.street = r.street AND {also} AND {one_without_uprn}" for also in (
        "l.forename_root = r.forename_root", "l.surname_sound = r.surname_sound",
        "substr(l.forename, 1, 1) = substr(r.forename, 1, 1)")]
    rules += [
        "l.forename_root = r.forename_root AND l.birthday = r.birthday AND substr(l.surname, 1, 1) = substr(r.surname, 1, 1)",
        "l.uprn = r.uprn AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
        # A surname and birthday alone, or a surname's sound with an initial and a year
        # near, made 16.5 and 25.1 million pairs at a million records: each is bounded by
        # the forename's initial, or the outward code.
        "l.surname = r.surname AND l.birthday = r.birthday AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
        ("l.surname_sound = r.surname_sound AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1) "
         "AND abs(CAST(l.birth_year AS INTEGER) - CAST(r.birth_year AS INTEGER)) <= 1 AND l.outward = r.outward"),
        "l.forename = r.surname AND l.dob = r.dob", "l.surname = r.forename AND l.dob = r.dob",
        "l.forename = r.surname AND l.postcode = r.postcode", "l.surname = r.forename AND l.postcode = r.postcode",
        "l.dob_swapped = r.dob AND l.surname = r.surname",
    ]
    return rules


def prediction_rules(model: dict[str, Any]) -> list[str]:
    """The blocking rules (:func:`blocking_rules`) as ``model`` (Splink's JSON) keeps them."""
    return [rule["blocking_rule"] for rule in model["blocking_rules_to_generate_predictions"]]


def settings(schemes: dict[str, bool] | None = None) -> dict[str, Any]:
    """The untrained model: comparisons and the blocking rules that generate pairs.
    ``schemes``: the identifier schemes to compare, each with whether it is unique."""
    from splink import SettingsCreator

    memoise_parsing()
    schemes = schemes or {}
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-4,
        comparisons=[
            _name(), _dob(schemes), _exact("sex", "sex"),
            _exact("nhs_number", "NHS number", typo=True), _exact("ni_number", "NI number", typo=True),
            _exact("upn", "unique pupil number", typo=True), _address(),
            _exact("phone", "phone"), _exact("email", "email"),
            *(_scheme(scheme, unique) for scheme, unique in schemes.items()),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(schemes),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )
    return creator.get_settings("duckdb").as_dict()


def linker(frame: pd.DataFrame, model: dict[str, Any]):
    """A Splink linker over ``frame`` (from :func:`prepare`) with ``model`` (settings JSON).

    Splink's settings validation only logs warnings (which nothing here shows) about
    columns the settings name but the frame lacks; our settings and frame come from one
    module, and a column truly missing fails the SQL anyway. It was a tenth of a link run.
    Splink parses each SQL fragment once (:mod:`joinedup.people.splink_parsing`)."""
    from splink import DuckDBAPI, Linker

    memoise_parsing()
    return Linker(frame, model, DuckDBAPI(), set_up_basic_logging=False, validate_settings=False)


def train(frame: pd.DataFrame, *, seed: int = 42, max_pairs: float = 2e6,
          schemes: dict[str, bool] | None = None) -> dict[str, Any]:
    """Train the model on ``frame`` (from :func:`prepare` with ``schemes``) without
    labels; return Splink's model JSON.

    Above :data:`TRAINING_SAMPLE` records it learns from a random sample of that many
    (fixed seed): the chance that two random records match, u and m are all estimated
    as well from a quarter of a million records as from a million, in a fraction of the
    time. Predictions always use every record.
    """
    from splink import block_on
    from splink.internals.exceptions import EMTrainingException

    schemes = schemes or {}
    if len(frame) > TRAINING_SAMPLE:
        frame = frame.sample(n=TRAINING_SAMPLE, random_state=seed)

    trained = linker(frame, settings(schemes))
    trained.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("ni_number"), block_on("upn"),
         *(block_on(SCHEME_PREFIX + scheme) for scheme, unique in schemes.items() if unique),
         block_on("forename", "surname", "dob")],
        recall=0.8,
    )
    prior = trained.misc.save_model_to_json()["probability_two_random_records_match"]
    trained.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    sampled = min(max_pairs, len(frame) * (len(frame) - 1) / 2)
    # The fixed levels (twins, siblings) read the forenames, and Splink leaves untrained
    # every comparison that reads a column a pass blocks on; without them in training,
    # the passes blocked on the name train the date of birth.
    unfixed, fixed = _without_fixed(trained.misc.save_model_to_json())
    trained = linker(frame, unfixed)
    sessions = 0
    for rule in (*EM_PASSES, *((SCHEME_PREFIX + scheme,) for scheme in schemes)):
        before = trained.misc.save_model_to_json()
        try:
            trained.training.estimate_parameters_using_expectation_maximisation(em_pass_rule(frame, rule))
        except EMTrainingException:
            # No pairs on this rule here (no NHS numbers, no UPRNs matched). Splink leaves
            # the failed pass's settings (comparisons dropped, prior adjusted) on the
            # linker, so carry on from the model as it was before the pass.
            trained = linker(frame, before)
            continue
        if not sensible(trained.misc.save_model_to_json()):
            trained = linker(frame, before)  # this pass learnt something other than people: discard it
            continue
        sessions += 1
    if not sessions:
        raise EMTrainingException("no training pass found pairs of records to learn from")
    model = _with_fixed(trained.misc.save_model_to_json(), fixed)
    # Splink leaves the last EM pass's blocking-adjusted prior on the linker; the prior
    # is the one the deterministic rules estimated.
    model["probability_two_random_records_match"] = prior
    return _m_floored(_u_bounded(model, sampled))


#: The least share of one person's pairs any level is taken to hold (see :func:`_m_floored`).
M_FLOOR = 0.001
#: How many random pairs a level may be missing from while its u is still taken as the
#: most that missing it allows: the "rule of three", u ≤ 3/n at 95% (see :func:`_u_bounded`).
U_UNSEEN_PAIRS = 3


def _trained_levels(model: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every level of ``model`` that training sets: not a null level, not a fixed one."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and not level.get("fix_m_probability"):
                yield level


def _u_bounded(model: dict[str, Any], sampled: float) -> dict[str, Any]:
    """``model`` with a u for each level that none of the ``sampled`` random pairs fell in:
    :data:`U_UNSEEN_PAIRS` / ``sampled``, the largest u that seeing none allows.

    Splink marks such a level "not observed" and leaves it out of the model's JSON, and a
    linker made from that JSON gives it a placeholder u spread evenly over the comparison's
    levels. At a million records that made "same NHS number" worth 9.5 bits (u 0.0009,
    where one person in a million shares a number) and "same postcode, no UPRN on one of
    them" −3.5 bits: agreement counted as disagreement."""
    bound = min(1.0, U_UNSEEN_PAIRS / max(sampled, 1))
    for level in _trained_levels(model):
        if level.get("u_probability") is None:
            level["u_probability"] = bound
    return model


def _m_floored(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with no level's m below :data:`M_FLOOR`, or missing. EM learns m ≈ 0 for a
    level that no pair of one person showed in training, and its weight then says
    "never one person" (a newcomer's trial learnt −55 bits for one postcode with another
    house number, −44 for a postcode one character off, −116 for another NI number): an
    extract whose errors the training data lacked could never be linked on it. A level
    EM never saw at all has no m in Splink's JSON, and a linker would give it a placeholder.
    Fixed levels (twins, siblings) keep their values."""
    for level in _trained_levels(model):
        m = level.get("m_probability")
        if m is None or m < M_FLOOR:
            level["m_probability"] = M_FLOOR
    return model


def em_pass_rule(frame: pd.DataFrame, rule: tuple[str, ...]) -> str:
    """An EM pass's blocking rule: the equality of ``rule``'s columns, over a share of the
    pairs it makes (those whose left record's hash falls in it) when they are more than
    :data:`EM_PAIRS`."""
    sizes = frame[list(rule)].dropna().value_counts()
    pairs = int((sizes * (sizes - 1) // 2).sum())
    equal = " AND ".join(f"l.{column} = r.{column}" for column in rule)
    share = -(-pairs // EM_PAIRS)
    return equal if share <= 1 else f"{equal} AND hash(l.unique_id) % {share} = 0"


def _dob_levels(model: dict[str, Any]) -> list[dict[str, Any]]:
    return next(c for c in model["comparisons"] if c["output_column_name"] == "dob")["comparison_levels"]


def _without_fixed(model: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """``model`` without the date of birth's :data:`FIXED_LEVELS`, and those levels with their places."""
    model = copy.deepcopy(model)
    levels = _dob_levels(model)
    fixed = [(at, level) for at, level in enumerate(levels) if level.get("label_for_charts") in FIXED_LEVELS]
    levels[:] = [level for level in levels if level.get("label_for_charts") not in FIXED_LEVELS]
    return model, fixed


def _with_fixed(model: dict[str, Any], fixed: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """``model`` with the fixed levels put back where :func:`_without_fixed` took them from."""
    levels = _dob_levels(model)
    for at, level in fixed:
        levels.insert(at, level)
    return model


#: The level of each comparison whose agreement must count for a match in a sensible model.
AGREEMENT_COUNTS = {"name": "same forename and surname", "dob": "same date of birth"}


def sensible(model: dict[str, Any]) -> bool:
    """Whether the model still says that the same name and date of birth are evidence for
    a match. An EM pass over pairs that are mostly different people (a source that gives
    everyone one postcode, say) can converge on a model of something else, where
    agreement counts against; such a pass is discarded."""
    for comparison in model["comparisons"]:
        label = AGREEMENT_COUNTS.get(comparison["output_column_name"])
        if label is None:
            continue
        level = next(level for level in comparison["comparison_levels"] if level.get("label_for_charts") == label)
        m, u = level.get("m_probability"), level.get("u_probability")
        if m and u and m <= u:
            return False
    return True


def level_weight(level: dict[str, Any]) -> float:
    """A level's match weight, log2(m/u), without term frequency adjustment; 0 untrained."""
    m, u = level.get("m_probability"), level.get("u_probability")
    return math.log2(m / u) if m and u else 0.0


def ceilings(frame: pd.DataFrame, model: dict[str, Any]) -> pd.Series:
    """The highest match probability each record (a row of ``frame``) could reach: with
    a copy of itself, every comparison at the level its filled columns allow.

    A record whose ceiling is below the link threshold can never be linked on the
    evidence it carries, whatever fields it has; one with only a surname, a date of
    birth and an address can. Term frequency adjustments are left out (they only lower
    a common value's weight), so a ceiling errs towards linking being possible. Only
    trained levels count: an untrained one adds nothing.
    """
    levels = _self_levels(model, set(frame.columns))
    if len(frame) <= 64:  # a few arrivals: pandas' overhead per operation outweighs the work
        columns = list(frame.columns)
        totals = []
        for row in frame.itertuples(index=False, name=None):
            filled = {name for name, value in zip(columns, row, strict=True) if not pd.isna(value)}
            totals.append(prior_weight(model) + sum(
                next((weight for needed, weight in options if filled.issuperset(needed)), 0.0) for options in levels))
        return pd.Series([1 / (1 + 2 ** (-total)) for total in totals], index=frame.index, dtype="float64")
    total = pd.Series(prior_weight(model), index=frame.index, dtype="float64")
    for options in levels:
        gained = pd.Series(0.0, index=frame.index)
        decided = pd.Series(False, index=frame.index)
        for needed, weight in options:
            filled = frame[list(needed)].notna().all(axis=1) & ~decided
            gained[filled] = weight
            decided |= filled
        total += gained
    return 1 / (1 + 2 ** (-total))


def _self_levels(model: dict[str, Any], columns: set[str]) -> list[list[tuple[tuple[str, ...], float]]]:
    """For each comparison, the levels a record paired with itself can reach, best first:
    the columns each needs filled, and its weight. A partner without the field gives the
    null level (weight 0), so a level that counts against even on agreement (one source
    alone carries phones, say) never lowers what a record can reach."""
    found = []
    for comparison in model["comparisons"]:
        column = comparison["output_column_name"]
        by_label = {level.get("label_for_charts"): level for level in comparison["comparison_levels"]}
        choices = SELF_LEVELS.get(column)
        if choices is None:
            exact = next(level for level in comparison["comparison_levels"] if not level.get("is_null_level"))
            choices = (((column,), exact.get("label_for_charts")),)
        found.append([(tuple(needed), max(level_weight(by_label[label]), 0.0)) for needed, label in choices
                      if label in by_label and all(name in columns for name in needed)])
    return found


# --------------------------------------------------------------------------- scoring

#: The comparisons whose exact level is one strong identifier on both records (and each
#: identifier scheme's column, ``id_<scheme>``).
IDENTIFIER_COMPARISONS = ("nhs_number", "ni_number", "upn")


def _identifier_columns(frame: pd.DataFrame) -> list[str]:
    return [*IDENTIFIER_COMPARISONS, *(column for column in frame.columns if column.startswith(SCHEME_PREFIX))]


def score(
    frame: pd.DataFrame,
    model: dict[str, Any],
    *,
    keep_from: float,
) -> tuple[list[tuple[int, int, float, float, str, str]], int]:
    """Score the pairs the model's blocking rules generate over ``frame``.

    Returns the pairs kept and how many candidate pairs the rules made (each pair once,
    whichever rules make it, as Splink compares them). Each pair kept is
    ``(left, right, probability, match_weight, gammas, weights)``, for each pair
    with probability at least ``keep_from``, and for each pair with the same strong
    identifier on both records whatever its probability; ``gammas`` and ``weights`` are
    each comparison's level and match weight (log2 of its Bayes factor, term frequency
    adjustment included), comma-separated in the model's order. (Arrivals are scored
    against the standing index instead: :mod:`joinedup.people.standing`.)

    Splink filters by probability before it materialises the predictions, so memory
    follows the pairs kept, not the pairs blocked. Pairs sharing an identifier below
    ``keep_from`` are few; they are scored by a second linker over just their records,
    with the first one's term frequencies.
    """
    scorer = linker(frame, _explaining(model))
    with _blocking_by_union(scorer, prediction_rules(model)) as candidates:
        kept = _predict(scorer, model, keep_from)
    found = {(left, right) for left, right, *_ in kept}
    sharing = [pair for pair in _sharing_identifier(frame) if pair not in found]
    if sharing:
        involved = {record_id for pair in sharing for record_id in pair}
        subset = frame[frame["unique_id"].isin(involved)]
        second = _explaining(model)
        second["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": f"l.{column} = r.{column}", "sql_dialect": "duckdb"} for column in _identifier_columns(frame)
        ]
        checker = linker(subset, second)
        for column in _term_frequency_columns(model):
            lookup = scorer.table_management.compute_tf_table(column)
            checker.table_management.register_term_frequency_lookup(lookup.as_pandas_dataframe(), column)
        wanted = set(sharing)
        kept += [pair for pair in _predict(checker, model, None) if (pair[0], pair[1]) in wanted]
    return kept, candidates[0]


def _explaining(model: dict[str, Any]) -> dict[str, Any]:
    settings = dict(model)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True
    return settings


def _term_frequency_columns(model: dict[str, Any]) -> list[str]:
    columns = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def _sharing_identifier(frame: pd.DataFrame) -> set[tuple[int, int]]:
    """Pairs (lower id first) with the same NHS number, NI number, UPN or identifier of a scheme."""
    pairs: set[tuple[int, int]] = set()
    for column in _identifier_columns(frame):
        held = frame.loc[frame[column].notna(), ["unique_id", column]]
        shared = held[held.duplicated(column, keep=False)]
        for _, ids in shared.groupby(column)["unique_id"]:
            members = sorted(int(record_id) for record_id in ids)
            for index, left in enumerate(members):
                pairs.update((left, right) for right in members[index + 1:])
    return pairs


def _predict(scorer, model: dict[str, Any], keep_from: float | None) -> list[tuple[int, int, float, float, str, str]]:
    predictions = scorer.inference.predict(threshold_match_probability=keep_from)
    try:
        relation = predictions.as_duckdbpyrelation()
        columns = set(relation.columns)
        gammas, weights = [], []
        for comparison in model["comparisons"]:
            column = comparison["output_column_name"]
            gammas.append(f"gamma_{column}")
            factor = f"bf_{column}" + (f" * bf_tf_adj_{column}" if f"bf_tf_adj_{column}" in columns else "")
            weights.append(f"round(log2(greatest({factor}, 1e-300)), 3)")
        rows = relation.project(
            "least(unique_id_l, unique_id_r) AS l, greatest(unique_id_l, unique_id_r) AS r, match_probability, "
            f"match_weight, concat_ws(',', {', '.join(gammas)}) AS gammas, "
            f"concat_ws(',', {', '.join(weights)}) AS weights"
        ).fetchnumpy()
    finally:
        predictions.drop_table_from_database_and_remove_from_cache()
    return list(zip(
        rows["l"].astype(int).tolist(), rows["r"].astype(int).tolist(),
        rows["match_probability"].astype(float).tolist(), rows["match_weight"].astype(float).tolist(),
        list(rows["gammas"]), list(rows["weights"]), strict=True,
    ))


@contextmanager
def _blocking_by_union(scorer, rules: list[str]) -> Iterator[list[int]]:
    """Make Splink's table of candidate pairs (:data:`BLOCKED_PAIRS`) by our own query,
    and count it: the list given holds that one count once the block ends.

    Splink makes each pair once by adding to each rule the negation of every rule before
    it, so the last of our 26 rules (more with identifier schemes) tests 25 conditions on
    every pair it joins: 20.8 s of a link run at a million records. Here each rule joins
    alone, and the pairs are grouped, each keeping the first rule that made it, as
    Splink's ``match_key`` does: the same 11,709,332 pairs, the same keys, in 6.1 s
    (docs/people.md). Counting them with a query of our own repeated every rule's join
    (28 s), so they are counted here, in the table.

    The hook is on this linker's own database object (each :func:`linker` makes one), and
    comes off when the prediction ends. Splink is pinned (4.0.17);
    tests/people/test_linkage_rules.py checks the pairs and their keys against Splink's own.
    """
    database = scorer._db_api
    run = database.sql_pipeline_to_splink_dataframe
    counts: list[int] = []

    def blocking(pipeline, *args, **kwargs):
        last = pipeline.queue[-1] if pipeline.queue else None
        ours = last is not None and last.output_table_name == BLOCKED_PAIRS
        if ours and rules:  # with no rules Splink compares every pair: its own query does that
            pipeline.queue[-1] = type(last)(blocked_pairs_sql(rules), BLOCKED_PAIRS)
        table = run(pipeline, *args, **kwargs)
        if ours:
            counts.append(int(table.as_duckdbpyrelation().aggregate("count(*)").fetchone()[0]))
        return table

    database.sql_pipeline_to_splink_dataframe = blocking
    try:
        yield counts
    finally:
        del database.sql_pipeline_to_splink_dataframe
    if len(counts) != 1:  # a Splink that names or makes the table otherwise: say so, never count 0
        raise RuntimeError(f"Splink made {len(counts)} tables named {BLOCKED_PAIRS} while predicting, not one")


def blocked_pairs_sql(rules: list[str], table: str = "__splink__df_concat_with_tf") -> str:
    """The candidate pairs of ``rules`` over ``table`` (a record with a lower id on the
    left), each once, with the index of the first rule that makes it as ``match_key``."""
    joins = " UNION ALL ".join(
        f'SELECT {index} AS rule, l."unique_id" AS join_key_l, r."unique_id" AS join_key_r '
        f'FROM {table} AS l INNER JOIN {table} AS r ON ({rule}) WHERE l."unique_id" < r."unique_id"'
        for index, rule in enumerate(rules))
    return (f"SELECT CAST(min(rule) AS VARCHAR) AS match_key, join_key_l, join_key_r FROM ({joins}) "
            "GROUP BY join_key_l, join_key_r")


def prior_weight(model: dict[str, Any]) -> float:
    """The match weight before any comparison: log2 of the prior odds of a match."""
    chance = model["probability_two_random_records_match"]
    return math.log2(chance / (1 - chance))


def explain(model: dict[str, Any], gammas: str, weights: str) -> list[dict[str, Any]]:
    """Each comparison's contribution to a pair's match weight: the comparison, the level
    the pair fell in, and its weight (from :func:`score`'s ``gammas`` and ``weights``)."""
    steps = []
    for comparison, gamma, weight in zip(model["comparisons"], gammas.split(","), weights.split(","), strict=True):
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        value = int(gamma)
        if value < 0:
            label = "not recorded on one or both"
        else:
            label = levels[len(levels) - 1 - value].get("label_for_charts", "")
        steps.append({
            "comparison": comparison["output_column_name"],
            "description": comparison_label(comparison["output_column_name"]),
            "level": label, "gamma": value, "weight": float(weight),
        })
    return steps
