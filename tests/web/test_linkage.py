"""The data team's linkage pages and API: link runs, the review queue, a pair explained and
decided, merge and split, thresholds and model versions.

The web place is linked for real once for the module (a hand-set model, Splink on DuckDB),
and each test gets a copy of that store of its own: Ann Shah's council and police records are one person; Zed Brown's police
record carries her NHS number (a conflict, twice); the council's and the police's
Jordan Smith wait for review. dev.data is in the council, so the sharing decision would
show the council's records in full: the pages must still show identifying fields only.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from linkage_support import Linked, seed_linkage
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from web_support import Place, csrf_token, seed, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import make_engine, transaction
from joinedup.people import explain_pair
from joinedup.people.explanation import sentence
from joinedup.people.models import (
    LinkModel,
    LinkSettings,
    PairDecision,
    Person,
)
from joinedup.sharing.models import SharingDecision
from joinedup.web.linkage import ROUTERS
from joinedup.web.linkage import api as api_linkage

PAGE_ROUTERS = [router for router in ROUTERS if router is not api_linkage.router]

FACTS = ("secret_fact", "never shown to the data team", "cp_status", "Cp status", "domestic_abuse", "Domestic abuse")


@pytest.fixture(scope="module")
def linked_template(tmp_path_factory, sqlite_template) -> tuple[Path, Place, Linked]:
    """The web place, linked, built once for the module: each test copies it, so each still writes to a store of its own."""
    path = tmp_path_factory.mktemp("linkage-template") / "joinedup.db"
    shutil.copy2(sqlite_template, path)
    template = make_engine(f"sqlite:///{path}")
    built = seed(template)
    linked = seed_linkage(template)
    with template.connect() as connection:
        connection.exec_driver_sql("pragma wal_checkpoint(truncate)")
    template.dispose()
    return path, built, linked


@pytest.fixture
def engine(tmp_path, linked_template) -> Engine:
    """A copy of the linked place (the web tests' SQLite store, already seeded)."""
    path = tmp_path / "joinedup.db"
    shutil.copy2(linked_template[0], path)
    copied = make_engine(f"sqlite:///{path}")
    yield copied
    copied.dispose()


@pytest.fixture
def place(linked_template) -> Place:
    return linked_template[1]


@pytest.fixture
def linked(linked_template) -> Linked:
    return linked_template[2]


@pytest.fixture
def data_team(client, linked):
    assert sign_in(client, "dev.data").status_code == 303
    return client


@pytest.fixture
def practitioner(client, linked):
    assert sign_in(client, "sam.social").status_code == 303
    return client


def _events(engine, action, *, gate: bool = False):
    """The act's own events (``success``, with their details), or with ``gate`` its gate's
    and the policy point's (``allowed`` or ``denied``): all under the act's one name."""
    outcomes = ("allowed", "denied") if gate else ("success",)
    with transaction(engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome.in_(outcomes))
                               .order_by(AuditEvent.id)).all()


def _decision(engine, a, b) -> PairDecision | None:
    left, right = sorted((a, b))
    with transaction(engine) as session:
        found = session.scalar(
            select(PairDecision).where(PairDecision.record_id_l == left, PairDecision.record_id_r == right)
        )
        if found is not None:
            session.expunge(found)
        return found


def _post(client, page_url, post_url, **data):
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(post_url, data={"csrf_token": csrf_token(page.text), **data})


def _pair(linked, a, b) -> str:
    return f"/linkage/pairs/{linked.records[a]}/{linked.records[b]}"


def _main(html: str) -> str:
    return html.split('<main class="govuk-main-wrapper" id="main-content">', 1)[1].split("</main>", 1)[0]


# --- routes, sign-in and roles ------------------------------------------------------

