"""The IG lead's monitoring pages and API: run on demand, the tasks with their evidence
(people by name), outcomes, filters and the summary; tasks of another organisation are
not theirs."""

from __future__ import annotations

from collections import Counter

import pytest
from factories import actor_of, person_of, user
from sqlalchemy import select
from web_support import csrf_token, sign_in

from joinedup.accounts import User
from joinedup.db import transaction
from joinedup.monitoring import RULES, MonitoringTask, OrganisationSummary
from joinedup.sharing.break_glass import start_break_glass
from joinedup.web.monitoring.views import task_chart


@pytest.fixture
def glass(engine, place):
    """Sam (Children's Social Care) broke the glass to Jordan; Ivy is the council's IG lead,
    Pia the police's."""
    with transaction(engine) as session:
        jordan = person_of(session, "PJORDAN0001", [place.council_record])
        user(session, "ivy.ig", "CSC", ["ig_lead"], display_name="Ivy Lead")
        user(session, "pia.ig", "POL", ["ig_lead"], display_name="Pia Lead")
        sam = session.scalar(select(User).where(User.username == "sam.social"))
        start_break_glass(session, actor_of(sam), jordan, reason="A child found alone at the address")
        return jordan.person_id


def _run(client) -> None:
    page = client.get("/monitoring")
    assert page.status_code == 200
    ran = client.post("/monitoring/run", data={"csrf_token": csrf_token(page.text)})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/monitoring?read=")
    return client.get(ran.headers["location"])


def _task(engine) -> MonitoringTask:
    with transaction(engine) as session:
        task = session.scalar(select(MonitoringTask))
        session.expunge(task)
        return task


