"""The standing index: what an incremental link run needs, kept between runs.

A full run reads, prepares and scores every record; an incremental run must not. So
each full run leaves behind, in the store:

- every linkable record as the model compares it (:class:`LinkIndexRecord`, identifier
  schemes' values in :class:`LinkIndexIdentifier`): its columns are the blocking keys,
  each blocking rule's equalities an indexed lookup (:func:`candidates`);
- the term-frequency counts of the columns the model adjusts for (the UPRN), and how
  many records hold each column (:class:`LinkTermFrequency`, ``LinkIndexState.totals``);
- the adopted model's scoring SQL (``LinkIndexState.scoring_sql``), compiled once from
  the model by Splink, so that scoring a new record needs DuckDB, not a Splink linker.

An incremental run looks up a new record's candidates, scores the pairs the model's
blocking rules generate between them (lower id on the left, as a full run does) with the
term frequencies the full run would compute with the new record included, and adds the
record to the standing index (:func:`plan_additions`).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, func, select, tuple_, union, update
from sqlalchemy.orm import Session

from joinedup.db import utcnow
from joinedup.db.bulk import PreparedRows
from joinedup.people import linkage_model as linkage
from joinedup.people.models import (
    INDEX_COLUMNS,
    LinkIndexIdentifier,
    LinkIndexRecord,
    LinkIndexState,
    LinkTermFrequency,
)

_EQUAL = re.compile(r"^l\.(\w+) = r\.(\w+)$")
_INITIAL = re.compile(r"^substr\(l\.(\w+), 1, 1\) = substr\(r\.(\w+), 1, 1\)$")
#: A lookup's rows at most, per statement.
CHUNK = 500

Scored = list[tuple[int, int, float, float, str, str]]


class StaleIndex(LookupError):
    """There is no standing index for the adopted model: a full run must come first."""


# --------------------------------------------------------------------------- compiling the model


def tf_columns(model: dict[str, Any]) -> list[str]:
    return linkage._term_frequency_columns(model)


def scoring_sql(model: dict[str, Any]) -> str:
    """The SQL that scores every pair the model's blocking rules generate within a table
    ``everyone`` (the prepared columns, ``tf_<column>`` for each term-frequency column and
    ``is_new``) that has a new record: Splink's own comparison and prediction SQL, so that
    a pair scores as it would in a full run."""
    from splink.internals.predict import (
        predict_from_comparison_vectors_sqls_using_settings,
    )

    settings = linkage._explaining(model)
    frame = pd.DataFrame({column: pd.Series([None], dtype="string") for column in linkage.COLUMNS})
    frame["unique_id"] = [1]
    for column in model["comparisons"]:
        if column["output_column_name"].startswith(linkage.SCHEME_PREFIX):
            frame[column["output_column_name"]] = pd.Series([None], dtype="string")
    compiled = linkage.linker(frame, settings)._settings_obj
    pairs = _blocking(linkage.prediction_rules(model), small=False)
    ctes = [
        ("blocked_ids", pairs),
        ("blocked", (f"SELECT {', '.join(compiled._columns_to_select_for_blocking)}, 0 AS match_key "
                    "FROM blocked_ids JOIN everyone AS l ON l.unique_id = blocked_ids.a "
                    "JOIN everyone AS r ON r.unique_id = blocked_ids.b")),
        ("__splink__df_comparison_vectors",
         f"SELECT {', '.join(compiled._columns_to_select_for_comparison_vector_values)} FROM blocked"),
        *((step["output_table_name"], step["sql"]) for step in predict_from_comparison_vectors_sqls_using_settings(
            compiled, sql_infinity_expression="'infinity'")),
    ]
    gammas, weights = [], []
    for comparison in model["comparisons"]:
        column = comparison["output_column_name"]
        gammas.append(f"gamma_{column}")
        adjusted = any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
        factor = f"bf_{column}" + (f" * bf_tf_adj_{column}" if adjusted else "")
        weights.append(f"round(log2(greatest({factor}, 1e-300)), 3)")
    identifiers = [comparison["output_column_name"] for comparison in model["comparisons"]
                   if comparison["output_column_name"] in linkage.IDENTIFIER_COMPARISONS
                   or comparison["output_column_name"].startswith(linkage.SCHEME_PREFIX)]
    shares = " OR ".join(f'coalesce("{column}_l" = "{column}_r", false)' for column in identifiers) or "false"
    return (
        "WITH " + ",\n".join(f"{name} AS ({sql})" for name, sql in ctes) +
        "\nSELECT least(unique_id_l, unique_id_r) AS l, greatest(unique_id_l, unique_id_r) AS r, match_probability, "
        f"match_weight, concat_ws(',', {', '.join(gammas)}) AS gammas, concat_ws(',', {', '.join(weights)}) AS weights, "
        f"({shares}) AS shares FROM __splink__df_predict"
    )


def _blocking(rules: list[str], *, small: bool) -> str:
    """The pairs the rules generate within ``everyone`` that have a new record, lower id
    on the left as in a full run: one join per rule (hash joins, for many records), or
    for a few records one pass over every pair (a join per rule costs more to plan than
    to run)."""
    if small:
        return ("SELECT l.unique_id AS a, r.unique_id AS b FROM everyone AS l, everyone AS r "
                "WHERE l.unique_id < r.unique_id AND (l.is_new OR r.is_new) AND ((" + ") OR (".join(rules) + "))")
    return " UNION ".join(
        f"SELECT l.unique_id AS a, r.unique_id AS b FROM everyone AS l JOIN everyone AS r ON ({rule}) "
        "WHERE l.unique_id < r.unique_id AND (l.is_new OR r.is_new)" for rule in rules)


#: Up to this many records (new and candidates), pairs are generated in one pass.
SMALL = 400
_duckdb: list = []
_duckdb_lock = threading.Lock()


def score(sql: str, everyone: pd.DataFrame, keep_from: float, model: dict[str, Any]) -> tuple[Scored, int]:
    """Score the pairs ``sql`` (:func:`scoring_sql` of ``model``) generates over
    ``everyone``: those at or above ``keep_from`` and those sharing an identifier, as
    :func:`linkage_model.score` returns them, and how many pairs were compared. One
    in-memory DuckDB connection serves the process."""
    import duckdb

    if len(everyone) <= SMALL:
        rules = linkage.prediction_rules(model)
        sql = sql.replace(_blocking(rules, small=False), _blocking(rules, small=True), 1)
    with _duckdb_lock:
        if not _duckdb:
            _duckdb.append(duckdb.connect())
        connection = _duckdb[0]
        connection.register("everyone", everyone)
        try:
            rows = connection.execute(sql).fetchall()
        finally:
            connection.unregister("everyone")
    kept = [(int(left), int(right), float(probability), float(weight), gammas, weights)
            for left, right, probability, weight, gammas, weights, shares in rows
            if probability >= keep_from or shares]
    return kept, len(rows)


# --------------------------------------------------------------------------- writing it


@dataclass
class StandingPlan:
    """Changes to the standing index, their parameters made before the transaction."""

    records: PreparedRows
    identifiers: PreparedRows
    frequencies: dict[str, Counter]
    totals: dict[str, int]
    sql: str
    #: Records whose standing rows go first (changed, or no longer linkable).
    gone: list[int] = field(default_factory=list)
    #: A full run's term-frequency rows: (field, value, count) to write, and to delete.
    counts: list[dict[str, Any]] = field(default_factory=list)
    uncounted: list[tuple[str, str]] = field(default_factory=list)
    size: int = 0


def _plain(frame: pd.DataFrame) -> list[tuple]:
    """The frame's rows as tuples, None for a missing value (pandas' NA is not SQL's).
    Made column by column: 1.4 s for a million records' index columns, against 4.4 s
    turning the whole frame into objects, and 0.6 ms against 3.9 for 500 records."""
    return list(zip(*(frame[column].to_numpy(dtype=object, na_value=None).tolist() for column in frame.columns)))


#: The columns of a standing record's row, and of an identifier's, as :func:`_rows` gives them.
_RECORD_COLUMNS = ("source_record_id", *INDEX_COLUMNS)
_IDENTIFIER_COLUMNS = ("source_record_id", "scheme", "value")


def _rows(frame: pd.DataFrame) -> tuple[list[tuple], list[tuple]]:
    """The frame's standing rows and identifier rows, as values (:data:`_RECORD_COLUMNS`,
    :data:`_IDENTIFIER_COLUMNS`): a full run makes a million of each."""
    ids = frame["unique_id"].astype("int64").tolist()
    records = [(record_id, *values) for record_id, values in zip(ids, _plain(frame[list(INDEX_COLUMNS)]), strict=True)]
    identifiers = []
    for column in frame.columns:
        if column.startswith(linkage.SCHEME_PREFIX):
            present = frame[column].notna().to_numpy()
            scheme = column[len(linkage.SCHEME_PREFIX):]
            identifiers += [(record_id, scheme, value) for record_id, value in zip(
                frame["unique_id"][present].astype("int64").tolist(), frame[column][present].tolist(), strict=True)]
    return records, identifiers


def plan_index(engine, frame: pd.DataFrame, model: dict[str, Any], model_id: int) -> StandingPlan:
    """The standing index of the linkable records ``frame`` (prepared) under ``model``,
    as changes to the one stored: a full run after a few arrivals rewrites a few rows,
    not every record's (each row is a dozen index entries)."""
    records, identifiers = _rows(frame)
    frequencies = {column: Counter(frame[column].dropna().tolist()) for column in tf_columns(model)}
    table, schemes_table, counted = (LinkIndexRecord.__table__, LinkIndexIdentifier.__table__,
                                     LinkTermFrequency.__table__)
    with Session(engine) as session:
        state = session.get(LinkIndexState, 1)
        sql = state.scoring_sql if state is not None and state.model_id == model_id else ""
        stored = {row[0]: tuple(row[1:]) for row in session.execute(
            select(table.c.source_record_id, *(table.c[column] for column in INDEX_COLUMNS)))}
        stored_schemes: dict[int, set] = {}
        for record_id, scheme, value in session.execute(
                select(schemes_table.c.source_record_id, schemes_table.c.scheme, schemes_table.c.value)):
            stored_schemes.setdefault(record_id, set()).add((scheme, value))
        stored_counts = {(name, value): count for name, value, count in session.execute(
            select(counted.c.field, counted.c.value, counted.c["count"]))}
    held: dict[int, set] = {}
    for record_id, scheme, value in identifiers:
        held.setdefault(record_id, set()).add((scheme, value))
    changed = {row[0] for row in records
               if stored.get(row[0]) != row[1:] or stored_schemes.get(row[0], set()) != held.get(row[0], set())}
    kept = {row[0] for row in records}
    gone = sorted((changed & set(stored)) | (set(stored) - kept))
    counts = {(name, value): count for name, values in frequencies.items() for value, count in values.items()}
    return StandingPlan(
        records=PreparedRows.of_values(table, engine.dialect, _RECORD_COLUMNS,
                                       (row for row in records if row[0] in changed)),
        identifiers=PreparedRows.of_values(schemes_table, engine.dialect, _IDENTIFIER_COLUMNS,
                                           (row for row in identifiers if row[0] in changed)),
        frequencies=frequencies, totals={column: sum(values.values()) for column, values in frequencies.items()},
        sql=sql or scoring_sql(model), gone=gone, size=len(records),
        counts=[{"field": name, "value": value, "count": count} for (name, value), count in counts.items()
                if stored_counts.get((name, value)) != count],
        uncounted=sorted(set(stored_counts) - set(counts)))


