"""Who "my people" are, and which of their flags changed since the user last looked.

**My people** are the persons with a current involvement of the user's organisation in
which the user is the worker: the directory's worker whose secure e-mail is the user's
account e-mail, or, for an involvement that names no worker, the user who recorded it.
An involvement naming another worker is that worker's, even if the user recorded it.

**Since you last looked** is the user's latest ``home.view`` event (each look records
one) before their current sign-in, so no table keeps it and opening the page again in the
same session keeps the changes on it. On a first look, it is the day the user's involvement began,
or 30 days ago (:data:`FIRST_LOOK`) when it began earlier.

Names and flags are read through :func:`joinedup.disclosure.person_cards` and
:func:`joinedup.flags.flags_of_cards`: each record decided and audited, with no stated
purpose, so a person none of whose records the user may see is counted, never named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from joinedup.accounts.models import User
from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.disclosure import PersonCard, access_action, person_cards
from joinedup.flags import FlagShown, flags_of_cards
from joinedup.involvements import Involvement, Worker
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.people.models import Person, PersonRecord
from joinedup.permissions import HOME_VIEW, SIGN_IN
from joinedup.sharing.catalogue import age_on

#: On a first look, flags changed in this long (or since the involvement began, if later).
FIRST_LOOK = timedelta(days=30)
#: The most people listed; past it, how many more.
SHOWN = 50


@dataclass(frozen=True)
class MyPerson:
    """One of the user's people as the user may see them."""

    person_id: str
    name: str
    date_of_birth: str | None
    age: int | None
    roles: tuple[str, ...]  # the user's roles with them, in words
    since: date | None  # when the user's earliest current involvement with them began
    flags: tuple[FlagShown, ...]  # their current flags the user may see


@dataclass(frozen=True)
class FlagChange:
    """A flag set or ended on one of the user's people since ``since``."""

    person_id: str
    name: str
    flag: FlagShown
    since: date

    @property
    def ended(self) -> bool:
        return not self.flag.current


@dataclass(frozen=True)
class MyPeople:
    """The user's people (at most :data:`SHOWN`; ``more``: how many past them), how many
    of them the user may not see now (``withheld``), and the flags changed since
    ``last_looked`` (None: this is the first look)."""

    people: tuple[MyPerson, ...] = ()
    more: int = 0
    withheld: int = 0
    changes: tuple[FlagChange, ...] = ()
    last_looked: datetime | None = None
    first_look_from: date | None = None  # on a first look: 30 days before today

    @property
    def first_look(self) -> bool:
        return self.last_looked is None


def my_people(session: Session, actor: Actor, *, today: date | None = None, limit: int = SHOWN) -> MyPeople:
    """The user's people and the flags changed on them since they last looked; recorded
    as a ``home.view`` event, which is the next look's "last looked". Anyone without a
    frontline role, or not a signed-in user, has no people."""
    if actor.user_id is None or not HOME_VIEW.permits(actor.roles):
        return MyPeople()
    today = today or date.today()
    last_looked = _last_look(session, actor)
    involved = _involved(session, actor, _own_involvements(session, actor))
    order = sorted(involved, key=lambda pk: (involved[pk][0] or date.min, pk), reverse=True)
    listed = order[:limit]
    cards = person_cards(session, actor, listed, action=access_action(actor))
    first_from = today - FIRST_LOOK
    flags = flags_of_cards(session, actor, cards.values(), today=today, every=True) if cards else {}
    people, changes = [], []
    for pk in listed:
        card = cards.get(pk)
        if card is None:
            continue
        since, roles = involved[pk]
        shown = flags.get(card.person_id, ())
        people.append(_person(card, roles, since, shown, today))
        changed_from = last_looked.date() if last_looked else max(since or first_from, first_from)
        changes.extend(FlagChange(card.person_id, card.name, flag, changed_from) for flag in shown
                       if _changed(flag, changed_from, last_looked, today))
    changes.sort(key=lambda change: (_took_effect(change.flag), change.name), reverse=True)
    found = MyPeople(tuple(people), max(0, len(order) - len(listed)), len(listed) - len(people), tuple(changes),
                     last_looked, None if last_looked else first_from)
    record_event(session, actor, action=HOME_VIEW.name, outcome="success", subject_type="user",
                 subject_id=str(actor.user_id),
                 details={"people": [person.person_id for person in found.people], "more": found.more,
                          "withheld": found.withheld, "changes": len(found.changes),
                          "last_looked": last_looked.isoformat() if last_looked else None})
    return found


