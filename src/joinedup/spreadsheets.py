"""CSV files that people open in spreadsheets.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is
read by Excel and LibreOffice as a formula; a partner's extract can carry one into our
exports (CSV injection). :class:`SafeWriter` writes such a cell with a leading
apostrophe, which spreadsheets show as text. Numbers (``-12.50``) are left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, made safe to open in a spreadsheet."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell passes :func:`safe_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
