"""Each agency's directory of its staff: the same practitioners whose names, teams and
contacts the extracts carry, one CSV per organisation (the format of
``joinedup.involvements.directory``), so that every involvement an extract states names a
worker and a team the directory holds."""

from __future__ import annotations

import re

from joinedup.synth.identifiers import office_phone
from joinedup.synth.services import Practitioner, Services

DIRECTORY_COLUMNS = ("team", "team_duty_phone", "team_secure_email", "sensitive_category", "worker", "role", "phone",
                     "secure_email")
#: The voluntary group's teams that are sensitive services (mental health, domestic abuse):
#: their involvements are shielded.
SENSITIVE_TEAMS = {"Wellbeing Hub": "sensitive_services", "Domestic Abuse Outreach": "sensitive_services"}
#: Team duty lines are numbered after the practitioners' direct lines.
DUTY_LINES_FROM = 900


def directory_file(organisation: str) -> str:
    return f"directories/{organisation}.csv"


def directories(services: Services) -> dict[str, list[tuple[str, ...]]]:
    """Organisation code → its directory's rows (teams with their duty lines, then workers)."""
    duty = _DutyLines()
    found = {
        "CSC": _staff(services.social_workers, "allocated_social_worker", "childrens.joinford.example", duty),
        "HSG": _staff(services.housing_officers, "housing_officer", "housing.joinford.example", duty),
        "DWP": _staff(services.work_coaches, "work_coach", "dwp.example", duty),
        "VCS": _staff(services.key_workers, "voluntary_key_worker", "joinford-vcs.example", duty),
        "EDU": [(school.name, duty(school.name), "", "", school.dsl.name, "designated_safeguarding_lead",
                 school.dsl.phone, school.dsl.email) for school in services.schools],
        "NHS": [(practice.name, practice.phone, "", "", "", "", "", "") for practice in services.practices],
    }
    return found


class _DutyLines:
    def __init__(self) -> None:
        self.lines: dict[str, str] = {}

    def __call__(self, team: str) -> str:
        if team not in self.lines:
            self.lines[team] = office_phone(DUTY_LINES_FROM + len(self.lines))
        return self.lines[team]


def _staff(workers: list[Practitioner], role: str, domain: str, duty: _DutyLines) -> list[tuple[str, ...]]:
    return [(worker.team, duty(worker.team), f"{_slug(worker.team)}@{domain}", SENSITIVE_TEAMS.get(worker.team, ""),
             worker.name, role, worker.phone, worker.email) for worker in workers]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")
