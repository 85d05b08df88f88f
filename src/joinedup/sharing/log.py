"""The decision log (golden rule 7): every decision to share or not, searchable and exportable."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.errors import Refusal
from joinedup.partners.models import Organisation
from joinedup.sharing.models import DECISION_OUTCOMES, AgreementVersion, Purpose, SharingAgreement, SharingDecision
from joinedup.sharing.policy import SENSITIVE_SHIELD, clause_bases
from joinedup.spreadsheets import SafeWriter

#: What a search for a person's id may hold.
PERSON_ID_SEARCH = re.compile(r"[A-Za-z0-9]{1,20}")
PERSON_ID_WORDS = "A person id is P and 10 letters and digits, like P0A1B2C3D4E."

LOG_COLUMNS = ("at", "username", "organisation_id", "person_id", "record_id", "source_organisation_id", "action",
               "purpose", "outcome", "basis", "agreement", "policy_ids", "fields", "reason", "channel", "records",
               "reasons", "record_ids")


@dataclass(frozen=True)
class LogFilter:
    """What the IG lead narrows the log to; ``since`` and ``until`` are whole days, both kept."""

    person_id: str = ""
    username: str = ""
    organisation_id: int | None = None
    agreement: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None


class LogFilterRefused(Refusal):
    """A search of the decision log that cannot be run as asked: every problem with it."""


def _day(value: str, field: str, problems: list[tuple[str, str]]) -> date | None:
    """A day as typed (``2026-03-27``, or ``27/3/2026``), or None with a problem named."""
    value = value.strip()
    if not value:
        return None
    for shape in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, shape).date()
        except ValueError:
            continue
    problems.append((field, "Enter a real date, like 27/3/2026."))
    return None


def log_filter(session: Session, *, person_id: str = "", username: str = "", organisation: str = "",
               agreement: str = "", outcome: str = "", since: str = "", until: str = "") -> LogFilter:
    """The decision log's search as asked (an organisation and an agreement by their codes),
    checked: :class:`LogFilterRefused` names every field that cannot be searched for."""
    problems = []
    if person_id and not PERSON_ID_SEARCH.fullmatch(person_id):
        problems.append(("person_id", PERSON_ID_WORDS))
    if len(username) > 120:
        problems.append(("username", "A username is 120 characters or fewer."))
    organisation_id = None
    if organisation:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        if organisation_id is None:
            problems.append(("organisation", "Select an organisation from the list."))
    if agreement and not session.scalar(select(SharingAgreement.id)
                                        .where(SharingAgreement.code == agreement.upper())):
        problems.append(("agreement", "Select an agreement from the list."))
    if outcome and outcome not in DECISION_OUTCOMES:
        problems.append(("outcome", "Select an outcome from the list."))
    first, last = _day(since, "since", problems), _day(until, "until", problems)
    if first and last and last < first:
        problems.append(("until", "The last day must be the same as or after the first."))
    if problems:
        raise LogFilterRefused(problems)
    return LogFilter(person_id=person_id, username=username, organisation_id=organisation_id, agreement=agreement,
                     outcome=outcome, since=first, until=last)


def withheld_row(common: dict[str, Any], withheld: Sequence[tuple[str | None, int | None, Any]]) -> dict[str, Any]:
    """The one decision row for all a request withheld, given ``(person, provider, decision)``
    for each refusal: counted by reason, naming a person or provider only when there is one,
    so a search's refusals are one row and not one per record."""
    reasons = Counter(d.reason for _person, _provider, d in withheld)
    persons = {person for person, _provider, _d in withheld}
    providers = {provider for _person, provider, _d in withheld}
    return {**common, "person_id": persons.pop() if len(persons) == 1 else None,
            "source_organisation_id": providers.pop() if len(providers) == 1 else None, "outcome": "withheld",
            "basis": "", "agreement_version_id": None, "break_glass_id": None, "record_ids": None,
            "policy_ids": sorted({policy for _person, _provider, d in withheld for policy in d.policy_ids}),
            "fields": [], "reason": reasons.most_common(1)[0][0], "record_count": len(withheld),
            "reasons": dict(reasons.most_common())}


def decision_bases(session: Session, decisions) -> dict[int, str]:
    """decision id → its basis in words. A decision to share names the clauses that allowed
    it (``policy_ids``) and keeps no words, so the log does not repeat them on every row:
    they are read back from the clauses (:func:`joinedup.sharing.policy.clause_bases`). A
    decision not to share keeps its own words."""
    rows = list(decisions)
    shared = [row for row in rows if row.outcome == "shared" and not row.basis]
    named = clause_bases(session, {policy for row in shared for policy in row.policy_ids or []
                                   if policy != SENSITIVE_SHIELD})
    bases = {row.id: row.basis or "" for row in rows}
    for row in shared:
        bases[row.id] = "; ".join(named[policy] for policy in row.policy_ids or [] if policy != SENSITIVE_SHIELD)
    return bases


