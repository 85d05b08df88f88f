"""The household view: everyone currently matched to one UPRN, across sources.

Until the person index lands, "everyone" is source records. Each record is put to the
sharing decision (:func:`joinedup.sharing.decide_record_access`, which audits it), and
only what it discloses is returned. Records the viewer may not see are left out without
a trace: that an agency holds a record about someone at an address can itself be
sensitive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from joinedup.audit import Actor, record_event
from joinedup.gazetteer.models import AddressMatch, GazetteerAddress
from joinedup.gazetteer.normalise import canonical_uprn
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import SourceSystem
from joinedup.records import DisclosedRecord
from joinedup.sharing import decide_record_access, disclosed_fields


@dataclass(frozen=True)
class Household:
    """A UPRN's address (its preferred LPI and the other forms) and who is matched to it.

    ``address`` is None when the gazetteer has no such UPRN. ``records`` holds only the
    records the viewer may see, with only the disclosed fields.
    """

    uprn: str
    address: GazetteerAddress | None
    alternatives: list[GazetteerAddress] = field(default_factory=list)
    records: list[DisclosedRecord] = field(default_factory=list)

    @property
    def retired(self) -> bool:
        return self.address is not None and self.address.retired_at is not None


def household_at(session: Session, actor: Actor, uprn: str) -> Household:
    """Everyone currently matched to ``uprn`` whom ``actor`` may see, through the sharing decision."""
    uprn = canonical_uprn(uprn)
    lpis = list(session.scalars(
        select(GazetteerAddress).where(GazetteerAddress.uprn == uprn)
        .order_by(GazetteerAddress.preferred.desc(), GazetteerAddress.id)
    ))
    address = lpis[0] if lpis else None
    records = list(session.scalars(
        select(SourceRecord)
        .join(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .where(AddressMatch.uprn == uprn, AddressMatch.status == "matched")
        .options(selectinload(SourceRecord.source_system).selectinload(SourceSystem.owner))
        .order_by(SourceRecord.surname, SourceRecord.forename, SourceRecord.id)
    ))
    shown: list[DisclosedRecord] = []
    if records:
        decisions = decide_record_access(session, actor, records, action="household.view")
        for record, decision in zip(records, decisions, strict=True):
            if not decision.allowed:
                continue
            fields = disclosed_fields(record, decision)
            shows_source = "source" in fields
            shown.append(DisclosedRecord(
                id=record.id, allowed=True, fields=fields, reason=decision.reason,
                policy_ids=tuple(decision.policy_ids),
                source_name=record.source_system.name if shows_source else None,
                organisation_name=record.source_system.owner.name if shows_source else None,
            ))
    record_event(session, actor, action="household.view", outcome="completed", subject_type="uprn",
                 subject_id=uprn, details={"records": len(records), "shown": len(shown)})
    return Household(uprn=uprn, address=address, alternatives=lpis[1:], records=shown)