def _forget(session: Session, record_ids: list[int]) -> None:
    for start in range(0, len(record_ids), CHUNK):
        for table in (LinkIndexIdentifier, LinkIndexRecord):
            session.execute(delete(table).where(table.source_record_id.in_(record_ids[start:start + CHUNK])))


def write_index(session: Session, plan: StandingPlan, *, model_id: int, run_id: int) -> None:
    """Bring the standing index to ``plan`` (a full run's, in its transaction)."""
    _forget(session, plan.gone)
    connection = session.connection()
    plan.records.write(connection)
    plan.identifiers.write(connection)
    counted = LinkTermFrequency.__table__
    gone = plan.uncounted + [(row["field"], row["value"]) for row in plan.counts]
    for name in {name for name, _ in gone}:
        values = sorted(value for field_name, value in gone if field_name == name)
        for start in range(0, len(values), CHUNK):
            session.execute(delete(counted).where(counted.c.field == name,
                                                  counted.c.value.in_(values[start:start + CHUNK])))
    PreparedRows.of(counted, session.get_bind().dialect, plan.counts).write(connection)
    state = session.get(LinkIndexState, 1)
    if state is None:
        state = LinkIndexState(id=1)
        session.add(state)
    state.model_id, state.run_id, state.records = model_id, run_id, plan.size
    state.totals, state.scoring_sql, state.updated_at = plan.totals, plan.sql, utcnow()
    session.flush()


