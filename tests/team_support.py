"""The team around the family on the chronology's world: the mother and child at one
home, the child's allocated social worker, and the mother's housing officer."""

from __future__ import annotations

from datetime import date

from chronology_support import CHILD, MOTHER, SYSTEM, World, allocate_and_flag
from sqlalchemy import select

from joinedup.involvements import Involvement, Team, Worker, load_directory
from joinedup.people.models import Person

HOME = "100012345678"
HOUSING_DIRECTORY = ("team,team_duty_phone,team_secure_email,sensitive_category,worker,role,phone,secure_email\n"
                     "Tenancy Sustainment,0306 999 0300,tenancy@hsg.example,,Hal Porter,housing_officer,"
                     "0306 999 0301,hal.porter@hsg.example\n"
                     "Tenancy Sustainment,0306 999 0300,tenancy@hsg.example,,Ivy Moss,housing_officer,"
                     "0306 999 0302,ivy.moss@hsg.example\n")


def build_team(session, world: World) -> dict[str, int]:
    """The child's allocated social worker and the mother's housing officer, both at one
    home; returns their involvement ids ("csc", "housing") and the second housing officer's
    worker id ("ivy")."""
    allocate_and_flag(session, world, flag_starts=date(2025, 3, 15))
    load_directory(session, SYSTEM, "HSG", HOUSING_DIRECTORY)
    persons = {person.person_id: person for person in session.scalars(
        select(Person).where(Person.person_id.in_([CHILD, MOTHER])))}
    for person in persons.values():
        person.uprn = HOME
    team = session.scalar(select(Team).where(Team.organisation_id == world.orgs["HSG"]))
    hal, ivy = session.scalars(select(Worker).where(Worker.team_id == team.id).order_by(Worker.name))
    housing = Involvement(person_id=persons[MOTHER].id, organisation_id=world.orgs["HSG"], team_id=team.id,
                          worker_id=hal.id, role="housing_officer", contact_route="phone",
                          starts_on=date(2025, 4, 1), status="current", source="recorded", recorded_by="test",
                          note="")
    session.add(housing)
    session.flush()
    csc = session.scalar(select(Involvement.id).where(Involvement.organisation_id == world.orgs["CSC"],
                                                      Involvement.status == "current"))
    return {"csc": csc, "housing": housing.id, "ivy": ivy.id}
