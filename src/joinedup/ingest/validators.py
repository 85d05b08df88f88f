"""The rules an agency's values must meet, and the normal form each is stored in.

Each validator takes the text as the agency sent it and returns the normalised value, or
raises :class:`Invalid` with the problem in words a data team can act on. Identity
resolution leans on these values, so a value that fails is never "corrected" by guessing:
the loader keeps it as raw text and flags it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime

SEXES = ("male", "female", "unknown")
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
EARLIEST_BIRTH = date(1900, 1, 1)
#: Dates of birth that systems write when the date is not known; no one living was born on them.
UNKNOWN_BIRTHS = frozenset({date(1900, 1, 1), date(1901, 1, 1)})

_TEN_DIGITS = re.compile(r"[0-9]{10}")
_NI_NUMBER = re.compile(r"([A-Z]{2})[0-9]{6}[A-D]")
_NI_BAD_FIRST = frozenset("DFIQUV")
_NI_BAD_SECOND = frozenset("DFIQUVO")
_NI_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_UPN = re.compile(r"[A-Z][0-9]{12}")
_POSTCODE = re.compile(r"GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}")
_OUTWARD_CODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE_SEPARATORS = str.maketrans("", "", " \t\u00a0-().")
_UK_PHONE = re.compile(r"0[1-9][0-9]{8,9}")
_INTERNATIONAL_PHONE = re.compile(r"\+[1-9][0-9]{7,14}")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")


#: Words written before a forename that are not names ("Mrs", "Dr.", "Revd"): an extract
#: that writes "Miss Nicola", or "BULL, MS RACHEL ELLIE" in one column, gives a forename
#: that would never agree with the same person's "NICOLA" or "Rachel" elsewhere.
TITLES = frozenset({
    "MR", "MRS", "MS", "MISS", "MX", "MASTER", "DR", "PROF", "REV", "REVD", "SIR", "DAME", "LADY", "LORD",
})


#: Words that begin a surname of two words or more ("De Souza", "van der Berg", "Al
#: Hassan"): in a whole name split at spaces, they go with the surname, not the given names.
SURNAME_PARTICLES = frozenset({
    "AL", "AP", "BIN", "BINTI", "DA", "DAS", "DE", "DEL", "DELLA", "DEN", "DER", "DI", "DOS", "DU", "EL",
    "LA", "LE", "ST", "TER", "VAN", "VON",
})


class Invalid(ValueError):
    """A value that breaks a rule; ``problem`` names the rule (never the value)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def is_title(word: str) -> bool:
    """Whether ``word`` is a title (:data:`TITLES`), in any case, with a full stop or none."""
    return word.rstrip(".").upper() in TITLES


def after_titles(words: list[str]) -> list[str]:
    """``words`` from the first that is not a title: empty when every word is one."""
    for at, word in enumerate(words):
        if not is_title(word):
            return words[at:]
    return []


#: What a hospital writes for a baby not yet named: "Baby", "Baby of", "Baby Girl",
#: "Infant of", "Unnamed". The words after "of" name the mother, not the child.
UNNAMED_BABY = frozenset({"BABY", "INFANT", "NEWBORN", "UNNAMED"})
_UNNAMED_BABY_NEXT = frozenset({"OF", "BOY", "GIRL", "MALE", "FEMALE", "TWIN", "1", "2", "3", "A", "B", "C"})


def unnamed_baby(words: list[str]) -> bool:
    """Whether given names are a placeholder for a baby not yet named: one of
    :data:`UNNAMED_BABY`, alone or followed by "of", a sex or a twin's number. "Baby John"
    is a name."""
    first = [word.rstrip(".").upper() for word in words[:2]]
    return bool(first) and first[0] in UNNAMED_BABY and (len(first) == 1 or first[1] in _UNNAMED_BABY_NEXT)


