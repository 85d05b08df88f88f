"""Break-glass: an emergency access to one person, limited in time, shown on screen, and
reviewed by the IG lead of the user's organisation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.sharing.models import BREAK_GLASS_REVIEWS, BreakGlass

#: How long a break-glass access lasts.
DEFAULT_MINUTES = 60
MAX_MINUTES = 240


class BreakGlassError(ValueError):
    """A break-glass request or review that cannot be kept, with a message for the user."""


def start_break_glass(session: Session, actor: Actor, person, *, reason: str,
                      minutes: int = DEFAULT_MINUTES) -> BreakGlass:
    """Open an emergency access to ``person`` for ``minutes``; it needs a reason in words,
    and it goes to the review queue of the IG lead of the user's organisation."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise BreakGlassError("Say in a sentence what the emergency is: it goes to your IG lead for review.")
    if actor.user_id is None:
        raise BreakGlassError("Break-glass is for a signed-in user.")
    if not 1 <= minutes <= MAX_MINUTES:
        raise BreakGlassError(f"Break-glass lasts from 1 to {MAX_MINUTES} minutes.")
    now = utcnow()
    access = BreakGlass(user_id=actor.user_id, username=actor.username[:120], organisation_id=actor.organisation_id,
                        person_id=person.id, reason=reason[:4000], started_at=now,
                        expires_at=now + timedelta(minutes=minutes))
    session.add(access)
    session.flush()
    record_event(session, actor, action="sharing.break_glass.start", outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=reason,
                 details={"break_glass_id": access.id, "minutes": minutes})
    return access


def active_break_glass(session: Session, actor: Actor, person) -> BreakGlass | None:
    if actor.user_id is None:
        return None
    return session.scalar(select(BreakGlass).where(
        BreakGlass.user_id == actor.user_id, BreakGlass.person_id == person.id, BreakGlass.expires_at > utcnow())
        .order_by(BreakGlass.expires_at.desc()).limit(1))


def _reviewed_organisations(session: Session, actor: Actor) -> set[int | None] | None:
    """The organisations whose break-glass accesses ``actor`` reviews (None: all, for an
    administrator): their own, and any organisation without an IG lead of its own in
    JoinedUp, whose accesses any IG lead reviews rather than nobody."""
    from joinedup.accounts.models import User

    if "admin" in actor.roles:
        return None
    with_lead = {user.organisation_id for user in session.scalars(select(User)) if "ig_lead" in (user.roles or [])}
    orphans = {access for access in session.scalars(select(BreakGlass.organisation_id).distinct())
               if access not in with_lead}
    return {actor.organisation_id, *orphans} if "ig_lead" in actor.roles else {actor.organisation_id}


def break_glass_queue(session: Session, actor: Actor, *, pending_only: bool = True) -> list[BreakGlass]:
    """The break-glass accesses the actor (an IG lead) reviews (see :func:`_reviewed_organisations`)."""
    statement = select(BreakGlass).order_by(BreakGlass.started_at.desc())
    organisations = _reviewed_organisations(session, actor)
    if organisations is not None:
        statement = statement.where(BreakGlass.organisation_id.in_(organisations - {None}))
    if pending_only:
        statement = statement.where(BreakGlass.review_status == "pending")
    return list(session.scalars(statement))


def review_break_glass(session: Session, actor: Actor, access: BreakGlass, *, decision: str, note: str) -> BreakGlass:
    """The IG lead's decision on a break-glass access: appropriate or inappropriate, with a note."""
    if decision not in BREAK_GLASS_REVIEWS or decision == "pending":
        raise BreakGlassError("Decide whether the access was appropriate or not.")
    if not (note or "").strip():
        raise BreakGlassError("Record the reasons for your decision.")
    organisations = _reviewed_organisations(session, actor)
    if organisations is not None and access.organisation_id not in organisations:
        raise BreakGlassError("Only the IG lead of the user's own organisation reviews this access.")
    if access.review_status != "pending":
        raise BreakGlassError("This access has already been reviewed.")
    access.review_status, access.review_note = decision, note.strip()
    access.reviewed_by, access.reviewed_at = actor.username[:120], utcnow()
    session.flush()
    record_event(session, actor, action="sharing.break_glass.review", outcome="success", subject_type="break_glass",
                 subject_id=access.id, reason=note.strip(), details={"decision": decision, "user": access.username})
    return access
