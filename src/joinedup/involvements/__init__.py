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
from joinedup.involvements.keeping import (
    KeptTeam,
    TeamTerms,
    WorkerTerms,
    add_team,
    add_worker,
    correct_team,
    correct_worker,
    kept_directory,
    retire_team,
    retire_worker,
)
from joinedup.involvements.lead import current_lead, end_lead, name_lead
from joinedup.involvements.models import (
    LEAD_SCOPES,
    Involvement,
    LeadProfessional,
    Team,
    TeamMember,
    Worker,
)
from joinedup.involvements.recording import (
    InvolvementTerms,
    correct_involvement,
    directory_of,
    end_involvement,
    own_involvement,
    record_involvement,
)
from joinedup.involvements.team import (
    InvitedShown,
    LeadChange,
    TeamAround,
    TeamRow,
    family_key,
    invitable_workers,
    invite_member,
    remove_member,
    team_around,
    team_of_view,
)
from joinedup.involvements.who import (
    RECENTLY_ENDED,
    InvolvementShown,
    WhoIsInvolved,
    involved_organisations,
    involvements_seen,
    who_is_involved,
)

__all__ = [
    "DIRECTORY_COLUMNS",
    "LEAD_SCOPES",
    "RECENTLY_ENDED",
    "DirectoryLoad",
    "IndexReport",
    "InvitedShown",
    "Involvement",
    "InvolvementShown",
    "InvolvementTerms",
    "KeptTeam",
    "LeadChange",
    "LeadProfessional",
    "RowRefused",
    "Team",
    "TeamAround",
    "TeamMember",
    "TeamRow",
    "TeamTerms",
    "WhoIsInvolved",
    "Worker",
    "WorkerTerms",
    "add_team",
    "add_worker",
    "correct_involvement",
    "correct_team",
    "correct_worker",
    "current_lead",
    "directory_of",
    "end_involvement",
    "end_lead",
    "family_key",
    "index_involvements",
    "invitable_workers",
    "invite_member",
    "involved_organisations",
    "involvements_seen",
    "kept_directory",
    "load_directory",
    "may_keep_directory",
    "name_lead",
    "own_involvement",
    "record_involvement",
    "remove_member",
    "retire_team",
    "retire_worker",
    "team_around",
    "team_of_view",
    "who_is_involved",
]
