"""Misspelt names: slips between spellings, how names sound, and finding a name again."""

import pytest

from joinedup.gazetteer.spelling import NearNames, slips, sound_key, sounds_alike


@pytest.mark.parametrize(("a", "b", "count"), [
    ("HIGH", "HIGH", 0), ("HIHG", "HIGH", 1), ("HIG", "HIGH", 1), ("HIGHH", "HIGH", 1), ("HIGJ", "HIGH", 1),
    ("TOLLERBIE", "TOLLERBY", 2), ("ABCDEF", "UVWXYZ", 3),
])
def test_slips_count_letters_changed_added_dropped_or_swapped(a, b, count):
    assert slips(a, b, limit=2) == min(count, 3)


def test_names_that_sound_alike_share_a_key():
    assert sound_key("Phillips") == sound_key("Fillips")
    assert sound_key("Robert") == sound_key("Robat")
    assert sounds_alike("KENNETH", "KENNEF")
    assert not sounds_alike("MILL", "HILL")


def test_near_names_find_a_one_slip_misspelling_and_long_sound_alikes_but_not_strangers():
    names = NearNames([("SYCAMORERD", "sycamore"), ("SYCAMOREAVE", "avenue"), ("ROBERTBURG", "robert"),
                       ("ELMRD", "elm")])
    assert [value for value, _ in names.find("SYCAMROERD")] == ["sycamore"]
    assert [value for value, _ in names.find("ROBATBURG")] == ["robert"]
    assert names.find("OAKRD") == []
    assert names.find("ELM") == []  # too short to guess
