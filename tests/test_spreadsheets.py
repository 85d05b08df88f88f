"""Cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from joinedup.spreadsheets import SafeWriter, safe_cell


def test_formula_cells_are_quoted_and_numbers_are_not():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("+44 7700 900123") == "'+44 7700 900123"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell("Smith") == "Smith"
    assert safe_cell(7) == 7


@given(st.lists(st.text(), min_size=1, max_size=6))
def test_no_written_cell_starts_a_formula_unless_it_is_a_number(row):
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(row)
    for cell in next(csv.reader(io.StringIO(buffer.getvalue()))):
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)
