"""A large extract loads completely, in the bulk paths' chunks. Speed is measured by
benchmarks/pipeline.py, not here."""

from __future__ import annotations

import random
import pytest

from joinedup.ingest import ingest_file
from joinedup.ingest.validators import nhs_check_digit

ROWS = 20_000


def write_extract(path, rows: int) -> None:
    chance = random.Random(5)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("PersonID,Forename,Surname,DOB,Gender,Addr1,Town,PostCode,NHSNumber,Attendance,DAFlag\n")
        for number in range(rows):
            nine = f"{chance.randrange(10**9):09d}"
            check = nhs_check_digit(nine)
            nhs = nine + str(check if check is not None else 0)
            handle.write(
                f"P{number:07d},Forename{number % 97},Surname{number % 389},"
                f"{chance.randint(1, 28):02d}/{chance.randint(1, 12):02d}/{chance.randint(1930, 2020)},"
                f"{chance.choice('MFU')},{number % 300} High Street,Tinytown,TT{number % 9 + 1} 1AB,{nhs},"
                f"{chance.uniform(50, 100):.1f},{chance.choice('YN')}\n"
            )


@pytest.mark.slow
def test_a_large_extract_loads_completely_and_reloads_unchanged(engine, fixture_mapping, tmp_path):
    path = tmp_path / "large.csv"
    write_extract(path, ROWS)
    load = ingest_file(engine, fixture_mapping("people"), path)
    assert (load.status, load.rows_read, load.rows_loaded, load.rows_rejected) == ("completed", ROWS, ROWS, 0)
    again = ingest_file(engine, fixture_mapping("people"), path)
    assert (again.rows_loaded, again.rows_unchanged) == (0, ROWS)