def current_state(session: Session, model_id: int) -> LinkIndexState:
    """The standing index built with model ``model_id``, or :class:`StaleIndex`."""
    state = session.get(LinkIndexState, 1)
    if state is None or not state.scoring_sql:
        raise StaleIndex("there is no standing index yet: run a full link first (joinedup link)")
    if state.model_id != model_id:
        raise StaleIndex("the adopted model is not the one the standing index was built with: "
                         "run a full link first (joinedup link)")
    return state


def plan_additions(dialect, frame: pd.DataFrame, model: dict[str, Any]) -> StandingPlan:
    """The new linkable records ``frame`` as additions to the standing index (no SQL)."""
    records, identifiers = _rows(frame)
    frequencies = {column: Counter(frame[column].dropna().tolist()) for column in tf_columns(model)}
    return StandingPlan(
        records=PreparedRows.of_values(LinkIndexRecord.__table__, dialect, _RECORD_COLUMNS, records),
        identifiers=PreparedRows.of_values(LinkIndexIdentifier.__table__, dialect, _IDENTIFIER_COLUMNS, identifiers),
        frequencies=frequencies, totals={column: sum(counts.values()) for column, counts in frequencies.items()},
        sql="")


def write_additions(session: Session, plan: StandingPlan, *, run_id: int, replaced: pd.DataFrame) -> None:
    """Add ``plan`` (:func:`plan_additions`) to the standing index: its records and the
    term-frequency counts, in the incremental run's transaction. The standing records
    ``replaced`` (:func:`read_standing`) go first, and their values are no longer counted."""
    gone = sorted(int(record_id) for record_id in replaced["unique_id"])
    _forget(session, gone)
    frequencies = {column: Counter(plan.frequencies.get(column, {})) for column in {*plan.frequencies}}
    for column, counts in frequencies.items():
        if column in replaced.columns:
            counts.subtract(Counter(replaced[column].dropna().tolist()))
    plan.totals = {column: sum(counts.values()) for column, counts in frequencies.items()}
    plan.frequencies = frequencies
    connection = session.connection()
    plan.records.write(connection)
    plan.identifiers.write(connection)
    counted = LinkTermFrequency.__table__
    for column, counts in plan.frequencies.items():
        values = sorted(value for value, change in counts.items() if change)
        held = _counts(session, column, values)
        for value in values:
            if value in held:
                session.execute(update(counted).where(counted.c.field == column, counted.c.value == value)
                                .values(count=held[value] + counts[value]))
            else:
                session.execute(counted.insert().values(field=column, value=value, count=counts[value]))
    state = session.get(LinkIndexState, 1)
    state.totals = {column: state.totals.get(column, 0) + plan.totals.get(column, 0)
                    for column in {*state.totals, *plan.totals}}
    state.records += len(plan.records.rows) - len(gone)
    state.run_id, state.updated_at = run_id, utcnow()
    session.flush()


