"""The chronology as a file to take away: CSV (for a spreadsheet) and PDF (to read and
file). An export holds exactly what the page shows for the same filters, names whose each
event is, and is audited (``chronology.export``) with its format and how many events it
holds: a file leaves the system, so who took what is kept."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.chronology.timeline import Chronology
from joinedup.documents import PdfReport
from joinedup.errors import Forbidden, Refusal
from joinedup.permissions import CHRONOLOGY_EXPORT
from joinedup.spreadsheets import SafeWriter

FORMATS = ("csv", "pdf")
CSV_COLUMNS = ("date", "person_id", "person", "relation", "agency", "category", "event", "detail", "significant",
               "record_id")


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def export_chronology(session: Session, actor: Actor, chronology: Chronology, file_format: str) -> bytes:
    """The chronology (as the actor may see it) as a CSV or PDF file; audited."""
    if not CHRONOLOGY_EXPORT.permits(actor.roles):
        raise Forbidden(CHRONOLOGY_EXPORT.refusal, field="person_id")
    if file_format not in FORMATS:
        raise Refusal(f"Choose a format: {' or '.join(FORMATS)}", field="format")
    if not chronology.allowed:
        raise Forbidden(chronology.reason, field="person_id")
    content = _csv(chronology) if file_format == "csv" else _pdf(chronology, actor)
    record_event(session, actor, action=CHRONOLOGY_EXPORT, outcome="success", subject_type="person",
                 subject_id=chronology.person_id,
                 details={"format": file_format, "family": chronology.family, "events": len(chronology.events),
                          **chronology.filters.as_dict()})
    return content


def _csv(chronology: Chronology) -> bytes:
    handle = io.StringIO()
    writer = SafeWriter(handle)
    writer.writerow(CSV_COLUMNS)
    writer.writerows((event.on.isoformat(), event.person_id, event.person_name, event.relation, event.agency,
                      event.category_name, event.what, event.detail, "yes" if event.significant else "no",
                      event.record_id or "") for event in chronology.events)
    return handle.getvalue().encode("utf-8-sig")


def _pdf(chronology: Chronology, actor: Actor) -> bytes:
    title = f"{'Family chronology' if chronology.family else 'Chronology'}: {chronology.name}"
    report = PdfReport(title, subtitle=f"Person {chronology.person_id}. Exported by {actor.username} on "
                                       f"{_day(date.today())}.",
                       footer="OFFICIAL-SENSITIVE: only what the exporter was allowed to see")
    filters = chronology.filters
    report.summary([
        ("Events", f"{len(chronology.events)} ({chronology.significant} significant)"),
        ("Agencies", ", ".join(filters.agencies) or "All you may see"),
        ("Categories", ", ".join(dict(chronology.categories).get(code, code) for code in filters.categories)
         or "All"),
        ("Significant only", "Yes" if filters.significant_only else "No"),
    ])
    if chronology.family:
        report.heading("Whose events")
        report.table(("Person", "Name", "Relation"),
                     [(person_id, name, relation or "The person") for person_id, name, relation in chronology.members],
                     widths=(1, 2, 2))
    report.paragraph("Only events from records and involvements the exporter may see are here; an event from a "
                     "record they may not see is left out, without a trace. * marks a significant event.")
    report.heading("Events")
    columns = ("Date", *(("Whose",) if chronology.family else ()), "Agency", "Event", "Detail")
    rows = [(_day(event.on), *((event.person_name,) if chronology.family else ()), event.agency,
             ("* " if event.significant else "") + event.what, event.detail) for event in chronology.events]
    report.table(columns, rows, widths=(1.1, *((1.3,) if chronology.family else ()), 1.5, 2.2, 2.2))
    return report.to_bytes()
