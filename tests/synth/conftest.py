"""Synthetic places shared by the synth tests: generated once per session, read many times.

A 10,000-person town is big enough for every kind of household, premises and slip to
occur in every agency, and small enough to generate in about a second. Files are read
once and cached, since many tests look at the same ones.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from joinedup.synth import PlaceSummary, generate_place

TOWN_PEOPLE = 10_000
TOWN_SEED = 11


@dataclass
class Place:
    """A generated place on disk, with helpers to read its files as the product would."""

    root: Path
    summary: PlaceSummary
    _read: dict = field(default_factory=dict)

    @property
    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text())

    def extract(self, source: str) -> dict:
        return next(entry for entry in self.manifest["extracts"] if entry["source"] == source)

    def csv_rows(self, relative: str, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
        if relative not in self._read:
            with open(self.root / relative, encoding=encoding, newline="") as handle:
                self._read[relative] = list(csv.DictReader(handle, delimiter=delimiter))
        return self._read[relative]

    def header(self, relative: str, encoding: str = "utf-8", delimiter: str = ",") -> list[str]:
        with open(self.root / relative, encoding=encoding, newline="") as handle:
            return next(csv.reader(handle, delimiter=delimiter))

    def extract_rows(self, source: str) -> list[dict[str, str]]:
        """A CSV extract's rows, read with the encoding and delimiter the manifest gives."""
        entry = self.extract(source)
        return self.csv_rows(entry["file"], entry["encoding"], entry.get("delimiter", ","))

    def truth(self, name: str) -> list[dict[str, str]]:
        return self.csv_rows(f"truth/{name}.csv")

    def gp_patients(self) -> list[dict]:
        if "gp" not in self._read:
            with open(self.root / "extracts/gp_patients.ndjson", encoding="utf-8") as handle:
                self._read["gp"] = [json.loads(line) for line in handle]
        return self._read["gp"]


@pytest.fixture(scope="session")
def town(tmp_path_factory) -> Place:
    root = tmp_path_factory.mktemp("town")
    return Place(root, generate_place(root, people=TOWN_PEOPLE, seed=TOWN_SEED))

