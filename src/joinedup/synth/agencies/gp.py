"""GP registrations: FHIR R4 Patient resources, one per line (FHIR Bulk Data NDJSON).

Nearly everyone who lives in the town is registered with one of its practices, and so
are some people from over the boundary. The NHS number is an ``identifier`` with the
NHS system, the practice is ``generalPractitioner[0]`` (ODS code and name), and the date
of registration is an extension. People often don't tell their GP when they move, and
some who have moved away are still registered at their old address. A temporary
registration at a second practice appears as a second Patient, often without an NHS
number.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, timedelta

from joinedup.synth.agencies.base import Extract, PlaceContext, Sheet, agency_rng, iso, random_date
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, address_lines, record_person

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
REGISTRATION_DATE_URL = "https://joinedup.example/fhir/StructureDefinition/registration-date"
EXTRACT = Extract(source="gp", file="extracts/gp_patients.ndjson", format="fhir-ndjson")
HABITS = Habits(
    typo=0.008, nickname=0.005, case_noise=0.005, drop_middle_names=0.1, swap_day_month=0.003,
    impossible_dob=0.0005, stale_address=0.15, abbreviate=0.05, missing_postcode=0.005,
    missing_nhs=0.003, bad_nhs=0.002, missing_phone=0.2, missing_email=0.5, duplicate=0.008,
)
MOVED_AWAY_HABITS = dataclasses.replace(HABITS, stale_address=0.7)
EARLIEST_REGISTRATION = date(1990, 1, 1)


def records(hood: Neighbourhood, place: PlaceContext) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    sheet = Sheet(EXTRACT)
    plan = hood.plan
    practices = place.services.nearest_practices(plan.easting, plan.northing)
    for household in hood.households:
        chance = {"town": 0.965, "out": 0.3, "far": 0.55}[household.where]
        habits = MOVED_AWAY_HABITS if household.where == "far" else HABITS
        practice = rng.choices(practices, (70, 20, 10)[: len(practices)])[0]
        for person in household.members:
            if rng.random() >= chance:
                continue
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                recorded = record_person(person, habits, rng)
                extra: tuple[str, ...] = ()
                if copy:
                    extra = ("duplicate",)
                    if recorded.nhs_number and rng.random() < 0.5:
                        recorded.nhs_number = ""
                        extra += ("missing_nhs",)
                where = practice if not copy else rng.choice(practices)
                patient_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                resource = _patient(person, recorded, where, _registered(rng, person), patient_id, habits, rng)
                sheet.add(json.dumps(resource, ensure_ascii=False, separators=(",", ":")), patient_id, "", person, recorded, extra)
    return sheet


def _registered(rng, person) -> date:
    first = person.history[0]
    earliest = max(person.dob + timedelta(days=14), EARLIEST_REGISTRATION)
    if len(person.history) > 1 and first.premises.uprn is None:
        earliest = max(earliest, person.history[1].start)  # registered after moving here
    return random_date(rng, earliest, EXTRACT_DATE - timedelta(days=1))


def _patient(person, recorded, practice, registered: date, patient_id: str, habits: Habits, rng) -> dict:
    lines, _ = address_lines(recorded, habits, rng)
    name: dict = {"use": "official", "family": recorded.surname, "given": [recorded.forename, *recorded.middle_names.split()]}
    if person.age >= 18:
        name["prefix"] = ["Mr"] if person.sex == "male" else [rng.choice(("Mrs", "Ms", "Miss"))]
    resource: dict = {
        "resourceType": "Patient",
        "id": patient_id,
        "meta": {"lastUpdated": f"{iso(random_date(rng, registered, EXTRACT_DATE))}T{rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00Z"},
        "extension": [{"url": REGISTRATION_DATE_URL, "valueDate": iso(registered)}],
    }
    if recorded.nhs_number:
        resource["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": recorded.nhs_number}]
    resource["name"] = [name]
    telecom = []
    if recorded.phone:
        telecom.append({"system": "phone", "value": recorded.phone, "use": "mobile" if recorded.phone.startswith("07") else "home"})
    if recorded.email:
        telecom.append({"system": "email", "value": recorded.email})
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = recorded.sex
    if recorded.dob is not None:
        resource["birthDate"] = iso(recorded.dob)
    address: dict = {"use": "home", "line": lines, "city": recorded.lpi.town}
    if recorded.postcode:
        address["postalCode"] = recorded.postcode
    resource["address"] = [address]
    resource["generalPractitioner"] = [
        {"type": "Organization", "identifier": {"system": ODS_SYSTEM, "value": practice.ods_code}, "display": practice.name}
    ]
    return resource