def forename(text: str) -> str:
    """A forename without the titles written before it; one that is only titles is not a
    forename ("Mr", with the surname in its own column), nor is a placeholder for a baby
    not yet named (:func:`unnamed_baby`): kept, "BABY OF" agreed with every other
    unnamed baby, and never with the child's name when it was registered."""
    words = text.split()
    named = after_titles(words)
    if not named:
        raise Invalid("is a title, not a forename")
    if unnamed_baby(named):
        raise Invalid("is a placeholder for a baby not yet named, not a forename")
    return text if len(named) == len(words) else " ".join(named)


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no NHS number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number(text: str) -> str:
    """Ten digits, spaces or hyphens between them ("943 476 5919", "943-476-5919"), with a
    valid modulus-11 check digit."""
    digits = re.sub(r"[ -]", "", text)
    if not _TEN_DIGITS.fullmatch(digits):
        raise Invalid("is not 10 digits")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise Invalid("fails the modulus-11 check")
    return digits


def ni_number(text: str) -> str:
    value = _compact(text)
    match = _NI_NUMBER.fullmatch(value)
    if match is None:
        raise Invalid("is not two letters, six digits and a letter from A to D")
    prefix = match.group(1)
    if prefix[0] in _NI_BAD_FIRST or prefix[1] in _NI_BAD_SECOND or prefix in _NI_BAD_PREFIXES:
        raise Invalid("has a prefix that is never used in National Insurance numbers")
    return value


def upn_check_letter(twelve: str) -> str:
    """The DfE check letter: characters 2 to 13 weighted by position, modulo 23."""
    total = sum(int(digit) * weight for digit, weight in zip(twelve, range(2, 14)))
    return UPN_CHECK_LETTERS[total % 23]


def upn(text: str) -> str:
    value = _compact(text)
    if not _UPN.fullmatch(value):
        raise Invalid("is not a check letter and 12 digits")
    if value[0] != upn_check_letter(value[1:]):
        raise Invalid("has the wrong check letter")
    return value