PAGE_GETS = [
    "/linkage",
    "/linkage/runs",
    "/linkage/runs/{run_id:int}",
    "/linkage/review",
    "/linkage/pairs/{left:int}/{right:int}",
    "/linkage/persons/{person_id}",
    "/linkage/persons/{person_id}/split",
    "/linkage/persons/{person_id}/merge",
    "/linkage/model",
]
API_GETS = [
    "/api/v1/linkage/runs",
    "/api/v1/linkage/runs/{run_id}",
    "/api/v1/linkage/review",
    "/api/v1/linkage/pairs/{left}/{right}",
    "/api/v1/linkage/thresholds",
    "/api/v1/linkage/models",
]
def _concrete(path: str, engine, linked: Linked) -> str:
    return (
        path.replace("{run_id:int}", str(linked.run_id))
        .replace("{run_id}", str(linked.run_id))
        .replace("{left:int}", str(linked.records["CSC-001"]))
        .replace("{right:int}", str(linked.records["POL-77"]))
        .replace("{left}", str(linked.records["CSC-001"]))
        .replace("{right}", str(linked.records["POL-77"]))
        .replace("{person_id}", linked.person_of(engine, "CSC-010"))
        .replace("{version}", "2")
    ) + ("?record=" + str(linked.records["POL-80"]) if path.endswith("/split") and "/api/" not in path else "")


def _body(body: dict, engine, linked: Linked) -> dict:
    values = {"{other_id}": linked.person_of(engine, "POL-90"), "{record}": linked.records["POL-80"]}
    return {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}


def test_the_navigation_shows_linkage_to_the_data_team_only(client, linked):
    sign_in(client, "sam.social")
    assert 'href="/linkage"' not in client.get("/").text
    sign_in(client, "dev.data")
    home = client.get("/").text
    assert '<a class="govuk-service-navigation__link" href="/linkage">' in home
    page = client.get("/linkage").text
    assert re.search(r'href="/linkage" aria-current="page">\s*<strong[^>]*>Linkage</strong>', page)


@pytest.mark.parametrize("path", PAGE_GETS + API_GETS)
def test_no_linkage_page_shows_an_agencys_facts(data_team, engine, linked, path):
    response = data_team.get(_concrete(path, engine, linked), follow_redirects=True)
    assert response.status_code == 200
    for fact in FACTS:
        assert fact not in response.text


# --- runs ---------------------------------------------------------------------------


def test_the_runs_page_lists_each_run_newest_first(data_team, engine, linked):
    page = data_team.get("/linkage")
    assert page.status_code == 200
    main = _main(page.text)
    assert "1 run, newest first" in main
    assert f'href="/linkage/runs/{linked.run_id}">Run {linked.run_id}</a>' in main
    assert "Full, model version 1" in main and "by dev.data" in main and "0.990, 0.800" in main
    assert ">3 pairs wait for review</a>" in main
    assert data_team.get("/linkage/runs").headers["location"] == "/linkage"
    assert data_team.get("/linkage?page=9").status_code == 404

    run = data_team.get(f"/linkage/runs/{linked.run_id}")
    assert run.status_code == 200
    for text in ("Link run 1", "Completed", "Version 1", "Persons of several records", "Conflicts",
                 "Person ids new", "For review", "Linked"):
        assert text in run.text
    assert data_team.get("/linkage/runs/999").status_code == 404
    assert [event.outcome for event in _events(engine, "linkage.runs.view", gate=True)] == ["allowed"] * 4


# --- the review queue ---------------------------------------------------------------


def test_the_queue_shows_conflicts_first_with_each_records_identifying_fields(data_team, engine, linked):
    page = data_team.get("/linkage/review")
    assert page.status_code == 200
    main = _main(page.text)
    assert "3 pairs to review" in main
    links = re.findall(r'href="(/linkage/pairs/\d+/\d+)"', main)
    assert links == [_pair(linked, "CSC-010", "POL-90"), _pair(linked, "POL-80", "POL-90"),
                     _pair(linked, "CSC-001", "POL-77")]
    assert main.index("Conflict") < main.index("For review")
    assert "Both records have the same NHS number" in main
    for text in ("Ann Shah", "Zed Brown", "Born 2 May 1980", "NHS number 4010232137", "POL-90", "0.987",
                 "Jordan Smith", "National Insurance number AB123456C"):
        assert text in main
    # Every record shown was decided and logged, the request audited once ("sharing.md": the log).
    with transaction(engine) as session:
        reviewed = set(session.scalars(select(SharingDecision.record_id).where(
            SharingDecision.action == "person.review", SharingDecision.outcome == "shared")))
    assert reviewed == {linked.records[name] for name in ("CSC-010", "POL-80", "POL-90", "CSC-001", "POL-77")}
    assert {event.outcome for event in _events(engine, "person.review", gate=True)} == {"allowed"}
    assert data_team.get("/linkage/review?page=5").status_code == 404


