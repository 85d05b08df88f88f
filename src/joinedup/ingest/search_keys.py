"""Names as practitioners type them, folded once when a record is written.

A practitioner types "Zoe" for Zoë, "OBrien" or "O’Brien" (a curly apostrophe) for
O'Brien, and any case. :func:`fold` reduces a name to the form all of those share; each
source record keeps the folded form of its names, and a phonetic code of its forename
and surname (:func:`sound`), in indexed columns (:func:`search_keys`), so that the person
search is an index lookup and never folds a stored name at query time. Records written
through the ORM get their keys from a mapper event (:mod:`joinedup.ingest.models`); the
loader writes them for every record a load adds or changes.
"""

from __future__ import annotations

import re
import unicodedata

from jellyfish import metaphone

#: Apostrophes and the marks typed for them: dropped, so O'Brien, O’Brien and OBrien agree.
APOSTROPHES = "'’‘`´ʼ′"
#: Letters that do not decompose into a base letter and a mark.
LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_APOSTROPHE = re.compile(f"[{APOSTROPHES}]")
_SEPARATOR = re.compile(r"[\W_]+")
#: Words one name writes two ways, read as one: "Saint Clair" is "St Clair".
WORDS = {"saint": "st"}
#: The longest key kept: the columns' length.
KEY_LENGTH = 200
SOUND_LENGTH = 16
NAME_KEYS = ("forename_key", "middle_names_key", "surname_key")
SOUND_KEYS = ("forename_sound", "surname_sound")


def fold(text: str | None) -> str:
    """``text`` without case, accents or apostrophes; other punctuation (a hyphen, say)
    and runs of spaces become one space, and a word written two ways is written one
    (:data:`WORDS`). "Zoë" and "ZOE" fold to "zoe"; "O’Brien" to "obrien"; "Saint Clair"
    to "st clair"."""
    if not text:
        return ""
    # Apostrophes go before decomposing (´ decomposes to a space and a mark) and after (ŉ to ʼn).
    bare = _unmarked(_unmarked(_APOSTROPHE.sub("", text)).casefold()).translate(LETTERS)
    bare = _APOSTROPHE.sub("", bare)
    words = _SEPARATOR.sub(" ", bare).split()
    return " ".join(WORDS.get(word, word) for word in words)[:KEY_LENGTH].strip()


def _unmarked(text: str) -> str:
    """``text`` decomposed (compatibility forms too: ℐ is I) without its combining marks."""
    return "".join(character for character in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(character))


def sound(text: str | None) -> str:
    """A phonetic code of a name (Metaphone, over its folded form without spaces): Smith
    and Smyth share one, as do Catherine and Kathryn. Empty for a name with no letter
    Metaphone reads."""
    folded = fold(text).replace(" ", "")
    if not folded.isascii():
        return ""
    return metaphone(folded)[:SOUND_LENGTH].replace(" ", "")


def search_keys(forename: str | None, middle_names: str | None, surname: str | None) -> dict[str, str | None]:
    """The search columns of a record with these names (None for a name it lacks)."""
    return {
        "forename_key": fold(forename) or None,
        "middle_names_key": fold(middle_names) or None,
        "surname_key": fold(surname) or None,
        "forename_sound": sound(forename) or None,
        "surname_sound": sound(surname) or None,
    }
