"""Page links as the GOV.UK pagination component shows them."""

from __future__ import annotations

from joinedup.web.pagination import page_count, page_links, page_number


def test_a_page_number_is_read_leniently():
    assert [page_number(text) for text in ("3", "1", "0", "-2", "two", "", "999999", "1000000")] == [
        3, 1, 1, 1, 1, 1, 999_999, 1]


def test_the_page_count_is_at_least_one():
    assert [page_count(total, 25) for total in (0, 1, 25, 26, 100)] == [1, 1, 1, 2, 4]


def test_one_page_needs_no_links():
    assert page_links("/list", {}, offset=0, limit=25, total=25) is None


def test_the_first_last_current_and_neighbours_with_gaps_between():
    links = page_links("/list", {"source": "gp"}, offset=4 * 25, limit=25, total=10 * 25)  # page 5 of 10
    numbers = [item["number"] if item else None for item in links["items"]]
    assert numbers == [1, None, 4, 5, 6, None, 10]
    assert [item["number"] for item in links["items"] if item and item["current"]] == [5]
    assert links["previous"] == "/list?source=gp&page=4" and links["next"] == "/list?source=gp&page=6"


def test_the_ends_have_no_previous_or_next():
    first = page_links("/list", {}, offset=0, limit=10, total=30)
    last = page_links("/list", {}, offset=20, limit=10, total=30)
    assert first["previous"] is None and first["next"] == "/list?page=2"
    assert last["next"] is None and last["previous"] == "/list?page=2"
    assert [item["number"] for item in first["items"]] == [1, 2, 3]
