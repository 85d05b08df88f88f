"""Match weights in the reviewer's terms: why a pair scored as it did, and what a model's
parameters mean.

A match weight is the log2 of the odds that two records are one person. The prior (the
chance that two random records match) gives the starting weight; each comparison adds the
weight of the level the pair fell in, log2(m / u); the total gives the match probability,
2^w / (1 + 2^w). Each level is named by its ``label_for_charts``, the plain words the
linkage model gives it where the comparisons are built (:mod:`joinedup.people.linkage_model`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from joinedup.people import linkage_model as linkage
from joinedup.people.review import PairExplanation


def probability_of(weight: float) -> float:
    """The match probability of a match weight: 2^w / (1 + 2^w)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0 ** weight
    return odds / (1 + odds)


def weight_of(probability: float) -> float | None:
    """The match weight of a probability: log2 of its odds (None at 0 or 1, which have none)."""
    if not 0 < probability < 1:
        return None
    return math.log2(probability / (1 - probability))


def sentence(label: str) -> str:
    """A level's label as a table shows it: with a capital letter."""
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class Step:
    """One step of the waterfall: the prior, one comparison, or the total. ``start`` and
    ``end`` are the running match weight before and after it."""

    label: str
    level: str
    weight: float
    start: float
    end: float
    kind: str  # prior, step, total

    @property
    def probability(self) -> float:
        return probability_of(self.end)


def waterfall(explanation: PairExplanation) -> list[Step]:
    """The prior, each comparison's weight with the running total, and the match weight
    (the run's own total when it kept one). Empty for a pair no run explained."""
    if not explanation.steps:
        return []
    steps = [Step("Prior", "", explanation.prior, 0.0, explanation.prior, "prior")]
    running = explanation.prior
    for item in explanation.steps:
        steps.append(Step(item["description"], sentence(item["level"]), item["weight"], running,
                          running + item["weight"], "step"))
        running += item["weight"]
    total = explanation.match_weight if explanation.match_weight is not None else running
    steps.append(Step("Match weight", "", total, 0.0, total, "total"))
    return steps


@dataclass(frozen=True)
class Level:
    """One level of a comparison, with the parameters training gave it."""

    label: str
    m: float | None
    u: float | None
    term_frequencies: bool

    @property
    def weight(self) -> float | None:
        """log2(m / u): how much a pair at this level counts for (or against) a match."""
        if not self.m or not self.u:
            return None
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    """One comparison of a model: what it compares, in words, and its levels, strongest first."""

    name: str
    description: str
    levels: list[Level]


def comparisons(settings: dict[str, Any]) -> list[Comparison]:
    """Each comparison of a model's settings, with each level's m, u and match weight. The
    level for a missing value is left out: it counts for nothing."""
    found = []
    for comparison in settings.get("comparisons", []):
        levels = [
            Level(sentence(level.get("label_for_charts", "")), level.get("m_probability"),
                  level.get("u_probability"), bool(level.get("tf_adjustment_column")))
            for level in comparison.get("comparison_levels", [])
            if not level.get("is_null_level")
        ]
        name = comparison.get("output_column_name", "")
        found.append(Comparison(name, linkage.comparison_label(name), levels))
    return found


def prior(settings: dict[str, Any]) -> tuple[float | None, float | None]:
    """The chance that two random records are one person, and its match weight (None
    when the chance is missing or not strictly between 0 and 1)."""
    chance = settings.get("probability_two_random_records_match")
    if not chance or not 0 < chance < 1:
        return chance, None
    return chance, linkage.prior_weight(settings)


# --------------------------------------------------------------------------- two records side by side

#: Fields compared as words: spaces count once; elsewhere spaces and hyphens do not count.
_WORDED = ("forename", "middle_names", "surname", "address_text")


def _plain(name: str, value: Any) -> str:
    text = str(value).casefold().strip()
    return re.sub(r"\s+", " ", text) if name in _WORDED else re.sub(r"[\s-]+", "", text)


@dataclass(frozen=True)
class FieldComparison:
    """One field of two records: both values and whether they agree."""

    name: str
    left: Any
    right: Any
    agreement: str  # same, different, one

    @property
    def words(self) -> str:
        return {"same": "Same", "different": "Different", "one": "On one record only"}[self.agreement]


def compare_fields(left: dict[str, Any], right: dict[str, Any], names: tuple[str, ...]) -> list[FieldComparison]:
    """Each of ``names`` either record holds, with whether they agree (without regard to
    case, and to spacing and hyphens in numbers and codes)."""
    rows = []
    for name in names:
        a, b = left.get(name), right.get(name)
        if a is None and b is None:
            continue
        if a is not None and b is not None:
            agreement = "same" if _plain(name, a) == _plain(name, b) else "different"
        else:
            agreement = "one"
        rows.append(FieldComparison(name, a, b, agreement))
    return rows
