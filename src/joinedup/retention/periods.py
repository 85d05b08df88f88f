"""Reading an agreement's retention period, as the IG lead wrote it, into a date.

Agreements say how long shared information is kept in words ("6 years", "Until the child
is 25", "2 years after the family's support ends"). The retention job needs a date, so the
words a partnership commonly uses are read here; anything else is *unread*, and a record
held under an unread period is never deleted (the job lists the agreement instead, for
the IG lead to reword). Deleting on a guess would lose records a partner must keep.

Periods run from the record's **last receipt**: the last time a partner's extract carried
it. While a partner still works with someone, its extracts keep carrying their record, so
"2 years after support ends" runs from the last extract that showed the support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "twenty-five": 25}
_NUMBER = r"(?P<count>\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
#: "6 years", "18 months", "2 years after the family's support ends" (no "or": a choice is not read).
_AFTER = re.compile(rf"^{_NUMBER}\s+(?P<unit>year|month)s?(\s+(after|from|since)\b(?!.*\bor\b).*)?$")
#: "Until the child is 25", "until age 21", "until the young person reaches 18 years old".
_AGE = re.compile(rf"^until\s+((the\s+)?(child|young person|person)\s+(is|reaches|turns)\s+)?(age\s+)?"
                  rf"{_NUMBER}(\s+years?(\s+old)?)?$")


@dataclass(frozen=True)
class RetentionPeriod:
    """How long: ``months`` from the last receipt, or until the person is ``until_age``."""

    text: str
    months: int | None = None
    until_age: int | None = None

    @property
    def read(self) -> bool:
        return self.months is not None or self.until_age is not None

    def expires(self, *, last_received: date | None, date_of_birth: date | None) -> date | None:
        """The day the record may go; None when it cannot be told (so it is kept)."""
        if self.months is not None and last_received is not None:
            return add_months(last_received, self.months)
        if self.until_age is not None and date_of_birth is not None:
            return add_months(date_of_birth, 12 * self.until_age)
        return None

    def __str__(self) -> str:
        return self.text


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def read_period(text: str) -> RetentionPeriod:
    """``"6 years"`` → 72 months; ``"Until the child is 25"`` → until age 25; else unread."""
    words = " ".join((text or "").lower().replace("’", "'").split()).rstrip(".")
    found = _AFTER.match(words)
    if found:
        count = _number(found.group("count"))
        return RetentionPeriod(text, months=count * (12 if found.group("unit") == "year" else 1))
    found = _AGE.match(words)
    if found:
        return RetentionPeriod(text, until_age=_number(found.group("count")))
    return RetentionPeriod(text)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 29th–31st fall back to the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
