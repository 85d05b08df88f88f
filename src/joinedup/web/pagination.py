"""Page links for a long list, as the GOV.UK pagination component shows them: previous,
next, and the first, last, current and neighbouring pages, with a gap (None) between."""

from __future__ import annotations

import math
from urllib.parse import urlencode

#: A page number beyond this is read as the first page.
LAST_PAGE = 1_000_000


def page_number(text: str) -> int:
    """The page asked for in a query (``?page=3``): 1 for anything but a page number."""
    return int(text) if text.isdigit() and 0 < int(text) < LAST_PAGE else 1


def page_count(total: int, limit: int) -> int:
    """How many pages of ``limit`` rows ``total`` rows fill (at least one, even empty)."""
    return max(1, math.ceil(total / limit))


def page_links(path: str, params: dict[str, str], *, offset: int, limit: int, total: int) -> dict | None:
    """The links for the page of ``limit`` rows from ``offset`` of ``total``, each URL
    ``path`` with ``params`` and its page number; None when everything fits on one page."""
    pages = page_count(total, limit)
    page = offset // limit + 1
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
