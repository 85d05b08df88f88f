"""Properties of the policy point over random agreements, consents and requests (hypothesis).

Whatever the agreements (parties, who provides and who receives, purposes and their
categories, consent needed or not, a safeguarding override or not, active or suspended),
the consents (given for named purposes, recipients and categories; refused or withdrawn)
and the request (the user's organisation and roles, the purpose, a stated safeguarding
risk, an active break-glass access), the expected results come from the promises in
docs/sharing.md, worked out here from the terms themselves, never from the code:

- nothing disclosed is outside the decision's fields (``disclosed_fields``), and a refusal
  discloses nothing;
- only the frontline roles (practitioner, MASH officer) read records at all: their own
  organisation's every field, partners' for a purpose whose roles include theirs; the
  data team, administrators, IG leads and trainers see nothing of any record this way;
- a decision's fields never exceed what the rules allow: the union of the minimum
  datasets of the active agreements under which the record's organisation provides and
  the user's receives, for the purpose stated (on consent, only the categories the
  consent names), and, under break-glass, the non-sensitive categories;
- a refusal or withdrawal of consent covering the request, or no purpose at all, means
  nothing of another organisation's record under an agreement, unless the rules let a
  stated safeguarding risk override it;
- a record of a sensitive service is withheld from another organisation, break-glass or
  not, unless consent covering the request names its sensitive category, or a stated
  safeguarding risk for a safeguarding purpose under an agreement naming the category;
- the persons API returns no field of a record outside the fields its logged decision
  allowed (and no golden value from a field no decision disclosed);
- evaluating each request over its slice of the rules (the recipient's, purpose's and
  provider's clauses, and the fixed rules) decides exactly as one set of every policy does.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from joinedup.accounts import User, create_user
from joinedup.audit import Actor
from joinedup.config import Settings
from joinedup.db import transaction, utcnow
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation, SourceSystem
from joinedup.people import golden_record, read_records
from joinedup.people.models import Person, PersonRecord
from joinedup.sharing import RECORD_FIELDS, StatedPurpose, decide_record_access, disclosed_fields
from joinedup.sharing import policy
from joinedup.sharing.catalogue import CATEGORIES, PURPOSES, ensure_catalogue
from joinedup.sharing.consent import record_consent
from joinedup.sharing.models import (
    AgreementVersion,
    BreakGlass,
    ConsentRecord,
    DataCategory,
    SharingAgreement,
    SharingDecision,
)
from joinedup.sharing.policy import bump_rules, category_fields
from joinedup.sharing.rules import create_agreement, set_status, sign

SYSTEM = Actor.system("cli", "property")
PASSWORD = "correct horse battery"
ORGS = ("CSC", "POL", "VCS", "HSG", "EDU")
SOURCES = {"CSC": "csc", "POL": "police", "VCS": "voluntary", "HSG": "housing", "EDU": "education"}
PURPOSE_CODES = tuple(code for code, *_ in PURPOSES)
SAFEGUARDING = {code for code, _name, _description, safeguarding, _roles in PURPOSES if safeguarding}
PURPOSE_ROLES = {code: set(roles) for code, _name, _description, _safeguarding, roles in PURPOSES}
FRONTLINE = {"practitioner", "mash_officer"}
ROLE_SETS = (["practitioner"], ["mash_officer", "practitioner"], ["data_team", "admin"], ["ig_lead"], ["trainer"],
             ["programme_manager"])
SENSITIVE = {code for code, _name, _fields, _facts, sensitive, _services in CATEGORIES if sensitive}
CATEGORY_CODES = tuple(code for code, *_ in CATEGORIES)
#: Every fact key any category names, and one no category does (never shared but to its owner).
FACTS = {key: f"value of {key}" for _code, _name, _fields, facts, *_ in CATEGORIES for key in facts}
FACTS["secret_marker"] = "never shared"
PERSONS = ("PPROPERTY01", "PPROPERTY02")


def _record_values(org: str, index: int) -> dict:
    facts = dict(FACTS)
    if org == "VCS":  # the first person's voluntary record is of a sensitive service
        facts["need"] = "Mental health support" if index == 0 else "Food bank"
    return dict(local_id=f"{org}-{index}", record_ref=f"R{index}", forename=f"Fore{index}", middle_names="Mid",
                surname=f"Sur{index}", date_of_birth=date(2010, 1, 1 + index), sex="female",
                address_text=f"{index} High Street", postcode="JU1 1AA", nhs_number="9434765919",
                ni_number="AB123456C", upn="A123456789012", phone="07700900000", email="a@example.org",
                facts=facts, flags=[{"field": "upn", "problem": "fails the check letter"}],
                row_hash=f"{org}-{index}")


def _seed(engine) -> dict[str, int]:
    """Five organisations, each with one record of each of two persons; the catalogue; a user each."""
    with transaction(engine) as session:
        orgs = {code: Organisation(code=code, name=f"Org {code}", type="other") for code in ORGS}
        session.add_all(orgs.values())
        session.flush()
        systems = {code: SourceSystem(code=SOURCES[code], name=f"System {code}", owner_organisation_id=org.id)
                   for code, org in orgs.items()}
        session.add_all(systems.values())
        session.flush()
        for index, person_id in enumerate(PERSONS):
            records = [SourceRecord(source_system_id=systems[code].id, **_record_values(code, index)) for code in ORGS]
            session.add_all(records)
            session.flush()
            golden = golden_record(read_records(session, [record.id for record in records]))
            person = Person(person_id=person_id, golden=golden, record_count=len(records))
            session.add(person)
            session.flush()
            session.add_all(PersonRecord(source_record_id=record.id, person_id=person.id) for record in records)
        ensure_catalogue(session, SYSTEM)
        for code, org in orgs.items():
            create_user(session, username=f"user.{code.lower()}", password=PASSWORD, display_name=f"User {code}",
                        organisation=org, roles=["practitioner"])
        return {code: org.id for code, org in orgs.items()}


# --------------------------------------------------------------------------- strategies

party = st.tuples(st.sampled_from(ORGS), st.booleans(), st.booleans())
agreements = st.lists(
    st.fixed_dictionaries({
        "parties": st.lists(party, min_size=2, max_size=4, unique_by=lambda item: item[0]),
        "datasets": st.dictionaries(st.sampled_from(PURPOSE_CODES),
                                    st.lists(st.sampled_from(CATEGORY_CODES), min_size=1, max_size=4, unique=True),
                                    min_size=1, max_size=3),
        "consent_required": st.booleans(),
        "safeguarding_overrides": st.booleans(),
        "status": st.sampled_from(["active", "active", "suspended"]),
    }),
    max_size=3,
)
consents = st.lists(
    st.one_of(
        st.fixed_dictionaries({
            "person": st.sampled_from(range(len(PERSONS))),
            "decision": st.just("given"),
            "purposes": st.lists(st.sampled_from(PURPOSE_CODES), min_size=1, max_size=2, unique=True),
            "organisations": st.lists(st.sampled_from(ORGS), min_size=1, max_size=3, unique=True),
            "categories": st.lists(st.sampled_from(CATEGORY_CODES), min_size=1, max_size=4, unique=True),
        }),
        st.fixed_dictionaries({
            "person": st.sampled_from(range(len(PERSONS))),
            "decision": st.sampled_from(["refused", "withdrawn"]),
            "purposes": st.lists(st.sampled_from(PURPOSE_CODES), max_size=2, unique=True),
            "organisations": st.lists(st.sampled_from(ORGS), max_size=2, unique=True),
            "categories": st.lists(st.sampled_from(CATEGORY_CODES), max_size=2, unique=True),
        }),
    ),
    max_size=3,
)
requests = st.fixed_dictionaries({
    "organisation": st.sampled_from(ORGS),
    "roles": st.sampled_from(ROLE_SETS),
    "purpose": st.sampled_from(("", *PURPOSE_CODES)),
    "safeguarding_risk": st.booleans(),
    "break_glass": st.booleans(),
})


def _apply(session, terms: list[dict], given_consents: list[dict]) -> None:
    for number, agreement in enumerate(terms):
        parties = [{"organisation": code, "provides": provides, "receives": receives}
                   for code, provides, receives in agreement["parties"]]
        version = create_agreement(
            session, SYSTEM, f"PROP-{number}", "Property agreement", parties=parties, datasets=agreement["datasets"],
            lawful_basis={"article6": ["6(1)(e) public task"]}, consent_required=agreement["consent_required"],
            safeguarding_overrides=agreement["safeguarding_overrides"],
        )
        for code, *_flags in agreement["parties"]:
            sign(session, SYSTEM, version, organisation=code, name=f"Signatory {code}")
        set_status(session, SYSTEM, version, "active")
        if agreement["status"] == "suspended":
            set_status(session, SYSTEM, version, "suspended", reason="Property test")
    for consent in given_consents:
        person = session.scalar(select(Person).where(Person.person_id == PERSONS[consent["person"]]))
        record_consent(session, SYSTEM, person, decision=consent["decision"], form="verbal",
                       purposes=consent["purposes"], organisations=consent["organisations"],
                       categories=consent["categories"], given_by="parent_carer", given_by_name="A parent",
                       parental_responsibility=True)


def _clear(engine) -> None:
    with transaction(engine) as session:
        session.execute(delete(ConsentRecord))
        session.execute(delete(AgreementVersion))
        session.execute(delete(SharingAgreement))
        bump_rules(session)


# --------------------------------------------------------------------------- the oracle


def _clauses(terms: list[dict], owner: str, recipient: str, purpose: str, roles: set[str]) -> list[dict]:
    """The active agreements' terms under which ``owner`` provides, ``recipient`` receives,
    for ``purpose``, where one of ``roles`` may state it."""
    found = []
    for agreement in terms:
        if agreement["status"] != "active" or purpose not in agreement["datasets"]:
            continue
        if not roles & PURPOSE_ROLES[purpose]:
            continue
        providers = {code for code, provides, _receives in agreement["parties"] if provides}
        recipients = {code for code, _provides, receives in agreement["parties"] if receives}
        if owner in providers and recipient in recipients and owner != recipient:
            found.append(agreement)
    return found


def _upper_bound(terms: list[dict], categories: dict[str, DataCategory], owner: str, recipient: str,
                 purpose: str, roles: set[str], consent: tuple[set[str], set[str]], risk: bool,
                 break_glass: bool) -> frozenset[str]:
    """The most the promises let ``owner``'s record be disclosed to ``recipient``."""
    if not roles & FRONTLINE and not (purpose == "programme_evaluation" and "programme_manager" in roles):
        return frozenset()
    if owner == recipient:
        return RECORD_FIELDS if roles & FRONTLINE else frozenset()
    consented, refused = consent
    fields: set[str] = set()
    for agreement in _clauses(terms, owner, recipient, purpose, roles):
        wanted = agreement["datasets"][purpose]
        overridden = agreement["safeguarding_overrides"] and purpose in SAFEGUARDING and risk
        if agreement["consent_required"] and not overridden:
            wanted = [code for code in wanted if code in consented]
        elif not overridden:
            wanted = [code for code in wanted if code not in refused]
        fields |= category_fields([categories[code] for code in wanted]) if wanted else set()
    if break_glass and roles & FRONTLINE:
        fields |= category_fields([category for category in categories.values() if not category.sensitive])
    return frozenset(fields)


