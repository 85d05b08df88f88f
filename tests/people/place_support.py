"""The small place's extracts, whole or with some rows held back to arrive later."""

from __future__ import annotations

import csv
import json
from pathlib import Path

#: Every how many rows of each extract one is held back from the ``held_back`` store, to arrive later.
EVERY = 8


def place_extracts(place: Path) -> list[dict]:
    return json.loads((place / "manifest.json").read_text())["extracts"]


def without_some(extract: dict, place: Path, out: Path) -> set[str]:
    """Write ``extract`` to ``out`` without every EVERY-th row; return the rows' texts held back."""
    source = place / extract["file"]
    if extract["format"] == "fhir-ndjson":
        lines = source.read_text(encoding=extract["encoding"]).splitlines(keepends=True)
        out.write_text("".join(line for index, line in enumerate(lines) if index % EVERY != 3),
                       encoding=extract["encoding"])
        return {line for index, line in enumerate(lines) if index % EVERY == 3}
    with source.open(encoding=extract["encoding"], newline="") as handle:
        rows = list(csv.reader(handle, delimiter=extract["delimiter"]))
    with out.open("w", encoding=extract["encoding"], newline="") as handle:
        csv.writer(handle, delimiter=extract["delimiter"]).writerows(
            [rows[0], *(row for index, row in enumerate(rows[1:]) if index % EVERY != 3)])
    return {"|".join(row) for index, row in enumerate(rows[1:]) if index % EVERY == 3}
