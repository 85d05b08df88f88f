"""Retention periods as IG leads write them, read into dates; anything else is unread, so
nothing under it is deleted."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.retention import add_months, read_period


@pytest.mark.parametrize(("text", "months", "age"), [
    ("6 years", 72, None),
    ("Six years.", 72, None),
    ("18 months", 18, None),
    ("2 years after the family's support ends", 24, None),
    ("Until the child is 25", None, 25),
    ("until age 21", None, 21),
    ("Until the young person reaches 18 years old", None, 18),
])
def test_the_periods_partnerships_write_are_read(text, months, age):
    period = read_period(text)
    assert (period.months, period.until_age, period.read) == (months, age, True)


@pytest.mark.parametrize("text", ["", "forever", "As long as needed", "Until the person is 75 or 10 years after death",
                                  "10 years after closure or when the child is 25", "6 weeks", "years"])
def test_a_period_that_cannot_be_read_safely_is_unread(text):
    assert not read_period(text).read
    assert read_period(text).expires(last_received=date(2000, 1, 1), date_of_birth=date(1990, 1, 1)) is None


def test_a_period_runs_from_the_last_receipt_or_the_date_of_birth():
    assert read_period("6 years").expires(last_received=date(2019, 3, 31), date_of_birth=None) == date(2025, 3, 31)
    assert read_period("Until the child is 25").expires(last_received=date(2024, 1, 1),
                                                         date_of_birth=date(2000, 2, 29)) == date(2025, 2, 28)
    assert read_period("Until the child is 25").expires(last_received=date(2024, 1, 1), date_of_birth=None) is None


@given(st.dates(min_value=date(1960, 1, 1), max_value=date(2100, 12, 31)), st.integers(min_value=-600, max_value=600))
def test_adding_months_lands_in_the_right_month_on_a_day_no_later(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day and (later.day == day.day or later.day >= 28)
