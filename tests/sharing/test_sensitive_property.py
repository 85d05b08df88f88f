"""A sensitive service never shows, through any page or API, unless the promise allows it.

docs/sharing.md, promise 9: "A record of a sensitive service is sensitive as a whole,
whatever other categories its fields appear in: only consent naming its category, or a
safeguarding purpose with a stated risk under an agreement naming its category, opens it
to another organisation." And promise 10: break-glass never opens it.

For any user role, organisation, purpose, stated risk, break-glass state, agreements and
consent (hypothesis), no response (the persons API, the records API, the search, and the
person and record pages with the purpose stated on the page) contains a value of the
voluntary group's domestic-abuse record, unless consent covering the request names the
sensitive category or a safeguarding basis names it. The oracle below is written from that
promise, not from the code. A companion test shows the values do appear when the promise
allows, so the property can fail.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest
from factories import (
    PASSWORD,
    organisation,
    person_of,
    source_record,
    source_system,
    user,
)
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from joinedup.accounts import User
from joinedup.audit import Actor
from joinedup.config import Settings
from joinedup.db import transaction, utcnow
from joinedup.people.models import Person
from joinedup.sharing import policy
from joinedup.sharing.catalogue import PURPOSES, ensure_catalogue
from joinedup.sharing.consent import record_consent
from joinedup.sharing.models import (
    AgreementVersion,
    BreakGlass,
    ConsentRecord,
    SharingAgreement,
)
from joinedup.sharing.policy import bump_rules
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "property")
ORGS = {"CSC": "csc", "POL": "police", "VCS": "voluntary", "HSG": "housing"}
PERSON = "PSENSITIVE1"
#: The domestic-abuse service's record: none of these may show unless the promise allows.
SECRETS = ("Domestic abuse support", "Refuge place since May", "Outreach Team Sigma")
SAFEGUARDING = {code for code, _name, _description, safeguarding, _roles in PURPOSES if safeguarding}
PURPOSE_ROLES = {code: set(roles) for code, _name, _description, _safeguarding, roles in PURPOSES}
ROLE_SETS = (("practitioner",), ("mash_officer", "practitioner"), ("ig_lead",), ("data_team", "admin"),
             ("trainer",), ("programme_manager",))
USERS = {(org, roles): f"{org.lower()}.{'.'.join(roles)}" for org in ("CSC", "HSG") for roles in ROLE_SETS}
CODES = ("safeguarding_child", "early_help", "crime_prevention", "direct_care")
CATEGORIES = ("identity", "contact", "sensitive_services", "voluntary_support", "lead_professional")


@pytest.fixture
def world(engine, tmp_path, make_app):
    """The organisations, a person known to the police and a domestic-abuse service, the
    catalogue, and a signed-in client for each role at two organisations."""
    with transaction(engine) as session:
        orgs = {code: organisation(session, code, f"Org {code}", "other") for code in ORGS}
        systems = {code: source_system(session, source, f"System {code}", orgs[code]) for code, source in ORGS.items()}
        police = source_record(session, systems["POL"], "P1", row_hash="p1", forename="Sage", surname="Hollow",
                               date_of_birth=date(1990, 2, 2), phone="07700900999",
                               facts={"incident_type": "Concern for welfare"})
        service = source_record(session, systems["VCS"], "V1", row_hash="v1", forename="Sage", surname="Hollow",
                                date_of_birth=date(1990, 2, 2), phone="07700900998",
                                facts={"need": SECRETS[0], "notes": SECRETS[1], "worker_team": SECRETS[2]})
        person_of(session, PERSON, [police.id, service.id], forename="Sage", surname="Hollow")
        ensure_catalogue(session, SYSTEM)
        for (org, roles), username in USERS.items():
            user(session, username, orgs[org], roles, display_name=username)
        service_id = service.id
    app = make_app(Settings(home=tmp_path / "home", database_url=engine.url.render_as_string(hide_password=False)),
                   engine)
    clients = {}
    for key, username in USERS.items():
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
        assert client.post("/sign-in", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token}).status_code == 303
        clients[key] = client
    return engine, clients, service_id


#: Agreements that mostly matter here: the voluntary group provides (usually), and the
#: requesting organisations receive (some of them); the police take part or not.
parties = st.builds(
    lambda vcs, police, receivers: [("VCS", vcs, False), *([("POL", True, True)] if police else []),
                                    *((code, False, True) for code in receivers)],
    st.sampled_from((True, True, True, False)), st.booleans(),
    st.lists(st.sampled_from(("CSC", "HSG")), min_size=1, max_size=2, unique=True))
random_agreement = st.fixed_dictionaries({
    "parties": parties,
    "datasets": st.dictionaries(st.sampled_from(CODES), st.lists(st.sampled_from(CATEGORIES), min_size=1,
                                                                 max_size=4, unique=True), min_size=1, max_size=3),
    "consent_required": st.booleans(),
    "safeguarding_overrides": st.booleans(),
})
#: The shapes that decide a sensitive service: the voluntary group shares its support (and
#: who works with the person) for safeguarding, naming the sensitive category or not, and
#: for early help on consent.
BOTH = [("VCS", True, False), ("CSC", False, True), ("HSG", False, True)]
shaped_agreement = st.builds(
    lambda datasets, consent_required, overrides: {"parties": BOTH, "datasets": datasets,
                                                   "consent_required": consent_required,
                                                   "safeguarding_overrides": overrides},
    st.sampled_from(({"safeguarding_child": ["identity", "voluntary_support", "lead_professional"]},
                     {"safeguarding_child": ["identity", "voluntary_support", "sensitive_services"]},
                     {"early_help": ["identity", "voluntary_support", "sensitive_services", "lead_professional"]})),
    st.booleans(), st.booleans())
agreements = st.lists(st.one_of(shaped_agreement, shaped_agreement, random_agreement), min_size=1, max_size=2)
consents = st.lists(st.one_of(
    st.fixed_dictionaries({"decision": st.just("given"),
                           "purposes": st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True),
                           "organisations": st.lists(st.sampled_from(("CSC", "HSG")), min_size=1, max_size=2,
                                                     unique=True),
                           "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)}),
    st.fixed_dictionaries({"decision": st.sampled_from(("refused", "withdrawn")),
                           "purposes": st.lists(st.sampled_from(CODES), max_size=1, unique=True),
                           "organisations": st.just([]),
                           "categories": st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)}),
), max_size=2)
requests = st.fixed_dictionaries({
    "organisation": st.sampled_from(("CSC", "HSG")),
    "roles": st.sampled_from((*ROLE_SETS[:2], *ROLE_SETS)),  # the frontline roles twice as often
    "purpose": st.sampled_from(("", *CODES, "safeguarding_child", "safeguarding_child")),
    "safeguarding_risk": st.booleans(),
    "break_glass": st.booleans(),
})


def _opened(terms: list[dict], given: list[dict], request: dict) -> bool:
    """The promise: consent covering the request names the sensitive category, or a
    safeguarding purpose with a stated risk under an agreement naming it for a role of the
    user's that may state that purpose."""
    organisation, purpose = request["organisation"], request["purpose"]
    sensitive = "none"
    for consent in given:  # recorded in this order: the latest covering the category decides
        if consent["decision"] == "given":
            if purpose in consent["purposes"] and organisation in consent["organisations"] and (
                    "sensitive_services" in consent["categories"]):
                sensitive = "given"
        elif (not consent["purposes"] or purpose in consent["purposes"]) and (
                not consent["categories"] or "sensitive_services" in consent["categories"]):
            sensitive = "refused"
    if sensitive == "given":
        return True
    if not (request["safeguarding_risk"] and purpose in SAFEGUARDING):
        return False
    for agreement in terms:
        providers = {code for code, provides, _receives in agreement["parties"] if provides}
        recipients = {code for code, _provides, receives in agreement["parties"] if receives}
        if ("VCS" in providers and organisation in recipients and "sensitive_services" in agreement["datasets"].get(
                purpose, []) and set(request["roles"]) & PURPOSE_ROLES[purpose]):
            return True
    return False


