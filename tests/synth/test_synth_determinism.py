"""Same size and seed, same bytes: accuracy figures measured on a place must be repeatable.

The output may depend on nothing else: not the clock, not the process, not Python's
per-process string hashing (so a run in a fresh interpreter must match too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from joinedup.synth import generate_place


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    first = _files_of(tmp_path / "a", seed=5)
    second = _files_of(tmp_path / "b", seed=5)
    assert first.keys() == second.keys()
    assert len(first) == 21  # manifest, gazetteer, seven extracts, six truth files, six directories
    for name in first:
        assert first[name] == second[name], f"{name} differs between two runs with one seed"


def test_a_different_seed_gives_a_different_place(tmp_path):
    first = _files_of(tmp_path / "a", seed=5)
    other = _files_of(tmp_path / "b", seed=6)
    for name in ("gazetteer.csv", "truth/people.csv", "extracts/gp_patients.ndjson", "extracts/police_incidents.csv"):
        assert first[name] != other[name], f"{name} did not change with the seed"


def test_a_fresh_interpreter_with_other_string_hashing_gives_the_same_bytes(tmp_path):
    here = _files_of(tmp_path / "here", seed=5)
    script = "import sys; from pathlib import Path; from joinedup.synth import generate_place; generate_place(Path(sys.argv[1]), people=300, seed=5)"
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "there")], check=True, env=environment)
    assert _files(tmp_path / "there") == here


def test_progress_reports_people_done_up_to_the_total(tmp_path):
    calls: list[tuple[int, int]] = []
    generate_place(tmp_path, people=4_100, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 4_100)
    assert calls[-1] == (4_100, 4_100)
    assert len(calls) >= 3, "progress is reported neighbourhood by neighbourhood, not only at the end"
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def _files_of(root: Path, seed: int) -> dict[str, bytes]:
    generate_place(root, people=300, seed=seed)
    return _files(root)
