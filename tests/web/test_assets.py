"""The committed assets are GOV.UK Frontend at the pinned version, rebranded, and current."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "joinedup" / "web" / "static"
TEMPLATES = ROOT / "src" / "joinedup" / "web" / "templates"
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _package() -> dict:
    return json.loads((ROOT / "package.json").read_text())


def pinned_govuk_frontend() -> str:
    return _package()["dependencies"]["govuk-frontend"]


def test_npm_packages_are_pinned_exactly():
    package = _package()
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert set(package["devDependencies"]) >= {"axe-core", "sass"}


def test_the_committed_css_and_script_are_the_pinned_govuk_frontend():
    css = (STATIC / "joinedup.css").read_text()
    versions = set(re.findall(r'--govuk-frontend-version:\s*"([^"]+)"', css))
    assert versions == {pinned_govuk_frontend()}
    script = (STATIC / "govuk-frontend.min.js").read_text()
    assert f'version="{pinned_govuk_frontend()}"' in script


def test_not_dressed_as_gov_uk():
    css = (STATIC / "joinedup.css").read_text()
    assert "GDS Transport" not in css and "@font-face" not in css
    assert not [path for path in STATIC.rglob("*") if path.suffix in {".woff", ".woff2", ".ttf", ".otf"}]
    assert not [path for path in STATIC.rglob("*") if "crest" in path.name or "crown" in path.name]
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text()
        assert "govuk-header" not in html and "crown" not in html.lower(), template.name


def test_the_committed_assets_match_their_sources(tmp_path):
    """Rebuild into a scratch directory and compare: a stale commit fails here."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "sass").exists():
        if ON_CI:
            pytest.fail("node and node_modules are needed to check the assets (run npm ci)")
        pytest.skip("node or node_modules is missing (run npm ci)")
    subprocess.run(
        [node, str(ROOT / "frontend" / "build.mjs")],
        check=True,
        capture_output=True,
        env={**os.environ, "JOINEDUP_ASSETS_OUT": str(tmp_path)},
        timeout=120,
    )
    built = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    committed = sorted(path.relative_to(STATIC) for path in STATIC.rglob("*") if path.is_file())
    assert built == committed
    for path in built:
        assert (tmp_path / path).read_bytes() == (STATIC / path).read_bytes(), (
            f"{path} is stale: run npm run build:assets"
        )
