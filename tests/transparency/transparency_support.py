"""A small world for transparency: one person (Ava) held by children's services and the
police, her brother Tom, and the staff who read her record."""

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
from sqlalchemy.engine import Engine

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.disclosure.core import disclose, load_records
from joinedup.ingest.models import StatedRelationship
from joinedup.involvements import Involvement, Team, Worker

AVA = "PAVA0000001"
TOM = "PTOM0000001"


@dataclass(frozen=True)
class World:
    engine: Engine
    ig_lead: Actor
    social: Actor
    police: Actor
    data_team: Actor
    police_org: str = "POL"
    ava_records: tuple[int, ...] = ()


def build_world(engine: Engine) -> World:
    with transaction(engine) as session:
        csc = organisation(session, "CSC", "Joinford Children's Services", "local_authority")
        pol = organisation(session, "POL", "Joinford Police", "police")
        csc_sys = source_system(session, "csc", "Children's case system", csc)
        pol_sys = source_system(session, "pol", "Police records", pol)
        ava_csc = source_record(session, csc_sys, "C1", forename="Ava", surname="Stone",
                                date_of_birth=date(2015, 4, 1), postcode="JF1 1AA",
                                facts={"notes": "Ava lives with Tom and her mother", "mother_name": "Mary Stone"})
        ava_pol = source_record(session, pol_sys, "P1", forename="Ava", surname="Stone",
                                date_of_birth=date(2015, 4, 1), facts={"incident": "Reported missing; found by Tom"})
        tom = source_record(session, csc_sys, "C2", forename="Tom", surname="Stone", date_of_birth=date(2012, 1, 1))
        session.add(StatedRelationship(source_record_id=ava_csc.id, related_record_id=tom.id, kind="sibling"))
        ava = person_of(session, AVA, [ava_csc.id, ava_pol.id])
        team = Team(organisation_id=csc.id, name="Children in Need Team 2")
        session.add(team)
        session.flush()
        worker = Worker(organisation_id=csc.id, team_id=team.id, name="Wendy Worker", role="allocated_social_worker",
                        secure_email="wendy@csc.example")
        session.add(worker)
        session.flush()
        session.add(Involvement(person_id=ava.id, organisation_id=csc.id, team_id=team.id, worker_id=worker.id,
                                role="allocated_social_worker", contact_route="secure_email",
                                starts_on=date(2025, 1, 6), source="app"))
        person_of(session, TOM, [tom.id])
        iris = user(session, "iris.ig", csc, ["ig_lead"], display_name="Iris Governance")
        sam = user(session, "sam.social", csc, ["practitioner"], display_name="Sam Socialworker")
        pete = user(session, "pete.police", pol, ["practitioner"], display_name="Pete Constable")
        dan = user(session, "dan.data", csc, ["data_team"], display_name="Dan Datateam")
        world = World(engine, actor_of(iris), actor_of(sam), actor_of(pete), actor_of(dan),
                      ava_records=(ava_csc.id, ava_pol.id))
        # Each reads what the rules let them: their own organisation's record; the data team
        # keeps the index (identifying fields only).
        disclose(session, world.social, load_records(session, [ava_csc.id]), action="record.view")
        disclose(session, world.police, load_records(session, [ava_pol.id]), action="record.view")
        disclose(session, world.data_team, load_records(session, world.ava_records), action="person.review")
    return world
