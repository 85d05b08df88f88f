"""Gazetteer matching: every source record's address to a UPRN, with a review list.

Load an LLPG/AddressBase-shaped gazetteer (:func:`load_gazetteer`), match addresses to
it (:func:`match_addresses`, incremental by default), review what the matcher could not
settle (:func:`review_queue`, :func:`decide_address`), report on quality
(:func:`quality_report`). Who lives where, and the addresses export, are read through
the disclosure layer (:mod:`joinedup.disclosure`).
See ``docs/gazetteer.md``.
"""

from joinedup.gazetteer.engine import AddressEngine, EngineAddress, EngineCandidate, UkAddressMatcherEngine
from joinedup.gazetteer.loader import (
    gazetteer_loaded,
    get_gazetteer_load,
    list_gazetteer_loads,
    load_gazetteer,
)
from joinedup.gazetteer.mapping import GazetteerMapping, available_mappings, load_gazetteer_mapping
from joinedup.gazetteer.models import (
    DECISION_ACTIONS,
    LPI_STATUSES,
    METHODS,
    NON_RESIDENTIAL,
    REVIEW_STATUSES,
    STATUSES,
    AddressDecision,
    AddressMatch,
    GazetteerAddress,
    GazetteerLoad,
    GazetteerLoadIssue,
    MatchRun,
)
from joinedup.gazetteer.quality import (
    ANOMALY_KINDS,
    Anomaly,
    Boundary,
    QualityReport,
    SourceQuality,
    quality_report,
    quality_report_csv,
)
from joinedup.gazetteer.review import (
    AddressPage,
    DecisionError,
    decide_address,
    find_addresses,
    get_match,
    review_queue,
    search_gazetteer,
)
from joinedup.gazetteer.runs import last_run, match_addresses

__all__ = [
    "ANOMALY_KINDS",
    "DECISION_ACTIONS",
    "LPI_STATUSES",
    "METHODS",
    "NON_RESIDENTIAL",
    "REVIEW_STATUSES",
    "STATUSES",
    "AddressDecision",
    "AddressPage",
    "AddressEngine",
    "AddressMatch",
    "Anomaly",
    "Boundary",
    "DecisionError",
    "EngineAddress",
    "EngineCandidate",
    "GazetteerAddress",
    "GazetteerLoad",
    "GazetteerLoadIssue",
    "GazetteerMapping",
    "MatchRun",
    "QualityReport",
    "SourceQuality",
    "UkAddressMatcherEngine",
    "available_mappings",
    "decide_address",
    "find_addresses",
    "gazetteer_loaded",
    "get_gazetteer_load",
    "get_match",
    "last_run",
    "list_gazetteer_loads",
    "load_gazetteer",
    "load_gazetteer_mapping",
    "match_addresses",
    "quality_report",
    "quality_report_csv",
    "review_queue",
    "search_gazetteer",
]