def _consent(given_consents: list[dict], person: int, purpose: str, organisation: str) -> tuple[set[str], set[str]]:
    """The categories consented to and refused, for the request: consent given covers only
    what it names; a refusal or withdrawal naming no purpose, organisation or category
    covers them all; the latest record covering a category decides it."""
    state: dict[str, str] = {}
    for consent in given_consents:  # recorded in this order
        if consent["person"] != person:
            continue
        if consent["decision"] == "given":
            if purpose in consent["purposes"] and organisation in consent["organisations"]:
                state.update(dict.fromkeys(consent["categories"], "given"))
            continue
        if consent["purposes"] and purpose not in consent["purposes"]:
            continue
        if consent["organisations"] and organisation not in consent["organisations"]:
            continue
        state.update(dict.fromkeys(consent["categories"] or CATEGORY_CODES, "refused"))
    return ({code for code, decided in state.items() if decided == "given"},
            {code for code, decided in state.items() if decided == "refused"})


def _sensitive_opened(terms: list[dict], owner: str, recipient: str, purpose: str, roles: set[str],
                      consent: tuple[set[str], set[str]], risk: bool) -> bool:
    """Consent naming the sensitive category, or a safeguarding basis naming it: a stated
    risk, a safeguarding purpose, and an agreement whose dataset for it names the category."""
    if consent[0] & SENSITIVE:
        return True
    return bool(risk and purpose in SAFEGUARDING and any(
        set(agreement["datasets"][purpose]) & SENSITIVE for agreement in _clauses(terms, owner, recipient, purpose,
                                                                                 roles)))


