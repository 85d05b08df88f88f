"""Finding and opening source records, always through the sharing decision.

The web pages and the API call these; they never query source records themselves.
"""

from joinedup.records.access import (
    DisclosedRecord,
    SearchResult,
    disclose_record,
    fetch_record,
    matches_disclosed,
    matching_records,
    search_records,
)
from joinedup.records.query import RecordQuery, parse_search

__all__ = [
    "DisclosedRecord",
    "RecordQuery",
    "SearchResult",
    "disclose_record",
    "fetch_record",
    "matches_disclosed",
    "matching_records",
    "parse_search",
    "search_records",
]
