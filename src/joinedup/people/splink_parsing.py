"""Splink parses each SQL fragment once per process, not once per use.

Splink (4.0.17, pinned) writes its SQL again for every EM iteration, every prediction and
every linker, and on the way parses the same small fragments with sqlglot each time: a
level's condition to find the columns it reads and whether it is an exact match, and a
column's name five times over to quote it. On the small test place that was half of
training and a third of a link run (docs/testing.md, "Splink's parsing"); it is the same
fixed cost for each new arrival linked on its own.

Each function memoised here depends only on its text and SQL dialect, and returns what
no caller changes (a frozen dataclass, a string, a truth value, or a fresh list), so the
SQL Splink writes is the same. :data:`UNMEMOISED` keeps the originals, for the test that
checks the memoised answers against them.
"""

from __future__ import annotations

import functools
import threading
from types import SimpleNamespace
from typing import Any

#: Splink's own functions, by name, once :func:`memoise_parsing` has replaced them.
UNMEMOISED: dict[str, Any] = {}

#: How many distinct fragments each cache keeps: a model has a few hundred.
_KEPT = 4096
#: Two first calls at once (two arrivals linked by one server) must not both replace the
#: helpers: the second would keep the first's memoised ones as Splink's own.
_REPLACING = threading.Lock()


def memoise_parsing() -> None:
    """Replace Splink's parsing helpers with memoised ones; safe to call again, from any thread."""
    with _REPLACING:
        if not UNMEMOISED:
            _replace()


def _replace() -> None:
    from splink.internals import comparison_level, input_column

    builder = input_column.SqlglotColumnTreeBuilder
    level = comparison_level.ComparisonLevel
    UNMEMOISED.update(
        column_from_text=builder.from_raw_column_name_or_column_reference.__func__,
        column_sql=builder.sql.fget,
        columns_used=comparison_level.get_columns_used_from_sql,
        is_exact_match=level._is_exact_match.fget,
        exact_match_columns=level._exact_match_colnames.fget,
    )

    @functools.lru_cache(maxsize=_KEPT)
    def column_from_text(cls: type, text: str, dialect: str | None) -> Any:
        return UNMEMOISED["column_from_text"](cls, text, dialect)

    @functools.lru_cache(maxsize=_KEPT)
    def columns_used(sql: str, dialect: str | None, retain_table_prefix: bool) -> tuple[str, ...]:
        return tuple(UNMEMOISED["columns_used"](sql, dialect, retain_table_prefix))

    @functools.lru_cache(maxsize=_KEPT)
    def is_exact_match(condition: str, dialect: str | None) -> bool:
        return UNMEMOISED["is_exact_match"](_level_of(condition, dialect))

    @functools.lru_cache(maxsize=_KEPT)
    def exact_match_columns(condition: str, dialect: str | None) -> tuple[str, ...]:
        return tuple(UNMEMOISED["exact_match_columns"](_level_of(condition, dialect)))

    builder.from_raw_column_name_or_column_reference = classmethod(
        lambda cls, input_str, sqlglot_dialect: column_from_text(cls, input_str, sqlglot_dialect))
    builder.sql = property(functools.lru_cache(maxsize=_KEPT * 4)(UNMEMOISED["column_sql"]))
    comparison_level.get_columns_used_from_sql = (
        lambda sql, sqlglot_dialect=None, retain_table_prefix=False:
        list(columns_used(sql, sqlglot_dialect, retain_table_prefix)))
    level._is_exact_match = property(lambda self: is_exact_match(self.sql_condition, self.sqlglot_dialect))
    level._exact_match_colnames = property(
        lambda self: list(exact_match_columns(self.sql_condition, self.sqlglot_dialect)))


def _level_of(condition: str, dialect: str | None) -> SimpleNamespace:
    """What Splink's exact-match properties read of a comparison level."""
    return SimpleNamespace(sql_condition=condition, sqlglot_dialect=dialect,
                           _is_else_level=condition.strip().upper() == "ELSE")
