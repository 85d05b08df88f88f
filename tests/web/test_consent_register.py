"""The IG lead's consent register (``/sharing/consent``, ``/api/v1/sharing/consent``):
every consent, refusal and withdrawal practitioners recorded, searchable by person and
decision, for information governance leads and administrators only, audited. The world
is tests/web/practice_support.py (one withdrawal, for PWITHDRAWN1).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_support import sign_in

from joinedup.audit import Actor, AuditEvent
from joinedup.db import transaction
from joinedup.people.models import Person
from joinedup.sharing.consent import record_consent


@pytest.fixture
def iris(practice_client) -> TestClient:
    assert sign_in(practice_client, "iris.ig").status_code == 303
    return practice_client


def _record_more(engine, practice) -> None:
    with transaction(engine) as session:
        actor = Actor(username="sam.social", organisation_id=practice.organisations["CSC"], channel="web")
        ben = session.get(Person, practice.persons["PPARTNER001"])
        parent = {"given_by": "parent_carer", "given_by_name": "Ben's mother", "parental_responsibility": True}
        record_consent(session, actor, ben, decision="given", form="written", purposes=["early_help"],
                       organisations=["HSG"], categories=["identity"], evidence="Signed form, 3 March",
                       informed=True, **parent)
        record_consent(session, actor, ben, decision="refused", form="verbal", informed=False,
                       not_informed_reason="Left before we could explain", **parent)


def test_the_register_lists_every_record_newest_first_with_its_scope(iris, engine, practice):
    _record_more(engine, practice)
    page = iris.get("/sharing/consent")
    assert page.status_code == 200
    text = page.text
    assert "3 records, newest first" in text
    assert text.index("Left before we could explain") < text.index("Signed form, 3 March") < text.index("PWITHDRAWN1")
    assert "Purposes: Early help" in text and "Organisations: Joinford Homes" in text
    assert "Not told: Left before we could explain" in text and "In writing" in text


@pytest.mark.parametrize(("params", "shown", "hidden"), [
    ({"person": "ppartner001"}, ["2 records", "Signed form"], ["PWITHDRAWN1"]),
    ({"decision": "withdrawn"}, ["1 record,", "PWITHDRAWN1"], ["Signed form"]),
    ({"person": "PWITHDRAWN1", "decision": "given"}, ["No consent records match"], ["Signed form"]),
])
def test_the_register_is_searched_by_person_and_decision(iris, engine, practice, params, shown, hidden):
    _record_more(engine, practice)
    page = iris.get("/sharing/consent", params=params)
    assert page.status_code == 200
    main = page.text.split('id="main-content"', 1)[1]
    assert all(text in main for text in shown), shown
    assert not any(text in main.split("</form>", 1)[1] for text in hidden), hidden


def test_a_search_it_cannot_use_is_said_beside_the_field(iris):
    page = iris.get("/sharing/consent", params={"person": "P-1", "decision": "maybe"})
    assert page.status_code == 400
    assert "A person id is P and 10 letters and digits" in page.text
    assert "Select a decision from the list" in page.text and "<table" not in page.text


def test_the_register_through_the_api(iris, engine, practice):
    _record_more(engine, practice)
    body = iris.get("/api/v1/sharing/consent", params={"person_id": "PPARTNER001", "limit": 1}).json()
    assert body["total"] == 2 and len(body["consents"]) == 1
    (latest,) = body["consents"]
    assert (latest["person_id"], latest["decision"], latest["informed"], latest["recorded_by_organisation"]) == (
        "PPARTNER001", "refused", False, "Children's Social Care")
    assert iris.get("/api/v1/sharing/consent", params={"decision": "maybe"}).status_code == 422


def test_the_register_is_for_information_governance_and_is_audited(practice_client, engine):
    assert sign_in(practice_client, "sam.social").status_code == 303
    assert practice_client.get("/sharing/consent").status_code == 403
    assert practice_client.get("/api/v1/sharing/consent").status_code == 403
    assert sign_in(practice_client, "iris.ig").status_code == 303
    assert practice_client.get("/sharing/consent", params={"decision": "withdrawn"}).status_code == 200
    with transaction(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "sharing.consent.view")
                                 .order_by(AuditEvent.id)).all()
    assert [(event.actor, event.outcome) for event in events] == [
        ("sam.social", "denied"), ("sam.social", "denied"), ("iris.ig", "allowed")]
    assert events[-1].details["filters"] == {"decision": "withdrawn"}
