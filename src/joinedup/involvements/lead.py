"""The lead professional: the one current involvement partners agree leads for a person,
or for their family (:func:`joinedup.involvements.team.family_key`).

Only one lead is current for a person or a family: naming another ends the previous one,
and a lead can also simply end, with no successor named (the person or family then has
no lead until one is named). Both the naming and the ending record who, when and why
(the rows of ``lead_professionals`` are the history). Only a frontline user of an organisation involved
now with the person (or family) names one, and only one of the person's (or family's)
current involvements.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import Conflict, NotFound, Refusal
from joinedup.involvements.models import LEAD_SCOPES, LeadProfessional
from joinedup.involvements.team import (
    checked_reason,
    current_involvements,
    family_key,
    family_of,
    live_person,
    may_change,
)
from joinedup.permissions import LEAD_END, LEAD_NAME


def scope_key(session: Session, person, scope: str) -> str:
    """What a lead for ``scope`` of the person is kept under."""
    return f"person:{person.person_id}" if scope == "person" else family_key(session, person)


def current_lead(session: Session, key: str) -> LeadProfessional | None:
    return session.scalar(select(LeadProfessional).where(LeadProfessional.scope_key == key,
                                                         LeadProfessional.ended_at.is_(None)))


def name_lead(session: Session, actor: Actor, person_id: str, scope: str, involvement_id: int | None,
              reason: str) -> LeadProfessional:
    """Name ``involvement_id`` lead professional for the person (``scope`` "person") or
    their family ("family"), saying why; the previous lead ends, recorded as replaced for
    the same reason. Audited (``lead.name``)."""
    if scope not in LEAD_SCOPES:
        raise Refusal("Select whether the lead is for this person or for the family", "scope")
    person = live_person(session, person_id)
    persons = [person] if scope == "person" else family_of(session, person)
    involvements = current_involvements(session, persons)
    may_change(actor, LEAD_NAME, involvements, whom="this person" if scope == "person" else "this family")
    chosen = next((one for one in involvements if one.id == involvement_id), None)
    if chosen is None or (chosen.team is not None and chosen.team.sensitive_category
                          and chosen.organisation_id != actor.organisation_id):
        raise Refusal("Select one of the current involvements" + (" of this person" if scope == "person" else
                                                                  " of the family"), "involvement_id")
    reason = checked_reason(reason)
    key = scope_key(session, person, scope)
    previous = current_lead(session, key)
    if previous is not None and previous.involvement_id == chosen.id:
        raise Conflict("This involvement is already the lead professional.", "involvement_id")
    now = utcnow()
    if previous is not None:
        previous.ended_at, previous.ended_by, previous.end_reason = now, actor.username[:120], f"Replaced: {reason}"
    lead = LeadProfessional(scope=scope, scope_key=key, involvement_id=chosen.id,
                            organisation_id=chosen.organisation_id, named_by=actor.username[:120], named_at=now,
                            reason=reason)
    session.add(lead)
    session.flush()
    record_event(session, actor, action=LEAD_NAME.name, outcome="success", subject_type="lead_professional",
                 subject_id=lead.id, details={"person": person.person_id, "scope": scope, "key": key,
                                              "involvement": chosen.id, "reason": reason,
                                              "replaced": previous.involvement_id if previous else None})
    return lead


def end_lead(session: Session, actor: Actor, person_id: str, scope: str, reason: str) -> LeadProfessional:
    """End the current lead professional for the person (``scope`` "person") or their
    family ("family") with no successor named, saying why: until another is named there
    is none. The same people as name one may end one. Audited (``lead.end``)."""
    if scope not in LEAD_SCOPES:
        raise Refusal("Select whether the lead that ends is for this person or for the family", "scope")
    person = live_person(session, person_id)
    persons = [person] if scope == "person" else family_of(session, person)
    may_change(actor, LEAD_END, current_involvements(session, persons),
               whom="this person" if scope == "person" else "this family")
    lead = current_lead(session, scope_key(session, person, scope))
    if lead is None:
        raise NotFound("There is no lead professional named" + (" for this person" if scope == "person" else
                                                                 " for this family") + " to end.", "scope")
    reason = checked_reason(reason)
    lead.ended_at, lead.ended_by, lead.end_reason = utcnow(), actor.username[:120], reason
    session.flush()
    record_event(session, actor, action=LEAD_END.name, outcome="success", subject_type="lead_professional",
                 subject_id=lead.id, details={"person": person.person_id, "scope": scope, "key": lead.scope_key,
                                              "involvement": lead.involvement_id, "reason": reason})
    return lead