def _statement(filters: LogFilter):
    statement = select(SharingDecision)
    if filters.person_id:
        statement = statement.where(SharingDecision.person_id == filters.person_id.strip().upper())
    if filters.username:
        statement = statement.where(SharingDecision.username == filters.username.strip())
    if filters.organisation_id is not None:
        statement = statement.where(SharingDecision.organisation_id == filters.organisation_id)
    if filters.outcome:
        if filters.outcome not in DECISION_OUTCOMES:
            raise ValueError(f"An outcome is one of {', '.join(DECISION_OUTCOMES)}.")
        statement = statement.where(SharingDecision.outcome == filters.outcome)
    if filters.since is not None:
        statement = statement.where(SharingDecision.at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until is not None:
        statement = statement.where(SharingDecision.at < datetime.combine(filters.until + timedelta(days=1), time.min,
                                                                          UTC))
    if filters.agreement:
        versions = select(AgreementVersion.id).join(SharingAgreement).where(
            SharingAgreement.code == filters.agreement.strip().upper())
        statement = statement.where(SharingDecision.agreement_version_id.in_(versions))
    return statement


def search_decisions(session: Session, filters: LogFilter, *, limit: int = 50,
                     offset: int = 0) -> tuple[list[SharingDecision], int]:
    statement = _statement(filters)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(SharingDecision.at.desc(), SharingDecision.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def export_decisions(session: Session, out: Path, filters: LogFilter, *, actor: Actor) -> int:
    """Write the matching decisions to CSV for an IG lead; the export is itself audited."""
    codes = {row.id: f"{row.code} v{row.version}" for row in session.execute(
        select(AgreementVersion.id, SharingAgreement.code, AgreementVersion.version).join(SharingAgreement))}
    rows = 0
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = SafeWriter(handle)
        writer.writerow(LOG_COLUMNS)
        ordered = _statement(filters).order_by(SharingDecision.at, SharingDecision.id)
        for decisions in session.scalars(ordered.execution_options(yield_per=2_000)).partitions():
            bases = decision_bases(session, decisions)
            for decision in decisions:
                writer.writerow((decision.at.isoformat(), decision.username, decision.organisation_id or "",
                                 decision.person_id or "", decision.record_id or "", decision.source_organisation_id or "",
                                 decision.action, decision.purpose, decision.outcome, bases[decision.id],
                                 codes.get(decision.agreement_version_id, ""), " ".join(decision.policy_ids or []),
                                 " ".join(decision.fields or []), decision.reason, decision.channel,
                                 decision.record_count, _reasons(decision.reasons),
                                 " ".join(map(str, decision.records))))
                rows += 1
    record_event(session, actor, action="sharing.log.export", outcome="success", subject_type="sharing_decisions",
                 details={"rows": rows, "filters": filters.__dict__})
    return rows


def _reasons(reasons: dict | None) -> str:
    """A summary row's reasons, as a cell: 'reason (count); ...'."""
    return "; ".join(f"{reason} ({count})" for reason, count in (reasons or {}).items())


class DeclineError(ValueError):
    """A decision not to share that cannot be recorded as given: every problem with it, as
    ``(field, message)`` pairs, so a form can show them all at once."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems
        self.field = problems[0][0]


def record_declined(session: Session, actor: Actor, person, *, purpose: str, recipient: str = "",
                    reason: str) -> SharingDecision:
    """A practitioner's own decision not to share ``person``'s information for ``purpose``
    (with the organisation that asked, by its code, when there was one), and why: logged
    like every other decision (golden rule 7)."""
    reason = (reason or "").strip()
    problems = []
    if session.scalar(select(Purpose.id).where(Purpose.code == purpose)) is None:
        problems.append(("purpose", "Say which purpose you were asked to share for: one of the catalogue's."))
    asked = None
    if recipient:
        asked = session.execute(select(Organisation.code, Organisation.name).where(
            Organisation.code == recipient, Organisation.id != actor.organisation_id)).first()
        if asked is None:
            problems.append(("recipient", "The organisation that asked must be another organisation in JoinedUp."))
    if not reason:
        problems.append(("reason", "Say why you decided not to share."))
    if problems:
        raise DeclineError(problems)
    named = f"{asked.name} ({asked.code})" if asked else ""
    decision = SharingDecision(
        user_id=actor.user_id, username=actor.username[:120], organisation_id=actor.organisation_id,
        person_id=person.person_id, action="sharing.decline", purpose=purpose[:40], outcome="declined",
        basis=f"Not shared with {named}" if named else "Not shared", reason=reason,
        channel=actor.channel[:20] if actor.channel else "",
    )
    session.add(decision)
    session.flush()
    record_event(session, actor, action="sharing.decline", outcome="success", subject_type="person",
                 subject_id=person.person_id, reason=reason, details={"purpose": purpose, "recipient": named})
    return decision
