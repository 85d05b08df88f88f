"""Shaping ingest reports for display, shared by the pages and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: How many individual issues a report lists; the grouped counts cover the rest.
ISSUES_SHOWN = 100

DENIED = "Ingest reports are for the data team and administrators."

#: How each severity of issue is headed and described on the report.
ISSUE_GROUPS = (
    ("rejected", "Rejected rows by reason", "Row rejected", "No rows were rejected."),
    ("flagged", "Flagged values by reason", "Value flagged", "No values were flagged."),
    ("warning", "Warnings about the file", "Warning", ""),
)


@dataclass(frozen=True)
class Completeness:
    """How much of one field a load filled: present at all, and present and valid."""

    field: str
    percent: float
    valid_percent: float | None = None

    @property
    def bar(self) -> int:
        """The percentage rounded to a whole number, for the bar's width class."""
        return max(0, min(100, round(self.percent)))


def completeness_rows(completeness: Mapping[str, Any] | None) -> list[Completeness]:
    """Each field's share of stored rows with a value (and with a valid one), as percentages.

    The loader records counts (``{"present": 87, "valid": 85, "of": 100}``); a bare
    fraction (0.87) is read too.
    """
    rows = []
    for field, value in (completeness or {}).items():
        if isinstance(value, Mapping):
            total = value.get("of")
            if not isinstance(total, int | float):
                continue
            rows.append(
                Completeness(
                    field, _share(value.get("present"), total), _optional_share(value.get("valid"), total)
                )
            )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rows.append(Completeness(field, 100 * float(value)))
    return rows


def _share(count: Any, total: float) -> float:
    return 100 * count / total if isinstance(count, int | float) and total else 0.0


def _optional_share(count: Any, total: float) -> float | None:
    return None if count is None else _share(count, total)
