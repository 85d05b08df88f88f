"""Under ``make test`` (``--dist loadgroup``) a module's tests that share a module-scoped
fixture are one group, run by one worker, so the fixture is built once (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def built_once() -> list[str]:
    return []


@pytest.mark.parametrize("turn", [1, 2, 3])
def test_a_module_fixture_is_built_once_for_its_group(turn, built_once, request):
    built_once.append(request.node.name)
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@tests/test_groups.py")
    assert len(built_once) == turn
