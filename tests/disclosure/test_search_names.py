"""Names as practitioners type them: folding, nicknames, sound and closeness (no store)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.disclosure.search import (
    BEGINS,
    EXACT,
    NICKNAME,
    SOUNDS_LIKE,
    disclosed_match,
    nickname_group,
    parse_search,
)
from joinedup.ingest.search_keys import APOSTROPHES, fold, search_keys, sound

NAMES = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Mn", "Zs", "Pd"), include_characters="'’"),
                max_size=40)
#: Latin letters (accented ones too) without combining marks, for the case test: in Greek,
#: changing case moves the iota below (U+0345, a mark) to a capital iota (a letter), and
#: marks are the accent test's.
UNMARKED = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Zs", "Pd"), max_codepoint=0x24F,
                                          include_characters="'’-‐"), max_size=40)


@pytest.mark.parametrize("typed, stored", [
    ("Zoe", "Zoë"), ("ZOE", "zoë"), ("O’Brien", "O'Brien"), ("OBrien", "O'Brien"), ("o‘brien", "O’BRIEN"),
    ("O´Brien", "OBrien"), ("Bjorn", "Bjørn"), ("Francois", "François"), ("Jose", "JOSÉ"), ("Strasse", "Straße"), ("Aine", "Áine"),
])
def test_what_practitioners_type_folds_to_the_stored_name(typed, stored):
    assert fold(typed) == fold(stored)


def test_hyphens_and_spaces_keep_the_parts_of_a_name_apart():
    assert fold("Smith-Jones") == fold("smith  jones") == "smith jones"


@given(NAMES)
def test_folding_is_idempotent(name):
    assert fold(fold(name)) == fold(name)


@given(NAMES)
def test_a_folded_name_has_no_case_accent_apostrophe_or_stray_space(name):
    folded = fold(name)
    assert folded == folded.casefold()
    assert not any(unicodedata.combining(character) for character in unicodedata.normalize("NFKD", folded))
    assert not set(folded) & set(APOSTROPHES)
    assert folded == folded.strip() and "  " not in folded


@given(UNMARKED, st.sampled_from(["upper", "lower", "title"]), st.sampled_from(list(APOSTROPHES)))
def test_case_and_which_apostrophe_never_change_the_fold(name, case, apostrophe):
    retyped = getattr(name, case)().replace("'", apostrophe).replace("’", apostrophe)
    assert fold(retyped) == fold(name)


@given(NAMES)
def test_accents_never_change_the_fold(name):
    stripped = "".join(character for character in unicodedata.normalize("NFKD", name)
                       if not unicodedata.combining(character))
    assert fold(stripped) == fold(name)


def test_names_that_sound_alike_share_a_code():
    assert sound("Smith") == sound("Smyth") and sound("Catherine") == sound("Kathryn")
    assert sound("Smith") != sound("Jones")
    assert sound("Зоя") == "" and sound("") == ""


def test_nicknames_come_from_the_curated_list():
    assert {"william", "bill", "billy", "will", "liam"} <= nickname_group("Bill")
    assert nickname_group("Bill") == nickname_group("WILLIAM")
    assert nickname_group("Zebedee") == frozenset()


def _grade(typed, **names):
    fields = {"forename": None, "middle_names": None, "surname": None, **names}
    return disclosed_match(parse_search(typed), fields)


def test_closeness_grades_the_worst_name_typed():
    assert _grade("zoe obrien", forename="Zoë", surname="O'Brien") == EXACT
    assert _grade("bill smith", forename="William", surname="Smith") == NICKNAME
    assert _grade("will smi", forename="William", surname="Smith") == BEGINS
    assert _grade("bill smyth", forename="William", surname="Smith") == SOUNDS_LIKE
    assert _grade("bill jones", forename="William", surname="Smith") is None


def test_a_short_name_is_not_looked_up_by_sound():
    assert _grade("sa", forename="Zoe") is None


def test_a_match_needs_every_part_on_the_disclosed_fields_alone():
    query = parse_search("Jordan 14/03/2011")
    assert disclosed_match(query, {"forename": "Jordan", "date_of_birth": "2011-03-14"}) == EXACT
    assert disclosed_match(query, {"forename": "Jordan"}) is None  # the date of birth withheld
    assert disclosed_match(query, {"date_of_birth": "2011-03-14"}) is None  # the name withheld


def test_stored_keys_are_ignored_when_a_name_is_withheld():
    keys = search_keys("Jordan", None, "Smith")
    assert disclosed_match(parse_search("smith"), {"forename": "Jordan"}, keys) is None
    assert disclosed_match(parse_search("smith"), {"forename": "Jordan", "middle_names": None, "surname": "Smith"},
                           keys) == EXACT


def test_saint_is_folded_as_st_as_linkage_reads_it():
    """"St Clair" typed finds "Saint Clair", and the other way round; linkage reads the
    name through the same fold."""
    assert fold("Saint Clair") == fold("St. Clair") == fold("ST CLAIR") == "st clair"
    assert fold("Saintclair") == "saintclair"  # a word of its own only
    assert search_keys("Saint", None, "Saint-Clair")["surname_key"] == "st clair"