def _assert_within(record: SourceRecord, decision) -> None:
    shown = disclosed_fields(record, decision)
    if not decision.allowed:
        assert shown == {} and decision.fields == frozenset()
        return
    for name, value in shown.items():
        if name == "facts":
            for key in value:
                assert "facts" in decision.fields or f"fact:{key}" in decision.fields, key
        else:
            assert name in decision.fields, name


# --------------------------------------------------------------------------- the properties


@pytest.fixture
def world(engine) -> dict[str, int]:
    """Seeded once per test: hypothesis runs every example against it (each rolls back)."""
    return _seed(engine)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(terms=agreements, given_consents=consents, request=requests)
def test_no_decision_discloses_more_than_the_rules_allow(engine, world, terms, given_consents, request):
    orgs = world
    codes = {org_id: code for code, org_id in orgs.items()}
    roles = set(request["roles"])
    policy._compiled.clear()  # each example's rules are rolled back: never reuse another's
    with transaction(engine) as session, session.begin_nested() as example:
        _apply(session, terms, given_consents)
        categories = {category.code: category for category in session.scalars(select(DataCategory))}
        records = list(session.scalars(select(SourceRecord).order_by(SourceRecord.id)))
        persons = dict(session.execute(select(PersonRecord.source_record_id, PersonRecord.person_id)).all())
        person_index = {pk: index for index, pk in enumerate(sorted(set(persons.values())))}
        user = session.scalar(select(User).where(User.username == f"user.{request['organisation'].lower()}"))
        actor = Actor(user_id=user.id, username="property", organisation_id=orgs[request["organisation"]],
                      roles=frozenset(roles), channel="test")
        if request["break_glass"]:
            for pk in person_index:
                session.add(BreakGlass(user_id=user.id, username="property", organisation_id=actor.organisation_id,
                                       person_id=pk, reason="Property test", started_at=utcnow(),
                                       expires_at=utcnow() + timedelta(hours=1)))
            session.flush()
        stated = StatedPurpose(request["purpose"], request["safeguarding_risk"])
        decisions = decide_record_access(session, actor, records, purpose=stated)
        for record, decision in zip(records, decisions, strict=True):
            _assert_within(record, decision)
            owner = codes[record.source_system.owner_organisation_id]
            consent = _consent(given_consents, person_index[persons[record.id]], request["purpose"],
                               request["organisation"])
            upper = _upper_bound(terms, categories, owner, request["organisation"], request["purpose"], roles,
                                 consent, request["safeguarding_risk"], request["break_glass"])
            assert decision.fields <= upper, (owner, decision.policy_ids, sorted(decision.fields - upper))
            assert "fact:secret_marker" not in decision.fields or owner == request["organisation"]
            if owner == request["organisation"]:
                assert decision.allowed == bool(roles & FRONTLINE)
                assert decision.fields == (RECORD_FIELDS if roles & FRONTLINE else frozenset())
                continue
            if not request["purpose"] and not request["break_glass"]:
                assert not decision.allowed
                continue
            override = request["safeguarding_risk"] and request["purpose"] in SAFEGUARDING
            if consent[1] == set(CATEGORY_CODES) and not override and not request["break_glass"]:
                assert not decision.allowed, (consent, decision.policy_ids)  # refused everything
            sensitive = owner == "VCS" and (record.facts or {}).get("need") == "Mental health support"
            if sensitive and not _sensitive_opened(terms, owner, request["organisation"], request["purpose"], roles,
                                                   consent, request["safeguarding_risk"]):
                assert not decision.allowed, (consent, decision.policy_ids)
                assert decision.shielded
        example.rollback()
    policy._compiled.clear()