# --------------------------------------------------------------------------- reading it


def _counts(session: Session, column: str, values: Iterable[str]) -> dict[str, int]:
    values, found = sorted(set(values)), {}
    table = LinkTermFrequency.__table__.c
    for start in range(0, len(values), CHUNK):
        found.update(session.execute(select(table.value, table["count"]).where(
            table.field == column, table.value.in_(values[start:start + CHUNK]))).all())
    return found


def lookups(rules: Iterable[str]) -> list[tuple[tuple[str, str, bool], ...]]:
    """Each blocking rule as the equalities a standing record must share with a new one,
    once with the new record on the left and once on the right: (standing record's
    column, new record's column, first letter only). Other conditions (a year either
    side) are left to the scoring SQL, which applies each rule whole."""
    found: list[tuple[tuple[str, str, bool], ...]] = []
    for rule in rules:
        terms = []
        for part in rule.split(" AND "):
            part = part.strip()
            if match := _EQUAL.match(part):
                terms.append((match[1], match[2], False))
            elif match := _INITIAL.match(part):
                terms.append((match[1], match[2], True))
        if not any(not initial for *_, initial in terms):
            raise ValueError(f"the blocking rule {rule!r} has no equality to look candidates up by")
        for lookup in (tuple((right, left, initial) for left, right, initial in terms),
                       tuple((left, right, initial) for left, right, initial in terms)):
            if lookup not in found:
                found.append(lookup)
    return found


def _key(row: dict[str, Any], lookup: tuple[tuple[str, str, bool], ...]) -> tuple | None:
    key = []
    for _, column, initial in lookup:
        value = row.get(column)
        if value is None or value is pd.NA:
            return None
        key.append(value[:1] if initial else value)
    return tuple(key)


