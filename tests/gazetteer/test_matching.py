"""The matcher on its own: what a gazetteer knows, applied to addresses as agencies write them."""

from __future__ import annotations

import pytest
from gazetteer_support import ROWS
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.gazetteer.engine import EngineCandidate
from joinedup.gazetteer.matching import AddressInput, GazetteerEntry, GazetteerIndex, Matcher


def _entries(rows=ROWS):
    for (uprn, parent, status, sao_text, sao_number, pao_number, pao_suffix, pao_text, street, locality, town,
         postcode, _e, _n, classification, _b) in rows:
        yield GazetteerEntry(uprn, parent or None, status, sao_text, sao_number, pao_text, pao_number + pao_suffix,
                             street, locality, town, postcode, classification)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(GazetteerIndex(_entries()))


def one(matcher: Matcher, text, postcode=None):
    return matcher.match([AddressInput(1, text, postcode)])[0]


def test_an_address_written_as_the_gazetteer_writes_it_is_an_exact_match(matcher):
    outcome = one(matcher, "12 High Street, Old Town, Joinford", "JU1 1AA")
    assert (outcome.status, outcome.uprn, outcome.method, outcome.score) == ("matched", "110", "exact", 1.0)


def test_abbreviations_and_case_still_match(matcher):
    outcome = one(matcher, "12 HIGH ST, JOINFORD", "JU1 1AA")
    assert (outcome.status, outcome.uprn) == ("matched", "110")


@pytest.mark.parametrize(("text", "uprn"), [
    ("Flat 2, 10 High Street", "102"),
    ("Flt 2, 10 High St", "102"),
    ("F3 10 High St", "103"),
    ("10 High Street", "100"),
])
def test_a_flat_matches_its_own_uprn_never_a_sibling_flat_or_the_building(matcher, text, uprn):
    outcome = one(matcher, f"{text}, Joinford", "JU1 1AA")
    assert (outcome.status, outcome.uprn) == ("matched", uprn)


def test_a_flat_the_gazetteer_does_not_have_is_not_given_the_building(matcher):
    outcome = one(matcher, "Flat 7, 10 High Street, Joinford", "JU1 1AA")
    assert outcome.status == "unmatched"
    assert outcome.uprn is None


@pytest.mark.parametrize("text", ["10 High Street Flat 2", "10 High Street, Flat B", "FFF, 10 High Street",
                                  "Joinford, 10 High Street, Flat 2", "First Floor, 10 High Street"])
def test_an_address_writing_more_than_a_building_divided_into_flats_is_never_given_the_building(matcher, text):
    """A newcomer's unseen gazetteer (docs/gazetteer.md): 49 of 52 wrong matches were flats
    written after the street, or abbreviated (FFF), given the building that holds them."""
    outcome = one(matcher, f"{text}, Joinford", "JU1 1AA")
    assert outcome.status != "matched" or outcome.uprn in {"101", "102", "103"}  # a flat, never the building


def test_a_floors_flat_abbreviated_as_agents_write_it_is_that_flat():
    rows = [*ROWS, ("105", "100", "approved", "First Floor Flat", "", "10", "", "", "High Street", "Old Town",
                    "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y")]
    outcome = Matcher(GazetteerIndex(_entries(rows))).match([AddressInput(1, "FFF, 10 High St, Joinford", "JU1 1AA")])[0]
    assert (outcome.status, outcome.uprn) == ("matched", "105")


def test_an_engine_candidate_that_is_a_building_divided_into_flats_is_refused_for_a_flat():
    index = GazetteerIndex(_entries())
    engine = FakeEngine((_position(index, "100"), 40.0))
    outcome = Matcher(index, engine).match([AddressInput(1, "Flat B, 10 Hihg Streat, Joinford", "JU1 1AA")])[0]
    assert outcome.status == "unmatched"
    assert "divided into flats" in outcome.reason
    building = Matcher(index, FakeEngine((_position(index, "100"), 40.0))).match(
        [AddressInput(1, "10 Hihg Streat, Joinford", "JU1 1AA")])[0]
    assert (building.status, building.uprn) == ("matched", "100")


def test_alternative_and_historic_addresses_match_the_same_uprn(matcher):
    assert one(matcher, "Rose Cottage, High Street, Joinford", "JU1 1AB").uprn == "111"
    assert one(matcher, "14 High Street, Joinford", "JU1 1AB").uprn == "111"
    historic = one(matcher, "5 Old Mill Lane, Millbrook", "JU2 2BB")
    assert (historic.status, historic.uprn) == ("matched", "120")


def test_a_street_name_in_two_places_is_told_apart_by_postcode_outward_code_or_locality(matcher):
    assert one(matcher, "5 Mill Lane, Joinford", "JU3 3DE").uprn == "130"
    outward_only = one(matcher, "5 Mill Lane, Joinford", "JU2")
    assert (outward_only.status, outward_only.uprn) == ("matched", "120")
    by_locality = one(matcher, "5 Mill Lane, Ashgrove, Joinford", None)
    assert (by_locality.status, by_locality.uprn) == ("matched", "130")


def test_without_postcode_or_locality_two_equal_candidates_are_ambiguous_with_the_runner_up(matcher):
    outcome = one(matcher, "5 Mill Lane, Joinford", None)
    assert outcome.status == "ambiguous"
    assert {outcome.uprn, outcome.runner_up_uprn} == {"120", "130"}
    assert "no postcode" in outcome.reason


def test_other_records_of_the_same_local_id_settle_an_ambiguous_address(matcher):
    outcomes = matcher.match([
        AddressInput(1, "5 Mill Lane, Joinford", None, group=("police", "N1")),
        AddressInput(2, "5 Mill Lane, Ashgrove, Joinford", "JU3 3DE", group=("police", "N1")),
        AddressInput(3, "5 Mill Lane, Joinford", None, group=("police", "N2")),
    ])
    assert (outcomes[0].status, outcomes[0].uprn) == ("matched", "130")
    assert "same local id" in outcomes[0].reason
    assert outcomes[2].status == "ambiguous"
    known = matcher.match([AddressInput(4, "5 Mill Lane, Joinford", None, group=("police", "N2"))],
                          known={("police", "N2"): {"120"}})
    assert (known[0].status, known[0].uprn) == ("matched", "120")