def cedar_request(owners: list[str], purposes: list[str]):
    """A read as the policy point asks Cedar, mostly of an owner and purpose some clause names."""
    return st.fixed_dictionaries({
        "owner": st.sampled_from(owners) if owners else st.sampled_from(("", *ORGS)),
        "purpose": st.sampled_from(purposes) if purposes else st.sampled_from(("", *PURPOSE_CODES)),
        "processing": st.sampled_from(("", "", "", "address", "linkage")),
        "consented_categories": st.lists(st.sampled_from(CATEGORY_CODES), max_size=3, unique=True),
        "refused_categories": st.lists(st.sampled_from(CATEGORY_CODES), max_size=3, unique=True),
        "sensitive_categories": st.lists(st.sampled_from(sorted(SENSITIVE)), max_size=1, unique=True),
        "basis_categories": st.lists(st.sampled_from(sorted(SENSITIVE)), max_size=1, unique=True),
        "safeguarding_risk": st.booleans(),
        "break_glass": st.booleans(),
        "today": st.sampled_from((20190101, int(date.today().strftime("%Y%m%d")), 20991231)),
    })


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(terms=agreements, roles=st.sampled_from(ROLE_SETS), data=st.data())
def test_each_requests_slice_decides_as_every_policy_would(engine, world, terms, roles, data):
    """The policy point asks Cedar over a slice of the rules for speed; the answer (allowed,
    and the policies that decided) must be the one the whole policy set gives."""
    policy._compiled.clear()
    with transaction(engine) as session, session.begin_nested() as example:
        _apply(session, terms, [])
        compiled = policy.compile_rules(session)
        example.rollback()
    clauses = [clause for clause in compiled.clauses if clause.agreement_version_id]
    organisation = data.draw(st.sampled_from(("", *ORGS, *(clause.recipient for clause in clauses))))
    mine = [clause for clause in clauses if clause.recipient == organisation]
    asked = data.draw(st.lists(st.one_of(
        cedar_request([], []), cedar_request([organisation, *(clause.provider for clause in mine)],
                                             [clause.purpose for clause in mine])), min_size=1, max_size=12))
    principal = {"uid": {"type": "User", "id": "property"},
                 "attrs": {"organisation": organisation, "roles": roles}, "parents": []}
    resources = [{"uid": {"type": "Record", "id": str(index)},
                  "attrs": {"owner": request["owner"], "sensitive": bool(request["sensitive_categories"]),
                            "sensitive_categories": request["sensitive_categories"]}, "parents": []}
                 for index, request in enumerate(asked)]
    contexts = [{key: value for key, value in request.items() if key not in ("owner", "sensitive",
                                                                            "sensitive_categories")}
                | {"safeguarding_purpose": request["purpose"] in SAFEGUARDING} for request in asked]

    def answers(decided):
        return [(allowed, [clause.policy_id for clause in clauses]) for allowed, clauses in decided]

    sliced = answers(policy.evaluate(compiled, principal, resources, contexts))
    assert sliced == answers(compiled.whole().evaluate(principal, resources, contexts))
    policy._compiled.clear()


