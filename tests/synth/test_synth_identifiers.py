"""Identifiers are valid by construction, unique per person, and never real.

The check algorithms are tested against published examples, so that "valid" here means
what ingest and the agencies mean by it.
"""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.synth.identifiers import (
    NI_PREFIXES,
    IdentifierIssuer,
    IdentifierSpace,
    is_valid_ni_number,
    is_valid_nhs_number,
    is_valid_upn,
    nhs_check_digit,
    upn_check_letter,
)


def test_nhs_check_digit_matches_the_published_example():
    assert nhs_check_digit("943476591") == 9  # NHS Digital's example 943 476 5919
    assert is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918")
    assert nhs_check_digit("000000006") is None  # 11 - 12 % 11 = 10: no number is issued


def test_upn_check_letter_follows_the_dfe_algorithm():
    assert upn_check_letter("801200005001") == "B"  # DfE-style example B801200005001
    assert is_valid_upn("B801200005001")
    assert not is_valid_upn("A801200005001")
    assert "I" not in upn_check_letter.__globals__["UPN_CHECK_LETTERS"]


@pytest.mark.parametrize("prefix", ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "DA", "AD", "AO", "QA", "VA"])
def test_ni_prefixes_exclude_those_hmrc_never_issues(prefix):
    assert prefix not in NI_PREFIXES
    assert not is_valid_ni_number(f"{prefix}123456A")


def test_issued_identifiers_are_valid_and_unique():
    issuer = IdentifierIssuer(seed=3)
    people = range(0, 60_000, 7)
    nhs = [issuer.nhs_number(index) for index in people]
    ni = [issuer.ni_number(index) for index in people]
    upn = [issuer.upn(index, date(2015, 9, 1)) for index in people]
    for values, valid in ((nhs, is_valid_nhs_number), (ni, is_valid_ni_number), (upn, is_valid_upn)):
        assert all(valid(value) for value in values)
        assert len(set(values)) == len(values)
    assert all(number.startswith("9") for number in nhs), "a block England does not issue to patients"


def test_an_identifier_space_is_one_to_one():
    space = IdentifierSpace(modulus=1_009, seed=1, name="test")
    assert sorted(space(index) for index in range(1_009)) == list(range(1_009))
    with pytest.raises(ValueError):
        space(1_009)
