"""The practitioner's side of governed sharing, through the pages and the API.

Purpose at the point of access (stated per person in the web session, or in the API's
query), the "State why you are looking" form, the legitimate relationship where the
rules need one, the shielded sensitive service and who to ask, break-glass with its
banner and review task, consent (with the script and the history) and a practitioner's
own decision not to share. And the check the issue names: withdrawing consent or
suspending an agreement blocks the very next request. The world is
tests/web/practice_support.py.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from practice_support import MARKERS, seed_sharing
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.accounts import WebSession
from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.sharing.models import AgreementVersion, BreakGlass, ConsentRecord, SharingDecision
from joinedup.sharing.rules import set_status


def _as(client, username: str):
    assert sign_in(client, username).status_code == 303
    return client


@pytest.fixture
def sam(practice_client):
    return _as(practice_client, "sam.social")


def _main(html: str) -> str:
    return html.split('<main class="govuk-main-wrapper" id="main-content">', 1)[1].split("</main>", 1)[0]


def _errors(html: str) -> list[str]:
    body = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<a href="#[^"]+">([^<]+)</a>', body)]


def _state(client, person_id: str, **form) -> object:
    page = client.get(f"/persons/{person_id}/purpose")
    assert page.status_code == 200
    return client.post(f"/persons/{person_id}/purpose", data={"csrf_token": csrf_token(page.text), **form})


def _events(engine, action):
    with transaction(engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _decisions(engine, **where):
    with transaction(engine) as session:
        statement = select(SharingDecision).order_by(SharingDecision.id)
        for name, value in where.items():
            statement = statement.where(getattr(SharingDecision, name) == value)
        return session.scalars(statement).all()


# --------------------------------------------------------------------------- purpose at access


def test_without_a_purpose_a_practitioner_sees_their_own_records_and_is_asked_why(sam, engine):
    page = sam.get("/persons/PSAME000001")
    assert page.status_code == 200
    main = _main(page.text)
    # What the page says the user sees comes from the decisions: one record of their own.
    assert MARKERS["own_name"] in main and "1 record your own organisation holds" in main
    assert "shared with you under agreement" not in main
    assert "State why you are looking" in main and 'action="/persons/PSAME000001/purpose"' in main
    assert "Police records" not in main and "Other records of this person that you may not see" in main
    # Only the purposes Children's Social Care may use: direct care and the agreement's two.
    offered = re.findall(r'name="purpose" type="radio" value="([a-z_]+)"', main)
    assert offered == ["direct_care", "safeguarding_child", "early_help"]
    withheld = _decisions(engine, person_id="PSAME000001", outcome="withheld")
    assert [(row.purpose, row.reason) for row in withheld] == [("", "No rule allows your organisation to see this record.")]


def test_a_stated_purpose_opens_partners_records_for_that_person_only_and_is_recorded(sam, engine, practice):
    stated = _state(sam, "PPARTNER001", purpose="safeguarding_child", q="ben")
    assert stated.status_code == 303 and stated.headers["location"] == "/persons/PPARTNER001?q=ben"
    page = sam.get(stated.headers["location"])
    assert page.status_code == 200
    main = _main(page.text)
    assert "Ben Partner" in main and "Why you are looking" in main and "Safeguarding a child" in main
    assert MARKERS["partner_phone"] not in main  # contact details are not in the safeguarding dataset
    record = sam.get(f"/records/{practice.records['POL-200']}", params={"person": "PPARTNER001"})
    assert record.status_code == 200
    assert MARKERS["partner_incident"] in record.text and MARKERS["partner_phone"] not in record.text
    assert MARKERS["partner_warning"] not in record.text  # a fact in no category is never shared
    assert "agreement:SAFE-ISA:v1:safeguarding_child:POL-&gt;CSC" in record.text
    # The purpose was stated for Ben only: Ava's police record is still withheld.
    assert "Police records" not in _main(sam.get("/persons/PSAME000001").text)
    (event,) = _events(engine, "sharing.purpose.state")
    assert (event.subject_id, event.details["purpose"], event.details["safeguarding_risk"]) == (
        "PPARTNER001", "safeguarding_child", False)
    shared = _decisions(engine, person_id="PPARTNER001", outcome="shared")
    assert shared and {row.purpose for row in shared} == {"safeguarding_child"}
    assert {row.agreement_version_id for row in shared} == {practice.agreement_version}
    with transaction(engine) as session:
        kept = [row.purposes for row in session.scalars(select(WebSession)) if row.purposes]
    assert len(kept) == 1 and kept[0]["PPARTNER001"]["code"] == "safeguarding_child"


def test_a_person_seen_only_through_partners_is_refused_with_the_form_until_a_purpose_is_stated(sam, engine):
    refused = sam.get("/persons/PPARTNER001")
    assert refused.status_code == 403
    main = _main(refused.text)
    assert "No rule allows you to see any of this person&#39;s records." in main
    assert "State why you are looking" in main and MARKERS["partner_name"] not in main
    assert "use emergency access (break-glass)" in main
    assert {event.outcome for event in _events(engine, "person.view")} == {"denied"}
    assert _state(sam, "PPARTNER001", purpose="safeguarding_child").status_code == 303
    assert sam.get("/persons/PPARTNER001").status_code == 200
    # A purpose no agreement covers for this provider still shows nothing.
    assert _state(sam, "PNONE000001", purpose="safeguarding_child").status_code == 303
    none = sam.get("/persons/PNONE000001")
    assert none.status_code == 403 and "for the purpose you stated" in none.text
    assert MARKERS["none_name"] not in _main(none.text)


@pytest.mark.parametrize(
    "form, errors",
    [
        ({}, ["Select why you are looking"]),
        ({"purpose": "crime_prevention"},
         ["Your organisation and role may not state this purpose: select one of the purposes listed"]),
        ({"purpose": "early_help"}, ["Say what your relationship with this person is"]),
        ({"purpose": "early_help", "relationship_choice": "other"}, ["Say what your relationship with this person is"]),
        ({"purpose": "direct_care", "relationship_choice": "team", "safeguarding_risk": "yes"},
         ["A risk of serious harm can be stated only with a safeguarding purpose"]),
    ],
)
def test_a_purpose_the_rules_do_not_allow_is_refused_with_the_reason(sam, engine, form, errors):
    response = _state(sam, "PPARTNER001", **form)
    assert response.status_code == 400
    assert _errors(response.text) == errors
    assert "<title>Error: Why are you looking" in response.text
    stated = _events(engine, "sharing.purpose.state")
    assert not [event for event in stated if event.outcome == "success"]
    # A purpose the user may not state is a refusal of authority: audited as denied.
    assert [event.outcome for event in stated] == (["denied"] if form.get("purpose") == "crime_prevention" else [])


def test_the_relationship_is_kept_in_the_users_words_and_logged_with_each_decision(sam, engine):
    response = _state(sam, "PSHIELD0001", purpose="early_help", relationship_choice="other",
                      relationship_other="Family support key worker for the household")
    assert response.status_code == 303
    page = sam.get("/persons/PSHIELD0001")
    assert "Your relationship: Family support key worker for the household." in page.text
    shared = _decisions(engine, person_id="PSHIELD0001", outcome="shared")
    assert shared and {row.reason for row in shared} == {"Family support key worker for the household"}
    chosen = _state(sam, "PSHIELD0001", purpose="early_help", relationship_choice="team")
    assert chosen.status_code == 303
    assert "Your relationship: My team is working with them or their family." in sam.get("/persons/PSHIELD0001").text


def test_stopping_a_purpose_goes_back_to_own_records(sam, engine):
    _state(sam, "PSAME000001", purpose="safeguarding_child")
    assert "Police records" in sam.get("/persons/PSAME000001").text
    page = sam.get("/persons/PSAME000001")
    stopped = sam.post("/persons/PSAME000001/purpose", data={"csrf_token": csrf_token(page.text), "action": "clear"})
    assert stopped.status_code == 303
    assert "Police records" not in _main(sam.get("/persons/PSAME000001").text)
    assert [event.subject_id for event in _events(engine, "sharing.purpose.clear")] == ["PSAME000001"]


def test_a_purpose_form_without_the_sessions_csrf_token_is_refused(sam, engine):
    response = sam.post("/persons/PPARTNER001/purpose", data={"purpose": "safeguarding_child"})
    assert response.status_code == 403 and "Your form could not be sent" in response.text
    assert sam.get("/persons/PPARTNER001").status_code == 403


def test_the_search_takes_a_purpose_and_carries_it_to_the_person_opened(sam, engine):
    alone = sam.get("/persons", params={"q": "ben partner"})
    assert "No persons found" in alone.text and 'id="working-context"' not in alone.text
    found = sam.get("/persons", params={"q": "ben partner", "purpose": "safeguarding_child"})
    assert found.status_code == 200 and "1 person found" in found.text
    assert 'href="/persons/PPARTNER001?q=ben+partner"' in found.text
    assert "You are working on: Safeguarding a child" in found.text
    # The working context carries the purpose: the person opens without stating it again.
    page = sam.get("/persons/PPARTNER001", params={"q": "ben partner"})
    assert page.status_code == 200 and "shared with you under agreement SAFE-ISA" in page.text
    assert "You are working on: Safeguarding a child — for Ben Partner and their family, since" in page.text
    assert "It comes from your working context" in page.text
    (search,) = [event for event in _events(engine, "search") if event.details.get("stated_purpose")]
    assert search.details["stated_purpose"] == "safeguarding_child"
    (view,) = [event for event in _events(engine, "person.view") if event.subject_id == "PPARTNER001"]
    assert view.details["stated_purpose"] == "safeguarding_child" and view.details["working_context"]
    # A person the search did not find is not covered.
    assert sam.get("/persons/PNONE000001").status_code == 403
    bad = sam.get("/persons", params={"q": "ben", "purpose": "early_help"})
    assert bad.status_code == 400 and _errors(bad.text) == ["Say what your relationship with this person is"]
    assert "<details class=\"govuk-details\" open>" in bad.text


def test_the_user_ends_the_working_context(sam, engine):
    sam.get("/persons", params={"q": "ben partner", "purpose": "safeguarding_child"})
    page = sam.get("/persons/PPARTNER001")
    assert page.status_code == 200
    refused = sam.post("/working-context/end", data={})
    assert refused.status_code == 403, "the End form needs the session's CSRF token"
    ended = sam.post("/working-context/end", data={"csrf_token": csrf_token(page.text)})
    assert ended.status_code == 303 and ended.headers["location"] == "/persons?ended=context"
    assert "Your working context has ended" in sam.get(ended.headers["location"]).text
    (event,) = _events(engine, "sharing.context.end")
    assert event.details["purpose"] == "safeguarding_child" and event.details["opened"] == ["PPARTNER001"]
    again = sam.get("/persons/PPARTNER001")
    assert again.status_code == 403 and 'id="working-context"' not in again.text


# --------------------------------------------------------------------------- the shielded service


def test_a_shielded_service_is_said_to_be_involved_never_which_with_the_ig_lead_to_ask(sam, engine, practice):
    _state(sam, "PSHIELD0001", purpose="early_help", relationship_choice="team")
    main = _main(sam.get("/persons/PSHIELD0001").text)
    assert "A service is involved that we cannot name here." in main
    assert "contact Iris Ig, information governance lead at Children&#39;s Social Care" in main
    assert 'href="mailto:iris.ig@example.org"' in main
    assert MARKERS["shield_police_phone"] in sam.get(f"/records/{practice.records['POL-400']}").text
    for secret in (MARKERS["shield_service"], MARKERS["shield_notes"], MARKERS["shield_org"], "Referrals"):
        assert secret not in main
    shielded = sam.get(f"/records/{practice.records['VCS-400']}")
    assert shielded.status_code == 403 and "No rule allows your organisation to see this record." in shielded.text
    assert "shield" not in _main(shielded.text).lower()
    api = sam.get("/api/v1/persons/PSHIELD0001", params={"purpose": "early_help", "relationship": "Key worker"}).json()
    assert api["shielded"] is True and "iris.ig@example.org" in api["contact"]
    assert [record["source"] for record in api["records"]] == ["police"]
    assert MARKERS["shield_service"] not in str(api)
    assert _decisions(engine, record_id=practice.records["VCS-400"])[0].policy_ids == ["shield:sensitive-services"]


def test_the_partnerships_ig_lead_is_the_contact_when_the_organisation_has_none(engine, app):
    """The contact for a shielded service is whoever reviews the organisation's
    break-glass: one answer from the domain (joinedup.sharing.break_glass.contact_for)."""
    practice = seed_sharing(engine, users=False)
    from joinedup.accounts import create_user

    with transaction(engine) as session:
        create_user(session, username="sam.social", password="correct horse battery", display_name="Sam Okafor",
                    organisation="CSC", roles=["practitioner"])
        create_user(session, username="lena.ig", password="correct horse battery", display_name="Lena Ig",
                    organisation="LA", roles=["ig_lead"], email="lena.ig@example.org")
        create_user(session, username="root.admin", password="correct horse battery", display_name="Rhys Admin",
                    organisation="LA", roles=["admin"])
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        _as(client, "sam.social")
        _state(client, "PSHIELD0001", purpose="early_help", relationship_choice="team")
        unnamed = _main(client.get("/persons/PSHIELD0001").text)
        with transaction(engine) as session:  # the agreement names Lena for the partnership
            session.get(AgreementVersion, practice.agreement_version).ig_leads = ["lena.ig"]
        named = _main(client.get("/persons/PSHIELD0001").text)
    # Nobody named, no IG lead of its own: the administrators review, and are the contact.
    assert "Rhys Admin, administrator at Joinford Borough Council" in unnamed
    assert "Lena Ig, information governance lead at Joinford Borough Council" in named


# --------------------------------------------------------------------------- break-glass


def test_break_glass_needs_a_reason_shows_a_banner_opens_records_and_goes_for_review(sam, engine, practice):
    form = sam.get("/persons/PNONE000001/break-glass")
    assert form.status_code == 200 and "Emergency access (break-glass)" in form.text
    assert "Iris Ig, information governance lead at Children&#39;s Social Care" in form.text
    bad = sam.post("/persons/PNONE000001/break-glass", data={"csrf_token": csrf_token(form.text), "reason": "help"})
    assert bad.status_code == 400
    assert _errors(bad.text) == ["Select how long you need emergency access for"]
    short = sam.post("/persons/PNONE000001/break-glass",
                     data={"csrf_token": csrf_token(form.text), "reason": "help", "minutes": "30"})
    assert _errors(short.text) == [
        "Say in a sentence what the emergency is: it goes to your IG lead for review"]
    started = sam.post("/persons/PNONE000001/break-glass", data={
        "csrf_token": csrf_token(form.text), "reason": "Child found alone at the address, adult unknown",
        "minutes": "30"})
    assert started.status_code == 303 and started.headers["location"] == "/persons/PNONE000001?done=break-glass"
    page = sam.get(started.headers["location"])
    assert page.status_code == 200
    main = _main(page.text)
    assert "Emergency access (break-glass) is on" in main and re.search(r"until \d{1,2}:\d\d[ap]m", main)
    assert "will be reviewed by Iris Ig" in main and "Cal Nobody" in main
    record = sam.get(f"/records/{practice.records['HSG-300']}")
    assert record.status_code == 200 and "Emergency access (break-glass) is on" in record.text
    assert MARKERS["none_fact"] in record.text and "break-glass" in record.text
    with transaction(engine) as session:
        (access,) = session.scalars(select(BreakGlass)).all()
        assert (access.username, access.review_status, access.person_id) == ("sam.social", "pending",
                                                                               practice.persons["PNONE000001"])
        assert (access.expires_at - access.started_at).total_seconds() == 30 * 60
    seen = _decisions(engine, person_id="PNONE000001", outcome="shared")
    assert seen and {row.break_glass_id for row in seen} == {access.id}
    api = sam.get("/api/v1/persons/PNONE000001").json()
    assert api["break_glass_until"] is not None and api["records"][0]["local_id"] == "HSG-300"
    (event,) = [event for event in _events(engine, "sharing.break_glass.start") if event.outcome == "success"]
    assert event.reason == "Child found alone at the address, adult unknown"


def test_break_glass_consent_and_declining_are_for_practitioners(practice_client, engine):
    client = _as(practice_client, "iris.ig")
    for path in ("/persons/PSAME000001/break-glass", "/persons/PSAME000001/consent", "/persons/PSAME000001/decline"):
        response = client.get(path)
        assert response.status_code == 403 and "recorded by practitioners and MASH officers" in response.text
    assert {event.outcome for event in _events(engine, "sharing.break_glass.form")} == {"denied"}
    assert "Emergency access (break-glass)" not in client.get("/persons/PSAME000001").text
    assert client.get("/persons/PNOBODY/break-glass").status_code == 403
    mo = _as(practice_client, "mo.mash")
    assert mo.get("/persons/PNOBODY/break-glass").status_code == 404
    assert mo.get("/persons/PSAME000001/break-glass").status_code == 200


# --------------------------------------------------------------------------- consent


def test_consent_is_recorded_beside_the_script_and_shown_in_the_history(sam, engine, practice):
    page = sam.get("/persons/PSAME000001/consent")
    assert page.status_code == 200
    main = _main(page.text)
    assert "Read this to the person" in main and "I work for Children&#39;s Social Care." in main
    assert "[the services you will share with]" in main and "will not be sold" in main
    assert "No consent, refusal or withdrawal has been recorded" in main
    empty = sam.post("/persons/PSAME000001/consent", data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400 and _errors(empty.text) == [
        "Select whether consent was given, refused or withdrawn",
        "Select whether it was given verbally or in writing",
        "Select whether the person was told what will be shared and why"]
    untold = sam.post("/persons/PSAME000001/consent", data={
        "csrf_token": csrf_token(page.text), "decision": "given", "form": "verbal", "informed": "no",
        "expires-day": "31", "expires-month": "2", "expires-year": "2030"})
    assert _errors(untold.text) == ["Say why the person was not told what will be shared and why",
                                    "The expiry date must be a real date"]
    done = sam.post("/persons/PSAME000001/consent", data={
        "csrf_token": csrf_token(page.text), "decision": "given", "form": "written", "informed": "yes",
        "purposes": ["early_help"], "organisations": ["POL", "VCS"], "categories": ["identity", "contact"],
        "given_by": "parent_carer", "given_by_name": "Ava's mother", "parental_responsibility": "yes",
        "evidence": "Signed form on the case file", "expires-day": "31", "expires-month": "3", "expires-year": "2030"})
    assert done.status_code == 303 and done.headers["location"] == "/persons/PSAME000001/consent?recorded=1"
    after = sam.get(done.headers["location"]).text
    assert "The person's decision has been recorded" in after
    history = after.split('id="consent-history"', 1)[1]
    assert "Consent given, in writing; expires 31 March 2030" in history
    assert "Joinford Police, Family Support Network" in history and "Signed form on the case file" in history
    assert "A parent or carer with parental responsibility: Ava&#39;s mother" in history
    with transaction(engine) as session:
        (consent,) = session.scalars(select(ConsentRecord).where(ConsentRecord.person_id == practice.persons["PSAME000001"]))
        assert (consent.purposes, consent.organisations, consent.categories, consent.recorded_by) == (
            ["early_help"], ["POL", "VCS"], ["contact", "identity"], "sam.social")
    assert "Consent given on" in sam.get("/persons/PSAME000001").text
    assert [event.subject_id for event in _events(engine, "sharing.consent.record")
            if event.actor == "sam.social" and event.outcome == "success"] == ["PSAME000001"]


def test_consent_for_a_person_the_user_may_not_see_is_refused(sam, engine):
    response = sam.get("/persons/PPARTNER001/consent")
    assert response.status_code == 403 and MARKERS["partner_name"] not in _main(response.text)
    page = sam.get("/persons/PSAME000001/consent")
    posted = sam.post("/persons/PPARTNER001/consent", data={"csrf_token": csrf_token(page.text), "decision": "given",
                                                         "form": "verbal", "informed": "yes"})
    assert posted.status_code == 403
    with transaction(engine) as session:
        assert session.scalars(select(ConsentRecord).where(ConsentRecord.decision == "given")).all() == []


# --------------------------------------------------------------------------- the very next request


def test_withdrawing_consent_or_suspending_the_agreement_blocks_the_very_next_request(sam, engine, practice):
    def ask():
        return sam.get("/api/v1/persons/PPARTNER001", params={"purpose": "safeguarding_child"})

    before = ask()
    assert before.status_code == 200 and before.json()["purpose"] == "safeguarding_child"
    assert MARKERS["partner_incident"] in str(before.json()["records"])
    # Ben withdraws consent, recorded through the consent page (which needs the purpose stated).
    _state(sam, "PPARTNER001", purpose="safeguarding_child")
    page = sam.get("/persons/PPARTNER001/consent")
    withdrawn = sam.post("/persons/PPARTNER001/consent", data={
        "csrf_token": csrf_token(page.text), "decision": "withdrawn", "form": "verbal", "informed": "yes",
        "given_by": "parent_carer", "given_by_name": "Ben's father", "parental_responsibility": "yes"})
    assert withdrawn.status_code == 303
    after = ask()
    assert after.status_code == 403
    assert after.json() == {"detail": "No rule allows you to see any of this person's records."}
    # A stated risk of serious harm overrides it, as the agreement allows for safeguarding.
    risk = sam.get("/api/v1/persons/PPARTNER001", params={"purpose": "safeguarding_child", "safeguarding_risk": "true"})
    assert risk.status_code == 200
    # Consent given again, then the IG lead suspends the agreement: refused on the next request.
    with transaction(engine) as session:
        from joinedup.people.models import Person
        from joinedup.sharing.consent import record_consent

        record_consent(session, Actor.system("cli", "test"), session.get(Person, practice.persons["PPARTNER001"]),
                       decision="given", form="verbal", purposes=["safeguarding_child"], organisations=["CSC"],
                       categories=["identity", "police_incidents"], given_by="parent_carer",
                       given_by_name="Ben's father", parental_responsibility=True)
    assert ask().status_code == 200
    with transaction(engine) as session:
        set_status(session, Actor.system("cli", "iris.ig"), session.get(AgreementVersion, practice.agreement_version),
                   "suspended", reason="Under review")
    assert ask().status_code == 403
    withheld = _decisions(engine, person_id="PPARTNER001", outcome="withheld")
    assert withheld[-1].purpose == "safeguarding_child"


def test_the_api_refuses_a_purpose_the_rules_do_not_allow(sam, engine):
    assert sam.get("/api/v1/persons/PPARTNER001", params={"purpose": "no_such_purpose"}).json() == {
        "detail": "purpose: There is no such purpose: select one of the purposes listed.", "field": "purpose"}
    # A purpose of the catalogue that no agreement gives this organisation: refused by the
    # same domain function the purpose page uses (issue 10, finding 2), and audited.
    refused = sam.get("/api/v1/persons/PPARTNER001", params={"purpose": "crime_prevention",
                                                             "relationship": "Local officer"})
    assert refused.status_code == 403 and refused.json()["detail"].startswith("purpose: Your organisation")
    assert [event.outcome for event in _events(engine, "sharing.purpose.state")] == ["denied"]
    assert not _decisions(engine, person_id="PPARTNER001")
    assert sam.get("/api/v1/persons/PPARTNER001", params={"purpose": "early_help"}).json() == {
        "detail": "relationship: Say what your relationship with this person is.", "field": "relationship"}
    assert sam.get("/api/v1/persons/PPARTNER001", params={"safeguarding_risk": "true"}).status_code == 400
    search = sam.get("/api/v1/persons", params={"q": "ben", "purpose": "safeguarding_child"}).json()
    assert [person["person_id"] for person in search["persons"]] == ["PPARTNER001"]
    assert sam.get("/api/v1/persons", params={"q": "ben"}).json()["persons"] == []
    record = sam.get("/api/v1/records", params={"q": "ben", "purpose": "safeguarding_child"}).json()
    assert [row["local_id"] for row in record["records"]] == ["POL-200"]
    assert "phone" not in record["records"][0] or record["records"][0]["phone"] is None


# --------------------------------------------------------------------------- deciding not to share


def test_a_practitioners_decision_not_to_share_goes_to_the_log_with_the_reason(sam, engine):
    page = sam.get("/persons/PSAME000001/decline")
    assert page.status_code == 200 and "golden rule 7" in page.text.lower()
    empty = sam.post("/persons/PSAME000001/decline", data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400 and _errors(empty.text) == [
        "Select the purpose you were asked to share for", "Say why you decided not to share"]
    unknown = sam.post("/persons/PSAME000001/decline", data={
        "csrf_token": csrf_token(page.text), "purpose": "no_such", "recipient": "CSC", "reason": " "})
    assert _errors(unknown.text) == ["Select the purpose you were asked to share for",
                                     "Select the organisation that asked, or leave it blank",
                                     "Say why you decided not to share"]
    done = sam.post("/persons/PSAME000001/decline", data={
        "csrf_token": csrf_token(page.text), "purpose": "early_help", "recipient": "HSG",
        "reason": "Not proportionate: the family already has a key worker"})
    assert done.status_code == 303 and done.headers["location"] == "/persons/PSAME000001?done=declined"
    assert "Your decision not to share, and your reason, are in the decision log." in sam.get(
        done.headers["location"]).text
    (declined,) = _decisions(engine, outcome="declined")
    assert (declined.person_id, declined.purpose, declined.username, declined.reason) == (
        "PSAME000001", "early_help", "sam.social", "Not proportionate: the family already has a key worker")
    assert declined.basis == "Not shared with Joinford Homes (HSG)"
