"""The benchmarks are run by hand, not by the suite, so a change that breaks one is only
found when someone next measures. This checks what can be checked without running them:
every script, and every program a script hands to a child Python process, compiles and
imports only names that exist."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


def _programs(path: Path) -> list[tuple[str, str]]:
    """The script itself, and each module-level string named in capitals that is Python
    source (``CHILD = r\"\"\"...\"\"\"``)."""
    source = path.read_text(encoding="utf-8")
    found = [(path.name, source)]
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str) and "\nimport " in node.value.value):
            found.append((f"{path.name}:{node.targets[0].id}", node.value.value))
    return found


PROGRAMS = [program for path in SCRIPTS for program in _programs(path)]


@pytest.mark.parametrize(("name", "source"), PROGRAMS, ids=[name for name, _ in PROGRAMS])
def test_each_benchmark_program_compiles_and_imports_what_exists(name, source):
    tree = ast.parse(source, filename=name)
    compile(tree, name, "exec")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("joinedup"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), (
                    f"{name} imports {alias.name} from {node.module}, which has no such name")


def test_the_child_programs_are_found():
    assert {"address_matching.py:CHILD", "linkage.py:CHILD", "pipeline.py:CHILD"} <= {name for name, _ in PROGRAMS}
