"""The identifiers agencies hold: valid by construction, unique per person, never real.

* NHS numbers are ten digits with a modulus-11 check digit. They are drawn from numbers
  beginning with 9, a block England does not issue to patients (it issues 4xx and 6xx-7xx;
  999 is the national test range), so a synthetic number never names a real patient.
* NI numbers follow HMRC's format (two prefix letters, six digits, suffix A-D).
* UPNs are a DfE check letter and twelve digits: a fictional LA code, an establishment
  and serial part, and the two-digit year of allocation.
* Phone numbers come from Ofcom's ranges reserved for drama, and e-mail addresses use the
  reserved ``example`` domains, so neither can reach anyone.

Uniqueness without shared state: each identifier is a scrambled but injective function
of the person's global index (:class:`IdentifierSpace`), so chunks generated
independently, in any process, never collide.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date

NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
NI_BAD_LETTERS = set("DFIQUV")
NI_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NI_PREFIXES = tuple(
    first + second
    for first in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for second in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if first not in NI_BAD_LETTERS
    and second not in NI_BAD_LETTERS
    and second != "O"
    and first + second not in NI_BAD_PREFIXES
)
NI_PREFIX_SET = frozenset(NI_PREFIXES)
#: The fictional LA codes in a UPN: the town's, and its neighbours'.
TOWN_LA_CODE = "994"
NEIGHBOUR_LA_CODE = "995"

#: Ofcom's drama ranges: 07700 900000-900999 (mobile), 01632 960000-960999 (no area) and
#: 0306 999 0000-0999 (UK-wide), used for residents and practitioners respectively.
MOBILE_DRAMA = "07700 900"
LANDLINE_DRAMA = "01632 960"
OFFICE_DRAMA = "0306 999 0"
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def derived_seed(*parts: object) -> int:
    """A 64-bit seed from the place's seed and a name for one stream of randomness."""
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


class IdentifierSpace:
    """A scrambled one-to-one map from an index to a number below a prime ``modulus``.

    ``index -> (index * multiplier + offset) mod modulus`` is a bijection on
    ``[0, modulus)``, so two people (or one person's two attempts) never share a number.
    """

    def __init__(self, modulus: int, seed: int, name: str) -> None:
        rng = random.Random(derived_seed(seed, "identifier-space", name))
        self.modulus = modulus
        self.multiplier = rng.randrange(modulus // 3, modulus - 1)
        self.offset = rng.randrange(modulus)

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.modulus:
            raise ValueError(f"index {index} is outside this identifier space")
        return (index * self.multiplier + self.offset) % self.modulus


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine NHS number digits; None where none is valid."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True for ten digits (spaces allowed) whose last digit is the modulus-11 check."""
    digits = value.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def upn_check_letter(twelve: str) -> str:
    """The DfE check letter of a UPN's last twelve characters (all digits here).

    Each character is weighted by its position in the full UPN (2 to 13), the sum taken
    modulo 23 and mapped to the alphabet without I, O and S.
    """
    total = sum(int(char) * weight for weight, char in enumerate(twelve, start=2))
    return UPN_CHECK_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    """True for a check letter followed by twelve digits, with the DfE check letter."""
    if len(value) != 13 or not value[1:].isdigit():
        return False
    return value[0] == upn_check_letter(value[1:])


def is_valid_ni_number(value: str) -> bool:
    """True for an NI number in HMRC's format (spaces allowed)."""
    compact = value.replace(" ", "").upper()
    return (
        len(compact) == 9
        and compact[:2] in NI_PREFIX_SET
        and compact[2:8].isdigit()
        and compact[8] in "ABCD"
    )


class IdentifierIssuer:
    """Issues one place's NHS numbers, NI numbers and UPNs from people's global indices."""

    NHS_MODULUS = 99_999_989  # the largest prime below 10**8: eight free digits after the 9
    UPN_MODULUS = 9_999_991  # the largest prime below 10**7: establishment and serial

    def __init__(self, seed: int) -> None:
        self.nhs_space = IdentifierSpace(self.NHS_MODULUS, seed, "nhs")
        self.upn_space = IdentifierSpace(self.UPN_MODULUS, seed, "upn")
        ni_modulus = _prime_below(len(NI_PREFIXES) * 1_000_000)
        self.ni_space = IdentifierSpace(ni_modulus, seed, "ni")

    def nhs_number(self, index: int) -> str:
        """A valid NHS number: the first of eleven candidates with a usable check digit."""
        for attempt in range(11):
            body = f"9{self.nhs_space(index * 11 + attempt):08d}"
            check = nhs_check_digit(body)
            if check is not None:
                return f"{body}{check}"
        raise AssertionError("eleven consecutive NHS candidates without a check digit")

    def ni_number(self, index: int) -> str:
        number = self.ni_space(index)
        prefix = NI_PREFIXES[number // 1_000_000]
        return f"{prefix}{number % 1_000_000:06d}{'ABCD'[index % 4]}"

    def upn(self, index: int, allocated: date, la_code: str = TOWN_LA_CODE) -> str:
        number = self.upn_space(index)
        establishment, serial = divmod(number, 1000)
        twelve = f"{la_code}{establishment:04d}{allocated.year % 100:02d}{serial:03d}"
        return upn_check_letter(twelve) + twelve


def _prime_below(limit: int) -> int:
    candidate = limit - 1
    while candidate > 2:
        if all(candidate % factor for factor in range(2, int(candidate**0.5) + 1)):
            return candidate
        candidate -= 1
    raise ValueError("no prime below the limit")


def resident_phone(rng: random.Random) -> str:
    """A resident's phone number from Ofcom's drama ranges, mobile three times in four."""
    if rng.random() < 0.75:
        return f"{MOBILE_DRAMA}{rng.randrange(1000):03d}"
    return f"{LANDLINE_DRAMA}{rng.randrange(1000):03d}"


def office_phone(number: int) -> str:
    """A practitioner's direct line, 0306 999 0000-0999."""
    return f"{OFFICE_DRAMA}{number % 1000:03d}"
