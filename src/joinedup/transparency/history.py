"""Who has seen my record: every access to and disclosure of one person, in plain words.

Read from the log (the decision log's rows and the audit events about the person, which
name people by internal ids only) and from the traces of the system's own processing (a
record received, linked, its address matched). Each entry says when, which organisation,
in what role, what was done and why. Three rules shape what is shown:

- **Staff names** are replaced by role and organisation; the IG lead may show them, an
  explicit act with its reason, itself audited (:data:`TRANSPARENCY_NAMES_REVEAL`).
- **The system's own processing** is listed, explained, never hidden.
- **A hold** (:mod:`joinedup.transparency.holds`) keeps an organisation's entries back
  until its day; the report tells the IG lead of it, never the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from joinedup.accounts import RolesHeld, roles_held
from joinedup.audit import Actor, AuditEvent, record_event
from joinedup.disclosure.governance import person_names
from joinedup.errors import NotFound, Refusal
from joinedup.gazetteer.models import AddressMatch
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import LinkRun, Person, PersonRecord
from joinedup.permissions import TRANSPARENCY_NAMES_REVEAL, TRANSPARENCY_REPORT_VIEW
from joinedup.sharing.log import decision_bases
from joinedup.sharing.models import Purpose, SharingDecision, SharingDecisionRecord
from joinedup.sharing.policy import ADDRESS_ACTIONS, LINKAGE_ACTIONS
from joinedup.transparency.authority import check_ig_lead
from joinedup.transparency.holds import HoldShown, holds_of

#: What each kind of read did, in the person's words.
READS = {
    "record.view": "Looked at your record",
    "record.search": "Found your record in a search",
    "person.view": "Looked at your record",
    "household.view": "Looked at who lives at your address",
    "sharing.preview": "Checked what a partner organisation would see of your record",
    "subject_access.export": "Copied your records for your subject access request",
    "involvement.view": "Looked at who is working with you",
}
#: What a decision's rows count, when not records: (one, several).
COUNTED = {"involvement.view": ("involvement", "involvements")}
#: The system's processing, explained so that it does not alarm.
PROCESSING = {
    "person.review": ("Checked which records are about you, so that agencies find the right person. Only your "
                      "name, date of birth, address and reference numbers were read, never what an agency "
                      "recorded about you."),
    "person.export": ("Exported the index of people for checking its quality: identifying details only, never "
                      "what an agency recorded about you."),
    "address.review": ("Checked your address against the council's address list: your address only."),
    "address.report": "Counted addresses for a data quality report: your address only.",
    "address.export": "Exported addresses for checking their quality: your address only.",
}
#: Acts about the person, from the audit events, in the person's words.
EVENTS = {
    "sharing.break_glass.start": "Opened your record in an emergency (break-glass); this is always reviewed",
    "sharing.consent.record": "Recorded your decision about consent",
    "sharing.purpose.state": "Said why they needed to look at your record",
    "linkage.person.merge": "Corrected the index: two entries for you were made one",
    "linkage.person.split": "Corrected the index: a record that was not yours was taken out",
    "involvement.record": "Recorded that they are working with you",
    "subject_access.record": "Received your request for a copy of your information",
    "subject_access.download": "Prepared a copy of your information for you",
}
KINDS = {"access": "Looked at", "disclosure": "Shared", "refusal": "Refused", "declined": "Decided not to share",
         "system": "System processing", "governance": "Handling your request"}
#: The report's lines that are entries of the tamper-evident log, by their source's table.
LOGGED = ("sharing_decisions:", "audit_events:")
STAFF = "A member of staff"
SYSTEM = "JoinedUp (automatic processing)"
REASON_MAX = 2000


@dataclass(frozen=True)
class AccessEntry:
    """One line of the report. ``staff`` is the name, empty unless names are shown;
    ``organisation_id`` is kept for the holds, ``source`` says which log row it is."""

    at: datetime
    kind: str
    what: str
    organisation: str
    role: str
    purpose: str = ""
    staff: str = ""
    organisation_id: int | None = None
    source: str = ""

    @property
    def who(self) -> str:
        """Who, as the report shows them: a role at an organisation, or a name too."""
        if self.kind == "system":
            return SYSTEM if not self.organisation else f"{SYSTEM}, for {self.organisation}"
        at = f" at {self.organisation}" if self.organisation else ""
        return f"{self.staff}, {self.role}{at}" if self.staff else f"{self.role}{at}"

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]

    @property
    def has_receipt(self) -> bool:
        """Whether the line is an entry of the tamper-evident log (a decision or an audit
        event), which a receipt can prove; the system's processing lines are not."""
        return self.source.startswith(LOGGED)


