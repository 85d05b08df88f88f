"""Flags, in the manner of the Child Protection – Information Sharing service (CP-IS): a
child-protection plan, a looked-after child's legal status, a MARAC case and the like,
read from agencies' extracts through their mappings' ``[flags]`` sections or recorded in
the app by a practitioner for their organisation, and shown at
the top of the person page, in search results and in the API to those the sharing rules
allow (docs/flags.md).

It sits above the involvement index (a flag's contact is a team of the organisation's
directory) and the disclosure layer: a flag is shown when the decision on the record it
came from discloses its category (:func:`joinedup.disclosure.flags.disclose_flags`).
"""

from joinedup.flags.catalogue import FLAG_TYPES, LEGAL_STATUSES, FlagType, legal_status_in_words
from joinedup.flags.extracts import FlagIndexReport, index_flags
from joinedup.flags.models import Flag
from joinedup.flags.recording import FlagTerms, correct_flag, end_flag, own_flag, record_flag
from joinedup.flags.shown import RECENTLY_ENDED, FlagShown, flags_in_search, flags_of_cards, flags_on_page

__all__ = [
    "FLAG_TYPES",
    "LEGAL_STATUSES",
    "RECENTLY_ENDED",
    "Flag",
    "FlagIndexReport",
    "FlagShown",
    "FlagTerms",
    "FlagType",
    "correct_flag",
    "end_flag",
    "flags_in_search",
    "flags_of_cards",
    "flags_on_page",
    "index_flags",
    "legal_status_in_words",
    "own_flag",
    "record_flag",
]
