"""A receipt for one line of a person's access report: the entry as the log holds it, its
place, and the proof that puts it under the latest signed checkpoint. The person (or
anyone they hand it to) checks it with nothing but the log's public key
(``joinedup audit check-receipt``), so a line of the report can be shown to be in the
log the partners keep checkpoints of, and unchanged since (docs/audit.md, Receipts).

Only a line the IG lead can see on the report gets one: a receipt holds the entry itself
(ids and usernames), so it is made for the person it concerns, and the act is audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.audit.checkpoints import Verifier
from joinedup.audit.log import LogError, make_receipt
from joinedup.errors import Conflict, NotFound
from joinedup.permissions import TRANSPARENCY_RECEIPT
from joinedup.transparency.authority import check_ig_lead
from joinedup.transparency.history import access_report


def entry_receipt(session: Session, actor: Actor, person_id: str, entry: str, verifier: Verifier) -> str:
    """The receipt (JSON text) of ``entry`` (``table:id``, as the report's line names it)
    on ``person_id``'s report, as the IG lead sees it now (entries under a hold have none)."""
    check_ig_lead(actor, TRANSPARENCY_RECEIPT.refusal)
    report = access_report(session, actor, person_id, audit=False)
    if entry not in {line.source for line in report.entries if line.has_receipt}:
        raise NotFound("This entry is not on the person's report, or is not one the log keeps.", "entry")
    try:
        text = make_receipt(session.connection(), verifier, entry)
    except LogError as exc:
        raise Conflict(f"No receipt can be made for this entry yet: {exc}.", "entry") from exc
    record_event(session, actor, action=TRANSPARENCY_RECEIPT.name, outcome="success", subject_type="person",
                 subject_id=report.person_id, details={"entry": entry})
    return text
