"""Page links for a long list, as the GOV.UK pagination component shows them: plain links,
so they work without JavaScript, each keeping the list's other query parameters; previous,
next, and the first, last, current and neighbouring pages, with a gap (None) between."""

from __future__ import annotations

import math
from urllib.parse import urlencode

#: A page number beyond this is read as the first page.
LAST_PAGE = 1_000_000


def page_number(text: str | None) -> int:
    """The page asked for in a query (``?page=3``): 1 for anything but a page number."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < LAST_PAGE else 1


def page_count(total: int, limit: int) -> int:
    """How many pages of ``limit`` rows ``total`` rows fill (at least one, even empty)."""
    return max(1, math.ceil(total / limit))


def pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
    """The links for page ``page`` of ``pages``, each URL ``path`` with ``params`` and its
    page number; None when there is one page."""
    if pages <= 1:
        return None

    def url(number: int) -> str:
        return f"{path}?{urlencode(params | {'page': str(number)})}"

    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict | None] = []
    for number in shown:
        if items and items[-1] is not None and number - items[-1]["number"] > 1:
            items.append(None)
        items.append({"number": number, "url": url(number), "current": number == page})
    return {"previous": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
            "items": items}


def page_links(path: str, params: dict[str, str], *, offset: int, limit: int, total: int) -> dict | None:
    """:func:`pagination` for the page of ``limit`` rows from ``offset`` of ``total``."""
    return pagination(path, params, offset // limit + 1, page_count(total, limit))
