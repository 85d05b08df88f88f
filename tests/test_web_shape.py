"""The web layer's shape, as docs/architecture.md promises it: a handler parses, makes one
domain call and shapes the answer.

- No web module queries the store: it imports nothing from SQLAlchemy but the ``Session``
  type it hands to the domain, and never calls the session itself (``execute``,
  ``scalar``, ``get``, ``add``...). Only ``web/app.py`` and ``web/context.py``, which open
  the transaction and read the visit, may.
- No API module imports a page module: the two entry points share the domain, not each
  other.
- No web module is longer than :data:`LONGEST` lines, so that each does one thing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "src" / "joinedup" / "web"
MODULES = sorted(path for path in WEB.rglob("*.py"))
STORE_OPENERS = {WEB / "app.py", WEB / "context.py"}
SESSION_CALLS = {"execute", "scalar", "scalars", "query", "get", "add", "add_all", "delete", "flush", "merge"}
LONGEST = 450


def _name(path: Path) -> str:
    return str(path.relative_to(WEB.parent.parent))


def _store_use(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {alias.name for alias in node.names}
            if not (node.module == "sqlalchemy.orm" and names == {"Session"}):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(sorted(names))}")
        elif isinstance(node, ast.Import) and any(alias.name.startswith("sqlalchemy") for alias in node.names):
            found.append(f"line {node.lineno}: import sqlalchemy")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SESSION_CALLS
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"):
            found.append(f"line {node.lineno}: session.{node.func.attr}(...)")
    return found


@pytest.mark.parametrize("path", [path for path in MODULES if path not in STORE_OPENERS], ids=_name)
def test_no_web_module_queries_the_store(path):
    assert _store_use(path) == []


def _is_api(path: Path) -> bool:
    return path.stem == "api" or path.stem.endswith("_api")


@pytest.mark.parametrize("path", [path for path in MODULES if _is_api(path)], ids=_name)
def test_no_api_module_imports_a_page_module(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    pages = [module for module in imported if module.startswith("joinedup.web")
             and (module.rsplit(".", 1)[-1] == "pages" or module.endswith("_pages"))]
    assert pages == []


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_web_module_is_too_long_to_read(path):
    assert len(path.read_text().splitlines()) <= LONGEST


def test_the_checks_see_what_they_look_for(tmp_path):
    """The store check can fail: a handler that queries is caught."""
    handler = tmp_path / "handler.py"
    handler.write_text("from sqlalchemy import select\n\ndef page(session):\n    return session.scalar(select(1))\n")
    assert len(_store_use(handler)) == 2
