"""The layers of docs/architecture.md, checked from the imports: data and imports flow one
way. A module may import its own package and the layers below it, never one beside or
above it (except the store's models, which every layer's tables sit on)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "joinedup"

#: Bottom to top; a package in one layer imports only from layers before it.
LAYERS = (
    {"permissions", "config", "errors", "spreadsheets", "documents", "synth"},
    {"db"},
    {"audit", "partners", "store"},
    {"accounts"},
    {"ingest"},
    {"gazetteer"},
    {"people"},
    {"sharing"},
    {"disclosure"},
    {"involvements", "retention"},
    {"flags"},  # a flag's contact is a team of the involvement index's directories
    {"chronology", "transparency", "monitoring", "caseload", "summary"},  # read the involvement index and flags
    {"schema", "demo", "web"},
    {"cli"},
)
#: Only these may import inside a function: the CLI and the demo put off loading what a
#: command does not need, so that `joinedup --help` is quick. Nowhere is it to dodge a cycle.
LAZY = {"cli", "demo"}


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, the joinedup package imported, whether the import is inside a function)."""
    tree = ast.parse(path.read_text())
    inside = {id(node) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
              for node in ast.walk(fn)}
    found = []
    for node in ast.walk(tree):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                 else [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "joinedup" and len(parts) > 1:
                found.append((node.lineno, parts[1], id(node) in inside))
    return found


def _layer(package: str) -> int:
    return next(index for index, layer in enumerate(LAYERS) if package in layer)


def test_every_package_has_a_layer():
    packages = {path.stem if path.is_file() else path.name for path in SOURCE.iterdir()
                if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()}
    assert packages == set().union(*LAYERS)


def test_imports_run_one_way_and_never_inside_a_function_to_dodge_a_cycle():
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if "migrations" in relative.parts:
            continue
        package = relative.parts[0].removesuffix(".py")
        for line, imported, lazy in _imports(path):
            where = f"{relative}:{line} imports joinedup.{imported}"
            if imported != package and _layer(imported) >= _layer(package):
                problems.append(f"{where}: not below {package}")
            if lazy and package not in LAZY:
                problems.append(f"{where} inside a function")
    assert not problems, "\n".join(problems)
