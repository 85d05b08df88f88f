"""Misspelt names: how many slips apart two spellings are, and finding a name from a misspelling.

Agencies type street and town names as they hear them: a key next to the right one, a
letter doubled or dropped, two letters swapped ("Hihg"), or a sound spelt another way
("Tollerbie" for Tollerby, "Fillips" for Phillips). :class:`NearNames` finds the
names a misspelling could be, without comparing it with every name in the gazetteer:

- one slip (a letter changed, added, dropped, or two neighbours swapped) through the
  names with one letter deleted, which a one-slip misspelling always shares with the
  name it misspells;
- a sound spelt another way through a key of how the name sounds (:func:`sound_key`),
  for long names only, where two slips still leave the name recognisable.

Every candidate is then checked by counting its slips (:func:`slips`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from functools import lru_cache

#: Below this many letters one slip is allowed, and no sound-alike; from it, two.
LONG_NAME = 8

_SOUNDS = (
    ("PH", "F"), ("GH", ""), ("CK", "K"), ("WH", "W"), ("TCH", "CH"), ("TH", "F"), ("Q", "K"), ("C", "K"),
    ("Z", "S"), ("V", "F"), ("Y", "I"),
)
_VOWELS = "AEIOU"


def slips(a: str, b: str, limit: int = 2) -> int:
    """The slips that turn ``a`` into ``b`` (a transposition is one); ``limit + 1`` when more."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_slips(text: str) -> int:
    """How many slips a name of this length can take and still be told from others."""
    return 1 if len(text) < LONG_NAME else 2


@lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """How a name sounds, roughly, in most English accents: the first letter, then consonants.

    Doubled letters count once; "th" sounds as "f" does for many speakers, and an "r"
    after a vowel and before no vowel is not heard ("Robert" sounds like "Robat").
    """
    text = "".join(char for char in text.upper() if char.isalpha())
    if not text:
        return ""
    for written, heard in _SOUNDS:
        text = text.replace(written, heard)
    key = text[0]
    for at in range(1, len(text)):
        char = text[at]
        unheard_r = char == "R" and text[at - 1] in _VOWELS and (at + 1 == len(text) or text[at + 1] not in _VOWELS)
        if char in "AEIOUHW" or char == key[-1] or unheard_r:
            continue
        key += char
    return key


def sounds_alike(a: str, b: str) -> bool:
    """Whether two words of four letters or more, starting alike, sound the same (:func:`sound_key`)."""
    return len(a) >= 4 and len(b) >= 4 and a[0] == b[0] and sound_key(a) == sound_key(b)


def _deletions(text: str) -> set[str]:
    return {text[:at] + text[at + 1:] for at in range(len(text))} | {text}


def _slips_allowed(text: str, spelling: str) -> int | None:
    """The slips from ``text`` to ``spelling``, or None when more than the shorter allows."""
    limit = min(allowed_slips(spelling), allowed_slips(text))
    count = slips(text, spelling, limit)
    return count if count <= limit else None


class NearNames:
    """Names (each a string, standing for a value) found again from a misspelling. A value
    may have several spellings (a town as written, and in its normalised words)."""

    def __init__(self, names: Iterable[tuple[str, Hashable]] = ()) -> None:
        self._by_deletion: dict[str, set[Hashable]] = defaultdict(set)
        self._by_sound: dict[str, set[Hashable]] = defaultdict(set)
        self._spellings: dict[Hashable, set[str]] = defaultdict(set)
        for text, value in names:
            self.add(text, value)

    def add(self, text: str, value: Hashable) -> None:
        if not text:
            return
        self._spellings[value].add(text)
        for variant in _deletions(text):
            self._by_deletion[variant].add(value)
        if len(text) >= LONG_NAME:
            self._by_sound[sound_key(text)].add(value)

    def find(self, text: str) -> list[tuple[Hashable, int]]:
        """The values whose names ``text`` could be a misspelling of, with the slips, fewest first."""
        if len(text) < 4:
            return []
        seen: set[Hashable] = set()
        for variant in _deletions(text):
            seen |= self._by_deletion.get(variant, set())
        if len(text) >= LONG_NAME:
            seen |= self._by_sound.get(sound_key(text), set())
        found = []
        for value in seen:
            counts = [count for spelling in self._spellings[value]
                      if (count := _slips_allowed(text, spelling)) is not None]
            if counts:
                found.append((value, min(counts)))
        found.sort(key=lambda pair: (pair[1], str(pair[0])))
        return found
