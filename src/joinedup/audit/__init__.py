"""The audit trail: every access decision and every security-relevant event, appended.

Call :func:`record_event` (or :func:`record_events` for a batch) inside the same
transaction as the work it describes, so that the work and its record stand or fall
together.
"""

from joinedup.audit.events import Actor, record_event, record_events
from joinedup.audit.models import AuditEvent

__all__ = ["Actor", "AuditEvent", "record_event", "record_events"]
