"""The authorisation matrix: every route × every demo role × the relation to the record.

:data:`TABLE` says, for every route of the app (pages and API, the IG lead's and the data
team's included), what each demo role gets: the status, and for routes that read a
person's records, which values appear and which must not, for each relation of the person
to the user's organisation (the practice world of tests/web/practice_support.py, and the
persons :func:`_seed` adds):

- ``own``: own caseload (the organisation's own record, and a partner's);
- ``partner``: a partner's record, read for a purpose an agreement covers;
- ``none``: no relation (an organisation party to no agreement);
- ``shielded``: a partner's record and a shielded sensitive service;
- ``withdrawn``: a partner's record, and the person withdrew consent;
- ``not_open``: a partner's record, looked at for a purpose no agreement gives the
  organisation (crime prevention);
- ``glass``: the user's break-glass access (frontline users only) to a person with a
  housing record and a domestic-abuse service's record, with a safeguarding purpose and a
  risk of serious harm stated;
- ``unscoped``: a sensitive service and a consent "given" that names nothing (as kept
  from before consent had to name its scope);
- ``scoped``: a sensitive service and a consent that names its sensitive category.

**The expected cells come from the promises, not from the code.** Each cell names the
promise it checks (:data:`PROMISES`, quoted from the documents: a test fails if a quote is
no longer there). The purposes are stated as a user would: in the web session for the
pages (which refuse a purpose the user may not state), in the query for the API.
``test_every_route_is_in_the_table`` enumerates ``app.routes`` and fails on a route the
table does not have (or one it has that no longer exists). Every cell is requested; every
refusal (403) by a signed-in user must leave a log entry (a denied audit event or a
withheld decision); a refusal never shows a personal value. Cells that would change
something are asked in a way that cannot (an empty form, an object that does not exist),
and the test checks nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from factories import actor_of, person_of, source_record, user
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from practice_support import MARKERS, RELATIONS, ROLE_USERS, SYSTEM, World, seed_sharing
from sqlalchemy import func, select
from starlette.routing import Mount
from web_support import csrf_token, sign_in

from joinedup.accounts import User
from joinedup.audit import Actor, AuditEvent
from joinedup.config import Settings
from joinedup.db import transaction, utcnow
from joinedup.flags import Flag
from joinedup.involvements import Involvement, Team, Worker
from joinedup.ingest.models import IngestLoad
from joinedup.monitoring import MonitoringRules, MonitoringTask, run_monitoring
from joinedup.partners.models import SourceSystem
from joinedup.people.models import LinkRun, Person
from joinedup.sharing.break_glass import start_break_glass
from joinedup.sharing.consent import record_consent
from joinedup.sharing.models import (
    AgreementVersion,
    BreakGlass,
    ConsentRecord,
    DataCategory,
    Purpose,
    SharingDecision,
    TrainingSample,
)
from joinedup.web import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs"

# --------------------------------------------------------------------------- the promises

#: What each cell checks, in the documents' own words (document, quotation).
PROMISES = {
    "deny": ("sharing.md", "Access is denied by default."),
    "own": ("sharing.md", "Practitioners and MASH officers see every field of their own organisation's records."),
    "partners": ("sharing.md", "Partners' records are shown only for a purpose the user states, under an active "
                               "agreement that lets their organisation receive them for it, and only that purpose's "
                               "minimum dataset."),
    "stating": ("sharing.md", "A purpose that the user's organisation or role may not state is refused, on every "
                              "page and in the API, and the refusal is audited."),
    "data_team": ("sharing.md", "The data team never sees a fact: it reads records only to match addresses and to "
                                "keep the person index, and sees the address or identifying fields alone, its own "
                                "organisation's records included."),
    "ig_lead": ("sharing.md", 'IG leads govern sharing: they see persons\' records only through "view as"'),
    "trainer": ("sharing.md", 'A trainer sees training samples only, through "view as".'),
    "consent": ("sharing.md", "Consent given covers only what it names, and opens a record of a sensitive service "
                              "only when it names that sensitive category."),
    "refusals": ("sharing.md", "A refusal or withdrawal covering the request blocks what an agreement would share"),
    "sensitive": ("sharing.md", "A record of a sensitive service is sensitive as a whole, whatever other categories "
                                "its fields appear in"),
    "break_glass": ("sharing.md", "Break-glass opens the person's non-sensitive categories to practitioners and MASH "
                                  "officers; it never opens a record of a sensitive service."),
    "search": ("sharing.md", "A search finds a record only through the fields the user may see of it."),
    "review": ("sharing.md", "Every break-glass access goes to a reviewer who can open and decide it."),
    "frontline": ("sharing.md", "for practitioners and MASH officers (`practitioner`, `mash_officer`; anyone else "
                                "gets an audited 403)"),
    "governance": ("sharing.md", "The pages and the JSON API under `/api/v1/sharing` are for information governance "
                                 "leads (`ig_lead`) and administrators (`admin`)."),
    "preview": ("sharing.md", '"View as" and the list of training samples are also for trainers'),
    "consent_script": ("sharing.md", "The consent script is for every signed-in user"),
    "sign_in": ("sharing.md", "Without a session, a page sends you to sign in and the API answers 401 with no data."),
    "data_pages": ("architecture.md", "The data team's pages keep a role check as their gate (a clear 403 for anyone "
                                      "else)"),
    "unlock": ("architecture.md", "administrator unlocks the account"),
    "roles": ("transparency.md", "An administrator changes a user's roles, saying why"),
    "public": ("architecture.md", "The JSON API lives under `/api/v1` with an OpenAPI"),
    "privacy": ("sharing.md", "The privacy notice at `/privacy` is public: anyone can read it without signing in"),
    "signed_in": ("architecture.md", "every form carries a CSRF token"),
    "involved_by": ("involvements.md", "Only practitioners and MASH officers record, end and correct involvements, "
                                       "and only their own organisation's"),
    "directory": ("involvements.md", "An organisation's directory is loaded by its administrators"),
    "directory_kept": ("involvements.md", "An organisation's directory is kept in the app by its administrators"),
    "lead_ended_by": ("involvements.md", "only practitioners and MASH officers of an organisation working with the "
                                         "person or family now end a lead, saying why"),
    "chronology": ("chronology.md", "The chronology is for practitioners and MASH officers: anyone else gets an "
                                    "audited 403."),
    "chronology_sees": ("chronology.md", "It shows only events from records and involvements the viewer may see."),
    "transparency": ("transparency.md", "Who has seen a person's record, and subject access requests, are for "
                                        "information governance leads (`ig_lead`)"),
    "report_not_records": ("transparency.md", "lists, newest first, every access to and disclosure of the person"),
    "working_context": ("sharing.md", "A working context is only the user's own, for the session."),
    "monitoring": ("monitoring.md", "The review pages and the API under `/api/v1/monitoring` are for information "
                                    "governance leads (`ig_lead`) and administrators (`admin`)."),
    "monitoring_scope": ("monitoring.md", "A task goes to the reviewers of the user's organisation"),
    "declaration_own": ("monitoring.md", "Your own declaration is for every signed-in user, and only your own"),
    "declarations": ("monitoring.md", "Staff declarations are listed for information governance leads and "
                                      "administrators, each seeing the organisations whose tasks they review"),
    "flags": ("flags.md", "A flag is shown only to those the sharing rules let see its category of the record it "
                          "came from."),
    "flags_frontline": ("flags.md", "Flags are read through the API by practitioners and MASH officers "
                                    "(`practitioner`, `mash_officer`); anyone else gets an audited 403."),
    "flags_recorded_by": ("flags.md", "Only practitioners and MASH officers record, correct and end flags, and only "
                                      "their own organisation's"),
    "my_people": ("involvements.md", "`GET /api/v1/me/people` is for practitioners and MASH officers (`practitioner`, "
                                     "`mash_officer`); anyone else gets an audited 403."),
    "my_people_own": ("involvements.md", "It lists only the user's own people."),
    "team": ("involvements.md", "The lead professional and the team around the family are for practitioners and MASH "
                                "officers: anyone else gets an audited 403."),
    "team_sees": ("involvements.md", "The team shows only the involvements the viewer may see, of the family members the "
                                     "family view lets them see, as the person page decides"),
    "team_changed_by": ("involvements.md", "Only practitioners and MASH officers of an organisation working with the "
                                           "person or family now name the lead professional and invite or remove members"),
    "involved_seen": ("sharing.md", "Practitioners and MASH officers who may see a person see who is involved with "
                                    "them and how to contact them, without stating a purpose"),
    "involved_shielded": ("sharing.md", "An involvement with a sensitive service shows to another organisation only "
                                        "as \"a service is involved: contact through the IG lead\", never the "
                                        "service, its team or its worker."),
    "involvements_api": ("involvements.md", "Who is involved is read through the API by practitioners and MASH "
                                            "officers (`practitioner`, `mash_officer`); anyone else gets an audited "
                                            "403."),
    "directory_listed": ("involvements.md", "An organisation's directory is listed through the API to its "
                                            "administrators, practitioners and MASH officers"),
    "flag_types": ("flags.md", "The catalogue of flag types holds no personal data and is open to every signed-in "
                               "user."),
}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_promise_quoted_is_written_in_the_documents():
    for key, (document, quote) in PROMISES.items():
        assert _words(quote) in _words((DOCS / document).read_text()), (key, document)


# --------------------------------------------------------------------------- the roles

P, M, I, D, T = "practitioner", "mash_officer+practitioner", "ig_lead", "data_team+admin", "trainer"
ANON = "anonymous"
SIGNED_IN = (P, M, I, D, T)
ROLES = (*SIGNED_IN, ANON)
FRONTLINE = (P, M)
NON_READING = (I, T)  # they read no person's records: "view as" only
#: Why a role that reads no persons' records reads none: the promise it keeps.
WHY = {I: "ig_lead", T: "trainer", D: "data_team"}
REL = (*RELATIONS, "not_open", "glass", "unscoped", "scoped")


def test_the_roles_are_the_demos():
    """One column per distinct set of roles a demo user holds, and one for no session."""
    assert set(ROLE_USERS) == set(SIGNED_IN)


# --------------------------------------------------------------------------- what is expected


@dataclass(frozen=True)
class E:
    """An expected cell: the status, values that must appear, values that must not, and
    the promise (a key of :data:`PROMISES`) it checks."""

    status: int
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()
    promise: str = ""


def e(status: int, shows: tuple[str, ...] | str = (), hides: tuple[str, ...] | str = (), promise: str = "") -> E:
    return E(status, (shows,) if isinstance(shows, str) else shows, (hides,) if isinstance(hides, str) else hides,
             promise)


Cell = E | dict[str, E]


@dataclass(frozen=True)
class Row:
    """One route: how it is asked, what each role gets (per relation, for a route that
    reads a person's records), and the promise its cells check unless they name their own."""

    expect: dict[str, Cell]
    promise: str = ""
    url: Callable[[World, str], str] | None = None  # default: the path, made concrete
    form: dict | None = None  # a page's form (the session's CSRF token is added)
    json: dict | None = None  # an API write's body (sent with the X-CSRF-Token header)
    relational: bool = False


def each(cell: Cell, *roles: str) -> dict[str, Cell]:
    return {role: cell for role in roles}


def page(ok: Cell, allowed: tuple[str, ...] = SIGNED_IN, denied: int = 403) -> dict[str, Cell]:
    """A page: ``allowed`` roles get ``ok``, the others ``denied``; without a session, sign in."""
    return {**each(e(denied), *[role for role in SIGNED_IN if role not in allowed]), **each(ok, *allowed),
            ANON: e(303, promise="sign_in")}


def api(ok: Cell, allowed: tuple[str, ...] = SIGNED_IN, denied: int = 403) -> dict[str, Cell]:
    """An API route: as :func:`page`, but 401 without a session."""
    return {**page(ok, allowed, denied), ANON: e(401, promise="sign_in")}


def public(status: int = 200, signed_in: int | None = None) -> dict[str, Cell]:
    return {**each(e(signed_in or status), *SIGNED_IN), ANON: e(status)}


def by_relation(**cells: E) -> dict[str, E]:
    assert set(cells) == set(REL), sorted(set(REL) ^ set(cells))
    return cells


def all_relations(cell: E) -> dict[str, E]:
    return {relation: cell for relation in REL}


# The people, the purposes they are looked at for, and their distinctive values.
m = MARKERS
NAMES = {"own": "Ava Own", "partner": "Ben Partner", "none": "Cal Nobody", "shielded": "Dee Shield",
         "withdrawn": "Eve Withdrawn", "not_open": "Fay Notopen", "glass": "Gil Glass", "unscoped": "Una Unscoped",
         "scoped": "Sia Scoped"}
PERSON_IDS = {**RELATIONS, "not_open": "PNOTOPEN001", "glass": "PGLASS00001", "unscoped": "PUNSCOPED01",
              "scoped": "PSCOPED0001"}
#: relation → (purpose, relationship in words, safeguarding risk); None: no purpose.
PURPOSES = {
    "own": None,
    "partner": ("safeguarding_child", "", False),
    "none": ("safeguarding_child", "", False),
    "shielded": ("early_help", "My team is working with them or their family", False),
    "withdrawn": ("safeguarding_child", "", False),
    "not_open": ("crime_prevention", "Local enquiry", False),
    "glass": ("safeguarding_child", "", True),
    "unscoped": ("early_help", "Family support", False),
    "scoped": ("early_help", "Family support", False),
}
MORE = {
    "fay_theft": "Theft report 600",
    "gil_arrears": "Arrears marker 700",
    "gil_service": "Domestic abuse support",
    "gil_notes": "Safe house since May",
    "gil_team": "Domestic Abuse Outreach",
    "una_phone": "07700900800",
    "una_notes": "Unscoped note 800",
    "sia_notes": "Scoped note 900",
}
SEARCH = {relation: name.lower() for relation, name in NAMES.items()}
SHIELD_NOTICE = "A service is involved that we cannot name here"
SECRETS = (m["shield_service"], m["shield_notes"], m["shield_org"])
GLASS_SECRETS = (MORE["gil_service"], MORE["gil_notes"], MORE["gil_team"])
#: Every personal value in the world: a refusal shows none of them.
PERSONAL = (*NAMES.values(), m["own_fact"], m["own_police_fact"], m["partner_incident"], m["partner_phone"],
            m["partner_warning"], m["none_fact"], *SECRETS, m["withdrawn_incident"], *MORE.values())
#: Each relation's facts: what the data team must never see.
FACTS = (m["own_fact"], m["own_police_fact"], m["partner_incident"], m["partner_warning"], m["none_fact"],
         *SECRETS[:2], m["withdrawn_incident"], MORE["fay_theft"], MORE["gil_arrears"], *GLASS_SECRETS,
         MORE["una_notes"], MORE["sia_notes"])
NOT_OPEN = "Your organisation and role may not state this purpose"
NO_PURPOSE_ROLE = "Your role does not read persons"

# ---- persons, for the frontline roles (a practitioner, a MASH officer), from the promises
PERSON_PAGE = by_relation(
    own=e(200, (NAMES["own"], "Children&#39;s case system", "1 record your own organisation holds"),
          "Police records", promise="own"),
    partner=e(200, (NAMES["partner"], "Police records", "shared with you under agreement SAFE-ISA"),
              promise="partners"),
    none=e(403, "No rule lets you see this person", NAMES["none"], promise="deny"),
    shielded=e(200, (NAMES["shielded"], SHIELD_NOTICE, "iris.ig@example.org"), SECRETS + ("Referrals",),
               promise="sensitive"),
    withdrawn=e(403, (), NAMES["withdrawn"], promise="refusals"),
    # The purpose page refused crime prevention, so none is stated: no own record, refused.
    not_open=e(403, (), (NAMES["not_open"], MORE["fay_theft"]), promise="stating"),
    glass=e(200, (NAMES["glass"], "Tenancies", SHIELD_NOTICE, "1 record shown under your emergency access"),
            GLASS_SECRETS + ("Referrals",), promise="break_glass"),
    unscoped=e(200, (NAMES["unscoped"], MORE["una_phone"], SHIELD_NOTICE), (MORE["una_notes"],),
               promise="consent"),
    scoped=e(200, (NAMES["scoped"], "Referrals", "1 record shared with you under agreement SAFE-ISA"), (),
             promise="consent"),
)
PERSON_API = by_relation(
    own=e(200, (m["own_name"], m["own_fact"]), (m["own_police_fact"], "07700900101"), promise="own"),
    partner=e(200, (m["partner_incident"], '"purpose":"safeguarding_child"'), (m["partner_phone"], m["partner_warning"]),
              promise="partners"),
    none=e(403, "No rule allows you to see any of this person", NAMES["none"], promise="deny"),
    shielded=e(200, (m["shield_police_phone"], '"shielded":true', "iris.ig@example.org"), SECRETS,
               promise="sensitive"),
    withdrawn=e(403, (), (NAMES["withdrawn"], m["withdrawn_incident"]), promise="refusals"),
    not_open=e(403, NOT_OPEN, (NAMES["not_open"], MORE["fay_theft"]), promise="stating"),
    glass=e(200, (MORE["gil_arrears"], '"shielded":true'), GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, (MORE["una_phone"], '"shielded":true'), (MORE["una_notes"],), promise="consent"),
    scoped=e(200, MORE["sia_notes"], (), promise="consent"),
)
#: One record: the relation's own (CSC's, the police's, housing's, the voluntary group's).
RECORD = by_relation(
    own=e(200, m["own_fact"], promise="own"),
    partner=e(200, m["partner_incident"], (m["partner_phone"], m["partner_warning"]), promise="partners"),
    none=e(403, "No rule allows your organisation to see this record", m["none_fact"], promise="deny"),
    shielded=e(403, "No rule allows your organisation to see this record", SECRETS + ("shield",),
               promise="sensitive"),
    withdrawn=e(403, (), m["withdrawn_incident"], promise="refusals"),
    not_open=e(403, (), MORE["fay_theft"], promise="stating"),
    glass=e(403, (), GLASS_SECRETS, promise="break_glass"),  # the domestic-abuse service's record
    unscoped=e(403, (), MORE["una_notes"], promise="consent"),
    scoped=e(200, MORE["sia_notes"], promise="consent"),
)
RECORD_API = {**RECORD, "not_open": e(403, NOT_OPEN, MORE["fay_theft"], promise="stating")}
SEARCH_PAGE = by_relation(
    own=e(200, NAMES["own"], promise="own"), partner=e(200, NAMES["partner"], promise="partners"),
    none=e(200, "No persons found", NAMES["none"], promise="deny"),
    shielded=e(200, NAMES["shielded"], SECRETS + ("Referrals",), promise="sensitive"),
    withdrawn=e(200, (), NAMES["withdrawn"], promise="refusals"),
    not_open=e(400, NOT_OPEN, NAMES["not_open"], promise="stating"),
    glass=e(200, NAMES["glass"], GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, NAMES["unscoped"], MORE["una_notes"], promise="consent"),
    scoped=e(200, NAMES["scoped"], promise="consent"),
)
SEARCH_API = by_relation(
    own=e(200, m["own_name"], promise="own"), partner=e(200, m["partner_name"], m["partner_warning"], promise="partners"),
    none=e(200, '"persons":[]', m["none_name"], promise="deny"),
    shielded=e(200, m["shield_name"], SECRETS, promise="sensitive"),
    withdrawn=e(200, '"persons":[]', m["withdrawn_name"], promise="refusals"),
    not_open=e(403, NOT_OPEN, "Fay", promise="stating"),
    glass=e(200, "Gil", GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, "Una", MORE["una_notes"], promise="consent"),
    scoped=e(200, "Sia", promise="consent"),
)
RECORDS_API = by_relation(
    own=e(200, m["own_fact"], promise="own"),
    partner=e(200, m["partner_incident"], (m["partner_phone"], m["partner_warning"]), promise="partners"),
    none=e(200, '"records":[]', m["none_name"], promise="deny"),
    shielded=e(200, m["shield_police_phone"], SECRETS, promise="sensitive"),
    withdrawn=e(200, '"records":[]', m["withdrawn_name"], promise="refusals"),
    not_open=e(403, NOT_OPEN, MORE["fay_theft"], promise="stating"),
    glass=e(200, MORE["gil_arrears"], GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, MORE["una_phone"], MORE["una_notes"], promise="consent"),
    scoped=e(200, MORE["sia_notes"], promise="consent"),
)
#: A person's flags through the API, for a frontline user: a flag follows its record's decision.
FLAG = {"own": "Child-protection plan", "partner": "Domestic-abuse victim", "hidden": "Domestic-abuse victim"}
FLAGS_API = by_relation(
    own=e(200, FLAG["own"], FLAG["partner"], promise="flags"),
    partner=e(200, FLAG["partner"], promise="flags"),
    none=e(403, "No rule allows you to see any of this person", (NAMES["none"], "Child-protection"), promise="deny"),
    shielded=e(200, '"flags":[]', SECRETS + (FLAG["hidden"],), promise="sensitive"),
    withdrawn=e(403, (), (NAMES["withdrawn"], "Missing episodes"), promise="refusals"),
    not_open=e(403, NOT_OPEN, (NAMES["not_open"], "Missing episodes"), promise="stating"),
    glass=e(200, '"flags":[]', GLASS_SECRETS + (FLAG["hidden"],), promise="break_glass"),
    unscoped=e(200, '"flags":[]', (FLAG["hidden"],), promise="consent"),
    scoped=e(200, FLAG["partner"], promise="consent"),
)
#: The flags the matrix's world holds: reference of the record → (type, category, organisation).
MATRIX_FLAGS = {
    "CSC-100": ("child_protection_plan", "social_care_status", "CSC"),
    "POL-200": ("domestic_abuse_victim", "police_incidents", "POL"),
    "VCS-400": ("domestic_abuse_victim", "sensitive_services", "VCS"),
    "POL-500": ("missing_episodes", "police_incidents", "POL"),
    "POL-600": ("missing_episodes", "police_incidents", "POL"),
    "VCS-700": ("domestic_abuse_victim", "sensitive_services", "VCS"),
    "VCS-800": ("domestic_abuse_victim", "sensitive_services", "VCS"),
    "VCS-900": ("domestic_abuse_victim", "sensitive_services", "VCS"),
}
#: Who is involved in the matrix's world: the record it comes from → (organisation, team, worker, role,
#: a sensitive service). Dee's voluntary-sector worker is a sensitive service's: never named.
MATRIX_INVOLVEMENTS = {
    "CSC-100": ("CSC", "Child Protection Team", "Sam Okafor", "allocated_social_worker", False),
    "POL-200": ("POL", "Public Protection Unit", "Ray Constable", "key_worker", False),
    "VCS-400": ("VCS", "Wellbeing Outreach", "Rowan Hidden", "voluntary_key_worker", True),
    "POL-500": ("POL", "Neighbourhood Team", "Eve Officer", "key_worker", False),
}
#: A person's involvements through the API, for a frontline user: shown, without a purpose for them, to a
#: user who may see the person; a sensitive service's shows only as shielded.
HIDDEN_SERVICE = ("Rowan Hidden", "Wellbeing Outreach", m["shield_org"])
INVOLVEMENTS_API = by_relation(
    own=e(200, ("Sam Okafor", "Child Protection Team", "0306 999 0101"), promise="involved_seen"),
    partner=e(200, ("Ray Constable", "Public Protection Unit"), (m["partner_phone"], m["partner_warning"]),
              promise="involved_seen"),
    none=e(403, "No rule allows you to see any of this person", NAMES["none"], promise="deny"),
    shielded=e(200, '"shielded":true', SECRETS + HIDDEN_SERVICE, promise="involved_shielded"),
    withdrawn=e(403, (), (NAMES["withdrawn"], "Eve Officer"), promise="refusals"),
    not_open=e(403, NOT_OPEN, NAMES["not_open"], promise="stating"),
    glass=e(200, '"current":[]', GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, '"current":[]', MORE["una_notes"], promise="consent"),
    scoped=e(200, '"current":[]', promise="consent"),
)

#: What a frontline practitioner may do about a person needs them to see the person.
SEEN = by_relation(own=e(200, promise="own"), partner=e(200, promise="partners"), none=e(403, promise="deny"),
                   shielded=e(200, promise="sensitive"), withdrawn=e(403, promise="refusals"),
                   not_open=e(403, promise="stating"), glass=e(200, promise="break_glass"),
                   unscoped=e(200, promise="consent"), scoped=e(200, promise="consent"))
SEEN_FORM = {relation: e(400 if cell.status == 200 else cell.status, promise=cell.promise)
             for relation, cell in SEEN.items()}

# ---- persons, for the data team: person-index processing, identifying fields, never a fact
PERSON_PAGE_DATA_TEAM = {relation: e(200, NAMES[relation], FACTS + (SHIELD_NOTICE,), promise="data_team")
                         for relation in REL}
# The data team states no purpose: the API refuses one; without one, identifying fields.
PERSON_API_DATA_TEAM = {relation: e(403, NO_PURPOSE_ROLE, PERSONAL, promise="stating") for relation in REL} | {
    "own": e(200, m["own_name"], FACTS, promise="data_team")}
SEARCH_DATA_TEAM = {relation: e(400, NO_PURPOSE_ROLE, FACTS, promise="stating") for relation in REL} | {
    "own": e(200, NAMES["own"], FACTS, promise="data_team")}
SEARCH_API_DATA_TEAM = {relation: e(403, NO_PURPOSE_ROLE, PERSONAL, promise="stating") for relation in REL} | {
    "own": e(200, m["own_name"], FACTS, promise="data_team")}
RECORD_NOT_FOR = {relation: e(403, (), PERSONAL, promise="data_team") for relation in REL}
RECORD_API_NOT_FOR = {relation: e(403, NO_PURPOSE_ROLE, PERSONAL, promise="stating") for relation in REL} | {
    "own": e(403, (), PERSONAL, promise="data_team")}
RECORDS_API_NOT_FOR = {relation: e(403, NO_PURPOSE_ROLE, PERSONAL, promise="stating") for relation in REL} | {
    "own": e(200, '"records":[]', PERSONAL, promise="data_team")}


def not_reading(role: str, cells: dict[str, E]) -> dict[str, E]:
    """An IG lead's or a trainer's cells: as the data team's refusals, under their own promise."""
    return {relation: E(cell.status, cell.shows, PERSONAL, WHY[role] if cell.promise == "data_team" else cell.promise)
            for relation, cell in cells.items()}


# ---- persons, for IG leads and trainers: nothing, whatever they state
PERSON_PAGE_NOT_READING = {relation: e(403, NO_PURPOSE_ROLE, PERSONAL, promise="data_team") for relation in REL}
SEARCH_NOT_READING = SEARCH_DATA_TEAM | {"own": e(200, "No persons found", PERSONAL, promise="data_team")}
SEARCH_API_NOT_READING = SEARCH_API_DATA_TEAM | {"own": e(200, '"persons":[]', PERSONAL, promise="data_team")}
PERSON_API_NOT_READING = PERSON_API_DATA_TEAM | {"own": e(403, (), PERSONAL, promise="data_team")}


# ---- the chronology, for the frontline roles: the person page's decision, events only from what is seen
CHRONOLOGY_PAGE = by_relation(
    own=e(200, NAMES["own"], promise="own"),
    partner=e(200, NAMES["partner"], (m["partner_phone"], m["partner_warning"]), promise="partners"),
    none=e(403, "No rule allows you to see any of this person", NAMES["none"], promise="deny"),
    shielded=e(200, (NAMES["shielded"], SHIELD_NOTICE), SECRETS + ("Referrals",), promise="sensitive"),
    withdrawn=e(403, (), NAMES["withdrawn"], promise="refusals"),
    not_open=e(403, (), (NAMES["not_open"], MORE["fay_theft"]), promise="stating"),
    glass=e(200, NAMES["glass"], GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, (NAMES["unscoped"], SHIELD_NOTICE), (MORE["una_notes"],), promise="consent"),
    scoped=e(200, NAMES["scoped"], (), promise="consent"),
)
CHRONOLOGY_FILE = {relation: E(cell.status, (), cell.hides + ((m["partner_phone"],) if cell.status == 200 else ()),
                               "chronology_sees" if cell.status == 200 else cell.promise)
                   for relation, cell in CHRONOLOGY_PAGE.items()}
CHRONOLOGY_API = by_relation(
    own=e(200, "Ava Own", promise="own"),
    partner=e(200, "Ben Partner", (m["partner_phone"], m["partner_warning"]), promise="partners"),
    none=e(403, "No rule allows you to see any of this person", NAMES["none"], promise="deny"),
    shielded=e(200, ("Dee Shield", '"shielded":true'), SECRETS, promise="sensitive"),
    withdrawn=e(403, (), NAMES["withdrawn"], promise="refusals"),
    not_open=e(403, NOT_OPEN, (NAMES["not_open"], MORE["fay_theft"]), promise="stating"),
    glass=e(200, "Gil Glass", GLASS_SECRETS, promise="break_glass"),
    unscoped=e(200, ("Una Unscoped", '"shielded":true'), (MORE["una_notes"],), promise="consent"),
    scoped=e(200, "Sia Scoped", (), promise="consent"),
)

#: The team around the family follows the person page's decision; what it shows is what is seen.
TEAM_PAGE = {relation: E(cell.status, tuple(shown for shown in cell.shows if shown != SHIELD_NOTICE), cell.hides,
                         "team_sees" if cell.status == 200 else cell.promise)
             for relation, cell in CHRONOLOGY_PAGE.items()}
TEAM_API = {relation: E(cell.status, tuple(shown for shown in cell.shows if shown != '"shielded":true'), cell.hides,
                        "team_sees" if cell.status == 200 else cell.promise)
            for relation, cell in CHRONOLOGY_API.items()}
LEAD_API = {relation: E(cell.status, () if cell.status == 200 else cell.shows, cell.hides, cell.promise)
            for relation, cell in TEAM_API.items()}


def readers(frontline: dict[str, E], data_team: dict[str, E], others: dict[str, E]) -> dict[str, Cell]:
    """A relational row's columns: frontline roles, the data team, IG leads and trainers."""
    return {P: frontline, M: frontline, D: data_team, I: not_reading(I, others), T: not_reading(T, others)}


NOTHING_PERSONAL = {relation: e(200, (), PERSONAL, promise="deny") for relation in REL}

LINKAGE = (D,)
GOVERN = (I, D)  # ig_lead, and the administrator
PREVIEW = (*GOVERN, T)  # "view as": trainers too, for training samples only
TRANSPARENT = (I,)  # the IG lead alone: not the administrator

def with_purpose(template: str, world: World, relation: str, *, search: bool = False) -> str:
    """The API states the relation's purpose in the query (and, for a search, its name)."""
    params = {"q": SEARCH[relation]} if search else {}
    params |= _purpose_query(relation)
    return concrete(template, world, relation) + (f"?{urlencode(params)}" if params else "")


def fixed(url: str) -> Callable[[World, str], str]:
    return lambda world, relation: url


TABLE: dict[tuple[str, str], Row] = {
    # ---- public: no personal data
    ("GET", "/sign-in"): Row(public(200, signed_in=303), "sign_in"),
    ("POST", "/sign-in"): Row(public(403, signed_in=400), "signed_in", form={}),
    ("POST", "/sign-out"): Row(public(303), "signed_in", form={}),
    ("GET", "/signed-out"): Row(public(), "sign_in"),
    ("GET", "/docs"): Row(public(), "public"),
    ("GET", "/privacy"): Row(public(), "privacy"),
    ("GET", "/openapi.json"): Row(public(), "public"),
    ("MOUNT", "/static"): Row(public(), "public", url=lambda world, relation: "/static/joinedup.css"),
    ("GET", "/"): Row(page(e(200)), "sign_in"),
    ("GET", "/api/v1/me"): Row(api(e(200)), "sign_in"),
    # Nobody in this world is a worker of an involvement: a frontline user's people are none of theirs.
    ("GET", "/api/v1/me/people"): Row(api(e(200, '"people":[]', PERSONAL, promise="my_people_own"), FRONTLINE),
                                      "my_people"),
    # ---- persons: the search, the person, a record (pages and API)
    ("GET", "/persons"): Row({**page(SEARCH_PAGE), **readers(SEARCH_PAGE, SEARCH_DATA_TEAM, SEARCH_NOT_READING)},
                             "search", relational=True,
                             url=lambda world, relation: "/persons?" + urlencode(
                                 {"q": SEARCH[relation], **_purpose_query(relation)})),
    ("GET", "/persons/{person_id}"): Row(
        {**page(PERSON_PAGE), **readers(PERSON_PAGE, PERSON_PAGE_DATA_TEAM, PERSON_PAGE_NOT_READING)},
        relational=True),
    ("GET", "/api/v1/persons"): Row({**api(SEARCH_API), **readers(SEARCH_API, SEARCH_API_DATA_TEAM,
                                                                  SEARCH_API_NOT_READING)},
                                    "search", relational=True, url=lambda world, relation: with_purpose(
                                        "/api/v1/persons", world, relation, search=True)),
    ("GET", "/api/v1/persons/{person_id}"): Row(
        {**api(PERSON_API), **readers(PERSON_API, PERSON_API_DATA_TEAM, PERSON_API_NOT_READING)}, relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}", world, relation)),
    ("GET", "/records"): Row(page(e(303)), "search", url=lambda world, relation: "/records?q=ava"),
    ("GET", "/records/{record_id:int}"): Row({**page(RECORD), **readers(RECORD, RECORD_NOT_FOR, RECORD_NOT_FOR)},
                                             relational=True),
    ("GET", "/api/v1/records"): Row({**api(RECORDS_API), **readers(RECORDS_API, RECORDS_API_NOT_FOR,
                                                                   RECORDS_API_NOT_FOR)},
                                    "search", relational=True,
                                    url=lambda world, relation: with_purpose("/api/v1/records", world, relation,
                                                                             search=True)),
    ("GET", "/api/v1/records/{record_id}"): Row(
        {**api(RECORD_API), **readers(RECORD_API, RECORD_API_NOT_FOR, RECORD_API_NOT_FOR)}, relational=True,
        url=lambda world, relation: with_purpose("/api/v1/records/{record_id}", world, relation)),
    # ---- purpose at access, break-glass, consent, deciding not to share
    ("GET", "/persons/{person_id}/purpose"): Row(page(NOTHING_PERSONAL), "deny", relational=True),
    ("POST", "/persons/{person_id}/purpose"): Row(page(e(400, "Select why you are looking")), "stating", form={},
                                                  relational=True),
    ("GET", "/persons/{person_id}/break-glass"): Row(page(NOTHING_PERSONAL, FRONTLINE), "frontline", relational=True),
    ("POST", "/persons/{person_id}/break-glass"): Row(page(e(400, "Select how long"), FRONTLINE), "frontline",
                                                      form={}, relational=True),
    ("GET", "/persons/{person_id}/consent"): Row(page(SEEN, FRONTLINE), "frontline", relational=True),
    ("POST", "/persons/{person_id}/consent"): Row(page(SEEN_FORM, FRONTLINE), "frontline", form={}, relational=True),
    ("GET", "/persons/{person_id}/decline"): Row(page(SEEN, FRONTLINE), "frontline", relational=True),
    ("POST", "/persons/{person_id}/decline"): Row(page(SEEN_FORM, FRONTLINE), "frontline", form={}, relational=True),
    # Ending one's own working context: every signed-in user may, and it reads nobody's records.
    ("POST", "/working-context/end"): Row(page(e(303, (), PERSONAL)), "working_context", form={}),
    # The purposes a user may state: none for a role that reads no persons' records.
    ("GET", "/api/v1/me/purposes"): Row({**api(e(200, "direct_care")), **each(e(200, "[]", "direct_care"), I, D, T)},
                                        "stating"),
    ("GET", "/api/v1/persons/{person_id}/consent"): Row(
        api(SEEN | {"not_open": e(403, NOT_OPEN, promise="stating")}, FRONTLINE), "frontline", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/consent", world, relation)),
    # Well-formed, refused by the rules: not told, and no reason why not.
    ("POST", "/api/v1/persons/{person_id}/consent"): Row(
        api(SEEN_FORM | {"not_open": e(403, NOT_OPEN, promise="stating")}, FRONTLINE), "frontline", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/consent", world, relation),
        json={"decision": "given", "form": "verbal", "informed": False}),
    ("POST", "/api/v1/persons/{person_id}/break-glass"): Row(api(e(400, "emergency"), FRONTLINE), "frontline",
                                                             json={"reason": "Urgent", "minutes": 30}),
    ("POST", "/api/v1/persons/{person_id}/decline"): Row(
        api(SEEN_FORM | {"not_open": e(403, NOT_OPEN, promise="stating")}, FRONTLINE), "frontline", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/decline", world, relation),
        json={"purpose": "no_such_purpose", "reason": "Matrix"}),
    # ---- who is involved: recorded, ended and corrected by the involved organisation's
    # frontline users; an organisation's directory by its administrators. The writes are
    # asked of an involvement that does not exist (404 past the gate), or with an empty form.
    ("GET", "/persons/{person_id}/involvements/new"): Row(page(e(200, "Record that"), FRONTLINE), "involved_by"),
    ("POST", "/persons/{person_id}/involvements"): Row(page(e(400, "Select the role"), FRONTLINE), "involved_by",
                                                       form={}),
    ("GET", "/involvements/{involvement_id}"): Row(page(e(404), FRONTLINE), "involved_by",
                                                   url=fixed("/involvements/999999")),
    ("POST", "/involvements/{involvement_id}/correct"): Row(page(e(404), FRONTLINE), "involved_by", form={},
                                                            url=fixed("/involvements/999999/correct")),
    ("POST", "/involvements/{involvement_id}/end"): Row(page(e(404), FRONTLINE), "involved_by", form={},
                                                        url=fixed("/involvements/999999/end")),
    # The same through the API: the read for the purpose in the query, the writes of an involvement that
    # does not exist (404 past the gate) or with an empty body (422).
    ("GET", "/api/v1/persons/{person_id}/involvements"): Row(
        {**api(e(403), FRONTLINE), P: INVOLVEMENTS_API, M: INVOLVEMENTS_API}, "involvements_api", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/involvements", world, relation)),
    ("POST", "/api/v1/persons/{person_id}/involvements"): Row(api(e(422), FRONTLINE), "involved_by", json={}),
    ("POST", "/api/v1/involvements/{involvement_id}/correct"): Row(
        api(e(404), FRONTLINE), "involved_by", url=fixed("/api/v1/involvements/999999/correct"),
        json={"role": "key_worker", "contact_route": "duty_line", "starts_on": "2025-01-01"}),
    ("POST", "/api/v1/involvements/{involvement_id}/end"): Row(
        api(e(404), FRONTLINE), "involved_by", url=fixed("/api/v1/involvements/999999/end"),
        json={"ends_on": "2025-01-01"}),
    # The directory: listed (no one's personal data: the organisation's own teams and staff contacts),
    # kept by the administrator; the writes of a team or worker that does not exist, or with an empty body.
    ("GET", "/api/v1/directory"): Row(api(e(200, '"teams":', PERSONAL), (P, M, D)), "directory_listed"),
    ("POST", "/api/v1/directory/teams"): Row(api(e(422), (D,)), "directory_kept", json={}),
    ("POST", "/api/v1/directory/teams/{team_id}/correct"): Row(
        api(e(404), (D,)), "directory_kept", url=fixed("/api/v1/directory/teams/999999/correct"),
        json={"team": "Matrix"}),
    ("POST", "/api/v1/directory/teams/{team_id}/retire"): Row(
        api(e(404), (D,)), "directory_kept", url=fixed("/api/v1/directory/teams/999999/retire")),
    ("POST", "/api/v1/directory/workers"): Row(api(e(422), (D,)), "directory_kept", json={}),
    ("POST", "/api/v1/directory/workers/{worker_id}/correct"): Row(
        api(e(404), (D,)), "directory_kept", url=fixed("/api/v1/directory/workers/999999/correct"),
        json={"team": 1, "worker": "Matrix", "role": "key_worker", "secure_email": "m@matrix.example"}),
    ("POST", "/api/v1/directory/workers/{worker_id}/retire"): Row(
        api(e(404), (D,)), "directory_kept", url=fixed("/api/v1/directory/workers/999999/retire")),
    # ---- flags: a person's, for the purpose stated in the query; the catalogue, for anyone signed in
    ("GET", "/api/v1/persons/{person_id}/flags"): Row(
        {**api(e(403), FRONTLINE), P: FLAGS_API, M: FLAGS_API}, "flags_frontline", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/flags", world, relation)),
    # Recording is asked with an empty form or body (400, 422 past the gate), ending of a flag that does not
    # exist (404).
    ("GET", "/persons/{person_id}/flags/new"): Row(page(e(200, "Record a flag"), FRONTLINE), "flags_recorded_by"),
    ("POST", "/persons/{person_id}/flags"): Row(page(e(400, "Select a flag type"), FRONTLINE), "flags_recorded_by",
                                                form={}),
    ("GET", "/flags/{flag_id}"): Row(page(e(404), FRONTLINE), "flags_recorded_by", url=fixed("/flags/999999")),
    ("POST", "/flags/{flag_id}/end"): Row(page(e(404), FRONTLINE), "flags_recorded_by", form={},
                                          url=fixed("/flags/999999/end")),
    ("POST", "/flags/{flag_id}/correct"): Row(page(e(404), FRONTLINE), "flags_recorded_by", form={},
                                              url=fixed("/flags/999999/correct")),
    ("POST", "/api/v1/persons/{person_id}/flags"): Row(api(e(422), FRONTLINE), "flags_recorded_by", json={}),
    ("POST", "/api/v1/flags/{flag_id}/correct"): Row(api(e(404), FRONTLINE), "flags_recorded_by",
                                                     url=fixed("/api/v1/flags/999999/correct"),
                                                     json={"type": "child_in_need", "starts_on": "2025-01-01"}),
    ("POST", "/api/v1/flags/{flag_id}/end"): Row(api(e(404), FRONTLINE), "flags_recorded_by",
                                                 url=fixed("/api/v1/flags/999999/end"), json={"ends_on": "2025-01-01"}),
    ("GET", "/api/v1/flag-types"): Row(api(e(200, "child_protection_plan", tuple(NAMES.values()))), "flag_types"),
    ("GET", "/directory"): Row(page(e(200, "Your organisation"), (D,)), "directory"),
    ("POST", "/directory"): Row(page(e(400, "Select a CSV file"), (D,)), "directory", form={}),
    # Kept row by row: an empty form is refused (400), a team or worker that does not exist is 404 past the gate.
    ("GET", "/directory/teams/new"): Row(page(e(200, "Add a team"), (D,)), "directory_kept"),
    ("POST", "/directory/teams"): Row(page(e(400, "Enter the team"), (D,)), "directory_kept", form={}),
    ("GET", "/directory/teams/{team_id}"): Row(page(e(404), (D,)), "directory_kept",
                                               url=fixed("/directory/teams/999999")),
    ("POST", "/directory/teams/{team_id}"): Row(page(e(404), (D,)), "directory_kept", form={},
                                                url=fixed("/directory/teams/999999")),
    ("POST", "/directory/teams/{team_id}/retire"): Row(page(e(404), (D,)), "directory_kept", form={},
                                                       url=fixed("/directory/teams/999999/retire")),
    ("GET", "/directory/workers/new"): Row(page(e(200, "Add a worker"), (D,)), "directory_kept"),
    ("POST", "/directory/workers"): Row(page(e(400, "Select a team"), (D,)), "directory_kept", form={}),
    ("GET", "/directory/workers/{worker_id}"): Row(page(e(404), (D,)), "directory_kept",
                                                   url=fixed("/directory/workers/999999")),
    ("POST", "/directory/workers/{worker_id}"): Row(page(e(404), (D,)), "directory_kept", form={},
                                                    url=fixed("/directory/workers/999999")),
    ("POST", "/directory/workers/{worker_id}/retire"): Row(page(e(404), (D,)), "directory_kept", form={},
                                                           url=fixed("/directory/workers/999999/retire")),
    # ---- the team around the family: frontline users read it as they may see the person; changes need an
    # organisation involved (none is, in this world: an empty form is refused before that, or a member unknown)
    ("GET", "/persons/{person_id}/team"): Row(
        {**page(TEAM_PAGE, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "team", relational=True),
    ("GET", "/api/v1/persons/{person_id}/team"): Row(
        {**api(TEAM_API, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "team", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/team", world, relation)),
    ("GET", "/api/v1/persons/{person_id}/lead-professional"): Row(
        {**api(LEAD_API, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "team", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/lead-professional", world, relation)),
    ("POST", "/persons/{person_id}/lead"): Row(page(e(400, "Select whether the lead is for"), FRONTLINE),
                                               "team_changed_by", form={}),
    ("POST", "/persons/{person_id}/lead/end"): Row(page(e(400, "Select whether the lead that ends"), FRONTLINE),
                                                   "lead_ended_by", form={}),
    ("POST", "/api/v1/persons/{person_id}/lead-professional/end"): Row(api(e(422), FRONTLINE), "lead_ended_by",
                                                                        json={}),
    # Asked about Ben, whom the police work with and the users' organisation (children's social care) does not.
    ("POST", "/persons/{person_id}/team/members"): Row(
        page(e(403, "Only a practitioner of an organisation involved"), FRONTLINE), "team_changed_by", form={},
        url=lambda world, relation: concrete("/persons/{person_id}/team/members", world, "partner")),
    ("POST", "/persons/{person_id}/team/members/{member_id}/remove"): Row(
        page(e(403, "Only a practitioner of an organisation involved"), FRONTLINE), "team_changed_by", form={},
        url=lambda world, relation: concrete("/persons/{person_id}/team/members/999999/remove", world, "partner")),
    ("PUT", "/api/v1/persons/{person_id}/lead-professional"): Row(api(e(422), FRONTLINE), "team_changed_by", json={}),
    ("POST", "/api/v1/persons/{person_id}/team/members"): Row(api(e(422), FRONTLINE), "team_changed_by", json={}),
    ("DELETE", "/api/v1/persons/{person_id}/team/members/{member_id}"): Row(
        api(e(403, "Only a practitioner of an organisation involved"), FRONTLINE), "team_changed_by",
        json={"reason": "Matrix"},
        url=lambda world, relation: concrete("/api/v1/persons/{person_id}/team/members/999999", world, "partner")),
    # ---- the chronology: practitioners' and MASH officers', following what they may see of the person
    ("GET", "/persons/{person_id}/chronology"): Row(
        {**page(CHRONOLOGY_PAGE, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "chronology", relational=True),
    ("GET", "/persons/{person_id}/chronology/family"): Row(
        {**page(CHRONOLOGY_PAGE, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "chronology", relational=True),
    ("GET", "/persons/{person_id}/chronology.csv"): Row(
        {**page(CHRONOLOGY_FILE, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "chronology", relational=True),
    ("GET", "/persons/{person_id}/chronology.pdf"): Row(
        {**page(CHRONOLOGY_FILE, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "chronology", relational=True),
    ("GET", "/api/v1/persons/{person_id}/chronology"): Row(
        {**api(CHRONOLOGY_API, FRONTLINE), **each(e(403, (), PERSONAL), D, I, T)}, "chronology", relational=True,
        url=lambda world, relation: with_purpose("/api/v1/persons/{person_id}/chronology", world, relation)),
    # ---- ingest reports: the data team's
    ("GET", "/ingest"): Row(page(e(200), LINKAGE), "data_pages"),
    ("GET", "/ingest/{load_id:int}"): Row(page(e(200, "matrix.csv"), LINKAGE), "data_pages"),
    ("GET", "/api/v1/ingest/loads"): Row(api(e(200, "matrix.csv"), LINKAGE), "data_pages"),
    ("GET", "/api/v1/ingest/loads/{load_id}"): Row(api(e(200, "matrix.csv"), LINKAGE), "data_pages"),
    # ---- addresses: finding is everyone's (own records only); review and the report the data team's
    ("GET", "/addresses"): Row(page(e(200))),
    ("GET", "/addresses/{uprn}"): Row(page(e(404))),  # no such UPRN here: the household view is tests/web/test_addresses.py's
    ("GET", "/addresses/review"): Row(page(e(200), LINKAGE)),
    ("GET", "/addresses/review/{match_id:int}"): Row(page(e(404), LINKAGE)),
    ("POST", "/addresses/review/{match_id:int}"): Row(page(e(404), LINKAGE), form={}),
    ("GET", "/addresses/report"): Row(page(e(200), LINKAGE)),
    ("GET", "/addresses/report.csv"): Row(page(e(200), LINKAGE)),
    ("GET", "/api/v1/addresses/matches"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/addresses/matches/{match_id}"): Row(api(e(404), LINKAGE)),
    ("GET", "/api/v1/addresses/review"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/addresses/report"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/addresses/{uprn}"): Row(api(e(404))),
    # ---- linkage: the data team's (identifying fields only, whatever the relation)
    ("GET", "/linkage"): Row(page(e(200), LINKAGE)),
    ("GET", "/linkage/runs"): Row(public(303, signed_in=308)),  # to /linkage, which is gated
    ("GET", "/linkage/runs/{run_id:int}"): Row(page(e(200), LINKAGE)),
    ("GET", "/linkage/review"): Row(page(e(200), LINKAGE)),
    ("GET", "/linkage/pairs/{left:int}/{right:int}"): Row(page(e(200, m["own_name"], m["own_fact"],
                                                                 promise="data_team"), LINKAGE)),
    ("POST", "/linkage/pairs/{left:int}/{right:int}"): Row(page(e(400), LINKAGE), form={}),
    ("GET", "/linkage/persons/{person_id}"): Row(
        page(by_relation(**{relation: e(200, NAMES[relation].split()[0], FACTS, promise="data_team")
                            for relation in REL}), LINKAGE), relational=True),
    ("GET", "/linkage/persons/{person_id}/split"): Row(page(e(200), LINKAGE), relational=True,
                                                       url=lambda world, relation: concrete(
                                                           "/linkage/persons/{person_id}/split", world, relation)
                                                       + f"?record={_target(world, relation)}"),
    ("POST", "/linkage/persons/{person_id}/split"): Row(page(e(404), LINKAGE), form={}, relational=True),
    ("GET", "/linkage/persons/{person_id}/merge"): Row(page(e(200), LINKAGE), relational=True),
    ("POST", "/linkage/persons/{person_id}/merge"): Row(page(e(400), LINKAGE), form={}, relational=True),
    ("GET", "/linkage/model"): Row(page(e(200), LINKAGE)),
    ("POST", "/linkage/model/thresholds"): Row(page(e(400), LINKAGE), form={}),
    ("POST", "/linkage/model/adopt"): Row(page(e(404), LINKAGE), form={}),
    ("GET", "/api/v1/linkage/runs"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/runs/{run_id}"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/review"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/pairs/{left}/{right}"): Row(api(e(200, m["own_name"], m["own_fact"], promise="data_team"),
                                                             LINKAGE)),
    ("POST", "/api/v1/linkage/pairs/{left}/{right}/decision"): Row(
        api(e(404), LINKAGE), url=fixed("/api/v1/linkage/pairs/999998/999999/decision"),
        json={"decision": "accept", "reason": "Matrix"}),
    ("POST", "/api/v1/linkage/persons/{person_id}/merge"): Row(
        api(e(404), LINKAGE), relational=True, json={"other": "P0000000000", "reason": "Matrix"}),
    ("POST", "/api/v1/linkage/persons/{person_id}/split"): Row(
        api(e(404), LINKAGE), relational=True, json={"record_id": 999999, "reason": "Matrix"}),
    ("GET", "/api/v1/linkage/thresholds"): Row(api(e(200), LINKAGE)),
    ("PUT", "/api/v1/linkage/thresholds"): Row(api(e(422), LINKAGE), json={"threshold": 0.6, "review_from": 0.9}),
    ("GET", "/api/v1/linkage/models"): Row(api(e(200), LINKAGE)),
    ("POST", "/api/v1/linkage/models/{version}/adopt"): Row(api(e(404), LINKAGE),
                                                            url=fixed("/api/v1/linkage/models/99/adopt"), json={}),
    # ---- the IG lead's pages and API (helper S1's): for IG leads and administrators
    ("GET", "/sharing"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/purposes"): Row(page(e(200, "Safeguarding a child"), GOVERN)),
    ("GET", "/sharing/purposes/new"): Row(page(e(200), GOVERN)),
    ("POST", "/sharing/purposes/new"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/purposes/{code}"): Row(page(e(200), GOVERN)),
    ("POST", "/sharing/purposes/{code}"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/categories"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/categories/new"): Row(page(e(200), GOVERN)),
    ("POST", "/sharing/categories/new"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/categories/{code}"): Row(page(e(200), GOVERN)),
    ("POST", "/sharing/categories/{code}"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/agreements"): Row(page(e(200, "SAFE-ISA"), GOVERN)),
    ("GET", "/sharing/agreements/new"): Row(page(e(200), GOVERN)),
    ("POST", "/sharing/agreements/new"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/agreements/{code}"): Row(page(e(200, "SAFE-ISA"), GOVERN)),
    ("POST", "/sharing/agreements/{code}/versions"): Row(page(e(404), GOVERN), form={},
                                                         url=fixed("/sharing/agreements/NO-SUCH/versions")),
    ("GET", "/sharing/agreements/{code}/versions/{number:int}"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/agreements/{code}/versions/{number:int}/edit"): Row(page(e(303), GOVERN)),  # active: not edited
    ("POST", "/sharing/agreements/{code}/versions/{number:int}/edit"): Row(page(e(400), GOVERN), form={}),
    ("POST", "/sharing/agreements/{code}/versions/{number:int}/sign"): Row(page(e(400), GOVERN), form={}),
    ("POST", "/sharing/agreements/{code}/versions/{number:int}/status"): Row(page(e(400), GOVERN), form={}),
    ("GET", "/sharing/log"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/log/export.csv"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/consent"): Row(page(e(200, "PWITHDRAWN1"), GOVERN)),
    # Bea (children's social care) broke the glass: her organisation's IG lead reviews it; the
    # administrator only once it is escalated (it is not yet).
    ("GET", "/sharing/break-glass"): Row({**page(e(200, "bea.social"), GOVERN), D: e(200, (), "bea.social")},
                                         "review"),
    ("GET", "/sharing/break-glass/{access_id:int}"): Row({**page(e(200, "bea.social"), GOVERN), D: e(404)},
                                                         "review"),
    ("POST", "/sharing/break-glass/{access_id:int}"): Row({**page(e(400), GOVERN), D: e(404)}, "review", form={}),
    ("GET", "/sharing/view-as"): Row(page(e(200), PREVIEW)),
    ("POST", "/sharing/view-as/samples"): Row(page(e(404), GOVERN), form={}),
    ("GET", "/sharing/map"): Row(page(e(200), GOVERN)),
    ("GET", "/sharing/consent-script"): Row(page(e(200, "will not be sold"))),
    ("GET", "/api/v1/sharing/purposes"): Row(api(e(200), GOVERN)),
    ("POST", "/api/v1/sharing/purposes"): Row(api(e(409), GOVERN), json={"code": "not a code!", "name": "Matrix"}),
    ("PUT", "/api/v1/sharing/purposes/{code}"): Row(api(e(404), GOVERN), url=fixed("/api/v1/sharing/purposes/no_such"),
                                                    json={"name": "Matrix"}),
    ("GET", "/api/v1/sharing/categories"): Row(api(e(200), GOVERN)),
    ("GET", "/api/v1/sharing/consent"): Row(api(e(200, "PWITHDRAWN1"), GOVERN)),
    ("POST", "/api/v1/sharing/categories"): Row(api(e(409), GOVERN),
                                                json={"code": "matrix", "name": "Matrix", "fields": ["not_a_field"]}),
    ("PUT", "/api/v1/sharing/categories/{code}"): Row(api(e(404), GOVERN),
                                                      url=fixed("/api/v1/sharing/categories/no_such"),
                                                      json={"name": "Matrix"}),
    ("GET", "/api/v1/sharing/agreements"): Row(api(e(200, "SAFE-ISA"), GOVERN)),
    ("POST", "/api/v1/sharing/agreements"): Row(api(e(409), GOVERN), json={"code": "SAFE-ISA", "title": "Again"}),
    ("GET", "/api/v1/sharing/agreements/{code}"): Row(api(e(200), GOVERN)),
    ("POST", "/api/v1/sharing/agreements/{code}/versions"): Row(
        api(e(404), GOVERN), url=fixed("/api/v1/sharing/agreements/NO-SUCH/versions"), json={}),
    ("GET", "/api/v1/sharing/agreements/{code}/versions/{version}"): Row(api(e(200), GOVERN)),
    ("PATCH", "/api/v1/sharing/agreements/{code}/versions/{version}"): Row(api(e(409), GOVERN),
                                                                           json={"retention": "forever"}),
    ("POST", "/api/v1/sharing/agreements/{code}/versions/{version}/signatures"): Row(
        api(e(409), GOVERN), json={"organisation": "CSC", "name": "Again"}),
    ("POST", "/api/v1/sharing/agreements/{code}/versions/{version}/status"): Row(
        api(e(409), GOVERN), json={"status": "active"}),
    ("GET", "/api/v1/sharing/decisions"): Row(api(e(200), GOVERN)),
    ("GET", "/api/v1/sharing/decisions/export"): Row(api(e(200), GOVERN)),
    ("GET", "/api/v1/sharing/break-glass"): Row({**api(e(200, "bea.social"), GOVERN), D: e(200, (), "bea.social")},
                                                "review"),
    ("GET", "/api/v1/sharing/break-glass/{access_id}"): Row({**api(e(200, "bea.social"), GOVERN), D: e(404)},
                                                            "review"),
    ("POST", "/api/v1/sharing/break-glass/{access_id}/review"): Row(
        api(e(404), GOVERN), url=fixed("/api/v1/sharing/break-glass/999999/review"),
        json={"decision": "appropriate", "note": "Matrix"}),
    ("GET", "/api/v1/sharing/view-as"): Row(api(e(200), GOVERN), url=lambda world, relation: (
        "/api/v1/sharing/view-as?" + urlencode({"person_id": RELATIONS["own"], "organisation": "POL",
                                                "role": "practitioner", "purpose": "safeguarding_child"}))),
    ("GET", "/api/v1/sharing/flows"): Row(api(e(200), GOVERN)),
    ("GET", "/api/v1/sharing/training-samples"): Row(api(e(200), PREVIEW)),
    ("PUT", "/api/v1/sharing/training-samples/{person_id}"): Row(
        api(e(404), GOVERN), url=fixed("/api/v1/sharing/training-samples/PNOBODY"), json={"note": "Matrix"}),
    ("DELETE", "/api/v1/sharing/training-samples/{person_id}"): Row(
        api(e(404), GOVERN), url=fixed("/api/v1/sharing/training-samples/PNOBODY")),
    ("GET", "/api/v1/sharing/consent-script"): Row(api(e(200))),
    # ---- transparency for the person: the IG lead's alone. The report lists accesses, never
    # what a record holds; the writes are asked with an empty form or of a request that
    # does not exist, so nothing changes.
    ("GET", "/transparency"): Row(page(e(200, "Transparency for the person"), TRANSPARENT)),
    ("GET", "/transparency/persons/{person_id}"): Row(page(e(200, "Who has seen this record", FACTS,
                                                             promise="report_not_records"), TRANSPARENT)),
    ("GET", "/transparency/persons/{person_id}/report.pdf"): Row(page(e(200), TRANSPARENT)),
    # A receipt is asked for an entry that is not on the report: refused, nothing made.
    ("GET", "/transparency/persons/{person_id}/receipts/{entry}"): Row(page(e(404), TRANSPARENT)),
    ("POST", "/transparency/persons/{person_id}/names"): Row(page(e(400, "Say why the staff names are needed"),
                                                                  TRANSPARENT), form={}),
    ("POST", "/transparency/persons/{person_id}/holds"): Row(page(e(400, "Say why the entries must be held back"),
                                                                  TRANSPARENT), form={}),
    ("GET", "/subject-access"): Row(page(e(200, "Record a request"), TRANSPARENT)),
    ("POST", "/subject-access"): Row(page(e(400), TRANSPARENT), form={}),
    ("GET", "/subject-access/{request_id}"): Row(page(e(404), TRANSPARENT), url=fixed("/subject-access/999999")),
    ("POST", "/subject-access/{request_id}/status"): Row(page(e(404), TRANSPARENT), form={},
                                                         url=fixed("/subject-access/999999/status")),
    ("GET", "/subject-access/{request_id}/export.zip"): Row(page(e(404), TRANSPARENT),
                                                            url=fixed("/subject-access/999999/export.zip")),
    ("GET", "/api/v1/transparency/persons/{person_id}"): Row(api(e(200, '"entries"', FACTS,
                                                                   promise="report_not_records"), TRANSPARENT)),
    ("GET", "/api/v1/transparency/persons/{person_id}/receipts/{entry}"): Row(api(e(404), TRANSPARENT)),
    ("GET", "/api/v1/subject-access"): Row(api(e(200), TRANSPARENT)),
    ("POST", "/api/v1/subject-access"): Row(api(e(400), TRANSPARENT),
                                            json={"person_id": "PNOBODY0001", "received_on": "2026-01-01"}),
    ("GET", "/api/v1/subject-access/{request_id}"): Row(api(e(404), TRANSPARENT),
                                                        url=fixed("/api/v1/subject-access/999999")),
    ("POST", "/api/v1/subject-access/{request_id}/status"): Row(api(e(404), TRANSPARENT), json={"move": "start"},
                                                                url=fixed("/api/v1/subject-access/999999/status")),
    ("GET", "/api/v1/subject-access/{request_id}/export"): Row(api(e(404), TRANSPARENT),
                                                               url=fixed("/api/v1/subject-access/999999/export")),
    # ---- monitoring: Bea's break-glass raised a task for her organisation's IG lead; the
    # administrator reviews it only where the organisation has no IG lead (it has one).
    ("GET", "/monitoring"): Row({**page(e(200, "bea.social"), GOVERN), D: e(200, (), "bea.social")},
                                "monitoring_scope"),
    ("POST", "/monitoring/run"): Row(page(e(303), GOVERN), form={}),  # reads the log on; changes no task
    ("GET", "/monitoring/summary"): Row({**page(e(200, "Break-glass used"), GOVERN),
                                        D: e(200, "No tasks have been raised", "Break-glass used")},
                                       "monitoring_scope"),
    ("GET", "/monitoring/tasks/{task_id:int}"): Row({**page(e(200, "bea.social"), GOVERN), D: e(404)},
                                                    "monitoring_scope"),
    ("POST", "/monitoring/tasks/{task_id:int}"): Row({**page(e(400), GOVERN), D: e(404)}, "monitoring_scope",
                                                     form={}),
    ("GET", "/api/v1/monitoring/tasks"): Row({**api(e(200, "bea.social"), GOVERN), D: e(200, (), "bea.social")},
                                             "monitoring_scope"),
    ("GET", "/api/v1/monitoring/tasks/{task_id}"): Row({**api(e(200, "bea.social"), GOVERN), D: e(404)},
                                                       "monitoring_scope"),
    ("POST", "/api/v1/monitoring/tasks/{task_id}/outcome"): Row(
        api(e(404), GOVERN), url=fixed("/api/v1/monitoring/tasks/999999/outcome"),
        json={"outcome": "no_concern", "note": "Matrix"}),
    # ---- staff declarations: everyone's own (none is made here: a withdrawal finds nothing,
    # an empty form is refused by field); the list is the reviewers'.
    ("GET", "/monitoring/declaration"): Row(page(e(200, "You have not declared")), "declaration_own"),
    ("POST", "/monitoring/declaration"): Row(page(e(400, "Enter the surname")), "declaration_own", form={}),
    ("POST", "/monitoring/declaration/withdraw"): Row(page(e(404)), "declaration_own", form={}),
    ("GET", "/api/v1/monitoring/declaration"): Row(api(e(404, "no declaration")), "declaration_own"),
    ("PUT", "/api/v1/monitoring/declaration"): Row(api(e(400, '"surname"')), "declaration_own",
                                                   json={"surname": "", "postcode": "LS1 4AP"}),
    ("DELETE", "/api/v1/monitoring/declaration"): Row(api(e(404, "no declaration")), "declaration_own", json={}),
    ("GET", "/monitoring/declarations"): Row(page(e(200, "Staff declarations"), GOVERN), "declarations"),
    ("GET", "/api/v1/monitoring/declarations"): Row(api(e(200, "[]"), GOVERN), "declarations"),
    # ---- the administrators' API: unlocking an account (an unknown one here: nothing changes)
    ("PUT", "/api/v1/admin/users/{username}/roles"): Row(
        api(e(404, "No account has this username"), (D,)), "roles",
        url=fixed("/api/v1/admin/users/no.such.user/roles"), json={"roles": ["trainer"], "reason": "Matrix"}),
    ("POST", "/api/v1/admin/users/{username}/unlock"): Row(
        api(e(404, "No account has this username"), (D,)), url=fixed("/api/v1/admin/users/no.such.user/unlock"),
        json={}),
}


#: The promise a route family's cells check when neither the cell nor its row names one.
FAMILIES = (
    ("/api/v1/sharing/view-as", "preview"), ("/api/v1/sharing/training-samples", "preview"),
    ("/sharing/view-as", "preview"), ("/api/v1/sharing/consent-script", "consent_script"),
    ("/sharing/consent-script", "consent_script"), ("/sharing", "governance"), ("/api/v1/sharing", "governance"),
    ("/addresses/review", "data_pages"), ("/addresses/report", "data_pages"), ("/api/v1/addresses/matches", "data_pages"),
    ("/api/v1/addresses/review", "data_pages"), ("/api/v1/addresses/report", "data_pages"),
    ("/addresses", "own"), ("/api/v1/addresses", "own"), ("/linkage", "data_pages"), ("/api/v1/linkage", "data_pages"),
    ("/api/v1/admin", "unlock"), ("/transparency", "transparency"), ("/subject-access", "transparency"),
    ("/api/v1/transparency", "transparency"), ("/api/v1/subject-access", "transparency"),
    ("/api/v1/admin", "unlock"), ("/monitoring", "monitoring"), ("/api/v1/monitoring", "monitoring"),
)


def promise_of(path: str, row: Row, cell: E) -> str:
    if cell.promise:
        return cell.promise
    if row.promise:
        return row.promise
    return next((promise for prefix, promise in FAMILIES if path.startswith(prefix)), "")


def _purpose_query(relation: str) -> dict[str, str]:
    if not PURPOSES[relation]:
        return {}
    code, relationship, risk = PURPOSES[relation]
    return {"purpose": code, **({"relationship": relationship} if relationship else {}),
            **({"safeguarding_risk": "true"} if risk else {})}





# --------------------------------------------------------------------------- the app's routes


def app_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, through included routers; HEAD is GET's."""

    def walk(routes):
        for route in routes:
            if isinstance(route, _IncludedRouter):
                yield from walk(route.effective_candidates())
            else:
                yield route

    found = set()
    for route in walk(app.routes):
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_is_in_the_table(tmp_path):
    app = create_app(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    served = app_routes(app)
    assert sorted(served - set(TABLE)) == [], "routes missing from the authorisation table"
    assert sorted(set(TABLE) - served) == [], "routes in the table that the app no longer serves"
    for key, row in TABLE.items():
        assert set(row.expect) == set(ROLES), key
        for cell in row.expect.values():
            assert isinstance(cell, E) or (row.relational and set(cell) == set(REL)), key
            for one in cell.values() if isinstance(cell, dict) else (cell,):
                assert promise_of(key[1], row, one) in PROMISES, (key, one)


# --------------------------------------------------------------------------- the world and the sweep


#: The record each relation is about.
TARGETS = {"own": "CSC-100", "partner": "POL-200", "none": "HSG-300", "shielded": "VCS-400", "withdrawn": "POL-500",
           "not_open": "POL-600", "glass": "VCS-700", "unscoped": "VCS-800", "scoped": "VCS-900"}


def _target(world: World, relation: str) -> int:
    return world.records[TARGETS.get(relation, "CSC-100")]


def concrete(template: str, world: World, relation: str) -> str:
    """The route's path for the relation's person and record, and the world's other objects."""
    ids = _IDS.get(id(world), {})
    path = (template.replace("{person_id}", PERSON_IDS.get(relation, PERSON_IDS["own"]))
            .replace("{record_id:int}", str(_target(world, relation))).replace("{record_id}", str(_target(world, relation)))
            .replace("{load_id:int}", ids.get("load", "0")).replace("{load_id}", ids.get("load", "0"))
            .replace("{match_id:int}", "999999").replace("{match_id}", "999999")
            .replace("{uprn}", "100000000001")
            .replace("{run_id:int}", ids.get("run", "0")).replace("{run_id}", ids.get("run", "0"))
            .replace("{left:int}", str(world.records["CSC-100"])).replace("{left}", str(world.records["CSC-100"]))
            .replace("{right:int}", str(world.records["POL-100"])).replace("{right}", str(world.records["POL-100"]))
            .replace("/purposes/{code}", "/purposes/early_help").replace("/categories/{code}", "/categories/identity")
            .replace("{code}", "SAFE-ISA").replace("{number:int}", "1").replace("{version}", "1")
            .replace("{access_id:int}", ids.get("access", "0")).replace("{access_id}", ids.get("access", "0"))
            .replace("{task_id:int}", ids.get("task", "0")).replace("{task_id}", ids.get("task", "0"))
            .replace("{entry}", "sharing_decisions:999999"))
    assert "{" not in path, path
    return path


#: The ids of the objects :func:`_seed` adds, by world.
_IDS: dict[int, dict[str, str]] = {}

#: The persons the matrix adds to the practice world: reference → (system, person, values).
MORE_RECORDS = {
    "POL-600": ("police", "PNOTOPEN001", dict(forename="Fay", surname="Notopen", date_of_birth=date(1980, 6, 6),
                                              facts={"incident_type": MORE["fay_theft"]})),
    "HSG-700": ("housing", "PGLASS00001", dict(forename="Gil", surname="Glass", date_of_birth=date(2010, 7, 7),
                                               facts={"arrears": MORE["gil_arrears"]})),
    "VCS-700": ("voluntary", "PGLASS00001", dict(forename="Gil", surname="Glass", date_of_birth=date(2010, 7, 7),
                                                 facts={"need": MORE["gil_service"], "notes": MORE["gil_notes"],
                                                        "worker_team": MORE["gil_team"]})),
    "POL-800": ("police", "PUNSCOPED01", dict(forename="Una", surname="Unscoped", date_of_birth=date(1985, 8, 8),
                                              phone=MORE["una_phone"])),
    "VCS-800": ("voluntary", "PUNSCOPED01", dict(forename="Una", surname="Unscoped", date_of_birth=date(1985, 8, 8),
                                                 facts={"need": "Mental health support", "notes": MORE["una_notes"]})),
    "VCS-900": ("voluntary", "PSCOPED0001", dict(forename="Sia", surname="Scoped", date_of_birth=date(1980, 9, 9),
                                                 facts={"need": "Mental health support", "notes": MORE["sia_notes"]})),
}


def _seed(engine) -> World:
    """The practice world and the matrix's own persons; an ingest load, a link run, another
    practitioner's break-glass access (waiting for the IG lead's review), the frontline
    users' break-glass to Gil, and Una's and Sia's consent."""
    world = seed_sharing(engine)
    with transaction(engine) as session:
        systems = {system.code: system for system in session.scalars(select(SourceSystem))}
        for reference, (system, _person, values) in MORE_RECORDS.items():
            world.records[reference] = source_record(session, systems[system], reference, **values).id
        for person_id in dict.fromkeys(person for _system, person, _values in MORE_RECORDS.values()):
            held = [world.records[reference] for reference, (_s, owner, _v) in MORE_RECORDS.items() if owner == person_id]
            world.persons[person_id] = person_of(session, person_id, held).id
        una = session.get(Person, world.persons["PUNSCOPED01"])
        # Consent "given" naming nothing, as kept from before consent had to name its scope.
        session.add(ConsentRecord(person_id=una.id, decision="given", form="verbal", purposes=[], organisations=[],
                                  categories=[], recorded_by="legacy"))
        record_consent(session, SYSTEM, session.get(Person, world.persons["PSCOPED0001"]), decision="given",
                       form="written", purposes=["early_help"], organisations=["CSC"],
                       categories=["identity", "sensitive_services", "voluntary_support"], evidence="Signed form")
        csc = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
        now = utcnow()
        load = IngestLoad(source_system_id=csc.id, file_name="matrix.csv", file_sha256="0" * 64, started_at=now,
                          finished_at=now, status="finished", rows_read=1, rows_loaded=1, loaded_by="test")
        session.add(load)
        bea = user(session, "bea.social", "CSC", ["practitioner"], display_name="Bea")
        access = start_break_glass(session, actor_of(bea), session.get(Person, world.persons[RELATIONS["none"]]),
                                   reason="A child found alone at the address")
        gil = session.get(Person, world.persons["PGLASS00001"])
        for role in FRONTLINE:
            frontline = session.scalar(select(User).where(User.username == ROLE_USERS[role][0]))
            start_break_glass(session, actor_of(frontline), gil, reason="Gil found alone at home at night",
                              minutes=240)
        for reference, (kind, category, organisation) in MATRIX_FLAGS.items():
            session.add(Flag(source_record_id=world.records[reference], type=kind, category=category,
                             organisation_id=world.organisations[organisation], starts_on=date(2025, 5, 3),
                             legal_status="", status="current", source="extract:matrix"))
        for reference, (organisation, team, worker, role, sensitive) in MATRIX_INVOLVEMENTS.items():
            kept = Team(organisation_id=world.organisations[organisation], name=team, duty_phone="0306 999 0100",
                        sensitive_category="sensitive_services" if sensitive else None)
            named = Worker(organisation_id=world.organisations[organisation], team=kept, name=worker, role=role,
                           phone="0306 999 0101", secure_email=f"{worker.split()[-1].lower()}@matrix.example")
            session.add_all([kept, named])
            session.flush()
            session.add(Involvement(source_record_id=world.records[reference],
                                    organisation_id=world.organisations[organisation], team_id=kept.id,
                                    worker_id=named.id, role=role, contact_route="phone", starts_on=date(2025, 5, 3),
                                    status="current", source="extract", recorded_by="matrix"))
        run = session.scalar(select(func.min(LinkRun.id)))
        _IDS[id(world)] = {"load": str(load.id), "access": str(access.id), "run": str(run)}
    run_monitoring(engine, Actor.system("cli", "monitor"), MonitoringRules())
    with transaction(engine) as session:
        _IDS[id(world)]["task"] = str(session.scalar(select(MonitoringTask.id).where(
            MonitoringTask.username == "bea.social", MonitoringTask.rule == "break_glass")))
    return world


def _snapshot(engine) -> tuple:
    """What no cell may change."""
    with transaction(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(ConsentRecord)),
            tuple(session.execute(select(BreakGlass.id, BreakGlass.review_status).order_by(BreakGlass.id)).all()),
            tuple(session.execute(select(AgreementVersion.id, AgreementVersion.status, AgreementVersion.retention)
                                  .order_by(AgreementVersion.id)).all()),
            tuple(session.scalars(select(Purpose.name).order_by(Purpose.code))),
            tuple(session.scalars(select(DataCategory.name).order_by(DataCategory.code))),
            tuple(session.execute(select(Person.person_id, Person.retired_at).order_by(Person.id)).all()),
            session.scalar(select(func.count()).select_from(SharingDecision).where(SharingDecision.outcome == "declined")),
            session.scalar(select(func.count()).select_from(TrainingSample)),
            tuple(session.execute(select(MonitoringTask.id, MonitoringTask.outcome)
                                  .where(MonitoringTask.status == "closed").order_by(MonitoringTask.id)).all()),
        )


def _log_marks(engine) -> tuple[int, int]:
    """Where the audit trail and the decision log end now: the last ids of each."""
    with transaction(engine) as session:
        return (session.scalar(select(func.max(AuditEvent.id))) or 0,
                session.scalar(select(func.max(SharingDecision.id))) or 0)


def _logged_a_refusal_since(engine, marks: tuple[int, int]) -> bool:
    """Whether a refusal was written after ``marks``: an audit event denied, or records withheld."""
    events, decisions = marks
    with transaction(engine) as session:
        return bool(
            session.scalar(select(AuditEvent.id).where(AuditEvent.id > events, AuditEvent.outcome == "denied")
                           .limit(1))
            or session.scalar(select(SharingDecision.id).where(SharingDecision.id > decisions,
                                                               SharingDecision.outcome == "withheld").limit(1)))


def _client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def _state_purposes(client: TestClient, token: str, role: str) -> list[str]:
    """State each relation's purpose on its purpose page, as the user would. Only the
    frontline roles may state one, and only a purpose open to them ("stating")."""
    problems = []
    for relation, person_id in PERSON_IDS.items():
        if PURPOSES[relation]:
            code, relationship, risk = PURPOSES[relation]
            form = {"csrf_token": token, "purpose": code}
            if relationship:
                form |= {"relationship_choice": "other", "relationship_other": relationship}
            if risk:
                form |= {"safeguarding_risk": "yes"}
            expected = 303 if role in FRONTLINE and relation != "not_open" else 400
            status = client.post(f"/persons/{person_id}/purpose", data=form).status_code
            if status != expected:
                problems.append(f"stating {code} for {person_id} as {role}: {status}, expected {expected} (stating)")
    return problems


def _ask(client: TestClient, method: str, url: str, row: Row, token: str | None):
    if method in ("GET", "MOUNT"):
        return client.get(url)
    if url.startswith("/api/"):
        return client.request(method, url, json=row.json if row.json is not None else {},
                              headers={"X-CSRF-Token": token} if token else {})
    return client.request(method, url, data={**({"csrf_token": token} if token else {}), **(row.form or {})})


#: What the API answers without a session ("sign_in").
SIGN_IN_FIRST = "Sign in to use the API."


def _forged(client: TestClient, method: str, url: str, row: Row, where: str) -> list[str]:
    """The CSRF column: a write the role may make is refused (403) without the session's
    token and with a forged one, before it can change anything ("signed_in")."""
    problems = []
    for forged in (None, "forged-token"):
        response = _ask(client, method, url, row, forged)
        if response.status_code != 403:
            problems.append(f"{where}, CSRF token {forged!r}: {response.status_code}, expected 403 (signed_in)")
        elif not url.startswith("/api/") and "Your form could not be sent" not in response.text:
            problems.append(f"{where}, CSRF token {forged!r}: the refusal does not say the form was not sent")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role_and_relation(engine, web_settings, make_app, role):
    world = _seed(engine)
    app = make_app(web_settings, engine)
    before = _snapshot(engine)
    problems: list[str] = []
    with _client(app) as client:
        token = None
        if role != ANON:
            assert sign_in(client, ROLE_USERS[role][0]).status_code == 303
            token = csrf_token(client.get("/").text)
            problems += _state_purposes(client, token, role)
        for (method, path), row in TABLE.items():
            for relation in (REL if row.relational else ("-",)):
                cell = row.expect[role]
                expected = cell[relation] if isinstance(cell, dict) else cell
                url = row.url(world, relation) if row.url else concrete(path, world, relation)
                where = f"{method} {url} as {role} ({relation}; {promise_of(path, row, expected)})"
                if (method, path) == ("POST", "/sign-out"):
                    with _client(app) as other:  # signing out ends a session: use another one
                        other_token = None
                        if role != ANON:
                            sign_in(other, ROLE_USERS[role][0])
                            other_token = csrf_token(other.get("/").text)
                        response = _ask(other, method, url, row, other_token)
                else:
                    if token and method not in ("GET", "MOUNT") and expected.status != 403:
                        problems += _forged(client, method, url, row, where)
                    marks = _log_marks(engine)
                    response = _ask(client, method, url, row, token)
                    if response.status_code == 403 and role != ANON and not _logged_a_refusal_since(engine, marks):
                        problems.append(f"{where}: refused without a log entry")
                if response.status_code != expected.status:
                    problems.append(f"{where}: {response.status_code}, expected {expected.status}")
                    continue
                text = response.text
                problems += [f"{where}: {value!r} missing" for value in expected.shows if value not in text]
                problems += [f"{where}: {value!r} shown" for value in expected.hides if value in text]
                if role == ANON and response.status_code == 401 and response.json() != {"detail": SIGN_IN_FIRST}:
                    problems.append(f"{where}: the 401 does not say {SIGN_IN_FIRST!r}")
                if (expected.promise == "sign_in" and response.status_code == 303
                        and not response.headers["location"].startswith("/sign-in")):
                    problems.append(f"{where}: sent to {response.headers['location']}, not to sign in")
                if response.status_code in (401, 403) or (response.status_code == 303 and role == ANON):
                    problems += [f"{where}: refusal shows {value!r}" for value in PERSONAL if value in text]
    assert not problems, "\n".join(problems)
    assert _snapshot(engine) == before, "a cell changed something"
