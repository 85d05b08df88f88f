"""Ingest: agency extracts through per-source mappings, with a data-quality report.

Nothing is silently dropped: a doubtful value is kept as sent and flagged, a row that
cannot be a record is rejected with its reason, and both name the row and the field.
"""

from joinedup.ingest.loader import ingest_file, register_source_system
from joinedup.ingest.mapping import (
    MappingError,
    SourceMapping,
    available_mappings,
    load_mapping,
)
from joinedup.ingest.models import IngestLoad, LoadIssue, SourceRecord
from joinedup.ingest.readers import FLAGGED, REJECTED, WARNING
from joinedup.ingest.reports import (
    Completeness,
    describe_issue,
    field_completeness,
    get_load,
    issue_summary,
    list_loads,
)

__all__ = [
    "FLAGGED",
    "REJECTED",
    "WARNING",
    "Completeness",
    "IngestLoad",
    "LoadIssue",
    "MappingError",
    "SourceMapping",
    "SourceRecord",
    "available_mappings",
    "describe_issue",
    "field_completeness",
    "get_load",
    "ingest_file",
    "issue_summary",
    "list_loads",
    "load_mapping",
    "register_source_system",
]
