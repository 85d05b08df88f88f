"""A monitoring run: read the audit log on from where the last run stopped, apply the
rules, and raise a review task for each finding not raised before.

The log is read by its sequenced positions (``log_index``), not by row id: positions are
given only to committed entries and never change, so an entry whose transaction commits
late is read by a later run rather than skipped. Windowed rules count over the whole
window of each user whose entries are new, so a finding spread over two runs is still
found. Each finding has a key (rule, user and window, or the event); a key already raised
is not raised again, so runs are idempotent and may overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.audit.sequencer import sequence
from joinedup.db import transaction, utcnow
from joinedup.disclosure.governance import same_household
from joinedup.involvements import involved_organisations
from joinedup.monitoring.models import (
    RULES,
    MonitoringState,
    MonitoringTask,
    StaffDeclaration,
)
from joinedup.monitoring.rules import MonitoringRules, load_rules, rules_path

STATE_ID = 1
#: Entries read per query.
BATCH = 10_000
#: Users whose windows one query reads.
USERS_PER_QUERY = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BREAK_GLASS_START = "sharing.break_glass.start"
PERSON_VIEW = "person.view"


@dataclass(frozen=True)
class Seen:
    """An audit event as the rules read it."""

    id: int
    at: datetime
    user_id: int
    username: str
    organisation_id: int | None
    action: str
    subject_id: str
    outcome: str
    details: dict


@dataclass
class Finding:
    rule: str
    key: str
    user_id: int
    username: str
    organisation_id: int | None
    window_start: datetime
    window_end: datetime
    count: int
    threshold: int
    summary: str
    events: list[int] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunReport:
    """What a run read (entries of the log, from and to which position) and raised, by rule."""

    read: int
    start: int
    upto: int
    raised: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


#: The columns the rules read of an event, read without the ORM's objects.
_COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.user_id, AuditEvent.actor, AuditEvent.organisation_id,
            AuditEvent.action, AuditEvent.subject_id, AuditEvent.outcome, AuditEvent.details)


def _seen(row) -> Seen:
    return Seen(row.id, _aware(row.at), row.user_id, row.actor, row.organisation_id, row.action, row.subject_id,
                row.outcome, row.details or {})


def _of_interest():
    return or_(AuditEvent.action.in_((PERSON_VIEW, BREAK_GLASS_START)), AuditEvent.outcome == "denied")


def _bucket(moment: datetime, minutes: int) -> datetime:
    width = timedelta(minutes=minutes)
    return EPOCH + ((moment - EPOCH) // width) * width


def _windows(session: Session, touched: Iterable[tuple[int, datetime, datetime]], upto: int,
             *condition) -> dict[tuple[int, datetime], list[Seen]]:
    """Each (user, start, end) window's sequenced events (up to position ``upto``) that meet
    ``condition``, oldest first: one query per batch of users, over the span of their windows."""
    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for user_id, start, end in touched:
        spans[user_id].append((start, end))
    users = sorted(spans)
    found: dict[tuple[int, datetime], list[Seen]] = {}
    for first in range(0, len(users), USERS_PER_QUERY):
        batch = users[first:first + USERS_PER_QUERY]
        windows = [window for user_id in batch for window in spans[user_id]]
        by_user: dict[int, list[Seen]] = defaultdict(list)
        for row in session.execute(select(*_COLUMNS).where(
                AuditEvent.user_id.in_(batch), AuditEvent.at >= min(start for start, _ in windows),
                AuditEvent.at < max(end for _, end in windows), AuditEvent.log_index.is_not(None),
                AuditEvent.log_index <= upto, *condition).order_by(AuditEvent.at, AuditEvent.id)):
            by_user[row.user_id].append(_seen(row))
        for user_id in batch:
            for start, end in spans[user_id]:
                found[(user_id, start)] = [event for event in by_user[user_id] if start <= event.at < end]
    return found


def _viewed(event: Seen) -> bool:
    return event.action == PERSON_VIEW and event.outcome == "allowed" and bool(event.subject_id)


def _unrelated_views(session: Session, new: list[Seen], rules: MonitoringRules, upto: int) -> Iterable[Finding]:
    rule = rules.unrelated_views
    width = timedelta(minutes=rule.window_minutes)
    touched = {(event.user_id, _bucket(event.at, rule.window_minutes)) for event in new if _viewed(event)}
    windows = _windows(session, [(user_id, start, start + width) for user_id, start in touched], upto,
                       AuditEvent.action == PERSON_VIEW, AuditEvent.outcome == "allowed")
    for (user_id, start), seen in sorted(windows.items()):
        end = start + width
        views = [event for event in seen if event.subject_id]
        if len({event.subject_id for event in views}) <= rule.people:
            continue
        stated = {event.subject_id for event in views if (event.details.get("relationship") or "").strip()}
        # An involvement the user recorded in this window does not excuse their views in it.
        involved = involved_organisations(session, {event.subject_id for event in views} - stated,
                                          not_recorded_by=views[0].username, since=start)
        unrelated = [event for event in views if event.subject_id not in stated
                     and event.organisation_id not in involved.get(event.subject_id, set())]
        people = list(dict.fromkeys(event.subject_id for event in unrelated))
        if len(people) > rule.people:
            first = unrelated[0]
            yield Finding("unrelated_views", f"unrelated_views:{user_id}:{start.isoformat()}:{rule.window_minutes}",
                          user_id, first.username, first.organisation_id, start, end, len(people), rule.people,
                          f"{first.username} viewed {len(people)} people in {rule.window_minutes} minutes with no "
                          f"involvement of their organisation and no relationship stated (more than {rule.people}).",
                          [event.id for event in unrelated], people)


def _refusals(session: Session, new: list[Seen], rules: MonitoringRules, upto: int) -> Iterable[Finding]:
    rule = rules.refusals
    width = timedelta(minutes=rule.window_minutes)
    touched = {(event.user_id, _bucket(event.at, rule.window_minutes)) for event in new if event.outcome == "denied"}
    windows = _windows(session, [(user_id, start, start + width) for user_id, start in touched], upto,
                       AuditEvent.outcome == "denied")
    for (user_id, start), refused in sorted(windows.items()):
        end = start + width
        if len(refused) > rule.refusals:
            first = refused[0]
            yield Finding("refusals", f"refusals:{user_id}:{start.isoformat()}:{rule.window_minutes}", user_id,
                          first.username, first.organisation_id, start, end, len(refused), rule.refusals,
                          f"{first.username} was refused {len(refused)} times in {rule.window_minutes} minutes "
                          f"(more than {rule.refusals}).",
                          [event.id for event in refused],
                          list(dict.fromkeys(event.subject_id for event in refused
                                             if event.action == PERSON_VIEW and event.subject_id)))


def _out_of_hours(moment: datetime, rules: MonitoringRules) -> bool:
    rule = rules.out_of_hours
    local = moment.astimezone(rule.zone)
    starts, ends = rule.hours
    if rule.weekends and local.weekday() >= 5:
        return True
    return not starts <= local.time().replace(tzinfo=None) < ends


def _local_day(day: date, rules: MonitoringRules) -> tuple[datetime, datetime]:
    zone = rules.out_of_hours.zone
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    return start.astimezone(UTC), datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)


def _bulk_out_of_hours(session: Session, new: list[Seen], rules: MonitoringRules, upto: int) -> Iterable[Finding]:
    rule = rules.out_of_hours
    touched = {(event.user_id, event.at.astimezone(rule.zone).date()) for event in new
               if _viewed(event) and _out_of_hours(event.at, rules)}
    days = {(user_id, *_local_day(day, rules)): day for user_id, day in touched}
    windows = _windows(session, days, upto, AuditEvent.action == PERSON_VIEW, AuditEvent.outcome == "allowed")
    for (user_id, start, end), day in sorted(days.items()):
        views = [event for event in windows[(user_id, start)] if event.subject_id and _out_of_hours(event.at, rules)]
        people = list(dict.fromkeys(event.subject_id for event in views))
        if len(people) > rule.people:
            first = views[0]
            yield Finding("out_of_hours", f"out_of_hours:{user_id}:{day.isoformat()}", user_id, first.username,
                          first.organisation_id, start, end, len(people), rule.people,
                          f"{first.username} viewed {len(people)} people out of hours on {day:%d %B %Y} "
                          f"(working hours {rule.starts} to {rule.ends}; more than {rule.people}).",
                          [event.id for event in views], people)


def _break_glass(new: list[Seen]) -> Iterable[Finding]:
    for event in new:
        if event.action == BREAK_GLASS_START and event.outcome == "success":
            yield Finding("break_glass", f"break_glass:{event.id}", event.user_id, event.username,
                          event.organisation_id, event.at, event.at, 1, 0,
                          f"{event.username} used break-glass (access {event.details.get('break_glass_id', '')}).",
                          [event.id], [event.subject_id] if event.subject_id else [])


def _household(session: Session, new: list[Seen]) -> Iterable[Finding]:
    views = [event for event in new if _viewed(event)]
    users = {event.user_id for event in views}
    if not users:
        return
    declared = {user_id: (surname, postcode) for user_id, surname, postcode in session.execute(
        select(StaffDeclaration.user_id, StaffDeclaration.surname, StaffDeclaration.postcode)
        .where(StaffDeclaration.user_id.in_(users)))}
    viewed: dict[int, set[str]] = defaultdict(set)
    for event in views:
        viewed[event.user_id].add(event.subject_id)
    for user_id, person_id in sorted(same_household(session, declared, viewed)):
        seen = [event for event in views if event.user_id == user_id and event.subject_id == person_id]
        first = seen[0]
        yield Finding("household", f"household:{user_id}:{person_id}", user_id, first.username, first.organisation_id,
                      first.at, seen[-1].at, len(seen), 0,
                      f"{first.username} viewed someone who shares the surname and postcode they declared.",
                      [event.id for event in seen], [person_id])


def findings(session: Session, new: list[Seen], rules: MonitoringRules, upto: int) -> list[Finding]:
    """Every finding the enabled rules make of the new events (windows counted in full)."""
    found: list[Finding] = []
    if rules.unrelated_views.enabled:
        found += _unrelated_views(session, new, rules, upto)
    if rules.refusals.enabled:
        found += _refusals(session, new, rules, upto)
    if rules.out_of_hours.enabled:
        found += _bulk_out_of_hours(session, new, rules, upto)
    if rules.break_glass.enabled:
        found += _break_glass(new)
    if rules.household.enabled:
        found += _household(session, new)
    return found


def _lock(session: Session) -> MonitoringState:
    """The state row, its lock held (an UPDATE first: a row lock on PostgreSQL, the write
    lock on SQLite), so two runs raise their tasks one after the other."""
    touched = session.execute(update(MonitoringState).where(MonitoringState.id == STATE_ID)
                              .values(ran_at=utcnow())).rowcount
    if not touched:
        session.add(MonitoringState(id=STATE_ID, log_index=-1, ran_at=utcnow()))
        session.flush()
    return session.get(MonitoringState, STATE_ID)


def run_monitoring(engine: Engine, actor: Actor, rules: MonitoringRules, *,
                   progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Sequence the log, read what is new since the last run, raise the tasks not raised
    before, and move the run's place on; audited as ``monitoring.run``."""
    sequence(engine)
    with transaction(engine) as session:
        state = session.get(MonitoringState, STATE_ID)
        start = state.log_index if state else -1
        last = session.scalar(select(func.max(AuditEvent.log_index)))
        upto = start if last is None else max(last, start)
        between = (AuditEvent.log_index > start, AuditEvent.log_index <= upto, AuditEvent.user_id.is_not(None),
                   _of_interest())
        total = session.scalar(select(func.count()).where(*between)) or 0
        new: list[Seen] = []
        after = start
        while True:
            rows = session.execute(select(*_COLUMNS, AuditEvent.log_index).where(*between, AuditEvent.log_index > after)
                                   .order_by(AuditEvent.log_index).limit(BATCH)).all()
            if not rows:
                break
            new += (_seen(row) for row in rows)
            after = rows[-1].log_index
            if progress:
                progress(len(new), total)
        found = findings(session, new, rules, upto)
    with transaction(engine) as session:
        state = _lock(session)
        keys = [finding.key for finding in found]
        raised_before = set(session.scalars(select(MonitoringTask.finding).where(MonitoringTask.finding.in_(keys)))) \
            if keys else set()
        fresh = list({finding.key: finding for finding in found if finding.key not in raised_before}.values())
        if fresh:
            session.execute(insert(MonitoringTask), [{
                "rule": f.rule, "finding": f.key, "user_id": f.user_id, "username": f.username[:120],
                "organisation_id": f.organisation_id, "window_start": f.window_start, "window_end": f.window_end,
                "count": f.count, "threshold": f.threshold, "summary": f.summary, "events": f.events,
                "persons": f.persons, "raised_at": utcnow(), "status": "open", "outcome": "", "note": "",
                "decided_by": "",
            } for f in fresh])
        state.log_index = max(state.log_index, upto)
        state.ran_by = actor.username[:120]
        raised = {rule: sum(1 for f in fresh if f.rule == rule) for rule in RULES}
        record_event(session, actor, action="monitoring.run", outcome="success", subject_type="monitoring",
                     details={"read": len(new), "from": start, "to": upto, "raised": raised})
    return RunReport(len(new), start, upto, raised)


def run_configured(engine: Engine, actor: Actor, home: Path, *,
                   progress: Callable[[int, int], None] | None = None) -> RunReport:
    """A run under the rules in the data directory's ``monitoring.toml`` (the defaults
    where it sets nothing): what the CLI and the review page's button both do."""
    return run_monitoring(engine, actor, load_rules(rules_path(home)), progress=progress)