def test_the_ig_lead_runs_monitoring_and_reviews_a_break_glass_task(client, engine, glass):
    sign_in(client, "ivy.ig")
    after = _run(client)
    assert "raised 1 new task" in after.text and "Break-glass used" in after.text and "sam.social" in after.text
    assert "You review the tasks about users of Children&#39;s Social Care." in after.text
    task = _task(engine)
    page = client.get(f"/monitoring/tasks/{task.id}")
    assert page.status_code == 200
    assert "Jordan Smith (PJORDAN0001)" in page.text and "sharing.break_glass.start" in page.text
    refused = client.post(f"/monitoring/tasks/{task.id}", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 400
    assert 'href="#outcome"' in refused.text and 'href="#note"' in refused.text
    done = client.post(f"/monitoring/tasks/{task.id}", data={"csrf_token": csrf_token(page.text),
                                                            "outcome": "no_concern", "note": "A real emergency."})
    assert done.status_code == 303
    listed = client.get(done.headers["location"])
    assert "Outcome recorded" in listed.text and "No tasks match" in listed.text
    closed = client.get("/monitoring?status=closed&rule=break_glass")
    assert "No concern" in closed.text and f"/monitoring/tasks/{task.id}" in closed.text
    assert "No tasks match" in client.get("/monitoring?status=closed&rule=refusals").text
    shown = client.get(f"/monitoring/tasks/{task.id}").text
    assert "No concern by ivy.ig" in shown and "Record the outcome" not in shown
    summary = client.get("/monitoring/summary")
    assert "Children&#39;s Social Care: 1 task" in summary.text


def test_a_second_run_raises_nothing_again(client, engine, glass):
    sign_in(client, "ivy.ig")
    _run(client)
    assert "raised 0 new tasks" in _run(client).text


def test_another_organisations_ig_lead_neither_lists_nor_opens_the_task(client, engine, glass):
    sign_in(client, "ivy.ig")
    _run(client)
    task = _task(engine)
    sign_in(client, "pia.ig")
    listed = client.get("/monitoring").text
    assert "No tasks match" in listed and "You review the tasks about users of Police." in listed
    assert client.get(f"/monitoring/tasks/{task.id}").status_code == 404
    assert client.get(f"/api/v1/monitoring/tasks/{task.id}").status_code == 404
    assert "No tasks have been raised" in client.get("/monitoring/summary").text


def test_a_practitioner_is_refused(client, glass):
    sign_in(client, "sam.social")
    assert client.get("/monitoring").status_code == 403
    assert client.get("/api/v1/monitoring/tasks").status_code == 403


def test_the_api_lists_tasks_and_records_an_outcome(client, engine, glass):
    sign_in(client, "ivy.ig")
    _run(client)
    listed = client.get("/api/v1/monitoring/tasks")
    assert listed.status_code == 200
    (task,) = listed.json()["tasks"]
    assert (task["rule"], task["username"], task["persons"]) == ("break_glass", "sam.social", ["PJORDAN0001"])
    detail = client.get(f"/api/v1/monitoring/tasks/{task['id']}").json()
    assert detail["people"] == [{"person_id": "PJORDAN0001", "name": "Jordan Smith"}]
    token = listed.headers["X-CSRF-Token"]
    url = f"/api/v1/monitoring/tasks/{task['id']}/outcome"
    assert client.post(url, json={"outcome": "escalated", "note": "To the DPO"}).status_code == 403  # no CSRF
    bad = client.post(url, json={"outcome": "shrug", "note": "x"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and bad.json()["field"] == "outcome"
    done = client.post(url, json={"outcome": "escalated", "note": "To the DPO"}, headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["outcome"] == "escalated" and done.json()["decided_by"] == "ivy.ig"
    again = client.post(url, json={"outcome": "no_concern", "note": "Again"}, headers={"X-CSRF-Token": token})
    assert again.status_code == 400 and again.json()["field"] == "task"
    assert client.get("/api/v1/monitoring/tasks?status=closed").json()["total"] == 1


def test_a_rules_file_that_cannot_be_used_stops_a_run_from_the_page(client, engine, glass, web_settings):
    web_settings.home.mkdir(parents=True, exist_ok=True)
    (web_settings.home / "monitoring.toml").write_text("[out_of_hours]\nstarts = \"late\"\n")
    sign_in(client, "ivy.ig")
    page = client.get("/monitoring")
    ran = client.post("/monitoring/run", data={"csrf_token": csrf_token(page.text)})
    assert ran.headers["location"] == "/monitoring?refused=rules"
    shown = client.get(ran.headers["location"]).text
    assert "Monitoring did not run" in shown and "No tasks match" in shown


def test_a_practitioner_declares_sees_and_withdraws_their_own(client, glass):
    sign_in(client, "sam.social")
    assert 'href="/monitoring/declaration">Your staff declaration</a>' in client.get("/").text  # every page's footer
    page = client.get("/monitoring/declaration")
    assert page.status_code == 200 and "You have not declared" in page.text
    refused = client.post("/monitoring/declaration", data={"csrf_token": csrf_token(page.text), "surname": "",
                                                           "postcode": "nowhere"})
    assert refused.status_code == 400
    assert 'href="#surname"' in refused.text and 'href="#postcode"' in refused.text and 'value="nowhere"' in refused.text
    assert "<title>Error: Your staff declaration –" in refused.text  # "Error: " once, from the layout
    kept = client.post("/monitoring/declaration", data={"csrf_token": csrf_token(page.text), "surname": "Social",
                                                        "postcode": "ls2 7ew"})
    assert kept.status_code == 303
    shown = client.get(kept.headers["location"]).text
    assert "Declaration kept" in shown and "Social" in shown and "LS2 7EW" in shown and "by sam.social" in shown
    gone = client.post("/monitoring/declaration/withdraw", data={"csrf_token": csrf_token(shown)})
    assert gone.status_code == 303
    after = client.get(gone.headers["location"]).text
    assert "Declaration withdrawn" in after and "You have not declared" in after and "LS2 7EW" not in after


def test_the_ig_lead_sees_only_their_organisations_declarations(client, glass):
    sign_in(client, "sam.social")
    page = client.get("/monitoring/declaration")
    client.post("/monitoring/declaration", data={"csrf_token": csrf_token(page.text), "surname": "Social",
                                                 "postcode": "LS1 4AP"})
    assert client.get("/monitoring/declarations").status_code == 403
    assert client.get("/api/v1/monitoring/declarations").status_code == 403
    sign_in(client, "ivy.ig")
    listed = client.get("/monitoring/declarations")
    assert listed.status_code == 200 and "sam.social" in listed.text and "LS1 4AP" in listed.text
    assert [(staff["username"], staff["surname"], staff["postcode"]) for staff in
            client.get("/api/v1/monitoring/declarations").json()] == [("sam.social", "Social", "LS1 4AP")]
    sign_in(client, "pia.ig")
    assert "sam.social" not in client.get("/monitoring/declarations").text
    assert client.get("/api/v1/monitoring/declarations").json() == []


def test_the_api_declares_reads_and_withdraws_your_own(client, glass):
    sign_in(client, "sam.social")
    missing = client.get("/api/v1/monitoring/declaration")
    assert missing.status_code == 404 and missing.json()["field"] == "declaration"
    token = csrf_token(client.get("/").text)
    url = "/api/v1/monitoring/declaration"
    assert client.put(url, json={"surname": "Social", "postcode": "LS1 4AP"}).status_code == 403  # no CSRF
    bad = client.put(url, json={"surname": "Social", "postcode": "12345"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 400 and bad.json()["field"] == "postcode"
    kept = client.put(url, json={"surname": "Social", "postcode": "ls14ap"}, headers={"X-CSRF-Token": token})
    assert kept.status_code == 200
    assert (kept.json()["surname"], kept.json()["postcode"], kept.json()["declared_by"]) == (
        "Social", "LS1 4AP", "sam.social")
    assert client.get(url).json()["postcode"] == "LS1 4AP"
    assert client.delete(url, headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers={"X-CSRF-Token": token}).status_code == 404


def test_the_summary_charts_each_organisations_tasks_by_rule_and_outcome(client, engine, glass):
    sign_in(client, "ivy.ig")
    _run(client)
    page = client.get("/monitoring/summary")
    assert page.status_code == 200
    assert "<svg" in page.text and "Tasks raised by rule and outcome, Children&#39;s Social Care" in page.text
    assert "Break-glass used: 1 task (1 open)." in page.text and "Repeated refusals: 0 tasks." in page.text
    assert "as a table" in page.text  # the same counts, as text


def test_a_rules_bar_is_as_long_as_its_tasks_split_by_outcome():
    found = OrganisationSummary("Police", {"refusals": Counter({"open": 2, "no_concern": 1, "escalated": 1}),
                                           "break_glass": Counter({"advice_given": 1})})
    chart = task_chart(found)
    bars = {bar.label: bar for bar in chart.bars}
    assert [bar.label for bar in chart.bars] == list(RULES.values())
    refusals = bars[RULES["refusals"]]
    assert refusals.total == 4 and [(part.label, part.count) for part in refusals.segments] == [
        ("Open", 2), ("No concern", 1), ("Escalated", 1)]
    unit = refusals.segments[1].width
    assert refusals.segments[0].width == pytest.approx(2 * unit)
    assert refusals.segments[1].x == pytest.approx(refusals.segments[0].x + refusals.segments[0].width)
    assert bars[RULES["break_glass"]].segments[0].width == pytest.approx(unit)
    assert bars[RULES["household"]].segments == [] and bars[RULES["household"]].total == 0
    assert all(label.replace(",", "").isdigit() for _x, label in chart.ticks)  # whole tasks on the axis
    assert refusals.words == f"{RULES['refusals']}: 4 tasks (2 open, 1 no concern, 1 escalated)"