def test_a_room_in_a_house_in_multiple_occupation_matches_the_house(matcher):
    outcome = one(matcher, "Room 3, 7 Mill Lane, Millbrook", "JU2 2BB")
    assert (outcome.status, outcome.uprn) == ("matched", "121")


def test_an_address_elsewhere_with_a_local_street_name_is_not_matched(matcher):
    far = one(matcher, "5 Mill Lane, Farnbury", "FB3 4XY")
    assert far.status == "unmatched"
    assert far.reason.startswith("the postcode FB3 4XY is outside the gazetteer's area")
    named_town = one(matcher, "5 Mill Lane, Farnbury", None)
    assert named_town.status != "matched"


def test_the_postcode_agrees_or_it_counts_against(matcher):
    alone = one(matcher, "12 High Street, Joinford", None)
    assert (alone.status, alone.uprn, alone.method) == ("matched", "110", "exact")
    wrong_area = one(matcher, "12 High Street, Joinford", "JU3 3DE")
    # The same property is still the best candidate, but another area's postcode counts
    # against it: too weak to match.
    assert (wrong_area.status, wrong_area.uprn) == ("unmatched", "110")
    assert wrong_area.score < alone.score and "too weak a match" in wrong_area.reason


@pytest.mark.parametrize(("text", "postcode", "reason"), [
    ("", None, "empty"),
    (None, None, "empty"),
    ("", "JU1 1AA", "postcode alone"),
    ("JU1 1AA", None, "postcode alone"),
    ("NFA", None, "not a property"),
    ("No fixed abode", "", "not a property"),
    ("12 Rue de Rivoli, Paris, France", "75001", "outside the UK"),
    ("!!! ### 123", None, "no words"),
])
def test_bad_input_is_unmatched_with_a_reason(matcher, text, postcode, reason):
    outcome = one(matcher, text, postcode)
    assert outcome.status == "unmatched"
    assert reason in outcome.reason


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=12)))
def test_no_input_crashes_the_matcher(matcher, text, postcode):
    outcome = one(matcher, text, postcode)
    assert outcome.status in {"matched", "ambiguous", "unmatched"}
    assert outcome.status == "matched" or outcome.reason


class FakeEngine:
    """Proposes fixed candidates (by gazetteer position) for every address."""

    name = "fake"

    def __init__(self, *proposals: tuple[str, float]) -> None:
        self.proposals = proposals
        self.calls = 0

    def candidates(self, gazetteer, addresses, *, top=2):
        self.calls += 1
        return {address.id: [EngineCandidate(i, w) for i, w in self.proposals] for address in addresses}


def _position(index: GazetteerIndex, uprn: str) -> str:
    return str(index.uprns[uprn][0])


def test_the_engine_is_asked_only_about_what_the_gazetteer_structure_cannot_place():
    index = GazetteerIndex(_entries())
    engine = FakeEngine((_position(index, "141"), 30.0))
    outcomes = Matcher(index, engine).match([
        AddressInput(1, "12 High Street", "JU1 1AA"),
        AddressInput(2, "3 Skool, Joinford", "JU1 1AD"),
    ])
    assert engine.calls == 1
    assert (outcomes[1].status, outcomes[1].uprn, outcomes[1].method) == ("matched", "141", "probabilistic")


def test_an_engine_candidate_with_other_numbers_is_refused():
    index = GazetteerIndex(_entries())
    engine = FakeEngine((_position(index, "141"), 40.0))
    outcome = Matcher(index, engine).match([AddressInput(1, "99 Skool Raod, Joinford", "JU1 1AD")])[0]
    assert outcome.status == "unmatched"
    assert "other numbers" in outcome.reason


def test_engine_candidates_too_close_to_call_are_ambiguous():
    index = GazetteerIndex(_entries())
    engine = FakeEngine((_position(index, "120"), 30.0), (_position(index, "130"), 29.0))
    outcome = Matcher(index, engine).match([AddressInput(1, "5 Mil Lan", None)])[0]
    assert outcome.status == "ambiguous"
    assert {outcome.uprn, outcome.runner_up_uprn} == {"120", "130"}


# Misspelt streets and towns (issue 12) ---------------------------------------------------

@pytest.mark.parametrize(("text", "postcode", "uprn"), [
    ("12 Hihg Stret, Joinford", None, "110"),          # a slip in each word, the town named
    ("12 High Sreet, Old Town", None, "110"),           # the locality named
    ("5 Mill Lnae", "JU2", "120"),                      # the outward code alone
    ("5 Mil Lane, Ashgrove", None, "130"),              # the same street name in two places
    ("3 Shcool Raod, Joinford", "JU1 1AD", "141"),      # the street kind misspelt too
])
def test_a_misspelt_street_is_found_among_the_streets_of_the_town_or_outward_code(matcher, text, postcode, uprn):
    outcome = one(matcher, text, postcode)
    assert (outcome.status, outcome.uprn) == ("matched", uprn)


@pytest.mark.parametrize(("text", "postcode", "said", "unsaid"), [
    ("12 Hihg Stret, Joinford", None,
     ["a misspelling of the street", "the house number", "the town (JOINFORD)"], ["postcode", "flat"]),
    ("Flat 2, 10 High Street, Ashby Marsh", "JU1 1AA",
     ["the street", "the house number", "the flat", "the postcode", "another town (ASHBY MARSH)"], ["misspelling"]),
    ("5 Mill Lane, Ashgrvoe", None, ["a misspelling of its town or locality (ASHGRVOE)"], ["postcode", "flat"]),
])
def test_a_matchs_reason_names_the_evidence_it_was_decided_on(matcher, text, postcode, said, unsaid):
    """Lesson 4 of the review: the reason is built from the evidence weighed, so it names
    what agreed and what counted against, and nothing that was not compared."""
    outcome = one(matcher, text, postcode)
    assert outcome.status == "matched" and outcome.method == "probabilistic"
    agreed, _, against = outcome.reason.partition("; against it: ")
    for words in said:
        assert words in (against if words.startswith("another") else agreed), outcome.reason
    for words in unsaid:
        assert words not in outcome.reason, outcome.reason


