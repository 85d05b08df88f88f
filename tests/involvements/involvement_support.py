"""A small world for the involvement index (the ``world`` fixture is in conftest.py): four organisations with directories, a child
known to the school, children's social care and a domestic-abuse service, and the
practitioners who read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.ingest.mapping import load_mapping
from joinedup.ingest.models import SourceRecord
from joinedup.involvements import index_involvements, load_directory
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing.catalogue import ensure_catalogue

SYSTEM = Actor.system("cli", "involvements-test")
PERSON = "PINVOLVED1"
#: What the domestic-abuse service's involvement holds: none of it may reach another organisation.
SECRETS = ("Domestic Abuse Outreach", "Rowan Secretkeeper", "rowan.secretkeeper@vcs.example", "0306 999 0777")

DIRECTORIES = {
    "CSC": (
        "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
        "Child Protection Team,0306 999 0100,cpt@csc.example,,Ada Lovelace,allocated_social_worker,0306 999 0101,"
        "ada.lovelace@csc.example\n"
        "Child Protection Team,,,,Ben Ng,allocated_social_worker,0306 999 0102,ben.ng@csc.example\n"
    ),
    "EDU": (
        "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
        "Hill Primary School,0306 999 0200,,,Cara Dunn,designated_safeguarding_lead,0306 999 0201,"
        "cara.dunn@hill.example\n"
    ),
    "VCS": (
        "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
        f"{SECRETS[0]},0306 999 0700,,sensitive_services,{SECRETS[1]},voluntary_key_worker,{SECRETS[3]},{SECRETS[2]}\n"
        "Food Bank,0306 999 0710,,,Dev Patel,voluntary_key_worker,0306 999 0711,dev.patel@vcs.example\n"
    ),
    "HSG": (
        "team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
        "Tenancy Sustainment,0306 999 0300,,,Eve Hart,housing_officer,0306 999 0301,eve.hart@hsg.example\n"
    ),
}
SOURCES = {"CSC": "csc", "EDU": "education", "VCS": "voluntary", "HSG": "housing"}


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
        orgs = {code: Organisation(code=code, name=f"Joinford {code}", type="other") for code in SOURCES}
        session.add_all(orgs.values())
        session.flush()
        systems = {code: SourceSystem(code=source, name=f"{code} system", owner_organisation_id=orgs[code].id)
                   for code, source in SOURCES.items()}
        session.add_all(systems.values())
        session.flush()
        rows = {
            "csc": SourceRecord(source_system_id=systems["CSC"].id, local_id="C1", forename="Mia", surname="Stone",
                                date_of_birth=date(2015, 5, 5), row_hash="c1",
                                facts={"worker_team": "Child Protection Team", "worker_email": "Ada.Lovelace@csc.example",
                                       "referral_date": "2025-03-01", "case_closed": ""}),
            "education": SourceRecord(source_system_id=systems["EDU"].id, local_id="E1", forename="Mia",
                                      surname="Stone", date_of_birth=date(2015, 5, 5), row_hash="e1",
                                      facts={"worker_team": "Hill Primary School",
                                             "worker_email": "cara.dunn@hill.example"}),
            "voluntary": SourceRecord(source_system_id=systems["VCS"].id, local_id="V1", forename="Mia",
                                      surname="Stone", date_of_birth=date(2015, 5, 5), row_hash="v1",
                                      facts={"need": "Domestic abuse support", "worker_team": SECRETS[0],
                                             "worker_email": SECRETS[2], "referral_date": "2025-06-01"}),
        }
        session.add_all(rows.values())
        session.flush()
        person = Person(person_id=PERSON, record_count=3, forename="Mia", surname="Stone")
        session.add(person)
        session.flush()
        session.add_all(PersonRecord(source_record_id=row.id, person_id=person.id) for row in rows.values())
        for code, text in DIRECTORIES.items():
            load_directory(session, SYSTEM, code, text)
        for source in ("csc", "education", "voluntary"):
            index_involvements(session, SYSTEM, load_mapping(source), today=date(2026, 1, 1))
        return World(engine, {code: org.id for code, org in orgs.items()},
                     {source: row.id for source, row in rows.items()})