def normalise_postcode(text: str) -> str:
    """Upper case with one space before the inward code; text that is no postcode is only tidied."""
    compact = _compact(text)
    if _POSTCODE.fullmatch(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(text.upper().split())


def is_outward_code(text: str) -> bool:
    """Whether ``text`` (upper case, no spaces) is the shape of a postcode's outward code alone ("SW1A")."""
    return bool(_OUTWARD_CODE.fullmatch(text))


def postcode(text: str) -> str:
    value = normalise_postcode(text)
    if not _POSTCODE.fullmatch(value.replace(" ", "")):
        if is_outward_code(value):
            # "SW1A": half a postcode, which the address matcher still uses (docs/gazetteer.md).
            raise Invalid("is an outward code alone, not a full postcode")
        raise Invalid("is not a UK postcode")
    return value


_POSTCODE_AT_END = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\s*$")


def postcode_at_end(text: str) -> tuple[str, str]:
    """(the text before it, the postcode) when ``text`` ends with a valid UK postcode
    ("12 High St, Joinford JU1 1AA"); else (``text``, "")."""
    found = _POSTCODE_AT_END.search(text.upper())
    if found:
        try:
            return text[: found.start()].rstrip(" ,"), postcode(f"{found.group(1)} {found.group(2)}")
        except Invalid:
            pass
    return text, ""


def email(text: str) -> str:
    value = text.strip()
    if not _EMAIL.fullmatch(value):
        raise Invalid("is not an email address")
    return value


def phone(text: str) -> str:
    """Digits with a leading ``+`` or ``0``: "+44 (0)20 7946 0958" becomes "+442079460958"."""
    value = text.strip().replace("(0)", "").translate(_PHONE_SEPARATORS)
    if value.startswith("00"):
        value = "+" + value[2:]
    if not (_UK_PHONE.fullmatch(value) or _INTERNATIONAL_PHONE.fullmatch(value)):
        raise Invalid("is not a phone number")
    return value


def sex(text: str) -> str:
    value = text.strip().lower()
    if value not in SEXES:
        raise Invalid("is not male, female or unknown")
    return value


def number(text: str) -> int | float:
    if not _DECIMAL.fullmatch(text):
        raise Invalid("is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise Invalid("is not a number")
    return value


def integer(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise Invalid("is not a whole number")
    return int(text)


def readable_format(fmt: str) -> str:
    """A strptime format as people write it: ``%d/%m/%Y`` becomes ``DD/MM/YYYY``."""
    for directive, words in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY"),
                             ("%b", "Mon"), ("%B", "Month"), ("%H", "hh"), ("%M", "mm"),
                             ("%S", "ss")):
        fmt = fmt.replace(directive, words)
    return fmt


_FAST_DIRECTIVES = {"%d": r"(?P<d>[0-9]{1,2})", "%m": r"(?P<m>[0-9]{1,2})", "%Y": r"(?P<y>[0-9]{4})"}


def _fast_pattern(fmt: str) -> re.Pattern[str] | None:
    """A regex equal to strptime for formats made of %d, %m, %Y and the separators - / . ."""
    if re.search(r"%[a-zA-Z]%", fmt):
        return None
    parts = re.split(r"(%[a-zA-Z%])", fmt)
    if sorted(p for p in parts if p.startswith("%")) != ["%Y", "%d", "%m"]:
        return None
    if any(p and not p.startswith("%") and set(p) - set("-/.") for p in parts):
        return None
    return re.compile("".join(_FAST_DIRECTIVES.get(p, re.escape(p)) for p in parts))


def date_parser(formats: Iterable[str], *, past_by: date | None = None) -> Callable[[str], date]:
    """A parser trying ``formats`` in order; it raises Invalid naming the formats expected.

    Given ``past_by`` (a date of birth's, which has happened by today), a two-digit year
    (``%y``) is read in the century that puts the date on or before it: Python reads
    "23/05/58" as 2058, but a person born then was born in 1958.
    """
    formats = tuple(formats)
    attempts: list[Callable[[str], date]] = []
    for fmt in formats:
        pattern = _fast_pattern(fmt)
        if pattern is not None:
            attempts.append(_matcher(pattern))
        elif past_by is not None and "%y" in fmt:
            attempts.append(lambda text, fmt=fmt: _on_or_before(datetime.strptime(text, fmt).date(), past_by))
        else:
            attempts.append(lambda text, fmt=fmt: datetime.strptime(text, fmt).date())
    problem = "is not a real date in the format " + " or ".join(map(readable_format, formats))

    def parse(text: str) -> date:
        for attempt in attempts:
            try:
                return attempt(text)
            except ValueError:
                continue
        raise Invalid(problem)

    return parse


def _on_or_before(value: date, last: date) -> date:
    """``value``, a century earlier if it falls after ``last`` (a two-digit year's other reading)."""
    if value <= last:
        return value
    try:
        return value.replace(year=value.year - 100)
    except ValueError:  # 29 February of a year whose century-earlier twin is not a leap year
        return value


def _matcher(pattern: re.Pattern[str]) -> Callable[[str], date]:
    def match(text: str) -> date:
        found = pattern.fullmatch(text)
        if found is None:
            raise ValueError(text)
        return date(int(found["y"]), int(found["m"]), int(found["d"]))

    return match


def birth_date(value: date, today: date) -> date:
    """A date of birth must have happened, and not before 1900. 1 January 1900 and 1901 are
    what systems write when the date is not known: kept as a date, each would be one
    person's date shared by strangers, and another than the person's own elsewhere."""
    if value > today:
        raise Invalid("is in the future")
    if value < EARLIEST_BIRTH:
        raise Invalid("is before 1900")
    if value in UNKNOWN_BIRTHS:
        raise Invalid(f"is {value:%d/%m/%Y}, which systems write for a date not known")
    return value
