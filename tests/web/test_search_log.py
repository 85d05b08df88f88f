"""What the decision log says a search showed, against what it showed (docs/audit.md,
"What the log keeps"): a person search shows who a record is about, so the log names
those fields only; opening the person shows, and logs, what the agency recorded. A shared
decision names its clauses by id, and its basis is read back in words."""

from __future__ import annotations

from practice_support import MARKERS
from sqlalchemy import select
from web_support import sign_in

from joinedup.db import transaction
from joinedup.people.models import PersonRecord
from joinedup.sharing.log import decision_bases
from joinedup.sharing.models import SharingDecision

SAFEGUARDING = {"purpose": "safeguarding_child"}


def _shared(engine, action: str) -> list[SharingDecision]:
    with transaction(engine) as session:
        rows = list(session.scalars(select(SharingDecision).where(SharingDecision.action == action,
                                                                  SharingDecision.outcome == "shared")))
        session.expunge_all()
        return rows


def test_a_search_logs_the_fields_it_showed_and_the_person_page_the_rest(practice_client, engine):
    sign_in(practice_client, "sam.social")
    found = practice_client.get("/api/v1/persons", params={"q": "ben partner", **SAFEGUARDING})
    assert found.status_code == 200 and MARKERS["partner_name"] in found.text
    assert MARKERS["partner_incident"] not in found.text  # a search shows who, not what was recorded
    searched = _shared(engine, "record.search")
    assert searched, "the search logged no record shared"
    for row in searched:
        assert not [name for name in row.fields if name.startswith("fact:") or name in ("facts", "phone")], row.fields
        assert {"forename", "surname"} <= set(row.fields)
    person = found.json()["persons"][0]["person_id"]
    assert MARKERS["partner_incident"] in practice_client.get(f"/api/v1/persons/{person}", params=SAFEGUARDING).text
    viewed = [row for row in _shared(engine, "record.view") if row.person_id == person]
    assert any(name.startswith("fact:") for row in viewed for name in row.fields)


def test_unlinked_records_found_by_a_search_show_who_they_are_about_only(practice_client, engine):
    """A record the index has not linked yet is listed by the search as any other is."""
    with transaction(engine) as session:
        session.execute(PersonRecord.__table__.delete())
    sign_in(practice_client, "sam.social")
    found = practice_client.get("/api/v1/persons", params={"q": "ben partner", **SAFEGUARDING})
    assert found.status_code == 200
    unlinked = found.json()["unlinked_records"]
    assert unlinked and all(record.get("facts") is None and record.get("phone") is None for record in unlinked)
    assert {record["forename"] for record in unlinked} == {MARKERS["partner_name"]}


def test_a_shared_decision_keeps_its_clauses_by_id_and_its_basis_reads_back_in_words(practice_client, engine):
    sign_in(practice_client, "sam.social")
    practice_client.get("/api/v1/persons", params={"q": "ben partner", **SAFEGUARDING})
    rows = _shared(engine, "record.search")
    assert all(row.basis == "" and row.policy_ids for row in rows)
    with transaction(engine) as session:
        bases = decision_bases(session, rows)
    assert all(bases[row.id].startswith("Agreement SAFE-ISA version 1, purpose safeguarding_child") for row in rows)
