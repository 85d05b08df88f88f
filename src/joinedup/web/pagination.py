"""Pages of a long list as the GOV.UK pagination component shows them: plain links,
so they work without JavaScript, each keeping the list's other query parameters."""

from __future__ import annotations

from urllib.parse import urlencode

#: The highest page number read from a request; anything else is page 1.
MAX_PAGE = 1_000_000


def page_number(value: str | None) -> int:
    """The page a request asks for: a whole number from 1, else 1."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < MAX_PAGE else 1


def pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
    """The component's links for page ``page`` of ``pages`` (None for a single page): the
    first, the last and the pages either side of the current one, with an ellipsis
    (None) for each gap, and previous and next."""
    if pages <= 1:
        return None

    def url(number: int) -> str:
        return f"{path}?{urlencode(params | {'page': str(number)})}"

    items: list[dict | None] = []
    for number in sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1))):
        if items and items[-1] is not None and number - items[-1]["number"] > 1:
            items.append(None)
        items.append({"number": number, "url": url(number), "current": number == page})
    return {"previous": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None,
            "items": items}
