"""The retention job: delete what is past its agreement's retention period, withhold the
log's entries past the log's, and record what it did.

A record *comes under* every agreement (its latest version that is or was in force:
active, suspended or ended) in which its source's owner provides information. It is kept
until the latest of those agreements' periods runs out, so no partner loses what its
agreement still needs; a record under an agreement whose period cannot be read is kept,
and the agreement is listed for the IG lead to reword. A record under no agreement was
never shared: the hub keeps it only as its owner's copy, and the job leaves it alone.

A dry run works out the same plan and records that it was looked at; it changes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event, record_events
from joinedup.audit.withholding import Withholding, plan_withholding, withhold_before
from joinedup.ingest.models import IngestLoad, SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.erasure import Erased, erase_records
from joinedup.people.models import Person, PersonRecord
from joinedup.retention.periods import RetentionPeriod, add_months, read_period
from joinedup.sharing.models import AgreementVersion, SharingAgreement

#: How many records a dry run lists by name (source and local id); the counts cover all.
LISTED = 200


@dataclass(frozen=True)
class Term:
    """An agreement version's retention period, and who provides information under it."""

    agreement: str
    period: RetentionPeriod
    providers: frozenset[str]


@dataclass(frozen=True)
class DueRecord:
    record_id: int
    source: str
    local_id: str
    expired_on: date
    agreement: str


@dataclass
class RetentionPlan:
    today: date
    terms: list[Term]
    due: list[DueRecord] = field(default_factory=list)
    due_count: int = 0
    due_by_source: Counter = field(default_factory=Counter)
    kept_unread: int = 0
    kept_unknown_date: int = 0
    under_no_agreement: int = 0
    log: Withholding | None = None
    erased: Erased | None = None

    @property
    def unread(self) -> list[Term]:
        return [term for term in self.terms if not term.period.read]


def agreement_terms(session: Session) -> list[Term]:
    """Each agreement's latest version that is or was in force, with its period as read."""
    latest: dict[str, AgreementVersion] = {}
    for version, code in session.execute(
            select(AgreementVersion, SharingAgreement.code).join(SharingAgreement)
            .where(AgreementVersion.status != "draft").order_by(AgreementVersion.version)):
        latest[code] = version
    return [Term(f"{code} v{version.version}", read_period(version.retention or ""),
                 frozenset(party["organisation"] for party in version.parties or [] if party.get("provides", True)))
            for code, version in sorted(latest.items())]


def plan_retention(session: Session, *, today: date, log_years: int, ids: bool = False) -> RetentionPlan:
    """What is due on ``today``: records past their period, log entries older than
    ``log_years``. ``ids`` keeps every due record (to delete them), not only the first ones."""
    terms = agreement_terms(session)
    by_owner: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        for code in term.providers:
            by_owner[code].append(term)
    plan = RetentionPlan(today, terms)
    rows = session.execute(
        select(SourceRecord.id, SourceSystem.code, SourceRecord.local_id, Organisation.code,
               IngestLoad.started_at, SourceRecord.updated_at, SourceRecord.date_of_birth, Person.date_of_birth)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .join(Organisation, Organisation.id == SourceSystem.owner_organisation_id)
        .outerjoin(IngestLoad, IngestLoad.id == SourceRecord.last_load_id)
        .outerjoin(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
        .outerjoin(Person, Person.id == PersonRecord.person_id)
        .order_by(SourceRecord.id).execution_options(yield_per=5000))
    for record_id, source, local_id, owner, loaded_at, updated_at, own_birth, person_birth in rows:
        under = by_owner.get(owner)
        if not under:
            plan.under_no_agreement += 1
            continue
        if any(not term.period.read for term in under):
            plan.kept_unread += 1
            continue
        received = (loaded_at or updated_at).date() if (loaded_at or updated_at) else None
        ends = [(term.period.expires(last_received=received, date_of_birth=own_birth or person_birth), term)
                for term in under]
        if any(expiry is None for expiry, _term in ends):
            plan.kept_unknown_date += 1
            continue
        expiry, term = max(ends, key=lambda pair: pair[0])
        if expiry > today:
            continue
        plan.due_count += 1
        plan.due_by_source[source] += 1
        if ids or len(plan.due) < LISTED:
            plan.due.append(DueRecord(record_id, source, local_id, expiry, term.agreement))
    cutoff = datetime.combine(add_months(today, -12 * log_years), time.min, tzinfo=UTC)
    plan.log = plan_withholding(session.connection(), cutoff)
    return plan


def run_retention(session: Session, actor: Actor, *, today: date, log_years: int,
                  dry_run: bool = False) -> RetentionPlan:
    """Plan, and unless ``dry_run`` delete and withhold; every step is recorded, in the
    caller's transaction, so the deletions and their entries stand or fall together."""
    plan = plan_retention(session, today=today, log_years=log_years, ids=not dry_run)
    if not dry_run:
        if plan.due:
            record_events(session, actor, [
                {"action": "retention.erase", "outcome": "success", "subject_type": "source_record",
                 "subject_id": str(due.record_id),
                 "details": {"source": due.source, "agreement": due.agreement, "expired_on": due.expired_on.isoformat()}}
                for due in plan.due])
            plan.erased = erase_records(session, actor, [due.record_id for due in plan.due],
                                        reason="The retention period of the agreements it came under ran out.")
        if plan.log is not None and plan.log.entries:
            plan.log = withhold_before(session, actor, plan.log.before)
    record_event(session, actor, action="retention.run", outcome="success", subject_type="retention",
                 subject_id=today.isoformat(), details={
                     "dry_run": dry_run, "records_due": plan.due_count, "by_source": dict(plan.due_by_source),
                     "kept_unread": plan.kept_unread, "kept_unknown_date": plan.kept_unknown_date,
                     "under_no_agreement": plan.under_no_agreement,
                     "unread_agreements": [term.agreement for term in plan.unread],
                     "log_withheld_below": plan.log.below if plan.log else 0,
                     "log_entries": plan.log.entries if plan.log else 0,
                     "persons_retired": plan.erased.persons_retired if plan.erased else 0})
    return plan