@pytest.fixture
def api_world(engine, tmp_path, make_app):
    _seed(engine)
    app = make_app(Settings(home=tmp_path / "home", database_url=engine.url.render_as_string(hide_password=False)),
                   engine)
    clients = {}
    for code in ORGS:
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        page = client.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        signed = client.post("/sign-in", data={"username": f"user.{code.lower()}", "password": PASSWORD,
                                               "csrf_token": token})
        assert signed.status_code == 303
        clients[code] = client
    return engine, clients


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(terms=agreements, given_consents=consents, request=requests, person=st.sampled_from(PERSONS))
def test_the_persons_api_returns_no_field_its_decision_did_not_allow(api_world, terms, given_consents, request,
                                                                       person):
    engine, clients = api_world
    _clear(engine)
    with transaction(engine) as session:
        _apply(session, terms, given_consents)
        last = session.scalar(select(SharingDecision.id).order_by(SharingDecision.id.desc()).limit(1)) or 0
    params = {"relationship": "Property test"}
    if request["purpose"]:
        params |= {"purpose": request["purpose"]}
        if request["safeguarding_risk"] and request["purpose"] in SAFEGUARDING:
            params |= {"safeguarding_risk": "true"}
    response = clients[request["organisation"]].get(f"/api/v1/persons/{person}", params=params)
    with transaction(engine) as session:
        logged = {record_id: row for row in session.scalars(
            select(SharingDecision).where(SharingDecision.id > last).order_by(SharingDecision.id))
            for record_id in row.records or [row.record_id]}
    assert response.status_code in (200, 403), response.text
    body = response.json()
    if response.status_code == 403:
        assert set(body) == {"detail"}
        assert all(row.outcome == "withheld" for row in logged.values())
        return
    for record in body["records"]:
        decision = logged[record["id"]]
        assert decision.outcome == "shared"
        allowed = set(decision.fields)
        for name, value in record.items():
            if name in ("id", "access"):
                continue
            if name == "facts":
                assert all("facts" in allowed or f"fact:{key}" in allowed for key in value), (value, allowed)
            else:
                assert name in allowed, (name, allowed)
        assert record["access"]["fields"] == sorted(disclosed_keys(record))
    shown_ids = {record["id"] for record in body["records"]}
    assert shown_ids == {record_id for record_id, row in logged.items() if row.outcome == "shared"}
    for value in body["golden"]:
        field = "address_text" if value["field"] == "uprn" else value["field"]
        assert field in set(logged[value["record_id"]].fields), value
    assert "never shared" not in response.text or request["organisation"] in _owners_shown(body)