@dataclass(frozen=True)
class AccessReport:
    """The report for one person: the entries shown, newest first, and (for the IG lead
    only, never printed for the person) the holds in force and how many entries each
    keeps back."""

    person_id: str
    name: str
    entries: tuple[AccessEntry, ...]
    holds: tuple[HoldShown, ...]
    names_shown: bool
    made_on: date


def access_report(session: Session, actor: Actor, person_id: str, *, show_names_because: str | None = None,
                  today: date | None = None, audit: bool = True) -> AccessReport:
    """The 'who has seen my record' report of ``person_id``, audited. Staff names are shown
    only when ``show_names_because`` gives the reason (recorded with the act)."""
    check_ig_lead(actor, TRANSPARENCY_REPORT_VIEW.refusal)
    today = today or date.today()
    person = session.scalar(select(Person).where(Person.person_id == person_id.strip().upper()))
    if person is None:
        raise NotFound("There is no person with this id.", "person_id")
    reveal = show_names_because is not None
    if reveal:
        show_names_because = show_names_because.strip()
        if not show_names_because:
            raise Refusal("Say why the staff names are needed.", "reason")
        if len(show_names_because) > REASON_MAX:
            raise Refusal(f"The reason must be {REASON_MAX:,} characters or fewer.", "reason")
    ids = _person_ids(session, person)
    entries = sorted(history(session, person, ids), key=lambda entry: (entry.at, entry.source), reverse=True)
    holds = holds_of(session, ids, today)
    kept, held = [], {hold.id: 0 for hold in holds}
    for entry in entries:
        hold = next((hold for hold in holds if hold.holds(entry)), None)
        if hold is None:
            kept.append(entry)
        else:
            held[hold.id] += 1
    if not reveal:
        kept = [replace(entry, staff="") for entry in kept]
    if audit:
        details = {"entries": len(kept), "held": sum(held.values())}
        if reveal:
            record_event(session, actor, action=TRANSPARENCY_NAMES_REVEAL, outcome="success", subject_type="person",
                         subject_id=person.person_id, reason=show_names_because, details=details)
        else:
            record_event(session, actor, action=TRANSPARENCY_REPORT_VIEW, outcome="success", subject_type="person",
                         subject_id=person.person_id, details=details)
    name = person_names(session, {person.person_id}).get(person.person_id, "")
    return AccessReport(person.person_id, name, tuple(kept),
                        tuple(replace(hold, entries_held=held[hold.id]) for hold in holds), reveal, today)


def _person_ids(session: Session, person: Person) -> list[str]:
    """The person's public id and those of persons merged into them: the log keeps the id
    a person had when the entry was written."""
    return [person.person_id, *session.scalars(select(Person.person_id)
                                               .where(Person.superseded_by == person.person_id))]


def history(session: Session, person: Person, ids: list[str]) -> list[AccessEntry]:
    """Every entry about the person, with staff names: the caller hides them.

    A decision about records belongs to whoever holds one of them now, not to the person
    logged with it: a record read before it was linked (logged with no person) is the
    person's once linked, and one split away takes its entries with it. Only entries that
    name no record (a refusal counting several) go by the person logged."""
    organisations = {row.id: row.name for row in session.execute(select(Organisation.id, Organisation.name))}
    held = select(PersonRecord.source_record_id).where(PersonRecord.person_id == person.id)
    records = set(session.scalars(held))
    found = session.scalars(select(SharingDecision).where(or_(
        SharingDecision.record_id.in_(held),
        SharingDecision.id.in_(select(SharingDecisionRecord.decision_id)
                               .where(SharingDecisionRecord.record_id.in_(held))),
        and_(SharingDecision.record_id.is_(None), SharingDecision.person_id.in_(ids)))))
    # The index finds a decision by its records; the logged entry says which they are.
    decisions = [row for row in found if (records.intersection(row.records) if row.records
                                          else row.person_id in ids)]
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "person", AuditEvent.subject_id.in_(ids), AuditEvent.action.in_(EVENTS),
        AuditEvent.outcome.in_(("success", "allowed")))))
    users = roles_held(session, {row.user_id for row in (*decisions, *events) if row.user_id is not None})
    purposes = dict(session.execute(select(Purpose.code, Purpose.name)).all())
    bases = decision_bases(session, decisions)
    entries = [_from_decision(row, bases[row.id], organisations, users, purposes, records) for row in decisions]
    entries += [_from_event(row, organisations, users) for row in events]
    entries += _processing(session, person, organisations)
    return entries