def candidates(session: Session, new: pd.DataFrame, rules: Iterable[str]) -> pd.DataFrame:
    """The standing records that share a blocking rule's equalities with one of the
    ``new`` records (prepared), prepared the same way."""
    table, schemes_table = LinkIndexRecord.__table__, LinkIndexIdentifier.__table__
    rows = [dict(zip(new.columns, row, strict=True)) for row in _plain(new)]
    statements = []
    for lookup in lookups(rules):
        keys = sorted({key for row in rows if (key := _key(row, lookup)) is not None})
        standing = lookup[0][0]
        for start in range(0, len(keys), CHUNK):
            some = keys[start:start + CHUNK]
            if standing.startswith(linkage.SCHEME_PREFIX):
                statements.append(select(schemes_table.c.source_record_id).where(
                    schemes_table.c.scheme == standing[len(linkage.SCHEME_PREFIX):],
                    schemes_table.c.value.in_([key[0] for key in some])))
            else:
                statements.append(select(table.c.source_record_id).where(_matching(lookup, some)))
    found: set[int] = set()
    for start in range(0, len(statements), 50):
        found.update(session.scalars(union(*statements[start:start + 50])))
    return read_standing(session, found)


def _matching(lookup: tuple[tuple[str, str, bool], ...], keys: list[tuple]):
    """A standing record holds one of ``keys`` in the lookup's columns."""
    table = LinkIndexRecord.__table__
    expressions = [func.substr(table.c[column], 1, 1) if initial else table.c[column]
                   for column, _, initial in lookup]
    if len(keys) == 1:
        return and_(*(expression == value for expression, value in zip(expressions, keys[0], strict=True)))
    if len(expressions) == 1:
        return expressions[0].in_([key[0] for key in keys])
    return tuple_(*expressions).in_(keys)


def read_standing(session: Session, record_ids: Iterable[int]) -> pd.DataFrame:
    """Standing records by id, as :func:`linkage_model.prepare` makes them."""
    wanted = sorted(set(record_ids))
    table, schemes_table = LinkIndexRecord.__table__, LinkIndexIdentifier.__table__
    rows, held = [], {}
    for start in range(0, len(wanted), CHUNK):
        some = wanted[start:start + CHUNK]
        rows += session.execute(select(table.c.source_record_id, *(table.c[c] for c in INDEX_COLUMNS))
                                .where(table.c.source_record_id.in_(some))).all()
        for record_id, scheme, value in session.execute(select(
                schemes_table.c.source_record_id, schemes_table.c.scheme, schemes_table.c.value)
                .where(schemes_table.c.source_record_id.in_(some))):
            held.setdefault(record_id, {})[linkage.SCHEME_PREFIX + scheme] = value
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=["unique_id", *INDEX_COLUMNS])
    for record_id, values in held.items():
        for column, value in values.items():
            if column not in frame.columns:
                frame[column] = None
            frame.loc[frame["unique_id"] == record_id, column] = value
    return frame


def everyone(new: pd.DataFrame, found: pd.DataFrame, model: dict[str, Any], session: Session,
             totals: dict[str, int], replaced: pd.DataFrame) -> pd.DataFrame:
    """The table the scoring SQL reads: the new records and their candidates, with each
    term-frequency column's frequency as a full run would compute it, the new records
    counted in (and the standing values they replace counted out)."""
    new = new.assign(is_new=True)
    found = found[~found["unique_id"].isin(new["unique_id"])].assign(is_new=False)
    table = pd.concat([new, found], ignore_index=True)
    for column in new.columns:
        if column != "unique_id" and column != "is_new":
            table[column] = table[column].astype("string")
    table["unique_id"] = table["unique_id"].astype("int64")
    for column in tf_columns(model):
        added = Counter(new[column].dropna().tolist())
        if column in replaced.columns:
            added.subtract(Counter(replaced[column].dropna().tolist()))
        held = _counts(session, column, table[column].dropna().tolist())
        total = totals.get(column, 0) + sum(added.values())
        counts = {value: held.get(value, 0) + added.get(value, 0) for value in {*held, *added}}
        table[f"tf_{column}"] = table[column].map(lambda value, counts=counts, total=total:
                                                  counts.get(value, 0) / total if isinstance(value, str) and total
                                                  else None).astype("float64")
    return table


def forget(session: Session, record_ids: Iterable[int]) -> None:
    """Take records that are being erased out of the standing index: their rows, and
    their values out of the term-frequency counts (in the caller's transaction)."""
    state = session.get(LinkIndexState, 1)
    replaced = read_standing(session, record_ids)
    if state is None or replaced.empty:
        return
    dialect = session.get_bind().dialect
    empty = StandingPlan(records=PreparedRows(LinkIndexRecord.__table__, dialect),
                         identifiers=PreparedRows(LinkIndexIdentifier.__table__, dialect),
                         frequencies={column: Counter() for column in state.totals}, totals={}, sql="")
    write_additions(session, empty, run_id=state.run_id, replaced=replaced)
