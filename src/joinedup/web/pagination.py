"""GOV.UK pagination for any list a page shows a page at a time."""

from __future__ import annotations

from urllib.parse import urlencode


def page_number(value: str) -> int:
    """The page asked for, as typed; page 1 for anything that is not a page number."""
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def pagination(path: str, params: dict[str, str], page: int, pages: int) -> dict | None:
    """GOV.UK pagination: the first, the last, and the pages either side of this one, with
    gaps between; None when there is one page."""
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
