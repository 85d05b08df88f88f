"""Break-glass: an emergency access to one person, limited in time, shown on screen, and
reviewed.

Every access goes to reviewers who can open and decide it (:func:`reviewers_of`, the one
answer used by the queue, the access page, the review and the words telling the user who
will review): the IG leads of the user's organisation, or else the IG leads named for a
partnership the organisation is party to (an active agreement's ``ig_leads``), or else the
administrators. A review still pending after a set number of working days (default 5)
is escalated to the administrators (:func:`escalate_overdue`), who can then decide it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.accounts.models import User
from joinedup.permissions import FRONTLINE_ROLES
from joinedup.audit import Actor, record_event
from joinedup.db import utcnow
from joinedup.errors import Refusal
from joinedup.partners.models import Organisation
from joinedup.sharing.models import BREAK_GLASS_REVIEWS, AgreementVersion, BreakGlass

#: How long a break-glass access lasts.
DEFAULT_MINUTES = 60
MAX_MINUTES = 240
#: Working days (Monday to Friday) a review may wait before it is escalated.
DEFAULT_REVIEW_DAYS = 5
FRONTLINE_ONLY = "Emergency access is started by practitioners and MASH officers."


class BreakGlassError(Refusal):
    """A break-glass request or review that cannot be kept, with a message for the user."""


class BreakGlassForbidden(BreakGlassError):
    """The actor may not start, or review, this access (a refusal of authority)."""

    forbidden = True
    status = 403


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved on by ``days`` working days (Saturdays and Sundays do not count)."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def start_break_glass(session: Session, actor: Actor, person, *, reason: str, minutes: int = DEFAULT_MINUTES,
                      review_days: int = DEFAULT_REVIEW_DAYS) -> BreakGlass:
    """Open an emergency access to ``person`` for ``minutes``: for a frontline role, with
    a reason in words; it waits for review, due ``review_days`` working days later."""
    if actor.user_id is None:
        raise BreakGlassForbidden("Break-glass is for a signed-in user.", "reason")
    if not set(actor.roles) & set(FRONTLINE_ROLES):
        raise BreakGlassForbidden(FRONTLINE_ONLY, "reason")
    reason = (reason or "").strip()
    problems = []
    if len(reason) < 10:
        problems.append(("reason", "Say in a sentence what the emergency is: it goes to your IG lead for review."))
    if not 1 <= minutes <= MAX_MINUTES:
        problems.append(("minutes", f"Break-glass lasts from 1 to {MAX_MINUTES} minutes."))
    if problems:
        raise BreakGlassError(problems)
    now = utcnow()
    access = BreakGlass(user_id=actor.user_id, username=actor.username[:120], organisation_id=actor.organisation_id,
                        person_id=person.id, reason=reason[:4000], started_at=now,
                        expires_at=now + timedelta(minutes=minutes), review_due_at=add_working_days(now, review_days))
    session.add(access)
    session.flush()
    record_event(session, actor, action="sharing.break_glass.start", outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=reason,
                 details={"break_glass_id": access.id, "minutes": minutes,
                          "reviewers": [user.username for user in reviewers_of(session, access)]})
    return access


def active_break_glass(session: Session, actor: Actor, person) -> BreakGlass | None:
    if actor.user_id is None:
        return None
    return session.scalar(select(BreakGlass).where(
        BreakGlass.user_id == actor.user_id, BreakGlass.person_id == person.id, BreakGlass.expires_at > utcnow())
        .order_by(BreakGlass.expires_at.desc()).limit(1))


@dataclass(frozen=True)
class Reviewers:
    """Who reviews the accesses of one organisation's users, and on what footing."""

    users: tuple[User, ...]
    footing: str  # "organisation", "partnership" or "administrators"


def _active(users) -> list[User]:
    return [user for user in users if user.active]


def reviewers_for_organisation(session: Session, organisation_id: int | None) -> Reviewers:
    """The IG leads of the organisation; else those named for a partnership it is party
    to; else the administrators, so that no access goes unreviewed."""
    users = _active(session.scalars(select(User).order_by(User.id)))
    own = tuple(user for user in users if user.organisation_id == organisation_id and "ig_lead" in (user.roles or []))
    if organisation_id is not None and own:
        return Reviewers(own, "organisation")
    code = session.scalar(select(Organisation.code).where(Organisation.id == organisation_id)) if organisation_id else None
    named: set[str] = set()
    if code:
        for parties, leads in session.execute(select(AgreementVersion.parties, AgreementVersion.ig_leads)
                                              .where(AgreementVersion.status == "active")):
            if any(party.get("organisation") == code for party in parties or []):
                named.update(lead.lower() for lead in leads or [])
    partnership = tuple(user for user in users
                        if user.username.lower() in named and "ig_lead" in (user.roles or []))
    if partnership:
        return Reviewers(partnership, "partnership")
    return Reviewers(tuple(user for user in users if "admin" in (user.roles or [])), "administrators")


