"""The involvement index: who is working with a person, in which role, and how to reach
them, with each organisation's directory of teams and workers (docs/involvements.md).

It sits above the disclosure layer: every read goes through it
(:func:`joinedup.disclosure.involvements.disclose_involvements`) and the policy point.
"""

from joinedup.involvements.directory import (
    DIRECTORY_COLUMNS,
    DirectoryLoad,
    RowRefused,
    load_directory,
    may_keep_directory,
)
from joinedup.involvements.extracts import IndexReport, index_involvements
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.involvements.recording import (
    InvolvementTerms,
    correct_involvement,
    directory_of,
    end_involvement,
    own_involvement,
    record_involvement,
)
from joinedup.involvements.who import (
    RECENTLY_ENDED,
    InvolvementShown,
    WhoIsInvolved,
    involvements_seen,
    involved_organisations,
    who_is_involved,
)

__all__ = [
    "DIRECTORY_COLUMNS",
    "RECENTLY_ENDED",
    "DirectoryLoad",
    "IndexReport",
    "Involvement",
    "InvolvementShown",
    "InvolvementTerms",
    "RowRefused",
    "Team",
    "WhoIsInvolved",
    "Worker",
    "correct_involvement",
    "directory_of",
    "end_involvement",
    "index_involvements",
    "involvements_seen",
    "involved_organisations",
    "load_directory",
    "may_keep_directory",
    "own_involvement",
    "record_involvement",
    "who_is_involved",
]
