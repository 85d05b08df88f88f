"""The catalogue's facts in words (joinedup.sharing.catalogue.facts_in_words): what the
trial asked for instead of raw field names ("Cin start", "Arrears 136.0")."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.sharing.catalogue import (
    CATEGORIES,
    FACT_WORDING,
    age_on,
    date_of_birth_in_words,
    fact_in_words,
    facts_in_words,
    money_in_words,
)


@pytest.mark.parametrize(("key", "value", "words"), [
    ("cin_start", "2025-05-03", "Child in need since 3 May 2025"),
    ("cp_start", date(2024, 1, 9), "On a child protection plan since 9 January 2024"),
    ("arrears", 136.0, "£136.00 in arrears"),
    ("arrears", "1250.5", "£1,250.50 in arrears"),
    ("arrears", 0, "No arrears"),
    ("weekly_rent", 95.5, "£95.50 a week rent"),
    ("attendance_pct", 92.5, "92.5% attendance"),
    ("exclusions", 1, "1 exclusion"),
    ("exclusions", 0, "No exclusions"),
    ("domestic_abuse", "Y", "A domestic abuse incident"),
    ("domestic_abuse", False, "Not a domestic abuse incident"),
    ("school_name", "Joinford Primary", "At Joinford Primary"),
    # Not what the wording expects: the fact's name and its value, never a wrong sentence.
    ("cin_start", "soon", "Cin start: soon"),
    ("arrears", "unknown", "Arrears: unknown"),
    # A fact the catalogue does not word.
    ("warnings", "Weapons marker", "Warnings: Weapons marker"),
])
def test_each_fact_reads_as_a_sentence(key, value, words):
    assert fact_in_words(key, value).text == words


def test_every_fact_of_the_catalogue_is_worded():
    facts = {fact for _code, _name, _fields, category_facts, _sensitive, _services in CATEGORIES
             for fact in category_facts}
    assert facts <= set(FACT_WORDING)


def test_a_records_facts_read_in_the_catalogues_order_and_nothing_recorded_is_left_out():
    words = facts_in_words({"arrears": 136.0, "notes": "", "cin_start": "2025-05-03", "zebra": "Striped"})
    assert [fact.text for fact in words] == ["Child in need since 3 May 2025", "£136.00 in arrears", "Zebra: Striped"]
    assert facts_in_words(None) == ()


def test_money_and_age():
    assert money_in_words(-5) == "minus £5.00" and money_in_words("nan") is None and money_in_words(True) is None
    assert age_on(date(2015, 5, 3), date(2026, 5, 2)) == 10 and age_on(date(2015, 5, 3), date(2026, 5, 3)) == 11
    assert age_on(date(2030, 1, 1), date(2026, 5, 3)) is None
    assert date_of_birth_in_words("2015-05-03", date(2026, 12, 2)) == "3 May 2015 (11)"
    assert date_of_birth_in_words(None) == "" and date_of_birth_in_words("03/05/2015") == "03/05/2015"
