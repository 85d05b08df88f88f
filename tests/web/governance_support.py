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

from factories import (
    actor_of,
    organisation,
    person_of,
    source_record,
    source_system,
    user,
)
from sqlalchemy import select

from joinedup.accounts.models import User
from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation
from joinedup.sharing import StatedPurpose, decide_record_access
from joinedup.sharing.break_glass import start_break_glass
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.rules import create_agreement, set_status, sign

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
        council = organisation(session, "LA", "Joinford Council", "local_authority")
        voluntary = organisation(session, "VCS", "Joinford Family Support", "voluntary")
        referrals = source_system(session, "voluntary", "Voluntary referrals", voluntary)
        council_record = session.scalar(select(SourceRecord).where(SourceRecord.local_id == "CSC-001"))
        police_record = session.scalar(select(SourceRecord).where(SourceRecord.local_id == "POL-77"))
        police_record.facts = {"incident_type": "Domestic", "dash_risk": "High", "worker_name": "PC Ray"}
        helped = source_record(session, referrals, "VOL-1", row_hash="vol-1", forename="Jordan", surname="Smith",
                               date_of_birth=date(2011, 3, 14), facts={"need": "Mental health support", "notes": "Low mood"})
        person = person_of(session, PERSON, [council_record.id, police_record.id, helped.id], golden=False,
                           forename="Jordan", surname="Smith", date_of_birth=date(2011, 3, 14))
        user(session, "iris.ig", orgs["CSC"], ["ig_lead"], display_name="Iris Grant", team="Information Governance",
             job_title="Information governance lead")
        user(session, "ada.admin", council, ["admin"], display_name="Ada Admin")
        user(session, "lee.ig", council, ["ig_lead"], display_name="Lee Lane")
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
        sam_actor = actor_of(sam)
        # Sam looks for a safeguarding purpose (the agreement shares), then in an emergency
        # breaks the glass and looks again with no purpose stated.
        decide_record_access(session, sam_actor, [council_record, police_record, helped],
                             purpose=StatedPurpose("safeguarding_child"))
        access = start_break_glass(session, sam_actor, person, reason="Child missing overnight, police involved",
                                   minutes=30)
        decide_record_access(session, sam_actor, [police_record, helped])
        return SharingPlace(PERSON, council_record.id, police_record.id, helped.id, access.id, version.id,
                            orgs["CSC"].id, orgs["POL"].id)
