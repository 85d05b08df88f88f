"""The audit trail: every access decision and every security-relevant event, appended.

Call :func:`record_event` (or :func:`record_events` for a batch) inside the same
transaction as the work it describes, so that the work and its record stand or fall
together.

The trail is tamper-evident (docs/audit.md): its entries, and those of every table
registered in :mod:`joinedup.audit.entries`, are the leaves of a Merkle tree
(:mod:`~joinedup.audit.merkle`), given their places by :mod:`~joinedup.audit.sequencer`,
signed in checkpoints (:mod:`~joinedup.audit.checkpoints`, :mod:`~joinedup.audit.log`)
and checked by :mod:`~joinedup.audit.verify`.
"""

from joinedup.audit.events import Actor, record_event, record_events
from joinedup.audit.models import AuditEvent

__all__ = ["Actor", "AuditEvent", "record_event", "record_events"]