def _apply(engine, terms: list[dict], given: list[dict], request: dict) -> None:
    with transaction(engine) as session:
        session.execute(delete(ConsentRecord))
        session.execute(delete(BreakGlass))
        session.execute(delete(AgreementVersion))
        session.execute(delete(SharingAgreement))
        bump_rules(session)
        for number, agreement in enumerate(terms):
            version = create_agreement(
                session, SYSTEM, f"SENS-{number}", "Property agreement",
                parties=[{"organisation": code, "provides": provides, "receives": receives}
                         for code, provides, receives in agreement["parties"]],
                datasets=agreement["datasets"], lawful_basis={"article6": ["6(1)(e) public task"]},
                consent_required=agreement["consent_required"],
                safeguarding_overrides=agreement["safeguarding_overrides"])
            for code, *_flags in agreement["parties"]:
                sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
            set_status(session, SYSTEM, version, "active")
        person = session.scalar(select(Person).where(Person.person_id == PERSON))
        for consent in given:
            record_consent(session, SYSTEM, person, form="verbal", **consent)
        if request["break_glass"]:
            user = session.scalar(select(User).where(
                User.username == USERS[(request["organisation"], request["roles"])]))
            session.add(BreakGlass(user_id=user.id, username=user.username, organisation_id=user.organisation_id,
                                   person_id=person.id, reason="Property test", started_at=utcnow(),
                                   expires_at=utcnow() + timedelta(hours=1)))


