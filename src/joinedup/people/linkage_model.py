"""The linkage model: source records as Splink sees them, the comparisons, training.

Every source record becomes one row of comparison columns (:func:`prepare`): names in
upper case without punctuation and with a nickname root, the date of birth and its
day-and-month swapped form, identifiers as written, the address as the matched UPRN
with the normalised text, postcode and outward code behind it, phone digits and email.

:func:`settings` describes the comparisons; :func:`train` estimates the model without
labels (the chance that two records match from deterministic rules, u by random
sampling, then m by expectation maximisation over the blocking passes of ``EM_PASSES``) and returns
Splink's model JSON, which is kept as a versioned :class:`~joinedup.people.models.LinkModel`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from joinedup.people.nicknames import root

#: The columns of the table Splink links.
COLUMNS = (
    "unique_id", "forename", "forename_root", "surname", "dob", "dob_swapped", "birth_year", "sex", "nhs_number",
    "ni_number", "upn", "uprn", "address", "postcode", "outward", "phone", "email",
)

#: The blocking rules of the EM passes, each training the comparisons it does not block
#: on; a pass that finds no pairs in the data at hand is skipped, and a pass after which
#: agreement no longer counts for a match (see :func:`sensible`) is discarded.
EM_PASSES = (
    ("dob", "surname"), ("dob", "forename_root"), ("forename_root", "surname"), ("nhs_number",),
    ("uprn", "forename_root"), ("postcode", "forename_root"),
)

#: The pairs with at least this match probability are candidates for one person.
DEFAULT_THRESHOLD = 0.99
#: Training learns from a random sample of this many records when there are more.
TRAINING_SAMPLE = 250_000
#: Pairs from this probability up to the threshold go to the clerical review queue.
DEFAULT_REVIEW_FROM = 0.80

#: What each comparison is, in words, for the pair page and the model page.
COMPARISON_LABELS = {
    "forename": "Forename", "surname": "Surname", "dob": "Date of birth", "sex": "Sex",
    "nhs_number": "NHS number", "ni_number": "NI number", "upn": "Unique pupil number",
    "address": "Address (UPRN, then text, postcode)", "phone": "Phone", "email": "Email",
}

_NOT_LETTERS = re.compile(r"[^A-Z ]+")
_NOT_DIGITS = re.compile(r"\D+")
_SPACE = re.compile(r"\s+")

# Splink logs every step, and warns of levels EM did not observe (they keep their defaults).
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def name(text: str | None) -> str | None:
    """A name in upper case, letters and single spaces only; hyphens become spaces."""
    if not text:
        return None
    cleaned = _SPACE.sub(" ", _NOT_LETTERS.sub("", text.upper().replace("-", " "))).strip()
    return cleaned or None


def phone(text: str | None) -> str | None:
    """The phone number's digits, in the national form (+44 7… becomes 07…)."""
    if not text:
        return None
    digits = _NOT_DIGITS.sub("", text)
    if digits.startswith("44") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else None


def email(text: str | None) -> str | None:
    if not text or "@" not in text:
        return None
    return text.strip().lower()


