"""Everything held about one person, for their subject access request: read, decided, audited,
and with what is about other people taken out before it leaves this layer.

The person's records go to the policy point under ``subject_access.export`` (the
``subject-access`` rule: every field, for the IG lead handling an open request; the caller
says whether it is open), one audited request. The rest (the golden record, the links, the
relationships the agencies stated, consents, the decision log's rows) is read here for the
same request. **Third parties are redacted here**: the names of the people the records
relate to (household members, relatives, the people at the same address), any fact whose
key says it is about someone else, and the names of staff (a role and an organisation
instead). So another person's details never reach the export, the page or the PDF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from joinedup.accounts import RolesHeld, roles_held
from joinedup.audit import Actor
from joinedup.disclosure.core import disclose, load_records
from joinedup.ingest.models import SourceRecord, StatedRelationship
from joinedup.partners.models import Organisation
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing.log import decision_bases
from joinedup.sharing.models import ConsentRecord, SharingDecision

ACTION = "subject_access.export"
ANOTHER_PERSON = "[another person]"
ABOUT_ANOTHER = "[removed: about another person]"
#: A fact whose key says it is about someone else is removed whole.
THIRD_PARTY_KEYS = re.compile(r"mother|father|parent_name|carer_name|sibling|partner_name|perpetrator|alleged|"
                              r"victim|referrer|informant|other_person|contact_name|household_member|witness")


@dataclass(frozen=True)
class HeldAbout:
    """What is held about the person, third parties redacted. Each list holds plain dicts,
    as the export writes them."""

    person_id: str
    golden: dict[str, Any]
    records: list[dict[str, Any]]
    withheld: int
    links: list[dict[str, Any]]
    relationships: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    redacted: int


class Redactor:
    """Replaces other people's names in text, and removes facts about them."""

    def __init__(self, names: Iterable[str], own: Iterable[str]) -> None:
        own = {part.lower() for part in own if part}
        words = sorted({name.strip() for name in names if name and len(name.strip()) >= 2
                        and name.strip().lower() not in own}, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")\b",
                                   re.IGNORECASE) if words else None
        self.count = 0

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        redacted, found = self._pattern.subn(ANOTHER_PERSON, value)
        self.count += found
        return redacted

    def value(self, value: Any, key: str = "") -> Any:
        if key and THIRD_PARTY_KEYS.search(key.lower()):
            self.count += 1
            return ABOUT_ANOTHER
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {name: self.value(item, name) for name, item in value.items()}
        return value


def held_about(session: Session, actor: Actor, person: Person, *, request_open: bool) -> HeldAbout:
    """Everything held about ``person`` as the IG lead handling their request may export
    it: their records through the policy point (audited), the rest read for the request,
    every other person's details redacted."""
    links = session.execute(select(PersonRecord.source_record_id, PersonRecord.match_probability)
                            .where(PersonRecord.person_id == person.id).order_by(PersonRecord.source_record_id)).all()
    record_ids = [row[0] for row in links]
    records = load_records(session, record_ids)
    shown = disclose(session, actor, records, action=ACTION, subject_access_open=request_open)
    stated = session.execute(select(StatedRelationship.source_record_id, StatedRelationship.related_record_id,
                                    StatedRelationship.kind)
                             .where(or_(StatedRelationship.source_record_id.in_(record_ids),
                                        StatedRelationship.related_record_id.in_(record_ids)))).all()
    others = {other for source, related, _kind in stated
              for other in (source, related) if other not in set(record_ids)}
    redactor = Redactor(_other_names(session, person, others), (person.forename or "", person.surname or "",
                                                                 *(part for record in records for part in
                                                                   (record.forename, record.surname) if part)))
    own_records = []
    for record in shown:
        if not record.allowed:
            continue
        fields = dict(record.fields)
        if "facts" in fields:
            fields["facts"] = redactor.value(fields.get("facts") or {})
        fields["organisation"] = record.organisation_name
        fields["source_name"] = record.source_name
        own_records.append({"record_id": record.id, **fields})
    mine = set(record_ids)
    relationships = [{"record_id": source if source in mine else related, "kind": kind,
                      "direction": "this record is the related person's" if source in mine else
                      "the related person's record names this person", "other_person": ANOTHER_PERSON}
                     for source, related, kind in stated]
    consents = [{"decision": row.decision, "form": row.form, "purposes": row.purposes,
                 "organisations": row.organisations, "categories": row.categories,
                 "given_by": row.given_by, "given_by_name": redactor.text(row.given_by_name or ""),
                 "evidence": redactor.value(row.evidence or ""), "informed": row.informed,
                 "recorded_at": row.recorded_at.isoformat()}
                for row in session.scalars(select(ConsentRecord).where(ConsentRecord.person_id == person.id)
                                           .order_by(ConsentRecord.id))]
    logged = list(session.scalars(select(SharingDecision).where(SharingDecision.person_id == person.person_id)
                                  .order_by(SharingDecision.at, SharingDecision.id)))
    bases = decision_bases(session, logged)
    staff = roles_held(session, {row.user_id for row in logged if row.user_id is not None})
    organisations = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    decisions = [{"at": row.at.isoformat(), "by": _staff(row, staff, organisations),
                  "action": row.action, "purpose": row.purpose, "outcome": row.outcome, "basis": bases[row.id],
                  "fields": row.fields or [], "records": row.record_count} for row in logged]
    golden = {name: redactor.value(value, name) for name, value in (person.golden or {}).items()}
    return HeldAbout(
        person.person_id, {"person_id": person.person_id, "forename": person.forename, "surname": person.surname,
                           "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
                           "uprn": person.uprn, "golden_record": golden},
        own_records, sum(1 for record in shown if not record.allowed),
        [{"record_id": record_id, "match_probability": probability} for record_id, probability in links],
        relationships, consents, decisions, redactor.count)


def _other_names(session: Session, person: Person, record_ids: set[int]) -> set[str]:
    """The names of the other people: those of the records the person's records relate to,
    and of the persons at the same address. Read to be removed, never returned."""
    names: set[str] = set()
    if record_ids:
        for forename, surname in session.execute(select(SourceRecord.forename, SourceRecord.surname)
                                                 .where(SourceRecord.id.in_(record_ids))):
            names |= _forms(forename, surname)
    if person.uprn:
        for forename, surname in session.execute(select(Person.forename, Person.surname).where(
                Person.uprn == person.uprn, Person.id != person.id, Person.retired_at.is_(None))):
            names |= _forms(forename, surname)
    return names


def _forms(forename: str | None, surname: str | None) -> set[str]:
    """A name as it may be written: whole, and the forename alone (a family shares a surname,
    which stays)."""
    forms = {forename or ""}
    if forename and surname:
        forms.add(f"{forename} {surname}")
    return {form for form in forms if form}


def _staff(row: SharingDecision, staff: RolesHeld, organisations: dict[int, str]) -> str:
    """A role at an organisation, as the user was when they did it: staff are named by
    role, never by name."""
    if row.user_id is None or row.user_id not in staff.current:
        return "A member of staff"
    organisation = organisations.get(row.organisation_id, "a partner organisation")
    return f"{staff.role_name(row.user_id, row.at, 'A member of staff')} at {organisation}"