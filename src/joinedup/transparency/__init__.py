"""Transparency for the person: who has seen their record, and a copy of everything held
about them (docs/transparency.md).

It sits above the capabilities that use shared data (the involvement index), because a
subject access export reports on all of them; it reads personal data only through
:mod:`joinedup.disclosure`.
"""

from joinedup.transparency.export import access_report_pdf, subject_access_export
from joinedup.transparency.history import AccessEntry, AccessReport, access_report
from joinedup.transparency.holds import HoldShown, record_hold
from joinedup.transparency.receipts import entry_receipt
from joinedup.transparency.requests import (
    RequestShown,
    add_months,
    due_on,
    extended_due_on,
    move_request,
    record_request,
    request_shown,
    requests_by_due,
)

__all__ = [
    "AccessEntry", "AccessReport", "HoldShown", "RequestShown", "access_report", "access_report_pdf", "add_months",
    "due_on", "entry_receipt", "extended_due_on", "move_request", "record_hold", "record_request", "request_shown",
    "requests_by_due", "subject_access_export",
]