def identifier(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = re.sub(r"[\s-]+", "", text).upper()
    return cleaned or None


def postcode(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = re.sub(r"\s+", "", text).upper()
    return cleaned or None


def swapped(dob: str | None) -> str | None:
    """The ISO date with its day and month swapped, when that is another real date."""
    if not dob:
        return None
    year, month, day = dob[:4], dob[5:7], dob[8:10]
    if day == month or int(day) > 12:
        return None
    return f"{year}-{day}-{month}"


def prepare(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The comparison columns of each record (a dict of the source record's fields).

    Each record carries ``id``, the canonical fields, ``date_of_birth`` as a date (or
    None), ``uprn`` (the matched UPRN or None) and ``address`` (normalised text or None).
    """
    rows = []
    for record in records:
        forename = name(record.get("forename"))
        dob = record["date_of_birth"].isoformat() if record.get("date_of_birth") else None
        code = postcode(record.get("postcode"))
        rows.append((
            record["id"], forename, root(forename.split()[0]) if forename else None, name(record.get("surname")),
            dob, swapped(dob), dob[:4] if dob else None, (record.get("sex") or "").lower() or None,
            identifier(record.get("nhs_number")), identifier(record.get("ni_number")), identifier(record.get("upn")),
            record.get("uprn") or None, record.get("address") or None, code, code[:-3] if code and len(code) > 4 else None,
            phone(record.get("phone")), email(record.get("email")),
        ))
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    # Text columns stay text when a source has no values at all (no NI numbers, say):
    # otherwise DuckDB reads an empty column as a number and the comparisons fail.
    return frame.astype({column: "string" for column in COLUMNS if column != "unique_id"})


def _exact_or_typo(column: str, label: str) -> dict[str, Any]:
    import splink.comparison_level_library as cll
    from splink import comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=label,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            cll.DamerauLevenshteinLevel(column, 1),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str, label: str, term_frequencies: bool = False):
    import splink.comparison_level_library as cll
    from splink import comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=label,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=term_frequencies),
            cll.ElseLevel(),
        ],
    )


def settings() -> dict[str, Any]:
    """The untrained model: comparisons and the blocking rules that generate pairs."""
    import splink.comparison_level_library as cll
    from splink import SettingsCreator, block_on
    from splink import comparison_library as cl

    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_description="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename", term_frequency_adjustments=True),
            cll.CustomLevel("forename_root_l = forename_root_r", "same name by a nickname"),
            cll.CustomLevel("forename_l = surname_r AND surname_l = forename_r", "forename and surname swapped"),
            cll.JaroWinklerLevel("forename", 0.92),
            cll.JaroWinklerLevel("forename", 0.80),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_description="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
            cll.CustomLevel("forename_l = surname_r AND surname_l = forename_r", "forename and surname swapped"),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.JaroWinklerLevel("surname", 0.80),
            cll.ElseLevel(),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_description="date of birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_swapped_l = dob_r", "day and month swapped"),
            cll.DamerauLevenshteinLevel("dob", 1),
            cll.CustomLevel("substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", "same year"),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="address: UPRN, then text, postcode, outward code",
        comparison_levels=[
            {
                "sql_condition": "(uprn_l IS NULL AND address_l IS NULL AND postcode_l IS NULL) "
                                 "OR (uprn_r IS NULL AND address_r IS NULL AND postcode_r IS NULL)",
                "label_for_charts": "no address",
                "is_null_level": True,
            },
            cll.ExactMatchLevel("uprn", term_frequency_adjustments=True),
            cll.CustomLevel("(uprn_l IS NULL OR uprn_r IS NULL) AND address_l = address_r", "same address text"),
            cll.CustomLevel("postcode_l = postcode_r", "same postcode"),
            cll.CustomLevel("outward_l = outward_r", "same outward code"),
            cll.ElseLevel(),
        ],
    )
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-4,
        comparisons=[
            forename, surname, dob, _exact("sex", "sex"),
            _exact_or_typo("nhs_number", "NHS number"), _exact_or_typo("ni_number", "NI number"),
            _exact_or_typo("upn", "unique pupil number"), address,
            _exact("phone", "phone"), _exact("email", "email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"),
            block_on("ni_number"),
            block_on("upn"),
            block_on("email"),
            block_on("phone", "surname"),
            block_on("phone", "forename_root"),
            block_on("dob", "surname"),
            block_on("dob", "forename_root"),
            block_on("dob", "uprn"),
            block_on("dob", "postcode"),
            block_on("forename_root", "surname", "birth_year"),
            block_on("uprn", "forename_root"),
            "l.forename = r.surname AND l.surname = r.forename",
            "l.dob_swapped = r.dob AND l.surname = r.surname",
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )
    return creator.get_settings("duckdb").as_dict()


def linker(frame: pd.DataFrame, model: dict[str, Any]):
    """A Splink linker over ``frame`` (from :func:`prepare`) with ``model`` (settings JSON)."""
    from splink import DuckDBAPI, Linker

    return Linker(frame, model, DuckDBAPI(), set_up_basic_logging=False)


def train(frame: pd.DataFrame, *, seed: int = 42, max_pairs: float = 2e6) -> dict[str, Any]:
    """Train the model on ``frame`` without labels; return Splink's model JSON.

    Above :data:`TRAINING_SAMPLE` records it learns from a random sample of that many
    (fixed seed): the chance that two random records match, u and m are all estimated
    as well from a quarter of a million records as from a million, in a fraction of the
    time. Predictions always use every record.
    """
    from splink import block_on
    from splink.internals.exceptions import EMTrainingException

    if len(frame) > TRAINING_SAMPLE:
        frame = frame.sample(n=TRAINING_SAMPLE, random_state=seed)

    trained = linker(frame, settings())
    trained.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("ni_number"), block_on("upn"),
         block_on("forename", "surname", "dob")],
        recall=0.8,
    )
    prior = trained.misc.save_model_to_json()["probability_two_random_records_match"]
    trained.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    sessions = 0
    for rule in EM_PASSES:
        before = trained.misc.save_model_to_json()
        try:
            trained.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
        except EMTrainingException:
            # No pairs on this rule here (no NHS numbers, no UPRNs matched). Splink leaves
            # the failed pass's settings (comparisons dropped, prior adjusted) on the
            # linker, so carry on from the model as it was before the pass.
            trained = linker(frame, before)
            continue
        if not sensible(trained.misc.save_model_to_json()):
            trained = linker(frame, before)  # this pass learnt something other than people: discard it
            continue
        sessions += 1
    if not sessions:
        raise EMTrainingException("no training pass found pairs of records to learn from")
    model = trained.misc.save_model_to_json()
    # Splink leaves the last EM pass's blocking-adjusted prior on the linker; the prior
    # is the one the deterministic rules estimated.
    model["probability_two_random_records_match"] = prior
    return model


#: Comparisons whose exact agreement must count for a match in a sensible model.
AGREEMENT_COUNTS = ("forename", "surname", "dob")


def sensible(model: dict[str, Any]) -> bool:
    """Whether the model still says that the same forename, surname and date of birth are
    evidence for a match. An EM pass over pairs that are mostly different people (a
    source that gives everyone one postcode, say) can converge on a model of something
    else, where agreement counts against; such a pass is discarded."""
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] not in AGREEMENT_COUNTS:
            continue
        exact = next(level for level in comparison["comparison_levels"] if not level.get("is_null_level"))
        m, u = exact.get("m_probability"), exact.get("u_probability")
        if m and u and m <= u:
            return False
    return True


# --------------------------------------------------------------------------- scoring

#: The comparisons whose exact level is one strong identifier on both records.
IDENTIFIER_COMPARISONS = ("nhs_number", "ni_number", "upn")


def score(
    frame: pd.DataFrame,
    model: dict[str, Any],
    *,
    keep_from: float,
    new_ids: Iterable[int] | None = None,
) -> list[tuple[int, int, float, float, str, str]]:
    """Score the pairs the model's blocking rules generate over ``frame``.

    Returns ``(left, right, probability, match_weight, gammas, weights)`` for each pair
    with probability at least ``keep_from``, and for each pair with the same strong
    identifier on both records whatever its probability; ``gammas`` and ``weights`` are
    each comparison's level and match weight (log2 of its Bayes factor, term frequency
    adjustment included), comma-separated in the model's order. With ``new_ids``, only
    pairs with at least one of those records are compared (incremental linking).

    Splink filters by probability before it materialises the predictions, so memory
    follows the pairs kept, not the pairs blocked. Pairs sharing an identifier below
    ``keep_from`` are few; they are scored by a second linker over just their records,
    with the first one's term frequencies.
    """
    settings = _explaining(model)
    if new_ids is not None:
        new_ids = set(new_ids)
        frame = frame.assign(is_new=frame["unique_id"].isin(new_ids))
        settings["blocking_rules_to_generate_predictions"] = [
            {**rule, "blocking_rule": f"({rule['blocking_rule']}) AND (l.is_new OR r.is_new)"}
            for rule in model["blocking_rules_to_generate_predictions"]
        ]
    scorer = linker(frame, settings)
    kept = _predict(scorer, model, keep_from)
    found = {(left, right) for left, right, *_ in kept}
    sharing = [pair for pair in _sharing_identifier(frame, new_ids) if pair not in found]
    if sharing:
        involved = {record_id for pair in sharing for record_id in pair}
        subset = frame[frame["unique_id"].isin(involved)]
        second = _explaining(model)
        second["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": f"l.{column} = r.{column}", "sql_dialect": "duckdb"} for column in IDENTIFIER_COMPARISONS
        ]
        checker = linker(subset, second)
        for column in _term_frequency_columns(model):
            lookup = scorer.table_management.compute_tf_table(column)
            checker.table_management.register_term_frequency_lookup(lookup.as_pandas_dataframe(), column)
        wanted = set(sharing)
        kept += [pair for pair in _predict(checker, model, None) if (pair[0], pair[1]) in wanted]
    return kept


def _explaining(model: dict[str, Any]) -> dict[str, Any]:
    settings = dict(model)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True
    return settings


def _term_frequency_columns(model: dict[str, Any]) -> list[str]:
    columns = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def _sharing_identifier(frame: pd.DataFrame, new_ids: set[int] | None) -> set[tuple[int, int]]:
    """Pairs (lower id first) with the same NHS number, NI number or UPN."""
    pairs: set[tuple[int, int]] = set()
    for column in IDENTIFIER_COMPARISONS:
        held = frame.loc[frame[column].notna(), ["unique_id", column]]
        shared = held[held.duplicated(column, keep=False)]
        for _, ids in shared.groupby(column)["unique_id"]:
            members = sorted(int(record_id) for record_id in ids)
            for index, left in enumerate(members):
                for right in members[index + 1:]:
                    if new_ids is None or left in new_ids or right in new_ids:
                        pairs.add((left, right))
    return pairs


def _predict(scorer, model: dict[str, Any], keep_from: float | None) -> list[tuple[int, int, float, float, str, str]]:
    predictions = scorer.inference.predict(threshold_match_probability=keep_from)
    try:
        relation = predictions.as_duckdbpyrelation()
        columns = set(relation.columns)
        gammas, weights = [], []
        for comparison in model["comparisons"]:
            column = comparison["output_column_name"]
            gammas.append(f"gamma_{column}")
            factor = f"bf_{column}" + (f" * bf_tf_adj_{column}" if f"bf_tf_adj_{column}" in columns else "")
            weights.append(f"round(log2(greatest({factor}, 1e-300)), 3)")
        rows = relation.project(
            "least(unique_id_l, unique_id_r) AS l, greatest(unique_id_l, unique_id_r) AS r, match_probability, "
            f"match_weight, concat_ws(',', {', '.join(gammas)}) AS gammas, "
            f"concat_ws(',', {', '.join(weights)}) AS weights"
        ).fetchnumpy()
    finally:
        predictions.drop_table_from_database_and_remove_from_cache()
    return list(zip(
        rows["l"].astype(int).tolist(), rows["r"].astype(int).tolist(),
        rows["match_probability"].astype(float).tolist(), rows["match_weight"].astype(float).tolist(),
        list(rows["gammas"]), list(rows["weights"]), strict=True,
    ))


def prior_weight(model: dict[str, Any]) -> float:
    """The match weight before any comparison: log2 of the prior odds of a match."""
    chance = model["probability_two_random_records_match"]
    return math.log2(chance / (1 - chance))


def explain(model: dict[str, Any], gammas: str, weights: str) -> list[dict[str, Any]]:
    """Each comparison's contribution to a pair's match weight: the comparison, the level
    the pair fell in, and its weight (from :func:`score`'s ``gammas`` and ``weights``)."""
    steps = []
    for comparison, gamma, weight in zip(model["comparisons"], gammas.split(","), weights.split(","), strict=True):
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        value = int(gamma)
        if value < 0:
            label = "not recorded on one or both"
        else:
            label = levels[len(levels) - 1 - value].get("label_for_charts", "")
        steps.append({
            "comparison": comparison["output_column_name"],
            "description": COMPARISON_LABELS.get(comparison["output_column_name"], comparison["output_column_name"]),
            "level": label, "gamma": value, "weight": float(weight),
        })
    return steps