def _responses(client: TestClient, service_id: int, request: dict) -> list[tuple[str, str]]:
    """Every way the user might read the person: the API with the purpose in the query,
    the pages with the purpose stated on the purpose page."""
    params = {}
    if request["purpose"]:
        params = {"purpose": request["purpose"], "relationship": "Property test"}
        if request["safeguarding_risk"]:
            params["safeguarding_risk"] = "true"
    answers = [(url, client.get(url, params=params).text) for url in (
        f"/api/v1/persons/{PERSON}", f"/api/v1/records/{service_id}")]
    answers.append(("/api/v1/persons?q=sage", client.get("/api/v1/persons", params={"q": "sage", **params}).text))
    answers.append(("/api/v1/records?q=hollow",
                    client.get("/api/v1/records", params={"q": "hollow", **params}).text))
    page = client.get(f"/persons/{PERSON}/purpose")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    if request["purpose"]:
        form = {"csrf_token": token, "purpose": request["purpose"], "relationship_choice": "other",
                "relationship_other": "Property test"}
        if request["safeguarding_risk"]:
            form["safeguarding_risk"] = "yes"
        client.post(f"/persons/{PERSON}/purpose", data=form)
    answers += [(url, client.get(url).text) for url in (f"/persons/{PERSON}", f"/records/{service_id}")]
    client.post(f"/persons/{PERSON}/purpose", data={"csrf_token": token, "action": "clear"})
    return answers


SUPPORT_FOR_SAFEGUARDING = {"parties": BOTH, "consent_required": False, "safeguarding_overrides": True,
                            "datasets": {"safeguarding_child": ["identity", "voluntary_support", "lead_professional"]}}
ON_CONSENT = {"parties": BOTH, "consent_required": True, "safeguarding_overrides": False,
              "datasets": {"early_help": ["identity", "voluntary_support", "sensitive_services"]}}
AT_RISK = {"organisation": "CSC", "roles": ("practitioner",), "purpose": "safeguarding_child", "safeguarding_risk": True,
           "break_glass": False}


#: Random cases per store (the five examples below are always tried besides): 40 on each
#: of the two stores by default, each sending every page and API request of a case, so
#: ``make test`` stays quick; JOINEDUP_PROPERTY_EXAMPLES=100 searches as deep as before.
#: A case that fails is kept in hypothesis' example database and tried first next time.
EXAMPLES = int(os.environ.get("JOINEDUP_PROPERTY_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(terms=agreements, given_consents=consents, request=requests)
# Always tried, besides the random ones: issue 10's repro (a risk stated with break-glass),
# a risk under an agreement that does not name the sensitive category, consent that does
# not name it, and roles that never read records holding a break-glass access.
@example(terms=[SUPPORT_FOR_SAFEGUARDING], given_consents=[], request={**AT_RISK, "break_glass": True})
@example(terms=[SUPPORT_FOR_SAFEGUARDING], given_consents=[], request=AT_RISK)
@example(terms=[ON_CONSENT], given_consents=[{"decision": "given", "purposes": ["early_help"], "organisations": ["CSC"],
                                              "categories": ["identity", "voluntary_support"]}],
         request={**AT_RISK, "purpose": "early_help", "safeguarding_risk": False})
@example(terms=[SUPPORT_FOR_SAFEGUARDING], given_consents=[], request={**AT_RISK, "roles": ("trainer",),
                                                                        "break_glass": True})
@example(terms=[SUPPORT_FOR_SAFEGUARDING], given_consents=[], request={**AT_RISK, "organisation": "HSG",
                                                                        "roles": ("data_team", "admin")})
def test_no_response_shows_a_sensitive_service_unless_consent_or_a_safeguarding_basis_names_it(
        world, terms, given_consents, request):
    engine, clients, service_id = world
    policy._compiled.clear()
    _apply(engine, terms, given_consents, request)
    if _opened(terms, given_consents, request):
        return  # the promise allows it: nothing to check here (see the companion test)
    for url, text in _responses(clients[(request["organisation"], request["roles"])], service_id, request):
        shown = [secret for secret in SECRETS if secret in text]
        assert not shown, (url, shown)
    policy._compiled.clear()


@pytest.mark.parametrize("opener", ["consent", "safeguarding basis"])
def test_the_sensitive_service_shows_when_the_promise_allows_it(world, opener):
    """The property above can fail: these values do reach a response when allowed."""
    engine, clients, service_id = world
    policy._compiled.clear()
    purpose = "early_help" if opener == "consent" else "safeguarding_child"
    terms = [{"parties": [("CSC", True, True), ("VCS", True, True)],
              "datasets": {purpose: ["identity", "sensitive_services", "lead_professional"]},
              "consent_required": opener == "consent", "safeguarding_overrides": False}]
    given = [{"decision": "given", "purposes": [purpose], "organisations": ["CSC"],
              "categories": ["identity", "sensitive_services", "lead_professional"]}] if opener == "consent" else []
    request = {"organisation": "CSC", "roles": ("practitioner",), "purpose": purpose,
               "safeguarding_risk": opener != "consent", "break_glass": False}
    _apply(engine, terms, given, request)
    assert _opened(terms, given, request)
    texts = dict(_responses(clients[("CSC", ("practitioner",))], service_id, request))
    assert all(secret in texts[f"/api/v1/persons/{PERSON}"] for secret in SECRETS)
    assert SECRETS[1] in texts[f"/records/{service_id}"]
    policy._compiled.clear()
