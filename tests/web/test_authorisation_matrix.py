"""The authorisation matrix: every route × every demo role × the relation to the record.

:data:`TABLE` says, for every route of the app (pages and API, the IG lead's and the data
team's included), what each demo role gets: the status, and for routes that read a
person's records, which values appear and which must not, for each relation of the person
to the user's organisation (tests/web/practice_support.py):

- ``own``: own caseload (the organisation's own record, and a partner's);
- ``partner``: a partner's record, read for a purpose an agreement covers;
- ``none``: no relation (an organisation party to no agreement);
- ``shielded``: a partner's record and a shielded sensitive service;
- ``withdrawn``: a partner's record, and the person withdrew consent.

The purposes are stated as a practitioner would: in the web session for the pages, in the
query for the API (:data:`practice_support.PURPOSES`). ``test_every_route_is_in_the_table``
enumerates ``app.routes`` and fails on a route the table does not have (or one it has that
no longer exists). Every cell is requested; every refusal (403) by a signed-in user must
leave a log entry (a denied audit event or a withheld decision); a refusal never shows a
personal value. Cells that would change something are asked in a way that cannot (an
empty form, an object that does not exist), and the test checks nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from practice_support import MARKERS, PURPOSES, RELATIONS, ROLE_USERS, World, seed_sharing
from sqlalchemy import func, select
from starlette.routing import Mount
from web_support import csrf_token, sign_in

from joinedup.audit import Actor, AuditEvent
from joinedup.config import Settings
from joinedup.db import transaction, utcnow
from joinedup.ingest.models import IngestLoad
from joinedup.partners.models import SourceSystem
from joinedup.people.models import Person
from joinedup.sharing.break_glass import start_break_glass
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

# --------------------------------------------------------------------------- the roles

P, M, I, D, T = "practitioner", "mash_officer+practitioner", "ig_lead", "data_team+admin", "trainer"
ANON = "anonymous"
SIGNED_IN = (P, M, I, D, T)
ROLES = (*SIGNED_IN, ANON)
REL = tuple(RELATIONS)  # own, partner, none, shielded, withdrawn


def test_the_roles_are_the_demos():
    """One column per distinct set of roles a demo user holds, and one for no session."""
    assert set(ROLE_USERS) == set(SIGNED_IN)


# --------------------------------------------------------------------------- what is expected


@dataclass(frozen=True)
class E:
    """An expected cell: the status, values that must appear, values that must not."""

    status: int
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()


def e(status: int, shows: tuple[str, ...] | str = (), hides: tuple[str, ...] | str = ()) -> E:
    return E(status, (shows,) if isinstance(shows, str) else shows, (hides,) if isinstance(hides, str) else hides)


Cell = E | dict[str, E]


@dataclass(frozen=True)
class Row:
    """One route: how it is asked, and what each role gets (per relation, for a route
    that reads a person's records)."""

    expect: dict[str, Cell]
    url: Callable[[World, str], str] | None = None  # default: the path, made concrete
    form: dict | None = None  # a page's form (the session's CSRF token is added)
    json: dict | None = None  # an API write's body (sent with the X-CSRF-Token header)
    relational: bool = False


def each(cell: Cell, *roles: str) -> dict[str, Cell]:
    return {role: cell for role in roles}


def page(ok: Cell, allowed: tuple[str, ...] = SIGNED_IN, denied: int = 403) -> dict[str, Cell]:
    """A page: ``allowed`` roles get ``ok``, the others ``denied``; without a session, sign in."""
    return {**each(e(denied), *[role for role in SIGNED_IN if role not in allowed]), **each(ok, *allowed),
            ANON: e(303)}


def api(ok: Cell, allowed: tuple[str, ...] = SIGNED_IN, denied: int = 403) -> dict[str, Cell]:
    """An API route: as :func:`page`, but 401 without a session."""
    return {**page(ok, allowed, denied), ANON: e(401)}


def public(status: int = 200, signed_in: int | None = None) -> dict[str, Cell]:
    return {**each(e(signed_in or status), *SIGNED_IN), ANON: e(status)}


def by_relation(**cells: E) -> dict[str, E]:
    assert set(cells) == set(REL), sorted(cells)
    return cells


def with_purpose(template: str, *, search: bool = False) -> Callable[[World, str], str]:
    """The API states the relation's purpose in the query (and, for a search, its name)."""

    def url(world: World, relation: str) -> str:
        params = {"q": SEARCH[relation]} if search else {}
        if PURPOSES[relation]:
            code, relationship = PURPOSES[relation]
            params |= {"purpose": code, **({"relationship": relationship} if relationship else {})}
        return concrete(template, world, relation) + (f"?{urlencode(params)}" if params else "")

    return url


def fixed(url: str) -> Callable[[World, str], str]:
    return lambda world, relation: url


# The values each relation shows or must not.
m = MARKERS
NAMES = {"own": "Ava Own", "partner": "Ben Partner", "none": "Cal Nobody", "shielded": "Dee Shield",
         "withdrawn": "Eve Withdrawn"}
SEARCH = {relation: name.lower() for relation, name in NAMES.items()}
SHIELD_NOTICE = "A service is involved that we cannot name here"
SECRETS = (m["shield_service"], m["shield_notes"], m["shield_org"])
#: Every personal value in the world: a refusal shows none of them.
PERSONAL = (*NAMES.values(), m["own_fact"], m["own_police_fact"], m["partner_incident"], m["partner_phone"],
            m["partner_warning"], m["none_fact"], *SECRETS, m["withdrawn_incident"])

# A practitioner (and any user of their organisation: the rules are the organisation's)
# reading persons for the purposes they stated.
PERSON_PAGE = by_relation(
    own=e(200, (NAMES["own"], "Children&#39;s case system"), ("Police records",)),
    partner=e(200, (NAMES["partner"], "Police records")),
    none=e(403, "No sharing agreement lets your organisation see this person", NAMES["none"]),
    shielded=e(200, (NAMES["shielded"], SHIELD_NOTICE, "iris.ig@example.org"), SECRETS + ("Referrals",)),
    withdrawn=e(403, (), NAMES["withdrawn"]),
)
# The data team reads persons as person-index processing: identifying fields, never facts.
PERSON_PAGE_DATA_TEAM = by_relation(
    own=e(200, NAMES["own"]), partner=e(200, NAMES["partner"]), none=e(200, NAMES["none"]),
    shielded=e(200, NAMES["shielded"], SECRETS[:2] + (SHIELD_NOTICE,)), withdrawn=e(200, NAMES["withdrawn"]),
)
PERSON_API = by_relation(
    own=e(200, (m["own_name"], m["own_fact"]), (m["own_police_fact"], "07700900101")),
    partner=e(200, (m["partner_incident"], '"purpose":"safeguarding_child"'), (m["partner_phone"], m["partner_warning"])),
    none=e(403, "No rule allows you to see any of this person", NAMES["none"]),
    shielded=e(200, (m["shield_police_phone"], '"shielded":true', "iris.ig@example.org"), SECRETS),
    withdrawn=e(403, (), (NAMES["withdrawn"], m["withdrawn_incident"])),
)
PERSON_API_DATA_TEAM = by_relation(
    own=e(200, m["own_name"], (m["own_fact"], m["own_police_fact"])),
    partner=e(200, m["partner_name"], (m["partner_incident"], m["partner_warning"])),
    none=e(200, m["none_name"], m["none_fact"]),
    shielded=e(200, m["shield_name"], SECRETS[:2]),
    withdrawn=e(200, m["withdrawn_name"], m["withdrawn_incident"]),
)
# One record: the relation's own (CSC's, the police's, housing's, the voluntary group's).
RECORD = by_relation(
    own=e(200, m["own_fact"]),
    partner=e(200, m["partner_incident"], (m["partner_phone"], m["partner_warning"])),
    none=e(403, "No rule allows your organisation to see this record", m["none_fact"]),
    shielded=e(403, "No rule allows your organisation to see this record", SECRETS + ("shield",)),
    withdrawn=e(403, (), m["withdrawn_incident"]),
)
SEARCH_PAGE = by_relation(
    own=e(200, NAMES["own"]), partner=e(200, NAMES["partner"]), none=e(200, "No persons found", NAMES["none"]),
    shielded=e(200, NAMES["shielded"], SECRETS + ("Referrals",)), withdrawn=e(200, (), NAMES["withdrawn"]),
)
SEARCH_DATA_TEAM = by_relation(**{relation: e(200, NAMES[relation], SECRETS[:2]) for relation in REL})
SEARCH_API = by_relation(
    own=e(200, m["own_name"]), partner=e(200, m["partner_name"], m["partner_warning"]),
    none=e(200, '"persons":[]', m["none_name"]), shielded=e(200, m["shield_name"], SECRETS),
    withdrawn=e(200, '"persons":[]', m["withdrawn_name"]),
)
SEARCH_API_DATA_TEAM = by_relation(**{relation: e(200, NAMES[relation].split()[0], SECRETS[:2]) for relation in REL})
RECORDS_API = by_relation(
    own=e(200, m["own_fact"]), partner=e(200, m["partner_incident"], (m["partner_phone"], m["partner_warning"])),
    none=e(200, '"records":[]', m["none_name"]), shielded=e(200, m["shield_police_phone"], SECRETS),
    withdrawn=e(200, '"records":[]', m["withdrawn_name"]),
)
# What a frontline practitioner may do about a person needs them to see the person.
SEEN = by_relation(own=e(200), partner=e(200), none=e(403), shielded=e(200), withdrawn=e(403))
SEEN_FORM = by_relation(own=e(400), partner=e(400), none=e(403), shielded=e(400), withdrawn=e(403))
NOTHING_PERSONAL = by_relation(**{relation: e(200, (), NAMES[relation]) for relation in REL})

LINKAGE = ("data_team+admin",)
GOVERN = (I, D)  # ig_lead, and the administrator
PREVIEW = (*GOVERN, T)  # "view as": trainers too, for training samples only
FRONTLINE = (P, M)

TABLE: dict[tuple[str, str], Row] = {
    # ---- public: no personal data
    ("GET", "/sign-in"): Row(public(200, signed_in=303)),
    ("POST", "/sign-in"): Row(public(403, signed_in=400), form={}),
    ("POST", "/sign-out"): Row(public(303), form={}),
    ("GET", "/signed-out"): Row(public()),
    ("GET", "/docs"): Row(public()),
    ("GET", "/openapi.json"): Row(public()),
    ("MOUNT", "/static"): Row(public(), url=fixed("/static/joinedup.css")),
    ("GET", "/"): Row(page(e(200))),
    ("GET", "/api/v1/me"): Row(api(e(200))),
    # ---- persons: the search, the person, a record (pages and API)
    ("GET", "/persons"): Row({**page(SEARCH_PAGE), D: SEARCH_DATA_TEAM}, relational=True,
                             url=lambda world, relation: "/persons?" + urlencode(
                                 {"q": SEARCH[relation], **_purpose_query(relation)})),
    ("GET", "/persons/{person_id}"): Row({**page(PERSON_PAGE), D: PERSON_PAGE_DATA_TEAM}, relational=True),
    ("GET", "/api/v1/persons"): Row({**api(SEARCH_API), D: SEARCH_API_DATA_TEAM}, relational=True,
                                    url=with_purpose("/api/v1/persons", search=True)),
    ("GET", "/api/v1/persons/{person_id}"): Row({**api(PERSON_API), D: PERSON_API_DATA_TEAM}, relational=True,
                                                url=with_purpose("/api/v1/persons/{person_id}")),
    ("GET", "/records"): Row(page(e(303)), url=fixed("/records?q=ava")),
    ("GET", "/records/{record_id:int}"): Row(page(RECORD), relational=True),
    ("GET", "/api/v1/records"): Row(api(RECORDS_API), relational=True, url=with_purpose("/api/v1/records", search=True)),
    ("GET", "/api/v1/records/{record_id}"): Row(api(RECORD), relational=True,
                                                url=with_purpose("/api/v1/records/{record_id}")),
    # ---- purpose at access, break-glass, consent, deciding not to share
    ("GET", "/persons/{person_id}/purpose"): Row(page(NOTHING_PERSONAL), relational=True),
    ("POST", "/persons/{person_id}/purpose"): Row(page(e(400, "Select why you are looking")), form={},
                                                  relational=True),
    ("GET", "/persons/{person_id}/break-glass"): Row(page(NOTHING_PERSONAL, FRONTLINE), relational=True),
    ("POST", "/persons/{person_id}/break-glass"): Row(page(e(400, "Select how long"), FRONTLINE), form={},
                                                      relational=True),
    ("GET", "/persons/{person_id}/consent"): Row(page(SEEN, FRONTLINE), relational=True),
    ("POST", "/persons/{person_id}/consent"): Row(page(SEEN_FORM, FRONTLINE), form={}, relational=True),
    ("GET", "/persons/{person_id}/decline"): Row(page(SEEN, FRONTLINE), relational=True),
    ("POST", "/persons/{person_id}/decline"): Row(page(SEEN_FORM, FRONTLINE), form={}, relational=True),
    ("GET", "/api/v1/me/purposes"): Row(api(e(200, "direct_care"))),
    ("GET", "/api/v1/persons/{person_id}/consent"): Row(api(SEEN, FRONTLINE), relational=True,
                                                        url=with_purpose("/api/v1/persons/{person_id}/consent")),
    # Well-formed, refused by the rules: not told, and no reason why not.
    ("POST", "/api/v1/persons/{person_id}/consent"): Row(
        api(SEEN_FORM, FRONTLINE), relational=True, url=with_purpose("/api/v1/persons/{person_id}/consent"),
        json={"decision": "given", "form": "verbal", "informed": False}),
    ("POST", "/api/v1/persons/{person_id}/break-glass"): Row(api(e(400, "emergency"), FRONTLINE),
                                                             json={"reason": "Urgent", "minutes": 30}),
    ("POST", "/api/v1/persons/{person_id}/decline"): Row(
        api(SEEN_FORM, FRONTLINE), relational=True, url=with_purpose("/api/v1/persons/{person_id}/decline"),
        json={"purpose": "no_such_purpose", "reason": "Matrix"}),
    # ---- ingest reports: the data team's
    ("GET", "/ingest"): Row(page(e(200), LINKAGE)),
    ("GET", "/ingest/{load_id:int}"): Row(page(e(200, "matrix.csv"), LINKAGE)),
    ("GET", "/api/v1/ingest/loads"): Row(api(e(200, "matrix.csv"), LINKAGE)),
    ("GET", "/api/v1/ingest/loads/{load_id}"): Row(api(e(200, "matrix.csv"), LINKAGE)),
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
    ("GET", "/linkage/pairs/{left:int}/{right:int}"): Row(page(e(200, m["own_name"], m["own_fact"]), LINKAGE)),
    ("POST", "/linkage/pairs/{left:int}/{right:int}"): Row(page(e(400), LINKAGE), form={}),
    ("GET", "/linkage/persons/{person_id}"): Row(
        page(by_relation(**{relation: e(200, NAMES[relation].split()[0], SECRETS[:2]) for relation in REL}),
             LINKAGE), relational=True),
    ("GET", "/linkage/persons/{person_id}/split"): Row(page(e(200), LINKAGE), relational=True,
                                                       url=lambda world, relation: concrete(
                                                           "/linkage/persons/{person_id}/split", world, relation)
                                                       + f"?record={world.target_record(relation)}"),
    ("POST", "/linkage/persons/{person_id}/split"): Row(page(e(404), LINKAGE), form={}, relational=True),
    ("GET", "/linkage/persons/{person_id}/merge"): Row(page(e(200), LINKAGE), relational=True),
    ("POST", "/linkage/persons/{person_id}/merge"): Row(page(e(400), LINKAGE), form={}, relational=True),
    ("GET", "/linkage/model"): Row(page(e(200), LINKAGE)),
    ("POST", "/linkage/model/thresholds"): Row(page(e(400), LINKAGE), form={}),
    ("POST", "/linkage/model/adopt"): Row(page(e(404), LINKAGE), form={}),
    ("GET", "/api/v1/linkage/runs"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/runs/{run_id}"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/review"): Row(api(e(200), LINKAGE)),
    ("GET", "/api/v1/linkage/pairs/{left}/{right}"): Row(api(e(200, m["own_name"], m["own_fact"]), LINKAGE)),
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
    ("GET", "/sharing/break-glass"): Row(page(e(200, "bea.social"), GOVERN)),
    ("GET", "/sharing/break-glass/{access_id:int}"): Row(page(e(200, "bea.social"), GOVERN)),
    ("POST", "/sharing/break-glass/{access_id:int}"): Row(page(e(400), GOVERN), form={}),
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
    ("GET", "/api/v1/sharing/break-glass"): Row(api(e(200, "bea.social"), GOVERN)),
    ("GET", "/api/v1/sharing/break-glass/{access_id}"): Row(api(e(200, "bea.social"), GOVERN)),
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
    # ---- the administrators' API: unlocking an account (an unknown one here: nothing changes)
    ("POST", "/api/v1/admin/users/{username}/unlock"): Row(
        api(e(404, "No account has this username"), (D,)), url=fixed("/api/v1/admin/users/no.such.user/unlock"),
        json={}),
}


def _purpose_query(relation: str) -> dict[str, str]:
    if not PURPOSES[relation]:
        return {}
    code, relationship = PURPOSES[relation]
    return {"purpose": code, **({"relationship": relationship} if relationship else {})}


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


# --------------------------------------------------------------------------- the world and the sweep


def concrete(template: str, world: World, relation: str) -> str:
    """The route's path for the relation's person and record, and the world's other objects."""
    ids = _IDS.get(id(world), {})
    path = (template.replace("{person_id}", RELATIONS.get(relation, RELATIONS["own"]))
            .replace("{record_id:int}", str(world.target_record(relation if relation in RELATIONS else "own")))
            .replace("{record_id}", str(world.target_record(relation if relation in RELATIONS else "own")))
            .replace("{load_id:int}", ids.get("load", "0")).replace("{load_id}", ids.get("load", "0"))
            .replace("{match_id:int}", "999999").replace("{match_id}", "999999")
            .replace("{uprn}", "100000000001")
            .replace("{run_id:int}", ids.get("run", "0")).replace("{run_id}", ids.get("run", "0"))
            .replace("{left:int}", str(world.records["CSC-100"])).replace("{left}", str(world.records["CSC-100"]))
            .replace("{right:int}", str(world.records["POL-100"])).replace("{right}", str(world.records["POL-100"]))
            .replace("/purposes/{code}", "/purposes/early_help").replace("/categories/{code}", "/categories/identity")
            .replace("{code}", "SAFE-ISA").replace("{number:int}", "1").replace("{version}", "1")
            .replace("{access_id:int}", ids.get("access", "0")).replace("{access_id}", ids.get("access", "0")))
    assert "{" not in path, path
    return path


#: The ids of the objects :func:`_seed` adds, by world.
_IDS: dict[int, dict[str, str]] = {}


def _seed(engine) -> World:
    """The practice world, an ingest load, a link run, and another practitioner's
    break-glass access (waiting for the IG lead's review)."""
    world = seed_sharing(engine)
    from joinedup.accounts import create_user
    from joinedup.people.models import LinkRun

    with transaction(engine) as session:
        system = session.scalar(select(SourceSystem).where(SourceSystem.code == "csc"))
        now = utcnow()
        load = IngestLoad(source_system_id=system.id, file_name="matrix.csv", file_sha256="0" * 64, started_at=now,
                          finished_at=now, status="finished", rows_read=1, rows_loaded=1, loaded_by="test")
        session.add(load)
        bea = create_user(session, username="bea.social", password="correct horse battery", display_name="Bea",
                          organisation="CSC", roles=["practitioner"])
        session.flush()
        actor = Actor(user_id=bea.id, username="bea.social", organisation_id=bea.organisation_id,
                      roles=frozenset({"practitioner"}), channel="web")
        access = start_break_glass(session, actor, session.get(Person, world.persons[RELATIONS["none"]]),
                                   reason="A child found alone at the address")
        run = session.scalar(select(func.min(LinkRun.id)))
        _IDS[id(world)] = {"load": str(load.id), "access": str(access.id), "run": str(run)}
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
        )


