"""A child, the mother and a stranger, for the working context (issue 13 item 4).

Every user works at Children's Social Care (``CSC``). ``SAFE-ISA`` lets the police share
identity, address and police incidents with CSC for safeguarding a child.

- ``PCHILD00001`` (Rory Journey): CSC's own record and a police record.
- ``PMOTHER0001`` (Mia Journey): a police record only, with a domestic-abuse incident. The
  police state that Rory is her child, so she is in Rory's family view, for those who may
  see both police records. Without a purpose CSC may see none of her records.
- ``PSTRANGER01`` (Stan Other): a police record only, related to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from factories import organisation, person_of, source_record, source_system, user

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.ingest.models import StatedRelationship
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "test")
CHILD, MOTHER, STRANGER = "PCHILD00001", "PMOTHER0001", "PSTRANGER01"
INCIDENT = "Domestic incident at home"
PURPOSE = "safeguarding_child"


@dataclass
class FamilyWorld:
    records: dict[str, int]
    persons: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)


def seed_family(engine, *, usernames: tuple[str, ...] = ("sam.social",)) -> FamilyWorld:
    with transaction(engine) as session:
        csc = organisation(session, "CSC", "Joinford Children's Social Care", "childrens_social_care")
        police = organisation(session, "POL", "Joinford Police", "police")
        systems = {"csc": source_system(session, "csc", "Children's case system", csc),
                   "police": source_system(session, "police", "Police records", police)}
        rows = {
            "CSC-1": ("csc", {"forename": "Rory", "surname": "Journey", "date_of_birth": date(2016, 2, 2), "sex": "male",
                                  "postcode": "JU1 1AA", "facts": {"cin_start": "2025-05-03", "case_status": "Open"}}),
            "POL-1": ("police", {"forename": "Rory", "surname": "Journey", "date_of_birth": date(2016, 2, 2),
                                     "postcode": "JU1 1AA", "facts": {"role": "Child present"}}),
            "POL-2": ("police", {"forename": "Mia", "surname": "Journey", "date_of_birth": date(1990, 6, 6),
                                     "postcode": "JU1 1AA", "facts": {"incident_type": INCIDENT, "domestic_abuse": True,
                                                                "incident_date": "2026-11-20"}}),
            "POL-3": ("police", {"forename": "Stan", "surname": "Other", "date_of_birth": date(1970, 7, 7),
                                     "postcode": "JU9 9ZZ", "facts": {"incident_type": "Theft"}}),
        }
        records = {reference: source_record(session, systems[system], reference, **values).id
                   for reference, (system, values) in rows.items()}
        session.add(StatedRelationship(source_record_id=records["POL-1"], related_record_id=records["POL-2"],
                                       kind="child_of"))
        persons = {CHILD: person_of(session, CHILD, [records["CSC-1"], records["POL-1"]]).id,
                   MOTHER: person_of(session, MOTHER, [records["POL-2"]]).id,
                   STRANGER: person_of(session, STRANGER, [records["POL-3"]]).id}
        ensure_catalogue(session, SYSTEM)
        version = create_agreement(
            session, SYSTEM, "SAFE-ISA", "Safeguarding children",
            parties=[{"organisation": code, "provides": True, "receives": True} for code in ("CSC", "POL")],
            datasets={PURPOSE: ["identity", "address_history", "police_incidents"]},
            lawful_basis={"article6": ["6(1)(e) public task"], "gateways": ["Children Act 2004 s11"]},
            consent_required=False, safeguarding_overrides=True,
        )
        for code in ("CSC", "POL"):
            sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
        set_status(session, SYSTEM, version, "active")
        world = FamilyWorld(records, persons)
        for username in usernames:
            world.users[username] = user(session, username, csc, ["practitioner"]).id
    return world