@dataclass(frozen=True)
class Contact:
    """Whom a user of an organisation goes to about sharing: the first of its reviewers."""

    name: str
    email: str | None
    organisation: str
    title: str  # "information governance lead" or "administrator"


def contact_for(session: Session, organisation_id: int | None) -> Contact | None:
    """The person who reviews this organisation's break-glass accesses and answers its
    users' questions about a shielded service (None when JoinedUp has nobody to name)."""
    reviewers = reviewers_for_organisation(session, organisation_id)
    if not reviewers.users:
        return None
    user = reviewers.users[0]
    organisation = session.scalar(select(Organisation.name).where(Organisation.id == user.organisation_id)) or ""
    title = "administrator" if reviewers.footing == "administrators" else "information governance lead"
    return Contact(user.display_name, user.email, organisation, title)


def reviewers_of(session: Session, access: BreakGlass, *, now: datetime | None = None) -> tuple[User, ...]:
    """Everyone who may open and decide ``access``: its reviewers, and the administrators
    too once it has been escalated. Never the user who started it."""
    found = list(reviewers_for_organisation(session, access.organisation_id).users)
    if access.escalated_at is not None or (access.review_status == "pending" and _overdue(access, now or utcnow())):
        found += [user for user in _active(session.scalars(select(User).order_by(User.id)))
                  if "admin" in (user.roles or []) and user not in found]
    return tuple(user for user in found if user.id != access.user_id)


def may_review(session: Session, actor: Actor, access: BreakGlass) -> bool:
    return actor.user_id is not None and any(user.id == actor.user_id for user in reviewers_of(session, access))


def _overdue(access: BreakGlass, now: datetime) -> bool:
    due = access.review_due_at or add_working_days(access.started_at, DEFAULT_REVIEW_DAYS)
    return due <= now


def escalate_overdue(session: Session, *, now: datetime | None = None) -> list[BreakGlass]:
    """Mark every review still pending after its due date as escalated to the
    administrators (once each, audited as ``sharing.break_glass.escalate``)."""
    now = now or utcnow()
    escalated = []
    for access in session.scalars(select(BreakGlass).where(BreakGlass.review_status == "pending",
                                                           BreakGlass.escalated_at.is_(None))):
        if not _overdue(access, now):
            continue
        access.escalated_at = now
        escalated.append(access)
        record_event(session, Actor.system("web", "break-glass review"), action="sharing.break_glass.escalate",
                     outcome="success", subject_type="break_glass", subject_id=access.id,
                     reason="The review was not done in time: escalated to the administrators.",
                     details={"user": access.username, "due": (access.review_due_at or now).isoformat()})
    session.flush()
    return escalated


def break_glass_queue(session: Session, actor: Actor, *, pending_only: bool = True) -> list[BreakGlass]:
    """The break-glass accesses ``actor`` may open and decide (see :func:`reviewers_of`),
    newest first, with overdue ones escalated first."""
    escalate_overdue(session)
    statement = select(BreakGlass).order_by(BreakGlass.started_at.desc(), BreakGlass.id.desc())
    if pending_only:
        statement = statement.where(BreakGlass.review_status == "pending")
    reviewers: dict[int | None, Reviewers] = {}
    admins = {user.id for user in session.scalars(select(User)) if user.active and "admin" in (user.roles or [])}
    shown = []
    for access in session.scalars(statement):
        found = reviewers.setdefault(access.organisation_id,
                                     reviewers_for_organisation(session, access.organisation_id))
        ids = {user.id for user in found.users}
        if access.escalated_at is not None:
            ids |= admins
        if actor.user_id in ids - {access.user_id}:
            shown.append(access)
    return shown


def review_break_glass(session: Session, actor: Actor, access: BreakGlass, *, decision: str, note: str) -> BreakGlass:
    """A reviewer's decision on a break-glass access: appropriate or inappropriate, with a note."""
    if not may_review(session, actor, access):
        raise BreakGlassForbidden("You are not a reviewer of this access.", "decision")
    problems = []
    if decision not in BREAK_GLASS_REVIEWS or decision == "pending":
        problems.append(("decision", "Decide whether the access was appropriate or not."))
    if not (note or "").strip():
        problems.append(("note", "Record the reasons for your decision."))
    if problems:
        raise BreakGlassError(problems)
    if access.review_status != "pending":
        raise BreakGlassError("This access has already been reviewed.", "access")
    access.review_status, access.review_note = decision, note.strip()
    access.reviewed_by, access.reviewed_at = actor.username[:120], utcnow()
    session.flush()
    record_event(session, actor, action="sharing.break_glass.review", outcome="success", subject_type="break_glass",
                 subject_id=access.id, reason=note.strip(), details={"decision": decision, "user": access.username})
    return access