def disclosed_keys(record: dict) -> set[str]:
    return {name for name in record if name not in ("id", "access")}


def _owners_shown(body: dict) -> set[str]:
    """The organisations whose records the response shows (their system codes map back)."""
    by_source = {source: org for org, source in SOURCES.items()}
    return {by_source[record["source"]] for record in body["records"] if record.get("source") in by_source}


def test_the_compiled_rules_are_reused_until_the_rules_change(engine, world):
    """Pre-parsed once, not per request; rebuilt on the very next request after a change,
    and never mistaken for another database's rules that reached the same version number."""
    policy._compiled.clear()
    with transaction(engine) as session:
        _apply(session, [{"parties": [("CSC", True, True), ("POL", True, True)],
                          "datasets": {"safeguarding_child": ["identity"]}, "consent_required": False,
                          "safeguarding_overrides": False, "status": "active"}], [])
    with transaction(engine) as session:
        first = policy.rules_for(session)
        assert policy.rules_for(session) is first
    with transaction(engine) as session:
        assert policy.rules_for(session) is first
        bump_rules(session)
        second = policy.rules_for(session)
        assert second is not first and second.version == first.version + 1
    with transaction(engine) as session:  # same version number, other rules (an emptied database refilled)
        from joinedup.sharing.models import RulesState

        state = session.get(RulesState, 1)
        state.version -= 1
        state.changed_at = state.changed_at.replace(year=2001)
    with transaction(engine) as session:
        assert policy.rules_for(session) is not first
    policy._compiled.clear()


@given(st.text(max_size=40))
def test_any_text_is_written_as_the_cedar_string_it_is(value):
    """Organisation codes, purposes and ids go into policy text: whatever their characters,
    the policy parses and compares equal to exactly that text."""
    import cedarpy

    rules = cedarpy.PolicySet.from_str(
        f"permit(principal, action, resource) when {{ principal.organisation == {policy._text(value)} }};")

    def allowed(organisation: str) -> bool:
        return cedarpy.is_authorized(
            {"principal": 'User::"u"', "action": 'Action::"read"', "resource": 'Record::"r"', "context": {}}, rules,
            [{"uid": {"type": "User", "id": "u"}, "attrs": {"organisation": organisation}, "parents": []}]).allowed

    assert allowed(value) and not allowed(value + "x")


def test_requests_no_clause_names_share_one_slice_of_the_fixed_rules(engine, world):
    policy._compiled.clear()
    with transaction(engine) as session, session.begin_nested() as example:
        _apply(session, [{"parties": [("CSC", True, True), ("POL", True, True)],
                          "datasets": {"safeguarding_child": ["identity"]}, "consent_required": False,
                          "safeguarding_overrides": False, "status": "active"}], [])
        compiled = policy.compile_rules(session)
        example.rollback()
    named = compiled.slice("CSC", "safeguarding_child", "POL")
    assert [clause.policy_id for clause in named.clauses if clause.agreement_version_id] == [
        "agreement:PROP-0:v1:safeguarding_child:POL->CSC"]
    unnamed = {compiled.slice(recipient, purpose, provider) for recipient in ORGS for provider in ORGS
               for purpose in PURPOSE_CODES if (recipient, purpose, provider) not in compiled.clause_keys}
    assert len(unnamed) == 1
    (fixed,) = unnamed
    assert all(clause.agreement_version_id is None for clause in fixed.clauses)