def _who(row, staff: RolesHeld) -> tuple[str, str]:
    """(name, role in words) of whoever wrote ``row``, in the role they held then; a user
    since removed is 'a member of staff'."""
    return staff.names.get(row.user_id, ""), staff.role_name(row.user_id, row.at, STAFF)


def _from_decision(row: SharingDecision, basis: str, organisations: dict, users: RolesHeld, purposes: dict,
                   records: set[int]) -> AccessEntry:
    name, role = _who(row, users)
    organisation = organisations.get(row.organisation_id, "")
    source = organisations.get(row.source_organisation_id, "")
    if row.action in LINKAGE_ACTIONS or row.action in ADDRESS_ACTIONS:
        what = PROCESSING[row.action]
        return AccessEntry(row.at, "system", what, organisation, role, "", name, row.organisation_id,
                           f"sharing_decisions:{row.id}")
    read = READS.get(row.action, "Looked at your record")
    if row.outcome == "declined":
        kind, what = "declined", f"Decided not to share your information. {basis}".strip()
    elif row.outcome == "withheld":
        kind = "refusal"
        one, several = COUNTED.get(row.action, ("record", "records"))
        what = (f"{read}: {row.record_count} {one if row.record_count == 1 else several} not shown, "
                "because no rule allowed it")
    else:
        own = row.source_organisation_id is not None and row.source_organisation_id == row.organisation_id
        kind = "access" if own else "disclosure"
        from_whom = "their own organisation's" if own else f"{source}'s" if source else "another organisation's"
        # Of the records the row names, those that are the person's now (one may be split away).
        count = len(records.intersection(row.records)) if row.records else row.record_count or 1
        one, several = COUNTED.get(row.action, ("record", "records"))
        shown = ", ".join(field.replace("_", " ").replace("fact:", "") for field in row.fields or [])
        what = (f"{read}: {from_whom} " + (one if count == 1 else f"{count} {several}")
                + (f" ({shown})" if shown else ""))
        if basis:
            what += f". Allowed because: {basis}"
    return AccessEntry(row.at, kind, what, organisation, role, purposes.get(row.purpose, row.purpose or ""), name,
                       row.organisation_id, f"sharing_decisions:{row.id}")


def _from_event(row: AuditEvent, organisations: dict, users: RolesHeld) -> AccessEntry:
    name, role = _who(row, users)
    kind = "governance" if row.action.startswith("subject_access.") else (
        "system" if row.action.startswith("linkage.") else "access")
    return AccessEntry(row.at, kind, EVENTS[row.action], organisations.get(row.organisation_id, ""), role, "",
                       name, row.organisation_id, f"audit_events:{row.id}")


def _processing(session: Session, person: Person, organisations: dict) -> list[AccessEntry]:
    """The system's own work on the person's records: each received from its agency, linked
    into the person, its address matched."""
    rows = session.execute(
        select(SourceRecord.id, SourceRecord.created_at, SourceSystem.name, SourceSystem.owner_organisation_id,
               PersonRecord.run_id)
        .join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
        .where(PersonRecord.person_id == person.id)).all()
    runs = _runs(session, {row.run_id for row in rows if row.run_id is not None})
    matched = dict(session.execute(select(AddressMatch.source_record_id, AddressMatch.matched_at)
                                   .where(AddressMatch.source_record_id.in_([row.id for row in rows]))).all())
    entries = []
    for record_id, created_at, system, owner_id, run_id in rows:
        owner = organisations.get(owner_id, "")
        entries.append(AccessEntry(
            created_at, "system", f"Received your record from {owner or 'an agency'}'s {system}, as that agency "
            "sends its records to JoinedUp under the sharing agreements.", owner, "", "", "", owner_id,
            f"source_records:{record_id}"))
        if run_id in runs:
            entries.append(AccessEntry(runs[run_id], "system", f"Matched your record from {system} with your other "
                                       "records, so that each agency finds the same person.", "", "", "", "", None,
                                       f"person_records:{record_id}"))
        if record_id in matched:
            entries.append(AccessEntry(matched[record_id], "system", f"Matched the address on your record from "
                                       f"{system} to the council's address list.", "", "", "", "", None,
                                       f"address_matches:{record_id}"))
    return entries


def _runs(session: Session, run_ids: Iterable[int]) -> dict[int, datetime]:
    run_ids = set(run_ids)
    if not run_ids:
        return {}
    return {run_id: finished or started for run_id, started, finished in session.execute(
        select(LinkRun.id, LinkRun.started_at, LinkRun.finished_at).where(LinkRun.id.in_(run_ids)))}
