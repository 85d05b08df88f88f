"""The IG lead's sharing pages and API: purposes and data categories, agreements from draft
to signed, active, suspended and ended (with each version's Cedar), the decision log and
its export, the break-glass review queue, "view as" and the data-flow map.

Who may use each route (IG leads and administrators; the consent script for everyone),
what a request without a session or without its CSRF token gets, and that a refusal is
audited and changes nothing are the authorisation matrix's cells
(tests/web/test_authorisation_matrix.py). These tests are what the pages do for those
allowed. The place is tests/web/governance_support.py.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from governance_support import PERSON, SharingPlace, seed_governance
from sqlalchemy import func, select
from decisions import per_record
from web_support import csrf_token, sign_in

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction, utcnow
from joinedup.ingest.models import SourceRecord
from joinedup.partners.models import Organisation
from joinedup.sharing import StatedPurpose, decide_record_access, disclosed_fields
from joinedup.sharing.models import (
    AgreementVersion,
    BreakGlass,
    DataCategory,
    Purpose,
    SharingAgreement,
    SharingDecision,
)
from joinedup.sharing.flows import data_flows
from joinedup.web.templating import fact as show_fact
from joinedup.web.templating import field_label

#: Every value of Jordan Smith's records that a refusal must not show.
PERSONAL = ("Jordan", "9434765919", "Mental health support", "Domestic", "PC Ray", PERSON)


@pytest.fixture
def sharing(engine, place) -> SharingPlace:
    return seed_governance(engine)


@pytest.fixture
def ig(client, sharing):
    assert sign_in(client, "iris.ig").status_code == 303
    return client


@pytest.fixture
def practitioner(client, sharing):
    assert sign_in(client, "sam.social").status_code == 303
    return client


def _concrete(path: str, sharing: SharingPlace) -> str:
    path = (path.replace("/purposes/{code}", "/purposes/early_help")
            .replace("/categories/{code}", "/categories/identity")
            .replace("{code}", "JSCP-ISA")
            .replace("{number:int}", "1").replace("{version}", "1")
            .replace("{access_id:int}", str(sharing.break_glass)).replace("{access_id}", str(sharing.break_glass))
            .replace("{person_id}", PERSON))
    if path.endswith("/view-as") and path.startswith("/api/"):
        path += f"?person_id={PERSON}&organisation=POL&role=practitioner&purpose=safeguarding_child"
    return path


def _events(engine, action=None, *, like=None):
    with transaction(engine) as session:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        if like:
            statement = statement.where(AuditEvent.action.like(like))
        return session.scalars(statement).all()


def _count(engine, model, *where) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _main(html: str) -> str:
    return html.split('<main class="govuk-main-wrapper" id="main-content">', 1)[1].split("</main>", 1)[0]


def _post(client, page_url: str, post_url: str, data: dict):
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(post_url, data={"csrf_token": csrf_token(page.text), **data})


def _errors(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)
    assert len(summary) == 2, "no error summary"
    body = summary[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<a href="#[^"]+">([^<]+)</a>', body)]


def _error_links(html: str) -> list[str]:
    body = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">', body)


def _snapshot(engine) -> tuple:
    """Everything a refused write must leave as it was."""
    with transaction(engine) as session:
        versions = session.execute(select(AgreementVersion.id, AgreementVersion.status, AgreementVersion.retention,
                                          AgreementVersion.signatories).order_by(AgreementVersion.id)).all()
        return (
            tuple((row.id, row.status, row.retention, len(row.signatories)) for row in versions),
            tuple(session.execute(select(Purpose.code, Purpose.name).order_by(Purpose.code)).all()),
            tuple(session.execute(select(DataCategory.code, DataCategory.name).order_by(DataCategory.code)).all()),
            session.scalar(select(func.count(SharingAgreement.id))),
            tuple(session.execute(select(BreakGlass.id, BreakGlass.review_status)).all()),
        )


# --- routes, sign-in, roles and CSRF ------------------------------------------------


def test_the_navigation_shows_sharing_to_ig_leads_and_administrators_only(client, sharing):
    sign_in(client, "sam.social")
    assert 'href="/sharing"' not in client.get("/").text
    for username in ("iris.ig", "ada.admin"):
        sign_in(client, username)
        assert '<a class="govuk-service-navigation__link" href="/sharing">' in client.get("/").text
        page = client.get("/sharing/agreements").text
        assert re.search(r'href="/sharing" aria-current="true">\s*<strong[^>]*>Sharing</strong>', page)


def test_the_consent_script_is_for_everyone_with_its_placeholders_explained(practitioner, engine, sharing):
    page = practitioner.get("/sharing/consent-script")
    assert page.status_code == 200
    main = _main(page.text)
    for name in ("organisation", "recipients", "purpose", "categories"):
        assert f"<strong>[{name}]</strong>" in main and f"[{name}]</th>" in main
    assert "will not be sold" in main and 'aria-label="Sharing"' not in main  # no IG lead navigation
    filled = _main(practitioner.get("/sharing/consent-script", params={"purpose": "safeguarding_child"}).text)
    assert "<strong>Children&#39;s Social Care</strong>" in filled
    assert "<strong>Joinford Family Support and Police</strong>" in filled
    assert "<strong>safeguarding a child</strong>" in filled
    assert "<strong>identity, police incidents and sensitive services" in filled
    nothing = practitioner.get("/sharing/consent-script", params={"purpose": "crime_prevention"}).text
    assert "No active agreement lets Children&#39;s Social Care share for this purpose" in nothing
    api = practitioner.get("/api/v1/sharing/consent-script").json()
    assert "{recipients}" in api["script"] and set(api["placeholders"]) == {
        "organisation", "recipients", "purpose", "categories"}


# --- purposes and data categories ------------------------------------------------------


def test_purposes_are_listed_added_and_changed(ig, engine, sharing):
    page = _main(ig.get("/sharing/purposes").text)
    assert "Safeguarding a child" in page and "<code class=\"govuk-!-font-weight-regular\">early_help</code>" in page
    assert "JSCP-ISA v1" in page  # which active agreements name it
    bad = _post(ig, "/sharing/purposes/new", "/sharing/purposes/new", {"code": "", "name": ""})
    assert bad.status_code == 400
    assert _errors(bad.text) == ["Enter a code for the purpose, like early_help", "Enter the purpose&#39;s name",
                                 "Select whether this is a safeguarding purpose"]
    assert _error_links(bad.text) == ["code", "name", "safeguarding"]
    taken = _post(ig, "/sharing/purposes/new", "/sharing/purposes/new",
                  {"code": "early_help", "name": "Again", "safeguarding": "no"})
    assert taken.status_code == 400
    assert _errors(taken.text) == ["There is already a purpose early_help: change that one"]
    added = _post(ig, "/sharing/purposes/new", "/sharing/purposes/new",
                  {"code": "youth justice", "name": "Youth justice", "description": "Preventing offending",
                   "safeguarding": "no"})
    assert added.status_code == 303 and added.headers["location"] == "/sharing/purposes?saved=youth_justice"
    assert "Youth justice is saved." in ig.get(added.headers["location"]).text
    changed = _post(ig, "/sharing/purposes/youth_justice", "/sharing/purposes/youth_justice",
                    {"name": "Youth justice work", "safeguarding": "yes"})
    assert changed.status_code == 303
    with transaction(engine) as session:
        purpose = session.scalar(select(Purpose).where(Purpose.code == "youth_justice"))
        assert (purpose.name, purpose.safeguarding, purpose.description) == ("Youth justice work", True, "")
    saves = [event for event in _events(engine, "sharing.purpose.save") if event.outcome == "success"]
    assert [(event.actor, event.subject_id) for event in saves][-2:] == [("iris.ig", "youth_justice")] * 2
    assert ig.get("/sharing/purposes/nonesuch").status_code == 404


def test_categories_show_fields_facts_and_the_records_a_sensitive_one_covers(ig, engine, sharing):
    page = _main(ig.get("/sharing/categories").text)
    assert "Police incidents" in page and "Incident type" in page and "NHS number" in page
    assert ("Records of Voluntary referrals (<code>voluntary</code>) whose need is “Mental health support” or "
            "“Domestic abuse support”") in page
    form = ig.get("/sharing/categories/sensitive_services").text
    assert "voluntary: need = Mental health support; Domestic abuse support" in form
    bad = _post(ig, "/sharing/categories/new", "/sharing/categories/new",
                {"code": "substance", "name": "Substance misuse", "sensitive": "yes", "facts": "bad key!",
                 "services": "drugs service"})
    assert bad.status_code == 400 and _errors(bad.text) == [
        "Facts are keys of letters, digits and underscores, like tenancy_type",
        "Line 1 of the services must start with a source&#39;s code, like voluntary",
    ]
    added = _post(ig, "/sharing/categories/new", "/sharing/categories/new", {
        "code": "substance", "name": "Substance misuse", "sensitive": "yes", "facts": "need, notes",
        "fields": ["surname", "date_of_birth", "not_a_field"], "services": "voluntary: need = Substance misuse\npolice",
    })
    assert added.status_code == 303, added.text
    with transaction(engine) as session:
        category = session.scalar(select(DataCategory).where(DataCategory.code == "substance"))
        assert category.fields == ["date_of_birth", "surname"] and category.facts == ["need", "notes"]
        assert category.services == [{"source": "voluntary", "fact": "need", "values": ["Substance misuse"]},
                                     {"source": "police"}]
    listed = _main(ig.get("/sharing/categories").text)
    assert "Records of Police records (<code>police</code>), every one" in listed
    changed = _post(ig, "/sharing/categories/substance", "/sharing/categories/substance",
                    {"name": "Substance misuse", "sensitive": "no", "fields": ["surname"]})
    assert changed.status_code == 303
    with transaction(engine) as session:
        category = session.scalar(select(DataCategory).where(DataCategory.code == "substance"))
        assert (category.sensitive, category.services, category.facts) == (False, [], [])


# --- agreements ------------------------------------------------------------------------


def _draft(**values) -> dict:
    return {"consent_required": "no", "safeguarding_overrides": "no", **values}


def test_an_agreement_goes_from_draft_to_signed_active_suspended_and_ended_through_the_pages(ig, engine, sharing):
    # A draft needs a code and a title; the domain's rules land in the error summary.
    missing = _post(ig, "/sharing/agreements/new", "/sharing/agreements/new", {})
    assert missing.status_code == 400 and _errors(missing.text) == [
        "Enter a code for the agreement, like JSCP-ISA", "Enter the agreement&#39;s title",
        "Select whether the person&#39;s consent is needed",
        "Select whether a safeguarding risk overrides a refusal"]
    backwards = _post(ig, "/sharing/agreements/new", "/sharing/agreements/new", _draft(
        code="CSP-115", title="Community safety", **{"starts_on-day": "1", "starts_on-month": "4",
                                                     "starts_on-year": "2030", "ends_on-day": "1",
                                                     "ends_on-month": "4", "ends_on-year": "2029",
                                                     "review_on-day": "31", "review_on-month": "2",
                                                     "review_on-year": "2030"}))
    assert _errors(backwards.text) == ["Review date must be a real date, like 31 3 2027"]
    backwards = _post(ig, "/sharing/agreements/new", "/sharing/agreements/new", _draft(
        code="CSP-115", title="Community safety", **{"starts_on-day": "1", "starts_on-month": "4",
                                                     "starts_on-year": "2030", "ends_on-day": "1",
                                                     "ends_on-month": "4", "ends_on-year": "2029"}))
    assert backwards.status_code == 400 and _errors(backwards.text) == ["An agreement cannot end before it starts"]
    assert _error_links(backwards.text) == ["ends_on-day"]
    assert 'value="CSP-115"' in backwards.text and 'value="2029"' in backwards.text  # what was typed is kept
    taken = _post(ig, "/sharing/agreements/new", "/sharing/agreements/new", _draft(code="jscp-isa", title="Again"))
    assert _errors(taken.text) == ["There is already an agreement JSCP-ISA"]

    created = _post(ig, "/sharing/agreements/new", "/sharing/agreements/new", _draft(
        code="csp-115", title="Community safety protocol", summary="Police and children's services",
        provides=["POL"], receives=["CSC", "POL"], **{"dataset-crime_prevention": ["identity", "police_incidents"]},
        article6="6(1)(e) public task", gateways="Crime and Disorder Act 1998 s115", retention="6 years",
        **{"review_on-day": "31", "review_on-month": "3", "review_on-year": "2031"}))
    assert created.status_code == 303
    assert created.headers["location"] == "/sharing/agreements/CSP-115/versions/1?done=created"
    page = ig.get(created.headers["location"]).text
    assert "The agreement is created: version 1 is a draft" in page
    main = _main(page)
    assert "Crime and Disorder Act 1998 s115" in main and "31 March 2031" in main and "6 years" in main
    # The draft compiles to one policy, Police to CSC, shown before it is in force.
    assert "This version is draft, so none of these is in force" in main
    assert "agreement:CSP-115:v1:crime_prevention:POL-&gt;CSC" in main
    assert 'principal.organisation == &#34;CSC&#34;' in main or 'principal.organisation == "CSC"' in main

    # Change the draft: every party provides and receives.
    saved = _post(ig, "/sharing/agreements/CSP-115/versions/1/edit", "/sharing/agreements/CSP-115/versions/1/edit",
                  _draft(provides=["POL", "CSC"], receives=["CSC", "POL"],
                         **{"dataset-crime_prevention": ["identity", "police_incidents"]},
                         article6="6(1)(e) public task", summary="Both ways", retention="6 years",
                         gateways="Crime and Disorder Act 1998 s115",
                         **{"review_on-day": "31", "review_on-month": "3", "review_on-year": "2031"}))
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=saved")
    version_url = "/sharing/agreements/CSP-115/versions/1"
    assert "CSC-&gt;POL" in ig.get(version_url).text

    # Activation needs every signature: the domain says so in the error summary.
    early = _post(ig, version_url, version_url + "/status", {"status": "active"})
    assert early.status_code == 400 and _errors(early.text) == ["Every party must sign first; not yet: CSC, POL"]
    unsigned = _post(ig, version_url, version_url + "/sign", {"signatory_organisation": "POL", "signatory_name": ""})
    assert _errors(unsigned.text) == ["Enter the signatory&#39;s name", "Enter the date they signed"]
    future = (date.today() + timedelta(days=3))
    for organisation in ("POL", "CSC"):
        bad = _post(ig, version_url, version_url + "/sign", {
            "signatory_organisation": organisation, "signatory_name": "Chief", "signed_on-day": str(future.day),
            "signed_on-month": str(future.month), "signed_on-year": str(future.year)})
        assert _errors(bad.text) == ["The date signed must be today or in the past"]
        signed = _post(ig, version_url, version_url + "/sign", {
            "signatory_organisation": organisation, "signatory_name": f"Caldicott guardian of {organisation}",
            "signatory_role": "Caldicott guardian", "signed_on-day": "2", "signed_on-month": "1",
            "signed_on-year": "2025"})
        assert signed.status_code == 303 and signed.headers["location"].endswith("?done=signed")
    twice = ig.post(version_url + "/sign", data={"csrf_token": csrf_token(ig.get(version_url).text),
                                                 "signatory_organisation": "POL", "signatory_name": "Again",
                                                 "signed_on-day": "2", "signed_on-month": "1",
                                                 "signed_on-year": "2025"})
    assert _errors(twice.text) == ["POL has already signed this version"]
    active = _post(ig, version_url, version_url + "/status", {"status": "active"})
    assert active.status_code == 303 and active.headers["location"].endswith("?done=active")
    page = _main(ig.get(active.headers["location"]).text)
    assert "These are the policies in force" in page and "Caldicott guardian of POL" in page
    assert "2 January 2025" in page

    # The rule applies on the very next request: the police see the council's record for the purpose.
    with transaction(engine) as session:
        pat = _actor(session, "pat.police")
        record = session.get(SourceRecord, sharing.council_record)
        (decision,) = decide_record_access(session, pat, [record], purpose=StatedPurpose("crime_prevention"))
        assert decision.allowed and decision.policy_ids == ("agreement:CSP-115:v1:crime_prevention:CSC->POL",)

    # Suspending needs a reason; then nothing is shared under it.
    no_reason = _post(ig, version_url, version_url + "/status", {"status": "suspended"})
    assert _errors(no_reason.text) == ["Enter the reason: it is recorded with your name"]
    suspended = _post(ig, version_url, version_url + "/status", {"status": "suspended", "reason": "Under review"})
    assert suspended.status_code == 303
    (event,) = [event for event in _events(engine, "sharing.agreement.status")
                if event.outcome == "success" and event.details["status"] == "suspended"]
    assert (event.actor, event.reason) == ("iris.ig", "Under review")
    with transaction(engine) as session:
        record = session.get(SourceRecord, sharing.council_record)
        (decision,) = decide_record_access(session, _actor(session, "pat.police"), [record],
                                           purpose=StatedPurpose("crime_prevention"))
        assert not decision.allowed

    # A new version copies the terms without signatures; a second is refused while it is a draft.
    made = _post(ig, "/sharing/agreements/CSP-115", "/sharing/agreements/CSP-115/versions", {})
    assert made.status_code == 303
    assert made.headers["location"] == "/sharing/agreements/CSP-115/versions/2?done=versioned"
    again = _post(ig, "/sharing/agreements/CSP-115", "/sharing/agreements/CSP-115/versions", {})
    assert again.status_code == 400 and _errors(again.text) == ["Version 2 is still a draft: change that one"]
    listing = _main(ig.get("/sharing/agreements/CSP-115").text)
    assert listing.index("Version 2") < listing.index("Version 1")
    ended = _post(ig, version_url, version_url + "/status", {"status": "ended", "reason": "Replaced"})
    assert ended.status_code == 303
    assert ig.get(version_url + "/edit").status_code == 303  # only a draft is edited
    refused = _post(ig, "/sharing/agreements/CSP-115/versions/2", version_url + "/edit", _draft(retention="x"))
    assert refused.status_code == 400 and _errors(refused.text) == ["Only a draft can be changed: make a new version"]
    agreements = _main(ig.get("/sharing/agreements").text)
    assert "CSP-115" in agreements and "Version 2" in agreements and "31 March 2031" in agreements
    with transaction(engine) as session:
        statuses = session.execute(select(AgreementVersion.version, AgreementVersion.status)
                                   .join(SharingAgreement).where(SharingAgreement.code == "CSP-115")
                                   .order_by(AgreementVersion.version)).all()
        assert [tuple(row) for row in statuses] == [(1, "ended"), (2, "draft")]


def _actor(session, username: str) -> Actor:
    from joinedup.accounts.models import User

    user = session.scalar(select(User).where(User.username == username))
    return Actor(user_id=user.id, username=user.username, organisation_id=user.organisation_id,
                 roles=frozenset(user.roles), channel="web")


def test_a_version_page_shows_the_cedar_it_compiled_to_read_only(ig, sharing):
    page = _main(ig.get("/sharing/agreements/JSCP-ISA/versions/1").text)
    assert "The Cedar policies this version is" in page
    assert page.count("<pre") == 12  # two purposes, three parties: six provider-recipient pairs each
    assert "@id(&#34;agreement:JSCP-ISA:v1:safeguarding_child:POL-&gt;CSC&#34;)" in page
    assert "context.purpose == &#34;safeguarding_child&#34;" in page
    assert "<textarea" not in page.split('id="policies"', 1)[1]  # read only


def test_showing_a_drafts_policies_changes_nothing(ig, engine, sharing):
    from joinedup.sharing.policy import rules_version

    headers = _headers(ig)
    ig.post("/api/v1/sharing/agreements", headers=headers, json={
        "code": "DRAFT-1", "title": "A draft", "datasets": {"crime_prevention": ["identity"]},
        "parties": [{"organisation": "CSC", "provides": True, "receives": False},
                    {"organisation": "POL", "provides": False, "receives": True}]})
    with transaction(engine) as session:
        before = rules_version(session)
    page = _main(ig.get("/sharing/agreements/DRAFT-1/versions/1").text)
    assert "agreement:DRAFT-1:v1:crime_prevention:CSC-&gt;POL" in page
    with transaction(engine) as session:
        assert rules_version(session) == before
        assert session.scalar(select(AgreementVersion.status).join(SharingAgreement)
                              .where(SharingAgreement.code == "DRAFT-1")) == "draft"
        record = session.get(SourceRecord, sharing.council_record)
        (decision,) = decide_record_access(session, _actor(session, "pat.police"), [record],
                                           purpose=StatedPurpose("crime_prevention"))
        assert not decision.allowed  # a draft allows nothing


# --- the decision log ---------------------------------------------------------------------


def test_the_log_is_searched_by_person_user_organisation_agreement_and_outcome(ig, engine, sharing):
    everything = _main(ig.get("/sharing/log").text)
    assert "5 decisions, newest first" in everything
    assert "agreement:JSCP-ISA:v1:safeguarding_child:POL-&gt;CSC" in everything
    assert "shield:sensitive-services" in everything and "break-glass" in everything
    assert "Children Act 2004 s11" in everything  # the basis
    by = {
        "person": (PERSON, 5), "username": ("sam.social", 5), "organisation": ("CSC", 5),
        "agreement": ("JSCP-ISA", 1), "outcome": ("withheld", 2),
    }
    for name, (value, expected) in by.items():
        page = _main(ig.get("/sharing/log", params={name: value}).text)
        assert f"{expected} decision" in page, (name, page)
    none = _main(ig.get("/sharing/log", params={"organisation": "POL"}).text)
    assert "No decisions match" in none
    bad = ig.get("/sharing/log", params={"person": "not an id!", "outcome": "maybe"})
    assert bad.status_code == 400 and _errors(bad.text) == [
        "A person id is P and 10 letters and digits, like P0A1B2C3D4E", "Select an outcome from the list"]
    events = _events(engine, "sharing.log.view")
    assert events[-1].details["filters"] == {"person": "NOT AN ID!", "outcome": "maybe"}


def test_the_log_is_paged(ig, engine, sharing):
    with transaction(engine) as session:
        sam = _actor(session, "sam.social")
        record = session.get(SourceRecord, sharing.police_record)
        for _request in range(60):
            decide_record_access(session, sam, [record], purpose=StatedPurpose("early_help"))
    first = _main(ig.get("/sharing/log").text)
    assert "65 decisions, newest first: 1 to 50" in first and 'aria-label="Page 2"' in first
    second = _main(ig.get("/sharing/log", params={"page": "2"}).text)
    assert "65 decisions, newest first: 51 to 65" in second
    assert ig.get("/sharing/log", params={"page": "3"}).status_code == 404


def test_the_log_exports_as_csv_and_the_export_is_audited(ig, engine, sharing):
    response = ig.get("/sharing/log/export.csv", params={"outcome": "shared"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="sharing-decisions.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3 and {row["outcome"] for row in rows} == {"shared"}
    assert {row["agreement"] for row in rows} == {"", "JSCP-ISA v1"}
    assert any(row["policy_ids"] == "break-glass" for row in rows)
    (gate, event) = _events(engine, "sharing.log.export")
    assert (gate.outcome, event.outcome) == ("allowed", "success")
    assert (event.actor, event.details["rows"], event.details["filters"]["outcome"]) == ("iris.ig", 3, "shared")
    page = ig.get("/sharing/log", params={"outcome": "shared"}).text
    assert 'href="/sharing/log/export.csv?outcome=shared"' in page
    assert ig.get("/sharing/log/export.csv", params={"organisation": "NOPE"}).status_code == 400


# --- break-glass review ---------------------------------------------------------------------


def test_the_ig_lead_reviews_a_break_glass_access(ig, engine, sharing):
    queue = _main(ig.get("/sharing/break-glass").text)
    assert "1 access waiting for review" in queue and "sam.social" in queue and PERSON in queue
    assert "Child missing overnight, police involved" in queue and "30 minutes" in queue and "Open now" in queue
    page = _main(ig.get(f"/sharing/break-glass/{sharing.break_glass}").text)
    assert "held by Police" in page and "Record " + str(sharing.police_record) in page
    assert "held by Joinford Family Support" not in page  # the shielded record was not seen
    assert "Forename" in page and "facts: " in page
    url = f"/sharing/break-glass/{sharing.break_glass}"
    bad = _post(ig, url, url, {})
    assert bad.status_code == 400 and _errors(bad.text) == ["Select whether the access was appropriate",
                                                            "Enter the reasons for your decision"]
    done = _post(ig, url, url, {"decision": "appropriate", "note": "A missing child: justified."})
    assert done.status_code == 303
    assert done.headers["location"] == f"/sharing/break-glass?reviewed={sharing.break_glass}"
    banner = ig.get(done.headers["location"]).text
    assert "Your review of sam.social&#39;s break-glass access is recorded: appropriate." in banner
    assert "Nothing waits for your review." in banner
    assert "A missing child: justified." in ig.get(url).text and "<form" not in _main(ig.get(url).text).split(
        "What was seen", 1)[1]
    again = ig.post(url, data={"csrf_token": csrf_token(ig.get("/").text), "decision": "inappropriate",
                               "note": "Changed my mind"})
    assert _errors(again.text) == ["This access has already been reviewed"]
    (event,) = [event for event in _events(engine, "sharing.break_glass.review") if event.outcome == "success"]
    assert (event.actor, event.details["decision"]) == ("iris.ig", "appropriate")
    assert "1 access, newest first" in ig.get("/sharing/break-glass", params={"show": "all"}).text


def test_only_the_ig_lead_of_the_users_organisation_sees_an_access_until_it_is_escalated(client, engine, sharing):
    sign_in(client, "lee.ig")  # an IG lead of the council, not of children's social care
    assert "Nothing waits for your review." in client.get("/sharing/break-glass").text
    assert client.get(f"/sharing/break-glass/{sharing.break_glass}").status_code == 404
    assert client.get(f"/api/v1/sharing/break-glass/{sharing.break_glass}").status_code == 404
    sign_in(client, "ada.admin")  # children's social care has its own IG lead: not the administrator's yet
    assert "Nothing waits for your review." in client.get("/sharing/break-glass").text
    assert client.get(f"/sharing/break-glass/{sharing.break_glass}").status_code == 404
    # Five working days pass without a review: it is escalated to the administrators.
    with transaction(engine) as session:
        access = session.get(BreakGlass, sharing.break_glass)
        access.review_due_at = utcnow() - timedelta(minutes=1)
    page = client.get("/sharing/break-glass").text
    assert "1 access waiting for review" in page and "Escalated" in page
    assert client.get(f"/sharing/break-glass/{sharing.break_glass}").status_code == 200
    assert "1 break-glass access waits for your review" in client.get("/").text
    with transaction(engine) as session:
        escalated = session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.break_glass.escalate")).all()
    assert [event.subject_id for event in escalated] == [str(sharing.break_glass)]
    sign_in(client, "iris.ig")  # the organisation's own IG lead still may decide it
    assert client.get(f"/sharing/break-glass/{sharing.break_glass}").status_code == 200


# --- view as ----------------------------------------------------------------------------------


@pytest.mark.parametrize("risk", [False, True])
def test_view_as_shows_exactly_what_the_policy_point_decides_and_is_audited(ig, engine, sharing, risk):
    params = {"organisation": "POL", "role": "practitioner", "purpose": "safeguarding_child", "person": PERSON}
    if risk:
        params["risk"] = "yes"
    page = ig.get("/sharing/view-as", params=params)
    assert page.status_code == 200
    main = _main(page.text)
    with transaction(engine) as session:
        police = session.scalar(select(Organisation).where(Organisation.code == "POL"))
        pretend = Actor(username="check", organisation_id=police.id, roles=frozenset({"practitioner"}),
                        channel="test")
        records = session.scalars(select(SourceRecord).where(SourceRecord.id.in_(
            [sharing.council_record, sharing.police_record, sharing.voluntary_record])).order_by(SourceRecord.id)).all()
        expected = decide_record_access(session, pretend, records,
                                        purpose=StatedPurpose("safeguarding_child", safeguarding_risk=risk))
        for record, decision in zip(records, expected, strict=True):
            shown = disclosed_fields(record, decision)
            for policy_id in decision.policy_ids:
                assert policy_id.replace(">", "&gt;") in main
            if decision.allowed:
                for name, value in shown.items():
                    if name == "facts":
                        for key, fact in value.items():
                            assert f"{field_label(key)}</dt>" in main and show_fact(fact) in main
                    elif name == "date_of_birth":
                        assert "14 March 2011" in main
                    elif isinstance(value, str) and name != "source":
                        assert value in main, name
            for name in ("phone", "email", "address_text"):
                value = getattr(record, name)
                if value and name not in shown:
                    assert value not in main
    shown_count = sum(1 for decision in expected if decision.allowed)
    assert f"{shown_count} of 3 records shown" in main
    if risk:
        assert "Mental health support" in main and "A service is involved" not in main
    else:
        assert "Mental health support" not in main and "A service is involved" in main
        assert "Low mood" not in main
    # The council's child protection status is outside the police's minimum dataset; its
    # domestic abuse marker (a police incidents fact) is in it.
    council = main.split("Shown: Children")[1].split("govuk-summary-card__title")[0]
    assert "Cp status" not in council and "open" not in council and "Domestic abuse</dt>" in council
    records_decided = per_record(engine, "sharing.preview")
    assert len(records_decided) == 3  # each record's decision, audited as the preview
    (event,) = [event for event in _events(engine, "sharing.preview")
                if event.subject_type == "person" and event.outcome == "success"]
    assert (event.actor, event.subject_id, event.details["organisation"], event.details["role"]) == (
        "iris.ig", PERSON, "POL", "practitioner")
    assert event.details["shown"] == shown_count
    with transaction(engine) as session:
        logged = session.scalars(select(SharingDecision).where(SharingDecision.channel == "preview")).all()
        assert sum(row.record_count for row in logged) == 3  # one row per basis each record was shared on
        assert {row.username for row in logged} == {"iris.ig as practitioner of POL"}


def test_view_as_says_what_is_missing(ig, engine, sharing):
    blank = ig.get("/sharing/view-as")
    assert blank.status_code == 200 and "govuk-error-summary" not in blank.text
    bad = ig.get("/sharing/view-as", params={"organisation": "NOPE", "role": "wizard", "person": "P0000000000"})
    assert bad.status_code == 400 and _errors(bad.text) == [
        "Select the organisation whose view you want to see", "Select the role whose view you want to see",
        "There is no person P0000000000"]
    assert [event for event in _events(engine, "sharing.preview") if event.outcome != "allowed"] == []


# --- the data-flow map ---------------------------------------------------------------------------


def test_the_map_draws_every_flow_and_lists_them_in_a_table(ig, engine, sharing):
    main = _main(ig.get("/sharing/map").text)
    with transaction(engine) as session:
        flows = data_flows(session)
    assert len(flows) == 12
    svg = main.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img" aria-labelledby="map-title map-desc"' in svg
    assert "Data flows between 3 organisations" in svg and "3 arrows" in svg
    assert svg.count("<line") == 3 and svg.count('marker-start="url(#arrowhead)"') == 3  # both ways, same purposes
    assert "Children&#39;s Social Care and Police share with each other for: Early help, Safeguarding a child" in svg
    table = main.split("<table", 1)[1]
    assert "Every flow: 12" in table and table.count('<tr class="govuk-table__row">') == 13
    assert "Identity, Police incidents, Sensitive services" in table and "JSCP-ISA version 1" in table
    one = _main(ig.get("/sharing/map", params={"purpose": "early_help"}).text)
    assert "Every flow for early help: 6" in one


# --- the JSON API ------------------------------------------------------------------------------


def _headers(client) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/v1/sharing/purposes").headers["X-CSRF-Token"]}


def test_the_api_authors_signs_activates_and_suspends_an_agreement(ig, engine, sharing):
    headers = _headers(ig)
    created = ig.post("/api/v1/sharing/agreements", headers=headers, json={
        "code": "csp-115", "title": "Community safety protocol", "retention": "6 years",
        "parties": [{"organisation": "POL", "provides": True, "receives": False},
                    {"organisation": "CSC", "provides": False, "receives": True}],
        "datasets": {"crime_prevention": ["identity", "police_incidents"]},
    })
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["agreement"], body["version"], body["status"], body["policies"]) == ("CSP-115", 1, "draft", None)
    assert ig.post("/api/v1/sharing/agreements", headers=headers,
                   json={"code": "CSP-115", "title": "Again"}).json() == {
        "detail": "code: There is already an agreement CSP-115.", "field": "code"}
    bad = ig.patch("/api/v1/sharing/agreements/CSP-115/versions/1", headers=headers,
                   json={"datasets": {"crime_prevention": ["nonesuch"]}})
    assert bad.status_code == 409 and bad.json() == {"detail": "datasets: There is no data category nonesuch.", "field": "datasets"}
    patched = ig.patch("/api/v1/sharing/agreements/CSP-115/versions/1", headers=headers, json={
        "lawful_basis": {"article6": ["6(1)(e) public task"], "gateways": ["Crime and Disorder Act 1998 s115"]},
        "review_on": "2031-03-31"})
    assert patched.status_code == 200
    assert patched.json()["retention"] == "6 years" and patched.json()["review_on"] == "2031-03-31"  # others kept
    early = ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/status", headers=headers, json={"status": "active"})
    assert early.status_code == 409 and early.json() == {"detail": "Every party must sign first; not yet: CSC, POL."}
    for organisation in ("POL", "CSC"):
        signed = ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/signatures", headers=headers,
                         json={"organisation": organisation, "name": "Chief", "signed_on": "2025-01-02"})
        assert signed.status_code == 200
    assert ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/signatures", headers=headers,
                   json={"organisation": "VCS", "name": "Chief"}).json() == {
        "detail": "organisation: VCS is not a party to this agreement.", "field": "organisation"}
    active = ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/status", headers=headers,
                     json={"status": "active"})
    assert active.status_code == 200 and active.json()["status"] == "active"
    version = ig.get("/api/v1/sharing/agreements/CSP-115/versions/1").json()
    (policy,) = version["policies"]
    assert policy["policy_id"] == "agreement:CSP-115:v1:crime_prevention:POL->CSC"
    assert 'principal.organisation == "CSC"' in policy["cedar"] and "fact:incident_type" in policy["fields"]
    assert [item["code"] for item in ig.get("/api/v1/sharing/agreements").json()] == ["CSP-115", "JSCP-ISA"]
    no_reason = ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/status", headers=headers,
                        json={"status": "suspended"})
    assert no_reason.status_code == 422
    suspended = ig.post("/api/v1/sharing/agreements/CSP-115/versions/1/status", headers=headers,
                        json={"status": "suspended", "reason": "Under review"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    (event,) = [event for event in _events(engine, "sharing.agreement.status")
                if event.outcome == "success" and event.details["status"] == "suspended"]
    assert (event.actor, event.channel, event.reason) == ("iris.ig", "api", "Under review")
    second = ig.post("/api/v1/sharing/agreements/CSP-115/versions", headers=headers)
    assert second.status_code == 201 and second.json()["version"] == 2 and second.json()["signatories"] == []
    assert ig.post("/api/v1/sharing/agreements/CSP-115/versions", headers=headers).status_code == 409
    whole = ig.get("/api/v1/sharing/agreements/CSP-115").json()
    assert [(item["version"], item["status"]) for item in whole["versions"]] == [(2, "draft"), (1, "suspended")]
    assert ig.get("/api/v1/sharing/agreements/NOPE").status_code == 404
    assert ig.get("/api/v1/sharing/agreements/CSP-115/versions/9").status_code == 404


def test_the_api_adds_and_changes_purposes_and_categories(ig, engine, sharing):
    headers = _headers(ig)
    added = ig.post("/api/v1/sharing/purposes", headers=headers,
                    json={"code": "youth_justice", "name": "Youth justice", "safeguarding": False})
    assert added.status_code == 201 and added.json()["code"] == "youth_justice"
    assert ig.post("/api/v1/sharing/purposes", headers=headers,
                   json={"code": "youth_justice", "name": "Again"}).status_code == 409
    changed = ig.put("/api/v1/sharing/purposes/youth_justice", headers=headers,
                     json={"name": "Youth justice", "safeguarding": True})
    assert changed.json()["safeguarding"] is True
    assert ig.put("/api/v1/sharing/purposes/nonesuch", headers=headers, json={"name": "x"}).status_code == 404
    assert "youth_justice" in [item["code"] for item in ig.get("/api/v1/sharing/purposes").json()]
    wrong = ig.post("/api/v1/sharing/categories", headers=headers,
                    json={"code": "bad", "name": "Bad", "fields": ["shoe_size"]})
    assert wrong.status_code == 409 and wrong.json() == {"detail": "fields: Not a record field: shoe_size.", "field": "fields"}
    category = ig.post("/api/v1/sharing/categories", headers=headers, json={
        "code": "substance", "name": "Substance misuse", "facts": ["need"], "sensitive": True,
        "services": [{"source": "voluntary", "fact": "need", "values": ["Substance misuse"]}]})
    assert category.status_code == 201
    assert category.json()["services"] == [{"source": "voluntary", "fact": "need", "values": ["Substance misuse"]}]
    plain = ig.put("/api/v1/sharing/categories/substance", headers=headers,
                   json={"name": "Substance misuse", "facts": ["need"]})
    assert plain.json()["sensitive"] is False and plain.json()["services"] == []
    with transaction(engine) as session:
        assert session.scalar(select(DataCategory.sensitive).where(DataCategory.code == "substance")) is False


def test_the_api_searches_and_exports_the_log(ig, engine, sharing):
    page = ig.get("/api/v1/sharing/decisions", params={"outcome": "withheld", "limit": 1}).json()
    assert (page["total"], page["limit"], len(page["decisions"])) == (2, 1, 1)
    (decision,) = page["decisions"]
    assert decision["policy_ids"] == ["shield:sensitive-services"] and decision["source_organisation"] == "VCS"
    assert decision["organisation"] == "CSC" and decision["person_id"] == PERSON
    shared = ig.get("/api/v1/sharing/decisions", params={"agreement": "jscp-isa"}).json()["decisions"]
    assert [item["agreement"] for item in shared] == ["JSCP-ISA v1"]
    assert shared[0]["basis"].startswith("Agreement JSCP-ISA version 1, purpose safeguarding_child")
    glass = ig.get("/api/v1/sharing/decisions", params={"username": "sam.social", "outcome": "shared"}).json()
    assert {item["break_glass_id"] for item in glass["decisions"]} == {None, sharing.break_glass}
    bad = ig.get("/api/v1/sharing/decisions", params={"outcome": "maybe"})
    assert bad.status_code == 422 and bad.json() == {"detail": "outcome: Select an outcome from the list.",
                                                     "field": "outcome"}
    export = ig.get("/api/v1/sharing/decisions/export", params={"person_id": PERSON})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(export.text)))) == 5
    (event,) = [event for event in _events(engine, "sharing.log.export") if event.outcome == "success"]
    assert (event.channel, event.details["rows"]) == ("api", 5)


def test_the_api_reviews_break_glass(ig, engine, sharing):
    (access,) = ig.get("/api/v1/sharing/break-glass").json()
    assert (access["username"], access["person_id"], access["minutes"], access["open"]) == (
        "sam.social", PERSON, 30, True)
    assert [item["record_ids"] for item in access["seen"]] == [[sharing.police_record]]
    headers = _headers(ig)
    url = f"/api/v1/sharing/break-glass/{sharing.break_glass}"
    assert ig.post(url + "/review", headers=headers, json={"decision": "maybe", "note": "x"}).status_code == 422
    reviewed = ig.post(url + "/review", headers=headers, json={"decision": "inappropriate", "note": "Not urgent"})
    assert reviewed.status_code == 200 and reviewed.json()["review_status"] == "inappropriate"
    assert reviewed.json()["reviewed_by"] == "iris.ig"
    again = ig.post(url + "/review", headers=headers, json={"decision": "appropriate", "note": "Changed"})
    assert again.status_code == 409 and again.json() == {"detail": "This access has already been reviewed."}
    assert ig.get("/api/v1/sharing/break-glass").json() == []
    assert len(ig.get("/api/v1/sharing/break-glass", params={"status": "all"}).json()) == 1
    assert ig.get("/api/v1/sharing/break-glass/999").status_code == 404


def test_the_api_view_as_returns_only_disclosed_fields_and_is_audited(ig, engine, sharing):
    response = ig.get("/api/v1/sharing/view-as", params={"person_id": PERSON, "organisation": "POL",
                                                         "role": "practitioner", "purpose": "early_help"})
    assert response.status_code == 200
    body = response.json()
    by_id = {record["record_id"]: record for record in body["records"]}
    with transaction(engine) as session:
        police = session.scalar(select(Organisation.id).where(Organisation.code == "POL"))
        pretend = Actor(username="check", organisation_id=police, roles=frozenset({"practitioner"}))
        records = session.scalars(select(SourceRecord).where(SourceRecord.id.in_(list(by_id)))).all()
        for record, decision in zip(records, decide_record_access(session, pretend, records,
                                                                  purpose=StatedPurpose("early_help")), strict=True):
            got = by_id[record.id]
            assert (got["allowed"], got["shielded"], got["policy_ids"]) == (
                decision.allowed, decision.shielded, list(decision.policy_ids))
            assert got["fields"] == disclosed_fields(record, decision)
    council = by_id[sharing.council_record]
    assert set(council["fields"]) == {"source", "local_id", "record_ref", "forename", "middle_names", "surname",
                                      "date_of_birth", "sex", "nhs_number", "ni_number", "upn", "address_text",
                                      "postcode"}
    assert by_id[sharing.voluntary_record]["shielded"] and by_id[sharing.voluntary_record]["fields"] == {}
    (event,) = [event for event in _events(engine, "sharing.preview")
                if event.subject_type == "person" and event.outcome == "success"]
    assert (event.actor, event.channel) == ("iris.ig", "api")
    missing = ig.get("/api/v1/sharing/view-as", params={"person_id": "P0000000000", "organisation": "POL",
                                                        "role": "practitioner"})
    assert missing.status_code == 404 and missing.json() == {"detail": "There is no person P0000000000."}
    assert ig.get("/api/v1/sharing/view-as", params={"person_id": PERSON, "organisation": "POL",
                                                     "role": "wizard"}).status_code == 422


def test_the_api_lists_the_flows(ig, sharing):
    flows = ig.get("/api/v1/sharing/flows").json()
    assert len(flows) == 12
    assert {"provider": "POL", "recipient": "CSC", "purpose": "early_help",
            "categories": ["identity", "address_history"], "agreement": "JSCP-ISA", "version": 1} in flows
