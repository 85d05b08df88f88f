"""A small gazetteer that the gazetteer tests share (the shapes are described in conftest).

A plain module rather than conftest, so that test modules import it by a name no other
test folder uses.
"""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = (
    "uprn", "parent_uprn", "lpi_status", "sao_text", "sao_start_number", "pao_start_number",
    "pao_start_suffix", "pao_text", "street", "locality", "town", "postcode", "easting", "northing",
    "classification", "in_boundary",
)
ROWS = [
    ("100", "", "approved", "", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("101", "100", "approved", "Flat 1", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("102", "100", "approved", "Flat 2", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("103", "100", "approved", "Flat 3", "", "10", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452000.0", "338000.0", "residential", "Y"),
    ("110", "", "approved", "", "", "12", "", "", "High Street", "Old Town", "Joinford", "JU1 1AA", "452010.0", "338000.0", "residential", "Y"),
    ("111", "", "approved", "", "", "", "", "Rose Cottage", "High Street", "Old Town", "Joinford", "JU1 1AB", "452020.0", "338000.0", "residential", "Y"),
    ("111", "", "alternative", "", "", "14", "", "", "High Street", "Old Town", "Joinford", "JU1 1AB", "452020.0", "338000.0", "residential", "Y"),
    ("120", "", "approved", "", "", "5", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451000.0", "339000.0", "residential", "Y"),
    ("120", "", "historic", "", "", "5", "", "", "Old Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451000.0", "339000.0", "residential", "Y"),
    ("121", "", "approved", "", "", "7", "", "", "Mill Lane", "Millbrook", "Joinford", "JU2 2BB", "451010.0", "339000.0", "hmo", "Y"),
    ("130", "", "approved", "", "", "5", "", "", "Mill Lane", "Ashgrove", "Joinford", "JU3 3DE", "453000.0", "337000.0", "residential", "Y"),
    ("140", "", "approved", "", "", "1", "", "Joinford Primary School", "School Road", "Old Town", "Joinford", "JU1 1AD", "452100.0", "338100.0", "school", "Y"),
    ("141", "", "approved", "", "", "3", "", "Elm House Care Home", "School Road", "Old Town", "Joinford", "JU1 1AD", "452110.0", "338100.0", "care_home", "Y"),
    ("150", "", "approved", "", "", "2", "", "", "Boundary Road", "", "Ashby Marsh", "JU4 4DD", "455000.0", "336000.0", "residential", "N"),
    ("151", "", "approved", "", "", "1", "", "", "Boundary Road", "Old Town", "Joinford", "JU4 4DD", "455000.0", "336020.0", "residential", "Y"),
]


def write_gazetteer(path: Path, rows=ROWS, header=HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
