"""A small governed-sharing world for the practitioner tests: partners, an agreement,
persons in every relation to a social worker's organisation, and a user of each demo role.

Every user works at Children's Social Care (``CSC``), so that each person below stands
in one relation to all of them:

- ``PSAME000001`` (Ava Own): CSC's own record and a police record. *Own caseload*.
- ``PPARTNER001`` (Ben Partner): a police record only. *A partner under an agreement*:
  ``SAFE-ISA`` lets the police share identity, police incidents and who is working with
  the person with CSC for safeguarding a child.
- ``PNONE000001`` (Cal Nobody): a housing record only. *No relation*: housing is party to no
  agreement.
- ``PSHIELD0001`` (Dee Shield): a police record and a voluntary-sector mental health record.
  *A shielded sensitive service*: for early help the police record is shared, the
  voluntary one is shielded.
- ``PWITHDRAWN1`` (Eve Withdrawn): a police record, and the person withdrew consent.

Each record carries marker values (:data:`MARKERS`) so that a test can say which fields
a response shows and which it must not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from factories import organisation, person_of, source_record, source_system, user

from joinedup.audit import Actor
from joinedup.db import transaction
from joinedup.demo import DEMO_USERS
from joinedup.people.models import LinkRun, Person
from joinedup.sharing.catalogue import ensure_catalogue
from joinedup.sharing.consent import record_consent
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "test")

ORGANISATIONS = (
    ("LA", "Joinford Borough Council", "local_authority"),
    ("CSC", "Children's Social Care", "childrens_social_care"),
    ("POL", "Joinford Police", "police"),
    ("VCS", "Family Support Network", "voluntary"),
    ("HSG", "Joinford Homes", "housing"),
)
SYSTEMS = {"csc": ("CSC", "Children's case system"), "police": ("POL", "Police records"),
           "voluntary": ("VCS", "Referrals"), "housing": ("HSG", "Tenancies")}


def demo_role_users() -> dict[str, tuple[str, tuple[str, ...]]]:
    """One demo user per distinct set of roles in the demo: role label → (username, roles)."""
    users: dict[str, tuple[str, tuple[str, ...]]] = {}
    for demo in DEMO_USERS:
        label = "+".join(demo.roles)
        users.setdefault(label, (demo.username, tuple(demo.roles)))
    return users


ROLE_USERS = demo_role_users()

#: The relations of a person to the users' organisation, and the person in each.
RELATIONS = {
    "own": "PSAME000001",
    "partner": "PPARTNER001",
    "none": "PNONE000001",
    "shielded": "PSHIELD0001",
    "withdrawn": "PWITHDRAWN1",
}
#: The purpose each relation's person is looked at for (stated in the web session, or in
#: the API's query), with the relationship where the rules need one.
PURPOSES = {
    "own": None,
    "partner": ("safeguarding_child", ""),
    "none": ("safeguarding_child", ""),
    "shielded": ("early_help", "My team is working with them or their family"),
    "withdrawn": ("safeguarding_child", ""),
}

#: Distinctive values, by what they are, so that tests say what shows and what must not.
MARKERS = {
    "own_name": "Ava",
    "own_fact": "Neglect",  # CSC's own record: a child-protection category
    "own_police_fact": "Missing episode",  # the police's record of Ava (shared for safeguarding)
    "partner_name": "Ben",
    "partner_incident": "Domestic incident",  # police_incidents: shared for safeguarding a child
    "partner_phone": "07700900200",  # contact: not in the safeguarding dataset
    "partner_warning": "Weapons marker",  # a fact in no category: never shared
    "none_name": "Cal",
    "none_fact": "Rent arrears noted",
    "shield_name": "Dee",
    "shield_police_phone": "07700900400",  # contact: shared for early help
    "shield_service": "Mental health support",  # the sensitive service: never named
    "shield_notes": "Low mood since March",
    "shield_org": "Family Support Network",
    "withdrawn_name": "Eve",
    "withdrawn_incident": "Antisocial behaviour",
}

SAFEGUARDING = ["identity", "police_incidents", "lead_professional"]
EARLY_HELP = ["identity", "contact", "sensitive_services", "voluntary_support"]


@dataclass
class World:
    organisations: dict[str, int]
    records: dict[str, int]  # by agency reference
    persons: dict[str, int]  # public id → primary key
    agreement_version: int
    users: dict[str, str] = field(default_factory=dict)  # role label → username

    def target_record(self, relation: str) -> int:
        """The record of the relation's person that the relation is about."""
        return self.records[{"own": "CSC-100", "partner": "POL-200", "none": "HSG-300", "shielded": "VCS-400",
                             "withdrawn": "POL-500"}[relation]]


