"""The household view: every record currently matched to one UPRN, across sources.

Each record is disclosed (:func:`joinedup.disclosure.core.disclose`, which audits it),
and only what it discloses is returned. Records the viewer may not see are left out
without a trace: that an agency holds a record about someone at an address can itself be
sensitive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import Actor, record_event
from joinedup.disclosure.core import Disclosed, disclose, with_source
from joinedup.gazetteer.models import AddressMatch, GazetteerAddress
from joinedup.gazetteer.normalise import canonical_uprn
from joinedup.ingest.models import SourceRecord


@dataclass(frozen=True)
class HouseholdView:
    """A UPRN's address (its preferred LPI and the other forms) and who is matched to it.

    ``address`` is None when the gazetteer has no such UPRN. ``records`` holds only the
    records the viewer may see, with only the disclosed fields.
    """

    uprn: str
    address: GazetteerAddress | None
    alternatives: list[GazetteerAddress] = field(default_factory=list)
    records: list[Disclosed] = field(default_factory=list)

    @property
    def retired(self) -> bool:
        return self.address is not None and self.address.retired_at is not None


def household_at(session: Session, actor: Actor, uprn: str) -> HouseholdView:
    """Everyone currently matched to ``uprn`` whom ``actor`` may see, through the sharing decision."""
    uprn = canonical_uprn(uprn)
    lpis = list(session.scalars(
        select(GazetteerAddress).where(GazetteerAddress.uprn == uprn)
        .order_by(GazetteerAddress.preferred.desc(), GazetteerAddress.id)
    ))
    address = lpis[0] if lpis else None
    records = list(session.scalars(with_source(
        select(SourceRecord)
        .join(AddressMatch, AddressMatch.source_record_id == SourceRecord.id)
        .where(AddressMatch.uprn == uprn, AddressMatch.status == "matched")
        .order_by(SourceRecord.surname, SourceRecord.forename, SourceRecord.id)
    )))
    shown = [found for found in disclose(session, actor, records, action="household.view") if found.allowed]
    record_event(session, actor, action="household.view", outcome="completed", subject_type="uprn",
                 subject_id=uprn, details={"records": len(records), "shown": len(shown)})
    return HouseholdView(uprn=uprn, address=address, alternatives=lpis[1:], records=shown)
