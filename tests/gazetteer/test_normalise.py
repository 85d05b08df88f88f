"""Normalising addresses: one spelling per word, flats and numbers in one shape, postcodes found."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.gazetteer.normalise import address_key, normalise, record_text, split_postcode, tokens


@pytest.mark.parametrize(("written", "expected"), [
    ("Flat 2, 10 High Street", "FLAT 2 10 HIGH ST"),
    ("Flt 2 10 HIGH ST", "FLAT 2 10 HIGH ST"),
    ("F2, 10 High St.", "FLAT 2 10 HIGH ST"),
    ("Apartment 2, 10 High Str", "FLAT 2 10 HIGH ST"),
    ("St Anne's Road", "ST ANNES RD"),
    ("Saint Annes Rd", "ST ANNES RD"),
    ("12 A North Road", "12A N RD"),
    ("Rm 3, 16 Sandpiper Road", "ROOM 3 16 SANDPIPER RD"),
    ("First Floor Flat, 12-14 Elm Grove", "FIRST FLOOR FLAT 12-14 ELM GR"),
    ("Flat A, 3 Kings-Road", "FLAT A 3 KINGS RD"),
    ("FFF, 12-14 Elm Grove", "FIRST FLOOR FLAT 12-14 ELM GR"),
    ("gff 9 Yarrow Close", "GROUND FLOOR FLAT 9 YARROW CL"),
    ("SFF/9 Yarrow Close", "SECOND FLOOR FLAT 9 YARROW CL"),
    ("TFF, 9 Yarrow Close", "TFF 9 YARROW CL"),
    ("9 Yarrow Cls", "9 YARROW CL"),
    ("4 Acacia Gro", "4 ACACIA GR"),
    ("2 Kings Mw", "2 KINGS MEWS"),
    ("8 Market Sqre", "8 MARKET SQ"),
    ("Flat 1 Jubilee Ldg", "FLAT 1 JUBILEE LODGE"),
])
def test_agencies_spellings_normalise_to_one_form(written, expected):
    assert normalise(written) == expected


def test_a_flat_letter_is_not_joined_to_the_flat_number():
    assert tokens("Flat 2 A") == ["FLAT", "2", "A"]


def test_the_postcode_field_wins_and_a_postcode_in_the_text_is_used_when_it_is_missing():
    assert split_postcode("12 High St, Joinford", "ju1 1aa") == ("12 High St, Joinford", "JU1 1AA", "JU1")
    assert split_postcode("12 High St, Joinford JU1 1AA", "") == ("12 High St, Joinford", "JU1 1AA", "JU1")
    assert split_postcode("12 High St", "JU1") == ("12 High St", "", "JU1")
    assert split_postcode("12 High St", "not a postcode") == ("12 High St", "", "")


def test_the_decision_key_is_the_normalised_address_and_postcode():
    assert record_text("10 High Street", "JU1 1AA") == record_text("10 HIGH ST", "ju11aa") == "10 HIGH ST | JU1 1AA"
    assert address_key("10 HIGH ST | JU1 1AA") != address_key("10 HIGH ST")


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_any_text_normalises_without_error(address, postcode):
    assert isinstance(record_text(address, postcode), str)
