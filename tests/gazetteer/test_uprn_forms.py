"""A UPRN written with the leading zeros of a 12-digit LLPG export finds the same property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.gazetteer import load_gazetteer, match_addresses
from joinedup.disclosure import household_at
from joinedup.gazetteer.normalise import canonical_uprn


@given(st.integers(min_value=1, max_value=999_999_999_999))
def test_padding_never_changes_a_uprn(number):
    assert canonical_uprn(f"{number:012d}") == canonical_uprn(str(number)) == str(number)


def test_text_that_is_not_a_uprn_is_left_to_match_nothing():
    assert canonical_uprn(" 12A ") == "12A"
    assert canonical_uprn("") == ""


@pytest.fixture
def matched(engine, gazetteer_csv, sources):
    load_gazetteer(engine, gazetteer_csv)
    sources.add("housing", "T1", "12 High Street", "JU1 1AA", surname="Shah", forename="Amir")
    match_addresses(engine, address_engine=None)
    return engine


def test_the_household_view_accepts_a_padded_uprn(matched, sources):
    officer = Actor(username="harry", organisation_id=sources.organisations["housing"], roles=frozenset({"practitioner"}), channel="web")
    with transaction(matched) as session:
        padded = household_at(session, officer, "000000000110")
        plain = household_at(session, officer, "110")
    assert padded.address is not None
    assert [r.fields["local_id"] for r in padded.records] == [r.fields["local_id"] for r in plain.records] == ["T1"]
