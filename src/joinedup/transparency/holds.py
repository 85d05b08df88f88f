"""Holds: entries about a person kept back from their access report until a day.

A covert case (a police investigation, a safeguarding enquiry that telling the person
would prejudice: the Data Protection Act 2018, Schedule 2) can ask that one organisation's
entries, or all, are not shown until a day. The hold is recorded (who recorded it, when, at
whose request, why, until when) and audited; the IG lead sees every hold in force and how
many entries it keeps back; from its day on, the entries appear again. The person's copy
of the report never mentions a hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import NotFound, Refusal
from joinedup.partners.models import Organisation
from joinedup.people.models import Person
from joinedup.permissions import TRANSPARENCY_HOLD_RECORD
from joinedup.transparency.authority import check_ig_lead
from joinedup.transparency.models import AccessHold

REASON_MAX = 2000
REQUESTED_BY_MAX = 200


@dataclass(frozen=True)
class HoldShown:
    """A hold in force, as the IG lead reads it."""

    id: int
    organisation_id: int | None
    organisation: str
    until: date
    reason: str
    requested_by: str
    recorded_by: str
    recorded_at: datetime
    entries_held: int = 0

    def holds(self, entry) -> bool:
        """Whether ``entry`` is kept back: one organisation's hold keeps every entry by or
        from it (the record it sent included); a hold on every organisation keeps all
        but the system's own processing."""
        if self.organisation_id is None:
            return entry.kind != "system"
        return entry.organisation_id == self.organisation_id


def holds_of(session: Session, person_ids: list[str], today: date) -> list[HoldShown]:
    """The holds in force on ``today`` for these ids (a person and those merged into them)."""
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    rows = session.scalars(select(AccessHold).where(AccessHold.person_id.in_(person_ids), AccessHold.until > today)
                           .order_by(AccessHold.until, AccessHold.id))
    return [HoldShown(hold.id, hold.organisation_id, names.get(hold.organisation_id, "Every organisation"),
                      hold.until, hold.reason, hold.requested_by, hold.recorded_by, hold.recorded_at)
            for hold in rows]


def record_hold(session: Session, actor: Actor, person_id: str, *, until: date | None, reason: str,
                requested_by: str = "", organisation: str = "", today: date | None = None) -> AccessHold:
    """Hold back ``organisation``'s entries (by its code; empty: every organisation's) about
    the person until ``until``, for ``reason``; recorded and audited."""
    check_ig_lead(actor, TRANSPARENCY_HOLD_RECORD.refusal)
    today = today or date.today()
    person = session.scalar(select(Person).where(Person.person_id == person_id.strip().upper()))
    if person is None:
        raise NotFound("There is no person with this id.", "person_id")
    reason, requested_by = (reason or "").strip(), (requested_by or "").strip()
    problems = []
    organisation_id = None
    if organisation:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        if organisation_id is None:
            problems.append(("organisation", "Select an organisation from the list."))
    if until is None:
        problems.append(("until", "Enter the date the entries may be shown, like 27 3 2027."))
    elif until <= today:
        problems.append(("until", "The date the entries may be shown must be in the future."))
    if not reason:
        problems.append(("reason", "Say why the entries must be held back."))
    elif len(reason) > REASON_MAX:
        problems.append(("reason", f"The reason must be {REASON_MAX:,} characters or fewer."))
    if len(requested_by) > REQUESTED_BY_MAX:
        problems.append(("requested_by", f"Who asked must be {REQUESTED_BY_MAX} characters or fewer."))
    if problems:
        raise Refusal(problems)
    hold = AccessHold(person_id=person.person_id, organisation_id=organisation_id, until=until, reason=reason,
                      requested_by=requested_by, recorded_by=actor.username[:120], user_id=actor.user_id)
    session.add(hold)
    session.flush()
    record_event(session, actor, action=TRANSPARENCY_HOLD_RECORD, outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=reason,
                 details={"hold": hold.id, "until": until.isoformat(), "organisation": organisation or "every",
                          "requested_by": requested_by})
    return hold