def test_the_api_queue_is_the_same_queue(data_team, linked):
    found = data_team.get("/api/v1/linkage/review").json()
    assert found["total"] == 3 and [pair["status"] for pair in found["pairs"]] == ["conflict", "conflict", "review"]
    first = found["pairs"][0]
    assert first["record_ids"] == [linked.records["CSC-010"], linked.records["POL-90"]]
    ann, zed = first["records"]
    assert ann["forename"] == "Ann" and ann["nhs_number"] == "4010232137" and ann["phone"] == "07700 900123"
    assert "facts" not in ann and "flags" not in ann and zed["local_id"] == "POL-90"
    assert all(person and person["person_id"].startswith("P") for person in first["persons"])
    assert data_team.get("/api/v1/linkage/review?limit=1&offset=2").json()["pairs"][0]["status"] == "review"


# --- a pair -------------------------------------------------------------------------


def test_the_pair_page_explains_the_match_weight(data_team, engine, linked):
    page = data_team.get(_pair(linked, "CSC-001", "POL-77"))
    assert page.status_code == 200
    main = _main(page.text)
    for text in ("Review a pair of records", "For review", "0.987", "First record: Children&#39;s case system, CSC-001",
                 "Second record: Police records, POL-77", "Run 1", "model version 1"):
        assert text in main
    # Agreements and differences in words.
    rows = dict(re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*<td[^>]*>[^<]*</td>\s*'
                           r'<td[^>]*>[^<]*</td>\s*<td[^>]*><strong[^>]*>([^<]+)</strong>', main))
    assert rows["Forename"] == "Same" and rows["Date of birth"] == "Same" and rows["Postcode"] == "Same"
    assert rows["NHS number"] == "On one record only" and rows["National Insurance number"] == "On one record only"
    # Both persons, linked to the person pages.
    for name in ("CSC-001", "POL-77"):
        assert f'href="/persons/{linked.person_of(engine, name)}"' in main
    # The waterfall: an accessible SVG and the same numbers in a table.
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="waterfall-title waterfall-desc"', main)
    assert '<title id="waterfall-title">How the match weight adds up</title>' in main
    assert "Link threshold (0.990)" in main
    table = main.split("The match weight, step by step", 1)[1].split("</table>", 1)[0]
    weights = [float(value.replace("\u2212", "-")) for value in re.findall(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">(?:<strong>)?([+\u2212][\d.]+)', table)[::2]]
    assert len(weights) == 11  # the prior, nine comparisons (one for the name pair), the total
    assert math.isclose(sum(weights[:-1]), weights[-1], abs_tol=0.02)
    assert math.isclose(2 ** weights[-1] / (1 + 2 ** weights[-1]), 0.987, abs_tol=0.001)
    assert "Same postcode, no UPRN on one of them" in table and "Not recorded on one or both" in table
    with transaction(engine) as session:
        explanation = explain_pair(session, linked.records["CSC-001"], linked.records["POL-77"])
        levels = {step["comparison"]: (step["gamma"], step["level"]) for step in explanation.steps}
    # A comparison with a value missing says so, in the model's own words (its label_for_charts).
    missing = [label for gamma, label in levels.values() if gamma == -1]
    assert missing and all(str(escape(sentence(label))) in table for label in missing)
    # Nothing decided yet: the form.
    assert "Are these two records the same person?" in main and "The decision on this pair" not in main
    assert f'{linked.person_of(engine, "POL-77")} is merged into {linked.person_of(engine, "CSC-001")}' in main


def test_a_pair_no_run_kept_says_so_and_has_no_chart(data_team, linked):
    page = data_team.get(_pair(linked, "CSC-001", "CSC-002"))
    assert page.status_code == 200
    assert "No link run kept this pair" in page.text and "<svg" not in _main(page.text)
    assert "Save decision" in page.text
    assert "Jordana" in page.text and "Smithson" in page.text


def test_a_pair_that_is_not_two_records_is_404(data_team, linked):
    record = linked.records["CSC-001"]
    assert data_team.get(f"/linkage/pairs/{record}/{record}").status_code == 404
    assert data_team.get(f"/linkage/pairs/{record}/999999").status_code == 404
    assert data_team.get(f"/api/v1/linkage/pairs/{record}/999999").status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        ({"decision": "reject", "reason": "  "}, "Enter a reason for your decision"),
        ({"reason": "They are different people"}, "Select whether these two records are the same person"),
        ({"decision": "maybe", "reason": "Unsure"}, "Select whether these two records are the same person"),
        ({"decision": "reject", "reason": "x" * 2001}, "Reason must be 2,000 characters or fewer"),
    ],
)
def test_a_decision_needs_a_choice_and_a_reason(data_team, engine, linked, data, message):
    url = _pair(linked, "CSC-001", "POL-77")
    response = _post(data_team, url, url, **data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in response.text
    assert "<title>Error: Review a pair of records" in response.text
    assert _decision(engine, linked.records["CSC-001"], linked.records["POL-77"]) is None
    assert _events(engine, "linkage.pair.decide") == []


def test_rejecting_a_conflict_keeps_them_apart_and_goes_to_the_next_pair(data_team, engine, linked):
    ann, zed = linked.records["CSC-010"], linked.records["POL-90"]
    url = _pair(linked, "CSC-010", "POL-90")
    response = _post(data_team, url, url, decision="reject", reason="Zed's NHS number is a typing error")
    assert response.status_code == 303
    decision = _decision(engine, ann, zed)
    assert (decision.decision, decision.reason, decision.decided_by) == (
        "reject", "Zed's NHS number is a typing error", "dev.data")
    assert response.headers["location"] == f"{_pair(linked, 'POL-80', 'POL-90')}?decided={decision.id}"
    following = data_team.get(response.headers["location"])
    banner = following.text.split("govuk-notification-banner--success", 1)[1].split("</div>\n</div>", 1)[0]
    assert (f"Rejected: the records are in different persons, {linked.person_of(engine, 'CSC-010')} and "
            f"{linked.person_of(engine, 'POL-90')}.") in banner
    assert linked.person_of(engine, "CSC-010") != linked.person_of(engine, "POL-90")
    (event,) = _events(engine, "linkage.pair.decide")
    assert event.reason == "Zed's NHS number is a typing error" and event.channel == "web"
    assert [e.outcome for e in _events(engine, "linkage.pair.decide", gate=True)] == ["allowed"]
    # The decided pair leaves the queue and says what was decided.
    assert url not in data_team.get("/linkage/review").text
    again = data_team.get(url).text
    assert "The decision on this pair" in again and "Rejected: different people" in again
    assert "By dev.data on" in again and "Zed&#39;s NHS number is a typing error" in again
    # Someone else's decision id shows no banner.
    sign_in(data_team, "sam.social")
    assert data_team.get(f"/linkage/review?decided={decision.id}").status_code == 403


def test_accepting_a_pair_merges_their_persons(data_team, engine, linked):
    keep, merged = linked.person_of(engine, "CSC-001"), linked.person_of(engine, "POL-77")
    url = _pair(linked, "CSC-001", "POL-77")
    response = _post(data_team, url, url, decision="accept", reason="Same child: the police record lacks the NHS number")
    assert response.status_code == 303
    assert linked.person_of(engine, "CSC-001") == linked.person_of(engine, "POL-77") == keep
    with transaction(engine) as session:
        retired = session.scalar(select(Person).where(Person.person_id == merged))
        assert retired.retired_at is not None and retired.superseded_by == keep
    assert [event.details["merged"] for event in _events(engine, "linkage.person.merge")] == [merged]
    page = data_team.get(response.headers["location"])
    assert f"Accepted: the two records are now one person, {keep}." in page.text


def test_rejecting_a_linked_pair_splits_the_second_record_out(data_team, engine, linked):
    person = linked.person_of(engine, "CSC-010")
    url = _pair(linked, "CSC-010", "POL-80")
    page = data_team.get(url).text
    assert "Both records are in one person" in page and "is split out of " + person in page
    response = _post(data_team, url, url, decision="reject", reason="Two women of the same name and birthday")
    assert response.status_code == 303
    assert linked.person_of(engine, "CSC-010") == person
    assert linked.person_of(engine, "POL-80") != person
    (event,) = _events(engine, "linkage.person.split")
    assert event.details["from"] == person


def test_the_api_explains_and_decides_a_pair(data_team, engine, linked):
    left, right = linked.records["CSC-001"], linked.records["POL-77"]
    found = data_team.get(f"/api/v1/linkage/pairs/{left}/{right}")
    assert found.status_code == 200
    token = found.headers["X-CSRF-Token"]
    pair = found.json()
    assert pair["kept"] is True and pair["status"] == "review" and pair["same_person"] is False
    assert [record["local_id"] for record in pair["records"]] == ["CSC-001", "POL-77"]
    assert all("facts" not in record for record in pair["records"])
    explained = pair["explanation"]
    assert explained["model_version"] == 1 and len(explained["steps"]) == 9
    assert math.isclose(explained["prior"] + sum(step["weight"] for step in explained["steps"]),
                        explained["match_weight"], abs_tol=0.02)
    assert data_team.get(f"/api/v1/linkage/pairs/{left}/{linked.records['CSC-002']}").json()["explanation"] is None

    missing = data_team.post(f"/api/v1/linkage/pairs/{left}/{right}/decision", json={"decision": "reject"},
                             headers={"X-CSRF-Token": token})
    assert missing.status_code == 422
    decided = data_team.post(f"/api/v1/linkage/pairs/{left}/{right}/decision",
                             json={"decision": "reject", "reason": "Different children"},
                             headers={"X-CSRF-Token": token})
    assert decided.status_code == 200 and decided.json()["message"] == "Rejected: they stay apart."
    assert _decision(engine, left, right).decision == "reject"
    (event,) = _events(engine, "linkage.pair.decide")
    assert event.channel == "api"
    # A merge across a rejected pair is refused, with the reason.
    refused = data_team.post(f"/api/v1/linkage/pairs/{left}/{right}/decision",
                             json={"decision": "accept", "reason": "Changed my mind"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 409 and "different people" in refused.json()["detail"]


# --- split and merge ----------------------------------------------------------------


def test_the_linkage_person_page_lists_records_and_pairs(data_team, engine, linked):
    person = linked.person_of(engine, "CSC-010")
    page = data_team.get(f"/linkage/persons/{person}")
    assert page.status_code == 200
    main = _main(page.text)
    assert f"Records of person {person}" in main and f'href="/persons/{person}"' in main
    assert f'/linkage/persons/{person}/split?record={linked.records["POL-80"]}' in main
    assert _pair(linked, "CSC-010", "POL-80") in main and "Linked" in main
    assert f'href="/linkage/persons/{person}/merge"' in main
    assert data_team.get("/linkage/persons/P0000000000").status_code == 404
    assert data_team.get("/linkage/persons/not-an-id").status_code == 404


def test_splitting_a_record_out_needs_a_reason_and_says_what_happened(data_team, engine, linked):
    person = linked.person_of(engine, "CSC-010")
    record = linked.records["POL-80"]
    url = f"/linkage/persons/{person}/split?record={record}"
    page = data_team.get(url)
    assert page.status_code == 200 and "Moving to a new person" in page.text and "Staying in " + person in page.text
    refused = _post(data_team, url, f"/linkage/persons/{person}/split", record=str(record), reason="")
    assert refused.status_code == 400 and "Enter a reason for your decision" in refused.text
    assert linked.person_of(engine, "POL-80") == person

    done = _post(data_team, url, f"/linkage/persons/{person}/split", record=str(record),
                 reason="The police record is her mother")
    assert done.status_code == 303 and done.headers["location"].startswith(f"/linkage/persons/{person}?event=")
    new = linked.person_of(engine, "POL-80")
    assert new != person and linked.person_of(engine, "CSC-010") == person
    banner = data_team.get(done.headers["location"]).text
    assert f"Split: the record is now in a new person, {new}." in banner
    (event,) = _events(engine, "linkage.person.split")
    assert event.reason == "The police record is her mother" and event.details["into"] == new
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(PairDecision)
                              .where(PairDecision.decision == "reject")) == 1


def test_a_split_the_domain_refuses_is_shown_in_the_error_summary(data_team, engine, linked):
    person = linked.person_of(engine, "POL-90")
    url = f"/linkage/persons/{person}/split?record={linked.records['POL-90']}"
    response = _post(data_team, url, f"/linkage/persons/{person}/split", record=str(linked.records["POL-90"]),
                     reason="Testing")
    assert response.status_code == 400 and "govuk-error-summary" in response.text
    assert "there is nothing to split" in response.text
    assert data_team.get(f"/linkage/persons/{person}/split?record={linked.records['CSC-001']}").status_code == 404


def test_merging_shows_both_persons_first_then_merges(data_team, engine, linked):
    keep, other = linked.person_of(engine, "CSC-001"), linked.person_of(engine, "POL-77")
    start = data_team.get(f"/linkage/persons/{keep}/merge")
    assert start.status_code == 200 and "Check both persons" not in start.text
    unknown = data_team.get(f"/linkage/persons/{keep}/merge", params={"other": "P0000000000"})
    assert unknown.status_code == 400 and "There is no person with that id" in unknown.text
    itself = data_team.get(f"/linkage/persons/{keep}/merge", params={"other": keep})
    assert "Enter the id of another person" in itself.text
    check = data_team.get(f"/linkage/persons/{keep}/merge", params={"other": other.lower()})
    assert check.status_code == 200
    main = _main(check.text)
    assert "Check both persons before you merge" in main
    assert "Keeping: " + keep in main and "Merging in and retiring: " + other in main
    assert "CSC-001" in main and "POL-77" in main and "AB123456C" in main

    url = f"/linkage/persons/{keep}/merge?other={other}"
    no_reason = _post(data_team, url, f"/linkage/persons/{keep}/merge", other=other, reason="")
    assert no_reason.status_code == 400 and "Enter a reason for your decision" in no_reason.text
    done = _post(data_team, url, f"/linkage/persons/{keep}/merge", other=other, reason="Same child")
    assert done.status_code == 303
    assert linked.person_of(engine, "POL-77") == keep
    assert f"Merged: {other} is merged into {keep}." in data_team.get(done.headers["location"]).text
    retired = data_team.get(f"/linkage/persons/{keep}/merge", params={"other": other})
    assert f"{other} is retired: their records are now in {keep}" in retired.text


def test_a_merge_the_domain_refuses_is_shown_in_the_error_summary(data_team, engine, linked):
    jordan, ann = linked.person_of(engine, "CSC-001"), linked.person_of(engine, "CSC-010")
    url = f"/linkage/persons/{jordan}/merge?other={ann}"
    response = _post(data_team, url, f"/linkage/persons/{jordan}/merge", other=ann, reason="Trying")
    assert response.status_code == 400
    summary = response.text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    assert "The two persons have different NHS numbers: they cannot be one person." in summary
    assert linked.person_of(engine, "CSC-010") == ann
    assert _events(engine, "linkage.person.merge") == []


def test_the_api_merges_and_splits(data_team, engine, linked):
    token = data_team.get("/api/v1/linkage/runs").headers["X-CSRF-Token"]
    headers = {"X-CSRF-Token": token}
    keep, other = linked.person_of(engine, "CSC-001"), linked.person_of(engine, "POL-77")
    merged = data_team.post(f"/api/v1/linkage/persons/{keep}/merge", json={"other": other, "reason": "Same"},
                            headers=headers)
    assert merged.status_code == 200, merged.text
    assert merged.json()["persons"][1] == {"person_id": other, "record_count": 0, "retired": True,
                                           "superseded_by": keep}
    again = data_team.post(f"/api/v1/linkage/persons/{keep}/merge", json={"other": other, "reason": "Same"},
                           headers=headers)
    assert again.status_code == 409 and "retired" in again.json()["detail"]
    refused = data_team.post(f"/api/v1/linkage/persons/{keep}/merge",
                             json={"other": linked.person_of(engine, "CSC-010"), "reason": "Same"}, headers=headers)
    assert refused.status_code == 409 and "different NHS numbers" in refused.json()["detail"]

    split = data_team.post(f"/api/v1/linkage/persons/{keep}/split",
                           json={"record_id": linked.records["POL-77"], "reason": "Not the same after all"},
                           headers=headers)
    assert split.status_code == 200, split.text
    assert linked.person_of(engine, "POL-77") == split.json()["persons"][1]["person_id"] != keep
    not_theirs = data_team.post(f"/api/v1/linkage/persons/{keep}/split",
                                json={"record_id": linked.records["CSC-010"], "reason": "x"}, headers=headers)
    assert not_theirs.status_code == 404
    assert data_team.post("/api/v1/linkage/persons/nobody/split", json={"record_id": 1, "reason": "x"},
                          headers=headers).status_code == 422


# --- thresholds and models ------------------------------------------------------------


def test_the_model_page_shows_thresholds_versions_and_parameters(data_team, engine, linked):
    page = data_team.get("/linkage/model")
    assert page.status_code == 200
    main = _main(page.text)
    assert 'value="0.99"' in main and 'value="0.8"' in main and "These are the defaults" in main
    versions = main.split("Model versions, newest first", 1)[1].split("</table>", 1)[0]
    assert versions.index("Version 2") < versions.index("Version 1")
    assert "No full run with this version yet" in versions and f"Run {linked.run_id}" in versions
    assert versions.count("Adopted") == 1 and 'name="version" value="2"' in versions
    assert "The adopted model, version 1" in main and "0.0001" in main
    # log2(0.85 / 0.01) for an exact forename; log2(0.97 / 0.0001) for the same NHS number.
    assert "+6.41" in main and "+13.24" in main and "Not recorded" not in main.split("Prior match weight", 1)[1][:200]
    assert main.count('role="img"') == 9  # one chart per comparison


def test_changing_the_thresholds_is_checked_saved_and_audited(data_team, engine, linked):
    for data, message in (
        ({"threshold": "lots", "review_from": "0.5"}, "Enter the link threshold as a number between 0.5 and 1"),
        ({"threshold": "0.3", "review_from": "0.2"}, "The link threshold must be between 0.5 and 1"),
        ({"threshold": "0.9", "review_from": "0.95"}, "The review threshold must be above 0 and no higher"),
        ({"threshold": "0.9", "review_from": ""}, "Enter the review threshold as a number between 0 and 1"),
    ):
        response = _post(data_team, "/linkage/model", "/linkage/model/thresholds", **data)
        assert response.status_code == 400 and message in response.text and "govuk-error-summary" in response.text
    with transaction(engine) as session:
        assert session.get(LinkSettings, 1) is None
    done = _post(data_team, "/linkage/model", "/linkage/model/thresholds", threshold="0.95", review_from=".5")
    assert done.status_code == 303
    page = data_team.get(done.headers["location"]).text
    assert "Thresholds saved: pairs at or above 0.950 link, and from 0.500 go to the review queue" in page
    with transaction(engine) as session:
        row = session.get(LinkSettings, 1)
        assert (row.threshold, row.review_from, row.updated_by) == (0.95, 0.5, "dev.data")
    (event,) = _events(engine, "linkage.thresholds.change")
    assert event.details["threshold"] == 0.95 and event.actor == "dev.data"


def test_adopting_a_model_version(data_team, engine, linked):
    done = _post(data_team, "/linkage/model", "/linkage/model/adopt", version="2")
    assert done.status_code == 303
    assert "Model version 2 is adopted: every later link run uses it." in data_team.get(done.headers["location"]).text
    with transaction(engine) as session:
        assert session.scalars(select(LinkModel.version).where(LinkModel.adopted.is_(True))).all() == [2]
    (event,) = _events(engine, "linkage.model.adopt")
    assert event.actor == "dev.data" and event.details == {"version": 2}
    assert _post(data_team, "/linkage/model", "/linkage/model/adopt", version="9").status_code == 404


def test_the_api_serves_runs_thresholds_and_models(data_team, engine, linked):
    runs = data_team.get("/api/v1/linkage/runs")
    assert runs.status_code == 200 and "X-CSRF-Token" in runs.headers
    (run,) = runs.json()["runs"]
    assert run["id"] == linked.run_id and run["model_version"] == 1 and run["conflicts"] == 2
    assert data_team.get(f"/api/v1/linkage/runs/{linked.run_id}").json()["pairs_for_review"] == 3
    assert data_team.get("/api/v1/linkage/runs/999").status_code == 404

    headers = {"X-CSRF-Token": runs.headers["X-CSRF-Token"]}
    assert data_team.get("/api/v1/linkage/thresholds").json() == {
        "threshold": 0.99, "review_from": 0.8, "updated_by": None, "updated_at": None}
    bad = data_team.put("/api/v1/linkage/thresholds", json={"threshold": 0.9, "review_from": 0.95}, headers=headers)
    assert bad.status_code == 422 and "review threshold" in bad.json()["detail"]
    assert data_team.put("/api/v1/linkage/thresholds", json={"threshold": 2, "review_from": 0.5},
                         headers=headers).status_code == 422
    saved = data_team.put("/api/v1/linkage/thresholds", json={"threshold": 0.95, "review_from": 0.5}, headers=headers)
    assert saved.status_code == 200 and saved.json()["updated_by"] == "dev.data"

    models = data_team.get("/api/v1/linkage/models").json()
    assert [(model["version"], model["adopted"]) for model in models] == [(2, False), (1, True)]
    assert models[1]["last_full_run"]["id"] == linked.run_id and models[0]["last_full_run"] is None
    names = models[1]["comparisons"][0]
    assert names["name"] == "name" and names["levels"][0]["m"] == 0.85
    assert math.isclose(names["levels"][0]["match_weight"], math.log2(85))
    assert math.isclose(models[1]["prior_weight"], math.log2(1e-4 / (1 - 1e-4)))
    adopted = data_team.post("/api/v1/linkage/models/2/adopt", headers=headers)
    assert adopted.status_code == 200 and adopted.json()["adopted"] is True
    assert data_team.post("/api/v1/linkage/models/7/adopt", headers=headers).status_code == 404


def test_the_api_is_in_the_openapi_description(client):
    schema = client.get("/openapi.json").json()
    paths = {path for path in schema["paths"] if path.startswith("/api/v1/linkage")}
    assert paths == {
        "/api/v1/linkage/runs", "/api/v1/linkage/runs/{run_id}", "/api/v1/linkage/review",
        "/api/v1/linkage/pairs/{left}/{right}", "/api/v1/linkage/pairs/{left}/{right}/decision",
        "/api/v1/linkage/persons/{person_id}/merge", "/api/v1/linkage/persons/{person_id}/split",
        "/api/v1/linkage/thresholds", "/api/v1/linkage/models", "/api/v1/linkage/models/{version}/adopt",
    }
    for path in paths:
        for operation in schema["paths"][path].values():
            assert "401" in operation["responses"] and "403" in operation["responses"]
    assert "DecisionIn" in schema["components"]["schemas"]


def test_each_gate_records_what_the_route_acts_on(data_team, engine, linked):
    """Every linkage route declares its act (``require``); its gate's audit event names what
    it acts on: both records of a pair, the person, the run, the settings' row, the model
    version as sent, the queue's page. An id the route refuses is refused before the gate
    audits anything."""
    pair = f"{linked.records['CSC-001']}-{linked.records['POL-77']}"
    person = linked.person_of(engine, "CSC-001")
    token = csrf_token(data_team.get("/linkage/model").text)
    header = {"X-CSRF-Token": token}
    asked = [
        ("GET", _pair(linked, "CSC-001", "POL-77"), {}, "linkage.pair.view", pair, None),
        ("GET", f"/api/v1/linkage/pairs/{pair.replace('-', '/')}", {}, "linkage.pair.view", pair, None),
        ("GET", f"/linkage/persons/{person}", {}, "linkage.person.view", person, None),
        ("GET", f"/linkage/persons/{person}/split", {}, "linkage.person.split", person, None),
        ("GET", f"/linkage/runs/{linked.run_id}", {}, "linkage.runs.view", str(linked.run_id), None),
        ("GET", f"/api/v1/linkage/runs/{linked.run_id}", {}, "linkage.runs.view", str(linked.run_id), None),
        ("GET", "/api/v1/linkage/runs", {}, "linkage.runs.view", "", None),
        ("GET", "/api/v1/linkage/thresholds", {}, "linkage.model.view", "1", None),
        ("PUT", "/api/v1/linkage/thresholds", {"json": {"threshold": 0.99, "review_from": 0.8}, "headers": header},
         "linkage.thresholds.change", "1", None),
        ("POST", "/linkage/model/adopt", {"data": {"csrf_token": token, "version": "99999999999"}},
         "linkage.model.adopt", "9999999999", None),
        ("GET", "/linkage/review?page=2", {}, "linkage.review.view", "", {"page": 2}),
        ("GET", "/api/v1/linkage/review?offset=5", {}, "linkage.review.view", "", {"offset": 5}),
    ]
    for method, url, sent, action, subject, details in asked:
        response = data_team.request(method, url, **sent)
        assert response.status_code < 500, (url, response.status_code)
        last = _events(engine, action, gate=True)[-1]
        assert (last.outcome, last.subject_id, last.details or None) == ("allowed", subject, details), url
    with transaction(engine) as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for path in ("/linkage/runs/2147483648", "/api/v1/linkage/runs/2147483648", "/api/v1/linkage/pairs/1/0",
                 "/linkage/persons/P%00"):
        assert data_team.get(path).status_code in (400, 422), path
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
