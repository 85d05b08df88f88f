"""The governed-sharing place for the IG lead's pages (tests/web/test_sharing_pages.py and
tests/e2e/test_sharing_admin.py): the web place (tests/web/web_support.py) plus a council,
a voluntary group with a sensitive-service record, one person linking the three agencies'
records of Jordan Smith, the starting catalogue, an active agreement between the
children's services, the police and the voluntary group, IG leads and an administrator,
and a break-glass access with what was seen under it.

Jordan Smith (person ``PJORDAN0001``) is known to Children's Social Care (CSC-001), the
police (POL-77, an incident) and the voluntary group (VOL-1, mental health support: a
sensitive service). iris.ig is the IG lead of Children's Social Care, whose social worker
sam.social broke the glass; lee.ig is the council's IG lead; ada.admin an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from joinedup.accounts import create_user
from joinedup.accounts.models import User
from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing import StatedPurpose, decide_record_access
from joinedup.sharing.break_glass import start_break_glass
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.rules import create_agreement, set_status, sign

PASSWORD = "correct horse battery"
PERSON = "PJORDAN0001"
IG_ACTOR = Actor(username="iris.ig", roles=frozenset({"ig_lead"}), channel="web")


@dataclass
class SharingPlace:
    person: str
    council_record: int
    police_record: int
    voluntary_record: int
    break_glass: int
    version_id: int
    council_org: int
    police_org: int


def seed_governance(engine) -> SharingPlace:
    """Add the sharing place to a database that :func:`web_support.seed` seeded."""
    with transaction(engine) as session:
        orgs = {org.code: org for org in session.scalars(select(Organisation))}
        council = Organisation(code="LA", name="Joinford Council", type="local_authority")
        voluntary = Organisation(code="VCS", name="Joinford Family Support", type="voluntary")
        session.add_all([council, voluntary])
        session.flush()
        referrals = SourceSystem(code="voluntary", name="Voluntary referrals", owner_organisation_id=voluntary.id)
        session.add(referrals)
        session.flush()
        council_record = session.scalar(select(SourceRecord).where(SourceRecord.local_id == "CSC-001"))
        police_record = session.scalar(select(SourceRecord).where(SourceRecord.local_id == "POL-77"))
        police_record.facts = {"incident_type": "Domestic", "dash_risk": "High", "worker_name": "PC Ray"}
        helped = SourceRecord(source_system_id=referrals.id, local_id="VOL-1", forename="Jordan", surname="Smith",
                              date_of_birth=date(2011, 3, 14), row_hash="vol-1",
                              facts={"need": "Mental health support", "notes": "Low mood"})
        session.add(helped)
        person = Person(person_id=PERSON, forename="Jordan", surname="Smith", date_of_birth=date(2011, 3, 14),
                        golden={}, record_count=3)
        session.add(person)
        session.flush()
        session.add_all([PersonRecord(source_record_id=record.id, person_id=person.id)
                         for record in (council_record, police_record, helped)])
        create_user(session, username="iris.ig", password=PASSWORD, display_name="Iris Grant",
                    organisation=orgs["CSC"], team="Information Governance",
                    job_title="Information governance lead", roles=["ig_lead"])
        create_user(session, username="ada.admin", password=PASSWORD, display_name="Ada Admin",
                    organisation=council, roles=["admin"])
        create_user(session, username="lee.ig", password=PASSWORD, display_name="Lee Lane", organisation=council,
                    roles=["ig_lead"])
        ensure_catalogue(session, IG_ACTOR)
        version = create_agreement(
            session, IG_ACTOR, "JSCP-ISA", "Safeguarding children partnership agreement",
            parties=[{"organisation": code, "provides": True, "receives": True} for code in ("CSC", "POL", "VCS")],
            datasets={"safeguarding_child": ["identity", "police_incidents", "sensitive_services"],
                      "early_help": ["identity", "address_history"]},
            lawful_basis={"article6": ["6(1)(e) public task"], "article9": ["9(2)(g) substantial public interest"],
                          "gateways": ["Children Act 2004 s11"]},
            consent_required=False, safeguarding_overrides=True, retention="Until the child is 25",
            starts_on=date(2024, 4, 1), review_on=date(2030, 3, 31),
        )
        for code in ("CSC", "POL", "VCS"):
            sign(session, IG_ACTOR, version, organisation=code, name=f"Caldicott guardian {code}",
                 signed_on=date(2024, 3, 1))
        set_status(session, IG_ACTOR, version, "active")
        sam = session.scalar(select(User).where(User.username == "sam.social"))
        sam_actor = Actor(user_id=sam.id, username=sam.username, organisation_id=sam.organisation_id,
                          roles=frozenset(sam.roles), channel="web")
        # Sam looks for a safeguarding purpose (the agreement shares), then in an emergency
        # breaks the glass and looks again with no purpose stated.
        decide_record_access(session, sam_actor, [council_record, police_record, helped],
                             purpose=StatedPurpose("safeguarding_child"))
        access = start_break_glass(session, sam_actor, person, reason="Child missing overnight, police involved",
                                   minutes=30)
        decide_record_access(session, sam_actor, [police_record, helped])
        return SharingPlace(PERSON, council_record.id, police_record.id, helped.id, access.id, version.id,
                            orgs["CSC"].id, orgs["POL"].id)
