"""What the address pages share: a match as the review shows it, and gazetteer results."""

from __future__ import annotations

import re
from dataclasses import dataclass

UPRN = re.compile(r"\d{1,12}")
#: How many gazetteer addresses a search shows.
SEARCH_LIMIT = 20
SEARCH_MAX = 200
NO_SEARCH = "Enter part of an address, a postcode or a UPRN"
LONG_SEARCH = f"Search must be {SEARCH_MAX} characters or fewer"

METHOD_LABELS = {"exact": "Exact", "probabilistic": "Probabilistic", "manual": "Manual decision"}


def search_problem(text: str) -> str | None:
    """What is wrong with a gazetteer search as typed (trimmed), if anything."""
    if not text:
        return NO_SEARCH
    if len(text) > SEARCH_MAX:
        return LONG_SEARCH
    return None


def distinct_uprns(addresses) -> list:
    """One row per UPRN: a search can find several ways of writing one property."""
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.uprn not in seen:
            seen.add(address.uprn)
            kept.append(address)
    return kept


@dataclass(frozen=True)
class Candidate:
    """A gazetteer address as the review page shows it."""

    role: str
    uprn: str
    address: str
    postcode: str
    classification: str
    in_boundary: bool | None
    retired: bool
    score: float | None


@dataclass(frozen=True)
class ReviewItem:
    id: int
    source_code: str
    source_name: str
    local_id: str
    address_text: str
    postcode: str
    status: str
    method: str | None
    score: float | None
    uprn: str | None
    reason: str
    needs_rematch: bool
    candidates: list[Candidate]


def review_item(match, fields: dict) -> ReviewItem:
    """A match as the review shows it: of the source record, only ``fields``, the fields
    the sharing decision disclosed."""
    candidates = [
        _candidate(role, uprn, score, address)
        for role, uprn, score, address in (
            ("Best candidate", match.uprn, match.score, match.candidate),
            ("Runner-up", match.runner_up_uprn, match.runner_up_score, match.runner_up),
        )
        if uprn
    ]
    return ReviewItem(
        id=match.id,
        source_code=match.source_system.code,
        source_name=match.source_system.name,
        local_id=fields.get("local_id") or "",
        address_text=fields.get("address_text") or "",
        postcode=fields.get("postcode") or "",
        status=match.status,
        method=match.method,
        score=match.score,
        uprn=match.uprn,
        reason=match.reason or "",
        needs_rematch=bool(match.needs_rematch),
        candidates=candidates,
    )


def _candidate(role: str, uprn: str, score: float | None, address) -> Candidate:
    if address is None:
        return Candidate(role, uprn, "Not in the gazetteer", "", "", None, True, score)
    return Candidate(
        role=role,
        uprn=uprn,
        address=address.single_line,
        postcode=address.postcode,
        classification=address.classification,
        in_boundary=address.in_boundary,
        retired=address.retired_at is not None,
        score=score,
    )
