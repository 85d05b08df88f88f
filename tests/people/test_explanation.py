"""The match-weight maths of people.explanation, against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from joinedup.people.explanation import (
    Level,
    compare_fields,
    comparisons,
    prior,
    probability_of,
    waterfall,
    weight_of,
)
from joinedup.people import linkage_model
from joinedup.people.models import LinkPair
from joinedup.people.review import PairExplanation


@pytest.mark.parametrize(("weight", "probability"), [
    (0.0, 0.5),  # even odds
    (1.0, 2 / 3),  # odds of 2 to 1
    (-1.0, 1 / 3),
    (2.0, 0.8),  # odds of 4 to 1
    (-2.0, 0.2),
    (math.log2(99), 0.99),  # odds of 99 to 1
    (61.0, 1.0),  # past the cut: exactly 1, not a float overflow
    (-61.0, 0.0),
])
def test_a_match_weight_is_log2_of_the_odds(weight, probability):
    assert math.isclose(probability_of(weight), probability, rel_tol=1e-12)


@pytest.mark.parametrize(("probability", "weight"), [(0.5, 0.0), (0.8, 2.0), (0.2, -2.0), (0.99, math.log2(99))])
def test_the_weight_of_a_probability_is_the_inverse(probability, weight):
    assert math.isclose(weight_of(probability), weight, abs_tol=1e-12)
    assert math.isclose(probability_of(weight_of(probability)), probability, rel_tol=1e-12)


@pytest.mark.parametrize("probability", [0.0, 1.0, -0.1, 1.5])
def test_certainty_has_no_weight(probability):
    assert weight_of(probability) is None


def test_a_level_weighs_log2_of_m_over_u():
    assert Level("Same", 0.8, 0.1, False).weight == 3.0  # 8 = 2^3
    assert Level("Different", 0.05, 0.4, False).weight == -3.0  # 1/8
    assert Level("Not estimated", None, 0.1, False).weight is None
    assert Level("Never seen", 0.0, 0.1, False).weight is None


def _explanation(*, match_weight: float | None) -> PairExplanation:
    pair = LinkPair(match_weight=match_weight, probability=0.0) if match_weight is not None else None
    return PairExplanation(
        (1, 2), pair, None, (None, None), None, prior=-13.0,
        steps=[
            {"comparison": "forename", "description": "Forename", "level": "the same", "gamma": 3, "weight": 6.0},
            {"comparison": "surname", "description": "Surname", "level": "Different", "gamma": 0, "weight": -2.5},
        ],
    )


def test_the_waterfall_runs_from_the_prior_through_each_comparison_to_the_match_weight():
    prior_step, forename, surname, total = waterfall(_explanation(match_weight=-9.5))
    assert (prior_step.kind, prior_step.start, prior_step.end) == ("prior", 0.0, -13.0)
    assert (forename.label, forename.level, forename.start, forename.end) == ("Forename", "The same", -13.0, -7.0)
    assert (surname.start, surname.end, surname.weight) == (-7.0, -9.5, -2.5)
    assert (total.kind, total.start, total.end) == ("total", 0.0, -9.5)
    # 2^-9.5 = 1 / 724.08, so the probability is 1 / 725.08.
    assert math.isclose(total.probability, 0.0013792, abs_tol=1e-7)


def test_the_waterfall_ends_at_the_runs_own_total_or_else_the_sum():
    assert waterfall(_explanation(match_weight=-9.4))[-1].end == -9.4
    assert waterfall(_explanation(match_weight=None))[-1].end == -9.5


def test_a_pair_no_run_explained_has_no_waterfall():
    explanation = PairExplanation((1, 2), None, None, (None, None), None)
    assert waterfall(explanation) == []


def test_the_prior_is_the_chance_of_two_random_records_matching_as_a_weight():
    chance, weight = prior({"probability_two_random_records_match": 1e-4})
    # log2(0.0001 / 0.9999) = -log2(9999)
    assert chance == 1e-4 and math.isclose(weight, -13.28757, abs_tol=1e-5)
    assert prior({"probability_two_random_records_match": 1.0}) == (1.0, None)
    assert prior({}) == (None, None)


def test_a_models_comparisons_name_each_level_by_its_label_for_charts():
    settings = {"comparisons": [{
        "output_column_name": "name",
        "comparison_levels": [
            {"label_for_charts": "Not recorded on one or both records", "is_null_level": True},
            {"label_for_charts": "the same forename and surname", "m_probability": 0.9, "u_probability": 0.01,
             "tf_adjustment_column": "surname"},
            {"label_for_charts": "Different", "m_probability": 0.1, "u_probability": 0.8},
        ],
    }]}
    (name,) = comparisons(settings)
    assert (name.name, name.description) == ("name", "Name (forename and surname together)")
    assert [(level.label, level.term_frequencies) for level in name.levels] == [
        ("The same forename and surname", True), ("Different", False)]
    assert name.levels[1].weight == -3.0


def test_an_identifier_scheme_is_named_by_its_scheme_not_its_column():
    """A newcomer's trial: the pair page named the mapping's PNC id "id_pnc_id"."""
    settings = {"comparisons": [{"output_column_name": "id_pnc_id", "comparison_levels": [
        {"label_for_charts": "same pnc id", "m_probability": 0.9, "u_probability": 0.001}]}]}
    assert comparisons(settings)[0].description == "Identifier: pnc id"
    steps = linkage_model.explain(settings, "0", "9.8")
    assert steps[0]["description"] == "Identifier: pnc id"


def test_two_records_compared_field_by_field():
    left = {"forename": "Anne Marie", "surname": "Smith ", "nhs_number": "401 023 2137", "phone": "01234"}
    right = {"forename": "Anne-Marie", "surname": "SMITH", "nhs_number": "4010232137", "email": "a@b.example"}
    rows = {row.name: row.words for row in compare_fields(
        left, right, ("forename", "surname", "nhs_number", "phone", "email", "upn"))}
    # Names keep their hyphens; numbers and codes ignore spaces and hyphens; case never counts.
    assert rows == {"forename": "Different", "surname": "Same", "nhs_number": "Same",
                    "phone": "On one record only", "email": "On one record only"}
