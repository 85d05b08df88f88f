"""The disclosure layer: every read of personal data, above the policy point.

Records, persons, households, the data team's address and linkage pages, exports and the
"view as" preview all load records, put them to the policy point
(:func:`joinedup.sharing.decide_record_access`, which audits each decision) and return
only the fields allowed, through :func:`~joinedup.disclosure.core.disclose`. Nothing
above this layer calls the policy point or reads a record's values itself; nothing in
:mod:`joinedup.sharing` imports it.
"""

from joinedup.disclosure.core import Disclosed, disclose, disclose_ids, load_records
from joinedup.disclosure.exports import (
    EXPORT_COLUMNS,
    LINK_COLUMNS,
    PERSON_COLUMNS,
    export_addresses,
    export_links,
    export_persons,
)
from joinedup.disclosure.households import HouseholdView, household_at
from joinedup.disclosure.flags import FlagSubject, disclose_flags
from joinedup.disclosure.involvements import DisclosedInvolvement, disclose_involvements
from joinedup.disclosure.persons import (
    Basis,
    FamilyMemberShown,
    FamilyShown,
    GoldenValue,
    HistoryEntry,
    PersonCard,
    PersonSearchResult,
    PersonView,
    access_action,
    person_cards,
    search_persons,
    view_person,
)
from joinedup.disclosure.records import SearchResult, fetch_record, search_records
from joinedup.disclosure.search import CLOSENESS, CLOSENESS_CODES, EXACT, RecordQuery, parse_search

__all__ = [
    "CLOSENESS",
    "CLOSENESS_CODES",
    "EXACT",
    "EXPORT_COLUMNS",
    "LINK_COLUMNS",
    "PERSON_COLUMNS",
    "Basis",
    "Disclosed",
    "DisclosedInvolvement",
    "FamilyMemberShown",
    "FlagSubject",
    "FamilyShown",
    "GoldenValue",
    "HistoryEntry",
    "HouseholdView",
    "PersonCard",
    "PersonSearchResult",
    "PersonView",
    "RecordQuery",
    "SearchResult",
    "access_action",
    "disclose",
    "disclose_flags",
    "disclose_ids",
    "disclose_involvements",
    "export_addresses",
    "export_links",
    "export_persons",
    "fetch_record",
    "household_at",
    "load_records",
    "parse_search",
    "person_cards",
    "search_persons",
    "search_records",
    "view_person",
]
