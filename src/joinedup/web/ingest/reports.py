"""How the ingest reports are headed, shared by the pages and the API."""

from __future__ import annotations

#: How many individual issues a report lists; the grouped counts cover the rest.
ISSUES_SHOWN = 100

#: How each severity of issue is headed and described on the report.
ISSUE_GROUPS = (
    ("rejected", "Rejected rows by reason", "Row rejected", "No rows were rejected."),
    ("flagged", "Flagged values by reason", "Value flagged", "No values were flagged."),
    ("warning", "Warnings about the file", "Warning", ""),
)