def _latest(session: Session, actor: Actor, action: str, before: datetime | None = None) -> datetime | None:
    """When the actor last did ``action`` (successfully), before ``before`` if given."""
    earlier = [AuditEvent.at < before] if before is not None else []
    return session.scalar(select(AuditEvent.at).where(
        AuditEvent.user_id == actor.user_id, AuditEvent.action == action, AuditEvent.outcome == "success", *earlier)
        .order_by(AuditEvent.at.desc()).limit(1))


def _last_look(session: Session, actor: Actor) -> datetime | None:
    """The user's last look before they signed in this time, so that opening the home
    page again in the same session keeps the changes they have not acted on yet; with no
    sign-in recorded (the CLI, a test), their last look."""
    return _latest(session, actor, HOME_VIEW.name, _latest(session, actor, SIGN_IN.name))


def _own_involvements(session: Session, actor: Actor) -> list[Involvement]:
    """The current involvements of the actor's organisation in which the actor is the worker."""
    email = session.scalar(select(User.email).where(User.id == actor.user_id))
    mine = [and_(Involvement.worker_id.is_(None), Involvement.recorded_by == actor.username)]
    if email:
        mine.append(Involvement.worker_id.in_(select(Worker.id).where(
            Worker.organisation_id == actor.organisation_id, func.lower(Worker.secure_email) == email.strip().lower())))
    return list(session.scalars(select(Involvement).where(
        Involvement.organisation_id == actor.organisation_id, Involvement.status == "current", or_(*mine))))


def _involved(session: Session, actor: Actor, involvements: list[Involvement]) -> dict[int, tuple[date | None, list]]:
    """Live person key → (the earliest start, the roles in words) of the involvements: one
    recorded for a person merged into another is the other's; one from an extract row is
    the person the row is linked into (none yet: left out)."""
    recorded = {involvement.person_id for involvement in involvements if involvement.person_id is not None}
    rows = {involvement.source_record_id for involvement in involvements if involvement.source_record_id is not None}
    live: dict[int, int] = {}
    if recorded:
        successor = {public: pk for public, pk in session.execute(
            select(Person.person_id, Person.id).where(Person.person_id.in_(
                select(Person.superseded_by).where(Person.id.in_(recorded), Person.superseded_by.is_not(None)))))}
        for pk, superseded_by in session.execute(select(Person.id, Person.superseded_by).where(Person.id.in_(recorded))):
            if superseded_by is None or superseded_by in successor:
                live[pk] = successor[superseded_by] if superseded_by else pk
    linked = dict(session.execute(select(PersonRecord.source_record_id, PersonRecord.person_id)
                                  .where(PersonRecord.source_record_id.in_(rows))).all()) if rows else {}
    found: dict[int, tuple[date | None, list]] = {}
    for involvement in involvements:
        pk = live.get(involvement.person_id) if involvement.person_id is not None else linked.get(
            involvement.source_record_id)
        if pk is None:
            continue
        since, roles = found.get(pk, (None, []))
        role = INVOLVEMENT_ROLES.get(involvement.role, involvement.role)
        if role not in roles:
            roles.append(role)
        starts = involvement.starts_on
        found[pk] = (min(since, starts) if since and starts else since or starts, roles)
    return found


def _person(card: PersonCard, roles: list, since: date | None, flags: tuple[FlagShown, ...], today: date) -> MyPerson:
    born = card.values.get("date_of_birth")
    return MyPerson(card.person_id, card.name, str(born) if born else None, age_on(born, today), tuple(roles), since,
                    tuple(flag for flag in flags if flag.current))


def _changed(flag: FlagShown, day: date, moment: datetime | None, today: date) -> bool:
    """On a first look (``moment`` None): whether the flag was set or ended on or after
    ``day``. After an earlier look at ``moment``: whether the hub learned of it or of its
    end since (a flag loaded late with an older start is news), or it took effect on a
    later day than that look's (a start or end dated ahead)."""
    if moment is None:
        after = day - timedelta(days=1)
    else:
        if flag.changed_at is not None and _aware(flag.changed_at) > _aware(moment):
            return True
        after = day
    if flag.current:
        return flag.latest_start is not None and after < flag.latest_start <= today
    return flag.ends_on is not None and after < flag.ends_on <= today


def _took_effect(flag: FlagShown) -> date:
    return max(day for day in (flag.latest_start, flag.ends_on, date.min) if day is not None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
