"""Long runs pause Python's garbage collector and give it back as they found it."""

from __future__ import annotations

import gc

import pytest

from joinedup.db import collector_paused


def test_the_collector_is_paused_inside_and_running_again_after_even_after_a_failure():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("disk full")
    assert gc.isenabled()


def test_a_collector_that_was_off_is_left_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
