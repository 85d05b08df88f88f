"""The subject access export (a zip of JSON and a readable PDF), and the access report's PDF.

The export is made only for an open request: everything held about the person, read
through :mod:`joinedup.disclosure.subject_access` (the records decided by the policy point,
other people's details redacted there), their involvements (staff by role, not name), the
flags held about them (from the agencies' records and recorded in the app), and
their access history as the report gives it to them (names hidden, holds applied). The
download is audited with what it held.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.subject_access import HeldAbout, held_about
from joinedup.documents import PdfReport
from joinedup.errors import Conflict, NotFound
from joinedup.flags import FLAG_TYPES, Flag, legal_status_in_words
from joinedup.involvements.who import every_involvement
from joinedup.partners.roles import INVOLVEMENT_ROLES
from joinedup.people.models import Person, PersonRecord
from joinedup.permissions import SUBJECT_ACCESS_DOWNLOAD
from joinedup.transparency.authority import check_ig_lead
from joinedup.transparency.history import AccessReport, access_report
from joinedup.transparency.models import SubjectAccessRequest
from joinedup.transparency.requests import STATUS_NAMES

#: The files of the zip, in order.
FILES = ("README.txt", "person.json", "source_records.json", "golden_record.json", "links.json",
         "relationships.json", "involvements.json", "flags.json", "consents.json", "sharing_decisions.json",
         "access_history.json", "report.pdf")
README = """Your information held by JoinedUp

This is a copy of everything JoinedUp holds about you, made for your subject access request
{request} received on {received}.

report.pdf             a readable report of all of it
person.json            who the index says you are
source_records.json    each record an agency sent, as it holds it
golden_record.json     the details the index brings together from your records
links.json             which records the index matched to you, and how sure it was
relationships.json     relationships the agencies recorded (the other person is not named)
involvements.json      the organisations and teams working with you
flags.json             the flags agencies hold about you (a child-protection plan, say)
consents.json          your decisions about consent to share
sharing_decisions.json every decision to share your information, or not
access_history.json    who has seen your record: organisation, role, date and purpose