RECORDS = {
    # reference: (system, person, fields)
    "CSC-100": ("csc", "PSAME000001", dict(forename="Ava", surname="Own", date_of_birth=date(2012, 1, 1), sex="female",
                                     postcode="JU1 1AA", phone="07700900100",
                                     facts={"cp_category": "Neglect", "worker_name": "Sam Okafor"})),
    "POL-100": ("police", "PSAME000001", dict(forename="Ava", surname="Own", date_of_birth=date(2012, 1, 1),
                                        postcode="JU1 1AA", phone="07700900101",
                                        facts={"incident_type": "Missing episode"})),
    "POL-200": ("police", "PPARTNER001", dict(forename="Ben", surname="Partner", date_of_birth=date(2013, 2, 2),
                                           postcode="JU2 2BB", phone="07700900200", ni_number="AB200000C",
                                           facts={"incident_type": "Domestic incident", "dash_risk": "High",
                                                  "warnings": "Weapons marker", "worker_name": "PC Ray"})),
    "HSG-300": ("housing", "PNONE000001", dict(forename="Cal", surname="Nobody", date_of_birth=date(1990, 3, 3),
                                         postcode="JU3 3CC", phone="07700900300",
                                         facts={"arrears": "Rent arrears noted"})),
    "POL-400": ("police", "PSHIELD0001", dict(forename="Dee", surname="Shield", date_of_birth=date(2010, 4, 4),
                                          postcode="JU4 4DD", phone="07700900400",
                                          facts={"incident_type": "Concern for welfare"})),
    "VCS-400": ("voluntary", "PSHIELD0001", dict(forename="Dee", surname="Shield", date_of_birth=date(2010, 4, 4),
                                             postcode="JU4 4DD",
                                             facts={"need": "Mental health support",
                                                    "notes": "Low mood since March"})),
    "POL-500": ("police", "PWITHDRAWN1", dict(forename="Eve", surname="Withdrawn", date_of_birth=date(2011, 5, 5),
                                             postcode="JU5 5EE", phone="07700900500",
                                             facts={"incident_type": "Antisocial behaviour"})),
}


def seed_sharing(engine, *, users: bool = True) -> World:
    """The world above, with ``SAFE-ISA`` active and Eve's consent withdrawn."""
    with transaction(engine) as session:
        orgs = {code: organisation(session, code, name, kind) for code, name, kind in ORGANISATIONS}
        systems = {code: source_system(session, code, name, orgs[owner]) for code, (owner, name) in SYSTEMS.items()}
        records = {reference: source_record(session, systems[system], reference, **values).id
                   for reference, (system, _person, values) in RECORDS.items()}
        run = LinkRun(status="completed", ran_by="test")
        session.add(run)
        session.flush()
        persons = {}
        for person_id in RELATIONS.values():
            held = [records[reference] for reference, (_s, owner, _v) in RECORDS.items() if owner == person_id]
            persons[person_id] = person_of(session, person_id, held, run_id=run.id).id
        ensure_catalogue(session, SYSTEM)
        version = create_agreement(
            session, SYSTEM, "SAFE-ISA", "Safeguarding and early help",
            parties=[{"organisation": code, "provides": True, "receives": True} for code in ("LA", "CSC", "POL", "VCS")],
            datasets={"safeguarding_child": SAFEGUARDING, "early_help": EARLY_HELP},
            lawful_basis={"article6": ["6(1)(e) public task"], "gateways": ["Children Act 2004 s11"]},
            consent_required=False, safeguarding_overrides=True,
        )
        for code in ("LA", "CSC", "POL", "VCS"):
            sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
        set_status(session, SYSTEM, version, "active")
        withdrawn = session.get(Person, persons["PWITHDRAWN1"])
        record_consent(session, SYSTEM, withdrawn, decision="withdrawn", form="written",
                       evidence="Letter from Eve's parent", given_by="parent_carer", given_by_name="Eve's parent",
                       parental_responsibility=True)
        world = World({code: org.id for code, org in orgs.items()}, records, persons, version.id)
        if users:
            for label, (username, roles) in ROLE_USERS.items():
                user(session, username, orgs["CSC"], roles, email=f"{username}@example.org")
                world.users[label] = username
    return world
