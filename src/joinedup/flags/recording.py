"""Practitioners record flags in the app, for their own organisation, correct them and end
them.

A flag recorded in the app is the recording organisation's: only a frontline user of that
organisation records, corrects or ends it, naming a team of its directory to contact (or
none: the organisation's own line). A flag from an extract is corrected at source. Each
change is one audit event; a correction names each field it changed, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Conflict, Forbidden, NotFound, Refusal
from joinedup.flags.catalogue import FLAG_TYPES, FlagType
from joinedup.flags.models import APP, Flag
from joinedup.involvements import Team
from joinedup.people import person_by_id
from joinedup.permissions import FLAG_CORRECT, FLAG_END, FLAG_FORM, FLAG_RECORD

LEGAL_STATUS_MAX = 120


@dataclass(frozen=True)
class FlagTerms:
    """What a practitioner states of a flag: its type, since when, and for a looked-after
    child the legal status; the team to contact is an id in their organisation's directory."""

    type: str
    starts_on: date | None
    legal_status: str = ""
    team_id: int | None = None


def record_flag(session: Session, actor: Actor, person_id: str, terms: FlagTerms, *,
                today: date | None = None) -> Flag:
    """Record a flag of the actor's organisation for ``person_id``; audited (``flag.record``)."""
    _may(actor, FLAG_RECORD.refusal)
    person = person_by_id(session, person_id)
    if person is None or person.retired_at is not None:
        raise NotFound(f"There is no current person {person_id}.", "person")
    kind, team, legal = _checked(session, actor, terms, today or date.today())
    flag = Flag(person_id=person.id, type=terms.type, category=kind.category, organisation_id=actor.organisation_id,
                team_id=team.id if team else None, starts_on=terms.starts_on, legal_status=legal, status="current",
                source=APP, recorded_by=actor.username[:120])
    session.add(flag)
    session.flush()
    record_event(session, actor, action=FLAG_RECORD.name, outcome="success", subject_type="flag", subject_id=flag.id,
                 details={"person": person.person_id, "type": flag.type, "starts_on": flag.starts_on.isoformat(),
                          "team": team.name if team else None})
    return flag


def _checked(session: Session, actor: Actor, terms: FlagTerms, today: date) -> tuple[FlagType, Team | None, str]:
    """The flag's type, team and legal status as stated, or every problem with them, each
    naming its field."""
    problems = []
    kind = FLAG_TYPES.get(terms.type)
    if kind is None:
        problems.append(("type", "Select a flag type from the catalogue"))
    if terms.starts_on is None:
        problems.append(("starts_on", "Enter the date the flag started"))
    elif terms.starts_on > today:
        problems.append(("starts_on", "The date the flag started must be today or in the past"))
    legal = terms.legal_status.strip()
    if legal and kind is not None and not kind.legal_status:
        problems.append(("legal_status", f"A {kind.name.lower()} flag has no legal status"))
    elif len(legal) > LEGAL_STATUS_MAX:
        problems.append(("legal_status", f"The legal status must be {LEGAL_STATUS_MAX} characters or fewer"))
    team = None
    if terms.team_id is not None:
        team = session.scalar(select(Team).where(Team.id == terms.team_id,
                                                 Team.organisation_id == actor.organisation_id))
        if team is None:
            problems.append(("team", "Select a team of your organisation's directory"))
    if problems:
        raise Refusal(problems)
    return kind, team, legal


def correct_flag(session: Session, actor: Actor, flag_id: int, terms: FlagTerms, *,
                 today: date | None = None) -> Flag:
    """Correct one of the actor's organisation's current flags recorded in the app: its
    type, start, legal status and team, checked as when recorded; audited
    (``flag.correct``) with each field changed, before and after."""
    _may(actor, FLAG_CORRECT.refusal)
    flag = own_flag(session, actor, flag_id)
    if flag.status != "current":
        raise Conflict("This flag has ended: record a new one instead.", "type")
    kind, team, legal = _checked(session, actor, terms, today or date.today())
    if flag.ends_on and terms.starts_on > flag.ends_on:
        raise Refusal("The date the flag started must be on or before the date it ended", "starts_on")
    stated = {"type": terms.type, "starts_on": terms.starts_on, "legal_status": legal,
              "team_id": team.id if team else None}
    changes = {name: [_text(getattr(flag, name)), _text(value)] for name, value in stated.items()
               if getattr(flag, name) != value}
    if not changes:
        return flag
    for name, value in stated.items():
        setattr(flag, name, value)
    flag.category, flag.recorded_by = kind.category, actor.username[:120]
    session.flush()
    record_event(session, actor, action=FLAG_CORRECT.name, outcome="success", subject_type="flag", subject_id=flag.id,
                 details={"person": flag.person.person_id, "changed": changes})
    return flag


def _text(value) -> str | int | None:
    return value.isoformat() if isinstance(value, date) else value


def own_flag(session: Session, actor: Actor, flag_id: int) -> Flag:
    """One of the actor's organisation's flags recorded in the app (NotFound otherwise: an
    extract's flag, or another organisation's, is not theirs to correct or end)."""
    _may(actor, FLAG_FORM.refusal)
    flag = session.get(Flag, flag_id)
    if flag is None or flag.source != APP or flag.organisation_id != actor.organisation_id:
        raise NotFound("Your organisation recorded no flag with this id in the app.", "flag")
    return flag


def end_flag(session: Session, actor: Actor, flag_id: int, ends_on: date | None, *,
             today: date | None = None) -> Flag:
    """End one of the actor's organisation's flags recorded in the app; audited (``flag.end``)."""
    _may(actor, FLAG_END.refusal)
    flag = own_flag(session, actor, flag_id)
    if flag.status != "current":
        raise Conflict("This flag has already ended.", "ends_on")
    today = today or date.today()
    if ends_on is None:
        raise Refusal("Enter the date the flag ended", "ends_on")
    if ends_on > today:
        raise Refusal("The date the flag ended must be today or in the past", "ends_on")
    if flag.starts_on and ends_on < flag.starts_on:
        raise Refusal("The date the flag ended must be on or after the date it started", "ends_on")
    flag.ends_on, flag.status, flag.recorded_by = ends_on, "ended", actor.username[:120]
    session.flush()
    record_event(session, actor, action=FLAG_END.name, outcome="success", subject_type="flag", subject_id=flag.id,
                 details={"ends_on": ends_on.isoformat()})
    return flag


def _may(actor: Actor, refusal: str) -> None:
    if actor.organisation_id is None or not FLAG_RECORD.permits(actor.roles) or not actor.roles:
        raise Forbidden(refusal, "organisation")