@pytest.mark.parametrize(("postcode", "said"), [
    ("JU1 1AA", "and so is the postcode"), ("JU1", "and so is the postcode's outward code"),
    (None, "and it has no postcode"),
])
def test_an_exact_matchs_reason_says_what_postcode_it_had(matcher, postcode, said):
    outcome = one(matcher, "12 High Street, Old Town, Joinford", postcode)
    assert outcome.method == "exact" and outcome.reason.endswith(said)


def test_a_weak_candidates_reason_says_what_counted_against_it():
    rows = [*ROWS, ("113", "", "approved", "", "", "30", "", "", "High Street", "Old Town", "Joinford",
                    "JU1 1ZZ", "452040.0", "338000.0", "residential", "Y")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "12 High Street, Joinford", "JU1 1ZZ")
    assert outcome.status == "unmatched"
    assert "against it: the postcode of another part of the street (JU1 1ZZ)" in outcome.reason


def _with_streets_of_joinford() -> Matcher:
    """The test gazetteer and two streets of Joinford with no locality: Chaucer Road and Usher Road."""
    rows = [*ROWS,
            ("160", "", "approved", "", "", "64", "", "", "Chaucer Road", "", "Joinford", "JU5 5EE",
             "452300.0", "338300.0", "residential", "Y"),
            ("161", "", "approved", "", "", "40", "", "", "Usher Road", "", "Joinford", "JU5 5EF",
             "452310.0", "338300.0", "residential", "Y")]
    return Matcher(GazetteerIndex(_entries(rows)))


def test_without_a_postcode_a_street_two_slips_away_is_found_among_the_streets_of_the_town_named():
    """"Chauca Road" is two slips from Chaucer Road, too short for the lookup by spelling
    (one slip below eight letters) and by sound (one sound): the town it names has that
    street, of that kind, with that number."""
    matcher = _with_streets_of_joinford()
    outcome = one(matcher, "64 Chauca Road, Joinford")
    assert (outcome.status, outcome.uprn) == ("matched", "160"), outcome.reason
    assert "a misspelling of a street of the place named" in outcome.reason


@pytest.mark.parametrize("text", [
    "64 Chauca Road, Ashby Marsh",   # a town without such a street
    "64 Chauca Road",                # no place named
    "64 Chauca Lane, Joinford",      # another kind of street
    "64 Khauca Road, Joinford",      # the first letter wrong
    "40 Usa Road, Joinford",         # a name under five letters is not guessed ("Usa" for Usher)
])
def test_a_street_two_slips_away_is_not_guessed_without_the_town_its_kind_and_its_first_letter(text):
    assert one(_with_streets_of_joinford(), text).status != "matched"


def test_a_misspelt_street_is_looked_for_when_the_street_found_gives_only_weak_candidates():
    """"Violet Court" is a block on Victoria Road in Joinford and a street in Ashby Marsh:
    the street found as written gives only a weak candidate (no such flat, another
    town), so the misspelt street after it is looked for too."""
    rows = [*ROWS,
            ("170", "", "approved", "", "", "6", "", "", "Violet Court", "", "Ashby Marsh", "JU4 4DF",
             "455100.0", "336000.0", "residential", "N"),
            ("171", "", "approved", "", "", "14", "", "Violet Court", "Victoria Road", "", "Joinford", "JU5 5EG",
             "452400.0", "338300.0", "residential", "Y"),
            ("172", "171", "approved", "Flat 6", "", "14", "", "Violet Court", "Victoria Road", "", "Joinford",
             "JU5 5EG", "452400.0", "338300.0", "residential", "Y")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "Flat 6, Violet Court, 14 Victorai Road, Joinford")
    assert (outcome.status, outcome.uprn) == ("matched", "172"), outcome.reason


def test_a_misspelt_street_is_never_matched_in_another_town():
    # School Road is in Joinford only; Boundary Road's number 2 is in Ashby Marsh only.
    matcher = Matcher(GazetteerIndex(_entries()))
    assert one(matcher, "1 Shcool Road, Ashby Marsh", None).status == "unmatched"
    across = one(matcher, "2 Boundery Road, Joinford", None)
    assert across.status != "matched"


def test_a_misspelt_street_without_town_or_postcode_is_matched_only_when_one_address_fits(matcher):
    assert one(matcher, "12 Hihg Stret", None).uprn == "110"
    both = one(matcher, "5 Mill Lnae", None)
    assert both.status == "ambiguous"
    assert {both.uprn, both.runner_up_uprn} == {"120", "130"}


@pytest.mark.parametrize(("text", "uprn"), [
    ("5 Mill Lane, Ashgrvoe", "130"),
    ("5 Mill Lane, Milbrook", "120"),
    ("12 High Street, Joinfrod", "110"),
    ("5 Mill Lane, Milbruck", "120"),          # written as it sounds, three slips from Millbrook
])
def test_a_misspelt_town_or_locality_counts_as_the_place(matcher, text, uprn):
    outcome = one(matcher, text, None)
    assert (outcome.status, outcome.uprn) == ("matched", uprn)


