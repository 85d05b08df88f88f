"""The person's summary, read once for their page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from joinedup.audit import Actor
from joinedup.disclosure import PersonView, access_action, view_person
from joinedup.flags import FlagShown, flags_on_page
from joinedup.involvements import TeamAround, WhoIsInvolved, team_of_view, who_is_involved
from joinedup.people import person_by_id
from joinedup.people.models import Person
from joinedup.permissions import FRONTLINE_ROLES
from joinedup.sharing import StatedPurpose
from joinedup.sharing.consent import consent_history
from joinedup.sharing.context import WorkingContext, open_in_context
from joinedup.sharing.models import ConsentRecord


@dataclass(frozen=True)
class PersonSummary:
    """What the person's page shows, each part read from the one view of the person:
    ``view`` (the records decided; refused when ``view.allowed`` is false), who is
    involved, the team around the family and the consent history (for frontline users
    who may see a live person; None and empty otherwise), the flags, the person as the
    index holds them, and the working context after opening the person in it."""

    view: PersonView
    person: Person | None
    involved: WhoIsInvolved
    team: TeamAround | None
    consents: tuple[ConsentRecord, ...]
    flags: tuple[FlagShown, ...]
    working: WorkingContext | None


def person_summary(session: Session, actor: Actor, person_id: str, *, purpose: StatedPurpose | None = None,
                   working: WorkingContext | None = None, session_token: str | None = None) -> PersonSummary | None:
    """``person_id``'s summary as ``actor`` may see it for the stated ``purpose``, or None
    when there is no such person. ``working``: the user's working context, which the
    person (and, if a search found them, their family) joins; ``session_token`` keeps it
    with the user's session."""
    view = view_person(session, actor, person_id, action=access_action(actor), purpose=purpose)
    if view is None:
        return None
    frontline = bool(set(actor.roles) & set(FRONTLINE_ROLES)) and view.allowed and not view.retired
    involved = who_is_involved(session, actor, view)
    if working is not None and view.allowed:
        working = open_in_context(session, session_token, working, view.person_id, view.name, view.family_ids)
    person = person_by_id(session, person_id)
    return PersonSummary(
        view=view,
        person=person,
        involved=involved,
        team=team_of_view(session, actor, view, involved=involved) if frontline else None,
        consents=tuple(consent_history(session, person)) if frontline and person is not None else (),
        flags=flags_on_page(session, actor, view),
        working=working,
    )
