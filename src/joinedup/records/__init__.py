"""Finding and opening source records, always through the sharing decision.

The web pages and the API call these; they never query source records themselves.
"""

from joinedup.records.access import (
    DisclosedRecord,
    SearchResult,
    fetch_record,
    search_records,
)
from joinedup.records.query import RecordQuery, parse_search

__all__ = [
    "DisclosedRecord",
    "RecordQuery",
    "SearchResult",
    "fetch_record",
    "parse_search",
    "search_records",
]
