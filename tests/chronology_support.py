"""A small world for the chronology (the ``world`` fixture is in conftest.py): a child and
her mother, known to children's social care, the school, the police, housing and a
domestic-abuse service, related by their tenancy; an agreement for safeguarding a child.

Each dated fact has a marker so that a test can say which events show and which never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from factories import organisation, person_of, source_record, source_system
from sqlalchemy import select

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.flags.models import Flag
from joinedup.ingest.models import StatedRelationship
from joinedup.involvements import load_directory
from joinedup.involvements.models import Involvement, Team, Worker
from joinedup.people.models import Person
from joinedup.sharing import StatedPurpose
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "chronology-test")
CHILD, MOTHER = "PCHILD0001", "PMOTHER001"
SAFEGUARDING = StatedPurpose("safeguarding_child", False, "")
#: What the domestic-abuse service holds: none of it may reach anyone outside it.
SECRETS = ("Domestic abuse support", "Safe house since May", "Domestic Abuse Outreach", "Rowan Secretkeeper")

ORGANISATIONS = (("CSC", "Children's Social Care", "childrens_social_care"), ("POL", "Joinford Police", "police"),
                 ("EDU", "Hill Primary School", "education"), ("HSG", "Joinford Homes", "housing"),
                 ("VCS", "Family Support Network", "voluntary"))
SYSTEMS = {"csc": "CSC", "police": "POL", "education": "EDU", "housing": "HSG", "voluntary": "VCS"}
DIRECTORIES = {
    "CSC": ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
            "Child Protection Team,0306 999 0100,cpt@csc.example,,Ada Lovelace,allocated_social_worker,"
            "0306 999 0101,ada.lovelace@csc.example\n"),
    "VCS": ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
            f"{SECRETS[2]},0306 999 0700,,sensitive_services,{SECRETS[3]},voluntary_key_worker,0306 999 0701,"
            "rowan@vcs.example\n"),
}
BORN = {CHILD: date(2015, 5, 5), MOTHER: date(1990, 1, 1)}
NAMES = {CHILD: ("Mia", "Stone"), MOTHER: ("Lou", "Stone")}
#: reference → (system, person, facts)
RECORDS = {
    "C1": ("csc", CHILD, {"referral_date": "2025-01-10", "referral_reason": "Abuse or neglect",
                          "referral_source": "Police", "cin_start": "2025-02-01", "cp_start": "2025-03-15",
                          "cp_category": "Neglect", "worker_name": "Ada Lovelace"}),
    "E1": ("education", CHILD, {"last_exclusion_date": "2025-04-02", "exclusions": 2,
                                "school_name": "Hill Primary School"}),
    "V1": ("voluntary", CHILD, {"need": SECRETS[0], "notes": SECRETS[1], "referral_date": "2025-05-05"}),
    "H2": ("housing", CHILD, {"tenancy_start": "2019-06-01", "relationship": "Daughter"}),
    "P1": ("police", MOTHER, {"incident_date": "2025-03-01", "incident_type": "DOMESTIC ABUSE",
                              "domestic_abuse": True, "role": "VICTIM", "dash_risk": "HIGH"}),
    "P2": ("police", MOTHER, {"incident_date": "2025-05-20", "incident_type": "MISSING PERSON",
                              "role": "MISSING PERSON"}),
    "H1": ("housing", MOTHER, {"tenancy_start": "2019-06-01", "relationship": "Lead tenant", "arrears": 136.0,
                               "arrears_as_of": "2025-06-30", "tenancy_type": "Secure"}),
}


@dataclass
class World:
    engine: object
    orgs: dict[str, int]
    records: dict[str, int]

    def actor(self, org: str, *roles: str) -> Actor:
        return Actor(user_id=None, username=f"{org.lower()}.{'.'.join(roles)}", organisation_id=self.orgs[org],
                     roles=frozenset(roles), channel="test")


def build_world(engine) -> World:
    with transaction(engine) as session:
        ensure_catalogue(session, SYSTEM)
        orgs = {code: organisation(session, code, name, kind) for code, name, kind in ORGANISATIONS}
        systems = {code: source_system(session, code, f"{orgs[owner].name} records", orgs[owner])
                   for code, owner in SYSTEMS.items()}
        records = {}
        for reference, (system, person, facts) in RECORDS.items():
            forename, surname = NAMES[person]
            records[reference] = source_record(session, systems[system], reference, forename=forename,
                                               surname=surname, date_of_birth=BORN[person], facts=facts).id
        persons = {person: person_of(session, person, [records[ref] for ref, (_s, owner, _f) in RECORDS.items()
                                                       if owner == person]) for person in (CHILD, MOTHER)}
        session.add(StatedRelationship(source_record_id=records["H2"], related_record_id=records["H1"],
                                       kind="child_of"))
        version = create_agreement(
            session, SYSTEM, "SAFE-ISA", "Safeguarding",
            parties=[{"organisation": code, "provides": True, "receives": True} for code in orgs],
            datasets={"safeguarding_child": ["identity", "social_care_status", "police_incidents", "education",
                                             "housing"]},
            lawful_basis={"article6": ["6(1)(e) public task"]}, consent_required=False, safeguarding_overrides=True,
        )
        for code in orgs:
            sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
        set_status(session, SYSTEM, version, "active")
        for code, text in DIRECTORIES.items():
            load_directory(session, SYSTEM, code, text)
        child = persons[CHILD]
        for code, role, starts, ends in (("CSC", "allocated_social_worker", date(2025, 2, 3), date(2025, 9, 1)),
                                         ("VCS", "voluntary_key_worker", date(2025, 5, 6), None)):
            team = session.scalar(select(Team).where(Team.organisation_id == orgs[code].id))
            worker = session.scalar(select(Worker).where(Worker.team_id == team.id))
            session.add(Involvement(person_id=child.id, organisation_id=orgs[code].id, team_id=team.id,
                                    worker_id=worker.id, role=role, contact_route="phone", starts_on=starts,
                                    ends_on=ends, status="ended" if ends else "current", source="recorded",
                                    recorded_by="test", note=""))
        return World(engine, {code: org.id for code, org in orgs.items()}, records)


def allocate_and_flag(session, world: World, *, flag_starts: date) -> None:
    """The child's current allocated social worker (the directory's Ada Lovelace, since
    2 September 2025) and a current child-protection plan from her CSC record."""
    csc = world.orgs["CSC"]
    team = session.scalar(select(Team).where(Team.organisation_id == csc))
    worker = session.scalar(select(Worker).where(Worker.team_id == team.id))
    child = session.scalar(select(Person).where(Person.person_id == CHILD))
    session.add(Involvement(person_id=child.id, organisation_id=csc, team_id=team.id, worker_id=worker.id,
                            role="allocated_social_worker", contact_route="phone", starts_on=date(2025, 9, 2),
                            status="current", source="recorded", recorded_by="test", note=""))
    session.add(Flag(source_record_id=world.records["C1"], type="child_protection_plan",
                     category="social_care_status", organisation_id=csc, team_id=team.id,
                     starts_on=flag_starts, status="current", source="extract:csc"))