def test_a_flat_written_as_a_letter_after_the_number_is_that_flat():
    rows = [*ROWS, ("104", "100", "approved", "Flat B", "", "10", "", "", "High Street", "Old Town", "Joinford",
                    "JU1 1AA", "452000.0", "338000.0", "residential", "Y")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    for text in ("10B High Street, Joinford", "B/10 High Street, Joinford"):
        outcome = one(matcher, text, "JU1 1AA")
        assert (outcome.status, outcome.uprn) == ("matched", "104"), text


def test_a_postcode_one_slip_from_the_houses_own_is_a_postcode_slip_on_the_same_street(matcher):
    # 12 High Street is JU1 1AA; JU1 1AB is Rose Cottage (14) further along: no house
    # there is 12 with its digits swapped, so the postcode is the slip, not the number.
    outcome = one(matcher, "12 High Street, Joinford", "JU1 1AB")
    assert (outcome.status, outcome.uprn) == ("matched", "110")


def test_a_postcode_holding_the_number_with_two_digits_swapped_sends_both_houses_to_review():
    # JU1 1AB now holds 21 High Street: "12 High Street, JU1 1AB" is 21 with two digits
    # swapped, or 12 with the postcode slipped onto the part of the street that holds 21.
    # Nothing says which (docs/gazetteer.md, "A house number with two digits swapped"):
    # the reviewer is shown both.
    rows = [*ROWS, ("112", "", "approved", "", "", "21", "", "", "High Street", "Old Town", "Joinford",
                    "JU1 1AB", "452030.0", "338000.0", "residential", "Y")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "12 High Street, Joinford", "JU1 1AB")
    assert (outcome.status, outcome.tied, outcome.runner_up_uprn) == ("ambiguous", ["112", "110"], "110")
    assert outcome.reason == (
        "the number or the postcode is wrong, and nothing says which: the postcode JU1 1AB holds 21 High Street, "
        "Old Town, Joinford, the number written with two digits swapped; the number written is 12 High Street, "
        "Old Town, Joinford, in another postcode")
    own = one(matcher, "12 High Street, Joinford", "JU1 1AA")
    assert (own.status, own.uprn) == ("matched", "110")
    assert "swapped" not in own.reason


def test_a_swap_is_read_only_to_a_house_with_the_flat_written():
    # "Flat 3, 15 Brunel Road, CO1 1AB" (51's postcode) may be 51's flat 3 when 51 has
    # one; when 51 is a house of no flats, the flat written says the number is right.
    def flat(uprn, parent, number, postcode):
        return (uprn, parent, "approved", "", "3", number, "", "", "Brunel Road", "", "Castle Ormsby", postcode,
                "450000.0", "330000.0", "residential", "Y")
    fifteen = [_house("981", "15", "Brunel Road", "Castle Ormsby", "CO1 1AA"), flat("982", "981", "15", "CO1 1AA")]
    divided = Matcher(GazetteerIndex(_entries([
        *fifteen, _house("983", "51", "Brunel Road", "Castle Ormsby", "CO1 1AB"), flat("984", "983", "51", "CO1 1AB")])))
    swapped = one(divided, "Flat 3, 15 Brunel Road, Castle Ormsby", "CO1 1AB")
    assert (swapped.status, swapped.tied) == ("ambiguous", ["984", "982"])
    whole = Matcher(GazetteerIndex(_entries([*fifteen, _house("986", "51", "Brunel Road", "Castle Ormsby", "CO1 1AB")])))
    own = one(whole, "Flat 3, 15 Brunel Road, Castle Ormsby", "CO1 1AB")
    assert (own.status, own.uprn) == ("matched", "982")


def test_two_swaps_in_the_postcode_both_go_to_review_with_the_written_house():
    rows = [_house("991", "137", "Mill Lane", "Joinford", "JF1 1AA"),
            _house("992", "173", "Mill Lane", "Joinford", "JF1 1AB"),
            _house("993", "317", "Mill Lane", "Joinford", "JF1 1AB")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "137 Mill Lane, Joinford", "JF1 1AB")
    assert (outcome.status, outcome.tied) == ("ambiguous", ["992", "993", "991"])
    assert (outcome.uprn, outcome.runner_up_uprn) == ("992", "991")
    assert "holds 173 Mill Lane, Joinford and 317 Mill Lane, Joinford, the number written" in outcome.reason


def test_a_tie_says_what_is_against_each_candidate_when_that_differs():
    from joinedup.gazetteer.matching import _Parsed, _Scored, _why_tied

    parsed = _Parsed(words=["12", "KILN", "ST"], postcode="KS1 1AA", outward="KS1")
    street = ("the street", 8.0)
    same = [("995", _Scored((street, ("the building's name is not written", -1.0)), 0, False)),
            ("996", _Scored((street, ("the building's name is not written", -1.0)), 1, False))]
    assert _why_tied(parsed, same) == "neither the postcode nor the place tells them apart"
    differ = [("995", _Scored((street, ("the building's name is not written", -1.0)), 0, False)),
              ("996", _Scored((street,), 1, False))]
    assert _why_tied(parsed, differ) == (
        "each has something else against it: 995, the building's name is not written; 996, nothing")


def test_a_street_of_another_kind_is_found_among_the_streets_of_the_postcode():
    # "5 Church Walk, HN3 3BB": the gazetteer has no Church Walk, and HN3 3BB holds 5
    # Church Road. Without the postcode, or with the name misspelt too, nothing says so.
    rows = [_house("1001", "5", "Church Road", "Callowmere", "HN3 3BB"),
            _house("1002", "7", "Church Lane", "Callowmere", "HN3 3BD")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "5 Church Walk, Callowmere", "HN3 3BB")
    assert (outcome.status, outcome.uprn) == ("matched", "1001")
    assert "the street's name, of another kind than written, among the streets of the postcode" in outcome.reason
    for text, postcode in (("5 Church Walk, Callowmere", None), ("5 Chruch Walk, Callowmere", "HN3 3BB"),
                           ("7 Church Walk, Callowmere", "HN3 3BB")):
        assert one(matcher, text, postcode).status != "matched", text


def test_a_street_of_another_kind_in_the_postcode_and_the_street_written_elsewhere_go_to_review():
    # "34 Wellington Road, HN6 9DF": Wellington Road has a 34 in HN6 9AR, and HN6 9DF holds
    # 34 Wellington Drive. The kind or the postcode is wrong: a newcomer's set had both,
    # and the written street had been matched on 14 bits.
    rows = [_house("1041", "34", "Wellington Road", "Ludwell", "HN6 9AR"),
            _house("1042", "34", "Wellington Drive", "Ludwell", "HN6 9DF")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "34 Wellington Road, Ludwell", "HN6 9DF")
    assert (outcome.status, outcome.tied, outcome.runner_up_uprn) == ("ambiguous", ["1042", "1041"], "1041")
    assert outcome.reason.startswith("the street's kind or the postcode is wrong, and nothing says which")
    for postcode, uprn in (("HN6 9AR", "1041"), ("HN6 9DF", "1042")):
        text = "34 Wellington Road, Ludwell" if uprn == "1041" else "34 Wellington Drive, Ludwell"
        assert (one(matcher, text, postcode).status, one(matcher, text, postcode).uprn) == ("matched", uprn)


def test_a_street_of_another_kind_is_not_read_with_the_number_swapped_as_well():
    # ZT4 0AQ holds 41 School Crescent; 14 is on School Drive and on School Crescent
    # elsewhere: "14 School Drive, ZT4 0AQ" is not read as two slips at once.
    rows = [_house("1051", "14", "School Drive", "Pendleworth", "ZT4 0AB"),
            _house("1052", "14", "School Crescent", "Pendleworth", "ZT4 0AC"),
            _house("1053", "41", "School Crescent", "Pendleworth", "ZT4 0AQ")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "14 School Drive, Pendleworth", "ZT4 0AQ")
    assert "1053" not in (outcome.uprn, *outcome.tied)


def test_a_building_named_like_a_street_of_another_kind_leaves_no_weak_candidate():
    # "Glebe Court" is the block, not a street: reading it as Glebe Rise gives a candidate
    # too weak to match, which would keep the address from the engine (step 7).
    rows = [_house("1011", "10", "Glebe Rise", "Kingsbury Vale", "ZT8 0AX"),
            _house("1012", "24", "Glebe Rise", "Kingsbury Vale", "ZT8 0AX")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "Flat 10, Glebe Court, 24 Glebe, Kingsbury Vale", "ZT8 0AX")
    assert (outcome.status, outcome.uprn) == ("unmatched", None)


def test_the_name_of_another_building_on_the_street_counts_against_the_number():
    # Lister Point is 14 Wordsworth Drive; 4 is a house of no flats. "Flat 2, Lister Point,
    # 4 Wordsworth Drive" has the block's number slipped, or the name wrong: not house 4.
    block = ("1021", "", "approved", "", "", "14", "", "Lister Point", "Wordsworth Drive", "", "Brackenford",
             "HN1 5AY", "450000.0", "330000.0", "residential", "Y")
    flat = ("1022", "1021", "approved", "", "2", "14", "", "Lister Point", "Wordsworth Drive", "", "Brackenford",
            "HN1 5AY", "450000.0", "330000.0", "residential", "Y")
    rows = [block, flat, _house("1023", "4", "Wordsworth Drive", "Brackenford", "HN1 5AY")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "Flat 2, Lister Point, 4 Wordsworth Drive, Brackenford", "HN1 5AY")
    assert outcome.status != "matched"
    assert "the name of another building on the street (LISTER POINT)" in outcome.reason
    assert one(matcher, "Flat 2, Lister Point, 14 Wordsworth Drive, Brackenford", "HN1 5AY").uprn == "1022"


def test_a_street_whose_name_normalises_to_an_abbreviation_is_found_misspelt():
    # Park normalises to PK (Park is also a street kind), so "Pakr Street" was no slip
    # from any spelling the lookup knew; the name as written is one of them now.
    rows = [_house("1031", "29", "Park Street", "Brackenford", "HN1 6AG"),
            _house("1032", "10", "Park Road", "Brackenford", "HN1 6AH")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    for text, uprn in (("29 Pakr Street, Brackenford", "1031"), ("10 Prak Road, Brackenford", "1032")):
        outcome = one(matcher, text)
        assert (outcome.status, outcome.uprn) == ("matched", uprn), text
        assert "a misspelling of the street" in outcome.reason


def test_a_number_the_street_lacks_is_not_read_as_a_swap():
    # 52 Hythe Street is not in the gazetteer (a new house past the street's end, say): its
    # postcode holding 25 does not make it 25.
    rows = [_house("971", "25", "Hythe Street", "Joinford", "JF1 1AB"),
            _house("972", "40", "Hythe Street", "Joinford", "JF1 1AB")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "52 Hythe Street, Joinford", "JF1 1AB")
    assert outcome.status != "matched"
    # Nor is a number that only a street of the same name in another town has.
    rows.append(_house("973", "52", "Hythe Street", "Northwick", "NW1 1AA"))
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "52 Hythe Street, Joinford", "JF1 1AB")
    assert outcome.status != "matched"


def test_a_postcode_of_the_same_street_more_than_one_slip_away_still_counts_against():
    rows = [*ROWS, ("113", "", "approved", "", "", "30", "", "", "High Street", "Old Town", "Joinford",
                    "JU1 1ZZ", "452040.0", "338000.0", "residential", "Y")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "12 High Street, Joinford", "JU1 1ZZ")
    assert outcome.status == "unmatched" and outcome.uprn == "110"
    assert "too weak a match" in outcome.reason


def test_the_engines_only_candidate_is_used_when_it_fits_the_address():
    index = GazetteerIndex(_entries())
    sole = Matcher(index, FakeEngine((_position(index, "141"), 7.0))).match(
        [AddressInput(1, "3 Skool, Joinford", None)])[0]
    assert (sole.status, sole.uprn) == ("matched", "141")
    assert "only candidate" in sole.reason
    two = Matcher(index, FakeEngine((_position(index, "141"), 7.0), (_position(index, "140"), 1.0))).match(
        [AddressInput(1, "3 Skool, Joinford", None)])[0]
    assert two.status == "unmatched"
    other_street = Matcher(index, FakeEngine((_position(index, "110"), 7.0))).match(
        [AddressInput(1, "12 Skool Raod, Joinford", None)])[0]
    assert other_street.status == "unmatched"
    assert "street the address does not name" in other_street.reason


def _house(uprn, number, street, town, postcode):
    return (uprn, "", "approved", "", "", number, "", "", street, "", town, postcode, "450000.0", "330000.0",
            "residential", "Y")


def test_a_town_of_two_words_misspelt_still_counts_as_the_town():
    # "SOUTH" is written "S" once normalised; "Souf Marsh" is South Marsh as heard.
    rows = [_house("901", "22", "Kevin Haven", "South Marsh", "SM1 1AA"),
            _house("902", "22", "Kevin Haven", "Northwick", "NW1 1AA")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    for town in ("Souf Marsh", "Sowth Marsh", "South Marhs"):
        outcome = one(matcher, f"22 Kefin Haven, {town}")
        assert (outcome.status, outcome.uprn) == ("matched", "901"), town


def test_a_misspelt_street_of_the_kind_written_is_preferred_to_one_of_another_kind():
    rows = [_house("911", "44", "Ellesmere Grove", "Tollerby", "TB1 1AA"),
            _house("912", "44", "Ellesmere Road", "Tollerby", "TB1 2BB")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    grove = one(matcher, "44 Ellesmere Grovee, Tollerby")
    assert (grove.status, grove.uprn) == ("matched", "911")
    neither = one(matcher, "44 Ellesmere Lnae, Tollerby")
    assert neither.status != "matched"


def test_a_street_kind_with_a_letter_dropped_is_still_that_kind():
    rows = [_house("921", "58", "Brunel Road", "Castle Ormsby", "CO1 1AA"),
            _house("922", "30", "Chestnut Lane", "Castle Ormsby", "CO1 2BB")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    for text, postcode, uprn in (("58 Brunel Roa, Castle Ormsby", None, "921"), ("30 Chestnut Lae", "CO1 2BB", "922")):
        outcome = one(matcher, text, postcode)
        assert (outcome.status, outcome.uprn) == ("matched", uprn), text


def test_the_one_address_written_word_for_word_is_taken_over_one_needing_a_word_more():
    # Two Ivy Houses on one street; the second is also number 17. "Ivy House, Chestnut
    # Road" with the town misspelt (so not an exact match) fits both within the margin,
    # but only the first is written that way: the other needs the 17.
    ivy = ("931", "", "approved", "", "", "", "", "Ivy House", "Chestnut Road", "", "Brackenford", "BR1 1AA",
           "450000.0", "330000.0", "residential", "Y")
    other = ("932", "", "approved", "", "", "17", "", "Ivy House", "Chestnut Road", "", "Brackenford", "BR1 1AB",
             "450000.0", "330000.0", "residential", "Y")
    matcher = Matcher(GazetteerIndex(_entries([ivy, other])))
    outcome = one(matcher, "Ivy House, Chestnut Road, Brakkenford")
    assert (outcome.status, outcome.uprn, outcome.runner_up_uprn) == ("matched", "931", "932")
    assert "word for word" in outcome.reason
    written_twice = Matcher(GazetteerIndex(_entries([ivy, (*other[:5], "", *other[6:])])))
    assert one(written_twice, "Ivy House, Chestnut Road, Brakkenford").status == "ambiguous"


def test_a_street_spelt_as_it_sounds_is_found_without_the_engine(matcher):
    # "Skool Raod" is two slips from School Road, too many for a name this short, but it
    # sounds the same and is the same kind.
    outcome = one(matcher, "3 Skool Raod, Joinford")
    assert (outcome.status, outcome.uprn) == ("matched", "141")
    assert one(matcher, "3 Skool Lane, Joinford").status != "matched"


@pytest.mark.parametrize(("held", "written"), [
    ("18", "8"),    # a digit dropped
    ("8", "18"),    # a digit added
    ("21", "12A"),  # swapped, with the flat's letter
    ("12", "12A"),  # the letter alone
])
def test_a_postcode_holding_a_slip_of_the_number_leaves_the_address_unmatched(held, written):
    # The written postcode's part of the street holds a number the written one could be a
    # slip of, other than two digits swapped (above): the number or the postcode is wrong,
    # and nothing says which.
    rows = [_house("941", written, "Hythe Street", "Joinford", "JF1 1AA"),
            _house("942", held, "Hythe Street", "Joinford", "JF1 1AB")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), f"{written} Hythe Street, Joinford", "JF1 1AB")
    assert outcome.status != "matched"


def test_a_street_the_gazetteer_lacks_is_not_found_by_its_consonants_alone():
    # "Wilkie Road" sounds like Walker Road once its vowels are dropped, but is three slips
    # from it: a street the gazetteer does not have, not a misspelling.
    rows = [_house("951", "12", "Walker Road", "Joinford", "JF1 1AA")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    for postcode in (None, "JF1 9ZZ"):
        assert one(matcher, "12 Wilkie Road, Joinford", postcode).status != "matched"


def test_a_compass_point_is_not_a_misspelling_of_another():
    rows = [_house("961", "12", "Main Street", "East Kilbride", "EK1 1AA")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "12 Main Street, West Kilbride, Ayrshire")
    assert outcome.status != "matched"


def test_a_street_of_the_kind_written_elsewhere_does_not_count_against_the_one_named_here():
    rows = [_house("971", "5", "Ellesmere Grove", "Otherton", "OT1 1AA"),
            _house("972", "5", "Ellesmere Road", "Joinford", "JF1 1AA")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "5 Ellesmere Grovee, Joinford")
    assert (outcome.status, outcome.uprn) == ("matched", "972")


def test_a_street_written_as_it_is_in_another_town_is_not_misread_as_another_kind_here():
    """"9 Sidney Grove, Thornwick" names Sidney Grove, which is in Ravensby: it is not
    9 Sidney Road in Thornwick, one swap away once the kind is run into the name."""
    rows = [_house("961", "9", "Sidney Grove", "Ravensby", "RV1 1AA"),
            _house("962", "9", "Sidney Road", "Thornwick", "TW1 1AA")]
    outcome = one(Matcher(GazetteerIndex(_entries(rows))), "9 Sidney Grove, Thornwick")
    assert outcome.status != "matched", outcome.reason


def test_another_town_named_is_outweighed_only_by_the_postcode():
    """A flat agreeing does not outweigh a town of the gazetteer that is not the
    candidate's: without a postcode "Flat A, 20 Chapel Street, Kingsmere" is not the flat
    on Chapel Street in Ravensby; with Ravensby's postcode it is."""
    rows = [_house("951", "20", "Chapel Street", "Ravensby", "RV1 2AB"),
            ("952", "951", "approved", "Flat A", "", "20", "", "", "Chapel Street", "", "Ravensby", "RV1 2AB",
             "450000.0", "330000.0", "residential", "Y"),
            _house("953", "3", "Market Place", "Kingsmere", "KM1 1AA")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "Flat A, 20 Chapel Street, Kingsmere")
    assert outcome.status == "unmatched" and "another town (KINGSMERE)" in outcome.reason, outcome.reason
    assert one(matcher, "Flat A, 20 Chapel Street, Kingsmere", "RV1 2AB").uprn == "952"


def test_the_words_of_one_place_the_gazetteer_does_not_know_count_once():
    """A county of two words ("North Marlshire", normalised N MARLSHIRE) costs what a
    county of one word costs."""
    rows = [_house("941", "12", "Heron Road", "Ravensby", "RV1 3AC")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    one_word = one(matcher, "12 Heron Road, Ravensby, Marlshire")
    two_words = one(matcher, "12 Heron Road, Ravensby, North Marlshire")
    assert (two_words.status, two_words.uprn) == ("matched", "941"), two_words.reason
    assert two_words.score == one_word.score
    assert "words the gazetteer does not know as a place (N MARLSHIRE)" in two_words.reason


def test_a_building_divided_into_flats_ties_with_none_of_its_flats():
    """Coronation Mansions is number 5 on Heron Road, and has a flat 5: "Coronation
    Mansions Flat 5, Heron Road" writes a flat, so the block itself is never its match
    (step 5) and cannot make it ambiguous."""
    block = ("931", "", "approved", "", "", "5", "", "Coronation Mansions", "Heron Road", "", "Ravensby",
             "RV1 4AD", "450000.0", "330000.0", "parent_shell", "Y")
    flats = [(uprn, "931", "approved", "", number, "5", "", "Coronation Mansions", "Heron Road", "", "Ravensby",
              "RV1 4AD", "450000.0", "330000.0", "residential", "Y")
             for uprn, number in (("932", "1"), ("936", "5"), ("937", "6"))]
    outcome = one(Matcher(GazetteerIndex(_entries([block, *flats]))), "Coronation Mansions Flat 5, Heron Road, Ravensby")
    assert (outcome.status, outcome.uprn) == ("matched", "936"), outcome.reason


def test_a_place_named_by_another_compass_point_counts_against_the_candidate():
    # West Kilbride is not in this gazetteer: an address there is outside it, even with
    # the street and number of a house in East Kilbride.
    rows = [_house("981", "12", "Main Street", "East Kilbride", "EK1 1AA")]
    matcher = Matcher(GazetteerIndex(_entries(rows)))
    outcome = one(matcher, "12 Main Street, West Kilbride")
    assert outcome.status == "unmatched" and "too weak" in outcome.reason
    assert one(matcher, "12 Main Street, East Kilbride").status == "matched"
    assert one(matcher, "12 Main Street, East Kilbrid").status == "matched"


#: A purpose-built block with no number of its own on Mill Lane, beside a house whose
#: number is one of the block's flats; and West Street, whose name normalises to W.
BLOCK_ROWS = [
    *ROWS,
    ("122", "", "approved", "", "", "6", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451020.0",
     "339000.0", "residential", "Y"),
    ("170", "", "approved", "", "", "", "", "Atkins House", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB",
     "451030.0", "339000.0", "parent_shell", "Y"),
    ("171", "170", "approved", "Flat 6", "", "", "", "Atkins House", "Mill Lane", "Millbrook", "Joinford",
     "JU2 2BB", "451030.0", "339000.0", "residential", "Y"),
    ("172", "170", "approved", "Flat 8", "", "", "", "Atkins House", "Mill Lane", "Millbrook", "Joinford",
     "JU2 2BB", "451030.0", "339000.0", "residential", "Y"),
    ("160", "", "approved", "", "", "3", "", "", "West Street", "Old Town", "Joinford", "JU1 1AF", "452200.0",
     "338000.0", "residential", "Y"),
]


@pytest.fixture(scope="module")
def blocks() -> Matcher:
    return Matcher(GazetteerIndex(_entries(BLOCK_ROWS)))


@pytest.mark.parametrize("text", ["Atkins House Flat 6, Mill Lane, Joinford", "Atkins House 6, Mill Lane, Joinford",
                                  "Flat 6, Atkins House, Mill Lane, Joinford"])
def test_a_flat_written_after_its_blocks_name_is_that_flat_not_the_house_of_its_number(blocks, text):
    """A newcomer's own gazetteer (docs/gazetteer.md): 21 wrong matches were a block's
    name and then the flat's number, given the street's house of that number."""
    outcome = one(blocks, text, "JU2 2BB")
    assert (outcome.status, outcome.uprn) == ("matched", "171")


@pytest.mark.parametrize(("after", "before", "postcode"), [
    ("10 High Street, Flat 2, Joinford", "Flat 2, 10 High Street, Joinford", "JU1 1AA"),
    ("10 High Street First Floor Flat", "First Floor Flat, 10 High Street", "JU1 1AA"),
    ("6 Mill Lane, Flat 8, Joinford", "Flat 8, 6 Mill Lane, Joinford", "JU2 2BB"),
    ("12 High Street, Flat 2", "Flat 2, 12 High Street", "JU1 1AA"),
])
def test_a_flat_written_after_the_street_is_read_as_if_written_before(blocks, after, before, postcode):
    """A newcomer's own extract: all 54 flats written after the street were left unmatched."""
    written_after, written_before = one(blocks, after, postcode), one(blocks, before, postcode)
    assert (written_after.status, written_after.uprn) == (written_before.status, written_before.uprn)
    assert written_after.method != "exact"
    if after.startswith("10 High Street, Flat 2"):
        assert (written_after.status, written_after.uprn) == ("matched", "102")


def test_the_engines_flat_in_a_block_the_address_does_not_name_is_refused():
    index = GazetteerIndex(_entries(BLOCK_ROWS))
    engine = FakeEngine((_position(index, "172"), 40.0))  # flat 8 of Atkins House; Mill Lane has no number 8
    outcome = Matcher(index, engine).match([AddressInput(1, "8 Mil Lnae, Joinford", "JU2 2BB")])[0]
    assert outcome.status == "unmatched"
    assert "a flat in a building the address does not name" in outcome.reason


def test_a_block_and_its_flat_say_where_without_the_street():
    index = GazetteerIndex(_entries(BLOCK_ROWS))
    engine = FakeEngine((_position(index, "171"), 40.0))
    outcome = Matcher(index, engine).match([AddressInput(1, "Flat 6, Atkins House, Joinford", "JU2 2BB")])[0]
    assert (outcome.status, outcome.uprn) == ("matched", "171")


def test_a_telephone_number_in_an_address_line_is_not_read_as_the_address(blocks):
    outcome = one(blocks, "12 High Street, Joinford, Tel 07700 900123", "JU1 1AA")
    assert (outcome.status, outcome.uprn) == ("matched", "110")


def test_a_street_of_the_addresss_own_postcode_is_found_with_two_slips(blocks):
    # Two slips in a name of seven letters: too many for the lookup by spelling alone.
    outcome = one(blocks, "1 Bondsry Road, Joinford", "JU4 4DD")
    assert (outcome.status, outcome.uprn) == ("matched", "151")
    assert "a misspelling of a street of the postcode" in outcome.reason


def test_a_street_whose_name_normalises_to_a_letter_is_found_misspelt(blocks):
    # West Street's name normalises to W: "Wesf" is a slip from its name as written.
    for postcode in ("JU1 1AF", None):
        outcome = one(blocks, "3 Wesf Street, Joinford", postcode)
        assert (outcome.status, outcome.uprn) == ("matched", "160"), postcode


def test_without_the_postcode_a_street_two_slips_away_is_not_guessed(blocks):
    assert one(blocks, "1 Bondsry Road", None).status != "matched"


def test_a_slip_in_the_outward_code_counts_as_a_slipped_postcode(blocks):
    """A newcomer's own extract: 50 of 73 addresses with a digit of the outward code
    mistyped (TF29 for TF23) were left unmatched as outside the area."""
    slipped = one(blocks, "12 High Street, Joinford", "JU7 1AA")
    assert (slipped.status, slipped.uprn) == ("matched", "110")
    assert "a slip in the outward code (JU7 1AA)" in slipped.reason
    assert one(blocks, "12 High Street, Joinford", "JU9 9ZZ").status != "matched"


def test_a_street_found_with_no_such_number_on_it_says_so(matcher):
    """A newcomer's extract: "91 Mill Lane" (the number's digits swapped) was explained as
    "no street in the gazetteer was recognised", though Mill Lane is there."""
    outcome = one(matcher, "91 Mill Lane, Joinford", "JU2 2BB")
    assert outcome.status == "unmatched"
    assert outcome.reason.startswith("the gazetteer has MILL LN, but nothing on it with the number")
    assert one(matcher, "4 Nowhere Avenue", None).reason == "no street in the gazetteer was recognised"


def test_ten_slash_two_is_flat_two_of_ten_only_when_the_gazetteer_says_so(blocks):
    """"10/2" is flat 10 of number 2 (as "B/46" is flat B of 46); some agencies mean flat 2
    of number 10. That reading is weighed four bits below, so the gazetteer decides."""
    outcome = one(blocks, "10/2 High Street", "JU1 1AA")  # no number 2; flat 2 of number 10 is there
    assert (outcome.status, outcome.uprn) == ("matched", "102")
    assert "the numbers read as house 10, then flat 2" in outcome.reason


#: Adams Gardens in a locality whose name starts with "St"; Swallow House, a block with
#: a number of its own; Meadow View, a named house with a number.
NAMED_ROWS = [
    *BLOCK_ROWS,
    ("180", "", "approved", "", "", "24", "", "", "Adams Gardens", "St Ives", "Ashby Marsh", "JU4 4DE", "455100.0",
     "336000.0", "residential", "Y"),
    ("181", "", "approved", "", "", "20", "", "Swallow House", "Mill Lane", "Millbrook", "Joinford", "JU2 2BC",
     "451040.0", "339000.0", "parent_shell", "Y"),
    ("182", "181", "approved", "Flat 18", "", "20", "", "Swallow House", "Mill Lane", "Millbrook", "Joinford",
     "JU2 2BC", "451040.0", "339000.0", "residential", "Y"),
    ("183", "", "approved", "", "", "18", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BD", "451050.0",
     "339000.0", "residential", "Y"),
    ("184", "", "approved", "", "", "42", "", "Meadow View", "Boundary Road", "Old Town", "Joinford", "JU4 4DF",
     "455010.0", "336020.0", "residential", "Y"),
]


def test_the_engines_candidate_of_another_street_kind_is_refused():
    """A third newcomer's extract: all five wrong matches were the engine's same number on
    a street of another kind ("24 Adams Street" given 24 Adams Gardens), where the kind's
    word ("ST") is also the first word of a place ("St Ives")."""
    index = GazetteerIndex(_entries(NAMED_ROWS))
    outcome = Matcher(index, FakeEngine((_position(index, "180"), 40.0))).match(
        [AddressInput(1, "24 Adams Street, Joinford", None)])[0]
    assert outcome.status == "unmatched" and "on a street the address does not name" in outcome.reason


def test_a_flat_of_a_block_with_its_own_number_written_by_the_blocks_name():
    outcome = one(Matcher(GazetteerIndex(_entries(NAMED_ROWS))), "Swallow House Flat 18, Mill Lane, Joinford",
                  "JU2 2BC")
    assert (outcome.status, outcome.uprn) == ("matched", "182")  # not 18 Mill Lane


def test_whom_the_post_goes_through_is_not_read_as_the_address(blocks):
    outcome = one(blocks, "c/o Mr Anthony Hunt, 12 High Street, Joinford", "JU1 1AA")
    assert (outcome.status, outcome.uprn) == ("matched", "110")
    assert "words the gazetteer does not have" not in outcome.reason and "flat" not in outcome.reason


def test_a_named_house_in_its_own_full_postcode_needs_no_street():
    index = GazetteerIndex(_entries(NAMED_ROWS))
    def engine():
        return FakeEngine((_position(index, "184"), 40.0))
    named = Matcher(index, engine()).match([AddressInput(1, "Meadow View, Joinford", "JU4 4DF")])[0]
    assert (named.status, named.uprn) == ("matched", "184")
    for text, postcode in (("Meadow View, Joinford", "JU4 4DD"), ("Meadow View, Joinford", None)):
        assert Matcher(index, engine()).match([AddressInput(1, text, postcode)])[0].status == "unmatched"