def _log_marks(engine) -> tuple[int, int]:
    with transaction(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "denied")) or 0,
            session.scalar(select(func.count()).select_from(SharingDecision)
                           .where(SharingDecision.outcome == "withheld")) or 0,
        )


def _client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def _state_purposes(client: TestClient, token: str) -> None:
    for relation, person_id in RELATIONS.items():
        if PURPOSES[relation]:
            code, relationship = PURPOSES[relation]
            form = {"csrf_token": token, "purpose": code}
            if relationship:
                form |= {"relationship_choice": "other", "relationship_other": relationship}
            assert client.post(f"/persons/{person_id}/purpose", data=form).status_code == 303


def _ask(client: TestClient, method: str, url: str, row: Row, token: str | None):
    if method in ("GET", "MOUNT"):
        return client.get(url)
    if url.startswith("/api/"):
        return client.request(method, url, json=row.json if row.json is not None else {},
                              headers={"X-CSRF-Token": token} if token else {})
    return client.request(method, url, data={**({"csrf_token": token} if token else {}), **(row.form or {})})


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role_and_relation(engine, web_settings, role):
    world = _seed(engine)
    app = create_app(web_settings, engine=engine)
    before = _snapshot(engine)
    problems: list[str] = []
    with _client(app) as client:
        token = None
        if role != ANON:
            assert sign_in(client, ROLE_USERS[role][0]).status_code == 303
            token = csrf_token(client.get("/").text)
            _state_purposes(client, token)
        for (method, path), row in TABLE.items():
            for relation in (REL if row.relational else ("-",)):
                cell = row.expect[role]
                expected = cell[relation] if isinstance(cell, dict) else cell
                url = row.url(world, relation) if row.url else concrete(path, world, relation)
                where = f"{method} {url} as {role} ({relation})"
                if (method, path) == ("POST", "/sign-out"):
                    with _client(app) as other:  # signing out ends a session: use another one
                        other_token = None
                        if role != ANON:
                            sign_in(other, ROLE_USERS[role][0])
                            other_token = csrf_token(other.get("/").text)
                        response = _ask(other, method, url, row, other_token)
                else:
                    marks = _log_marks(engine)
                    response = _ask(client, method, url, row, token)
                    if response.status_code == 403 and role != ANON and _log_marks(engine) == marks:
                        problems.append(f"{where}: refused without a log entry")
                if response.status_code != expected.status:
                    problems.append(f"{where}: {response.status_code}, expected {expected.status}")
                    continue
                text = response.text
                problems += [f"{where}: {value!r} missing" for value in expected.shows if value not in text]
                problems += [f"{where}: {value!r} shown" for value in expected.hides if value in text]
                if response.status_code in (401, 403) or (response.status_code == 303 and role == ANON):
                    problems += [f"{where}: refusal shows {value!r}" for value in PERSONAL if value in text]
    assert not problems, "\n".join(problems)
    assert _snapshot(engine) == before, "a cell changed something"