Details about other people (the people you live with or are related to, and the names of
staff) have been taken out: they have the same right to privacy as you.
"""


def _json(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _open_request(session: Session, actor: Actor, request_id: int) -> tuple[SubjectAccessRequest, Person]:
    check_ig_lead(actor, SUBJECT_ACCESS_DOWNLOAD.refusal, "request")
    request = session.get(SubjectAccessRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.", "request")
    if not request.open:
        raise Conflict(f"The request is {STATUS_NAMES[request.status].lower()}: an export is made only while "
                       "it is open.", "request")
    person = session.scalar(select(Person).where(Person.person_id == request.person_id))
    if person is None:
        raise NotFound("The person of this request is no longer in the index.", "request")
    return request, person


def _involvements(session: Session, person: Person) -> list[dict]:
    return [{"organisation": involvement.organisation.name,
             "team": involvement.team.name if involvement.team else None,
             "role": INVOLVEMENT_ROLES.get(involvement.role, involvement.role),
             "starts_on": involvement.starts_on, "ends_on": involvement.ends_on, "status": involvement.status,
             "recorded_from": involvement.source}
            for involvement in every_involvement(session, person)]


def _flags(session: Session, person: Person) -> list[dict]:
    """Every flag held about the person: those an agency's records state (on the records
    the index puts in them) and those recorded in the app for them, or for a person since
    merged into them. Who recorded one is staff, so not named."""
    merged = select(Person.id).where(or_(Person.id == person.id, Person.superseded_by == person.person_id))
    records = select(PersonRecord.source_record_id).where(PersonRecord.person_id == person.id)
    flags = session.scalars(select(Flag).where(or_(Flag.person_id.in_(merged), Flag.source_record_id.in_(records)))
                            .order_by(Flag.starts_on, Flag.id))
    return [{"flag": FLAG_TYPES[flag.type].name if flag.type in FLAG_TYPES else flag.type,
             "legal_status": legal_status_in_words(flag.legal_status or "") or None, "starts_on": flag.starts_on,
             "ends_on": flag.ends_on, "status": flag.status, "organisation": flag.organisation.name,
             "recorded_from": "app" if flag.source == "app" else "the agency's records"}
            for flag in flags]


def _history(report: AccessReport) -> list[dict]:
    return [{"at": entry.at.isoformat(), "kind": entry.kind_name, "who": entry.who, "what": entry.what,
             "purpose": entry.purpose} for entry in report.entries]


def subject_access_export(session: Session, actor: Actor, request_id: int, *,
                          today: date | None = None) -> tuple[str, bytes]:
    """The zip of request ``request_id`` (open only): its file name and its bytes; audited."""
    request, person = _open_request(session, actor, request_id)
    held = held_about(session, actor, person, request_open=True)
    involvements = _involvements(session, person)
    flags = _flags(session, person)
    report = access_report(session, actor, person.person_id, today=today, audit=False)
    history = _history(report)
    pdf = subject_access_pdf(request, held, involvements, report, flags)
    contents = {
        "README.txt": README.format(request=request.id, received=request.received_on.isoformat()).encode("utf-8"),
        "person.json": _json({key: value for key, value in held.golden.items() if key != "golden_record"}),
        "source_records.json": _json(held.records),
        "golden_record.json": _json(held.golden["golden_record"]),
        "links.json": _json(held.links),
        "relationships.json": _json(held.relationships),
        "involvements.json": _json(involvements),
        "flags.json": _json(flags),
        "consents.json": _json(held.consents),
        "sharing_decisions.json": _json(held.decisions),
        "access_history.json": _json(history),
        "report.pdf": pdf,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.writestr(name, contents[name])
    record_event(session, actor, action=SUBJECT_ACCESS_DOWNLOAD, outcome="success", subject_type="person",
                 subject_id=person.person_id,
                 details={"request": request.id, "records": len(held.records), "withheld": held.withheld,
                          "involvements": len(involvements), "flags": len(flags), "entries": len(history),
                          "redacted": held.redacted})
    return f"subject-access-{request.id}-{person.person_id}.zip", buffer.getvalue()


def subject_access_pdf(request: SubjectAccessRequest, held: HeldAbout, involvements: list[dict],
                       report: AccessReport, flags: list[dict]) -> bytes:
    pdf = PdfReport("Your information held by JoinedUp",
                    subtitle=f"Subject access request {request.id}, received {request.received_on:%d %B %Y}",
                    footer=f"Subject access request {request.id}")
    pdf.paragraph("This report shows everything JoinedUp holds about you. Details about other people, and the "
                  "names of staff, have been taken out: they have the same right to privacy as you.")
    pdf.heading("Who the index says you are")
    golden = held.golden
    pdf.summary([("Your JoinedUp id", golden["person_id"]),
                 ("Name", " ".join(part for part in (golden["forename"], golden["surname"]) if part)),
                 ("Date of birth", golden["date_of_birth"] or "Not known")])
    pdf.heading("Records the agencies hold")
    for record in held.records:
        pdf.summary([(name.replace("_", " ").capitalize(), _cell(value)) for name, value in record.items()
                     if value not in (None, "", [], {})])
    if not held.records:
        pdf.paragraph("None.")
    pdf.heading("Relationships the agencies recorded")
    pdf.table(("Record", "Relationship", "Other person"),
              [(row["record_id"], row["kind"], row["other_person"]) for row in held.relationships])
    pdf.heading("Who is working with you")
    pdf.table(("Organisation", "Team", "Role", "From", "To"),
              [(row["organisation"], row["team"] or "", row["role"], row["starts_on"] or "", row["ends_on"] or "")
               for row in involvements])
    pdf.heading("Flags agencies hold about you")
    pdf.table(("Flag", "Organisation", "From", "To"),
              [(row["flag"] + (f" ({row['legal_status']})" if row["legal_status"] else ""), row["organisation"],
                row["starts_on"] or "", row["ends_on"] or "") for row in flags])
    pdf.heading("Your consent decisions")
    pdf.table(("Recorded", "Decision", "Purposes", "Organisations"),
              [(row["recorded_at"][:10], row["decision"], ", ".join(row["purposes"]), ", ".join(row["organisations"]))
               for row in held.consents])
    access_pdf_entries(pdf, report)
    return pdf.to_bytes()


def _cell(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_cell(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def access_pdf_entries(pdf: PdfReport, report: AccessReport) -> None:
    pdf.heading("Who has seen your record")
    pdf.paragraph("Every time someone looked at, shared or decided not to share your information, and every time "
                  "JoinedUp's own processing read it. Staff are shown by their role and organisation.")
    pdf.table(("Date", "Who", "What", "Why"),
              [(f"{entry.at:%d %b %Y %H:%M}", entry.who, entry.what, entry.purpose) for entry in report.entries],
              widths=(2, 3, 6, 2))


def access_report_pdf(report: AccessReport) -> bytes:
    """The person's copy of the report: never the holds, names only if they were shown."""
    pdf = PdfReport("Who has seen your record", subtitle=f"{report.name} ({report.person_id}), "
                    f"made on {report.made_on:%d %B %Y}", footer=f"Access report for {report.person_id}")
    access_pdf_entries(pdf, report)
    return pdf.to_bytes()
