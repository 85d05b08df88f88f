"""Trainers and "view as": a trainer previews what each partner sees, but only of the
persons an information governance lead has set aside for training. The world is
tests/web/practice_support.py (tara.trainer and iris.ig are among its users).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from practice_support import MARKERS
from sqlalchemy import func, select
from web_support import csrf_token, sign_in

from joinedup.audit import AuditEvent
from joinedup.db import transaction
from joinedup.sharing.models import SharingDecision, TrainingSample

PREVIEW = {"organisation": "POL", "role": "practitioner", "purpose": "safeguarding_child", "person": "PSAME000001"}


def _as(client: TestClient, username: str) -> TestClient:
    assert sign_in(client, username).status_code == 303
    return client


def _set_aside(client: TestClient, person: str, *, sample: bool = True, note: str = "Known to three agencies"):
    page = client.get("/sharing/view-as", params={**PREVIEW, "person": person})
    return client.post("/sharing/view-as/samples", data={
        "csrf_token": csrf_token(page.text), "person": person, "sample": "yes" if sample else "no", "note": note,
        "organisation": "POL", "role": "practitioner", "purpose": "safeguarding_child"})


def _count(engine, model, *where) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_trainer_may_not_preview_a_person_not_set_aside(practice_client, engine):
    trainer = _as(practice_client, "tara.trainer")
    home = trainer.get("/")
    assert 'href="/sharing/view-as">View as a partner</a>' in home.text and 'href="/sharing">' not in home.text
    page = trainer.get("/sharing/view-as")
    assert page.status_code == 200
    nav = page.text.split('aria-label="Sharing"', 1)[1].split("</nav>", 1)[0]
    assert "View as" in nav and "Consent script" in nav and "Decision log" not in nav
    assert "None yet." in page.text
    refused = trainer.get("/sharing/view-as", params=PREVIEW)
    assert refused.status_code == 400
    assert "PSAME000001 is not one of the persons set aside for training" in refused.text
    assert MARKERS["own_police_fact"] not in refused.text
    assert _count(engine, SharingDecision, SharingDecision.channel == "preview") == 0  # nothing was decided
    assert _count(engine, AuditEvent, AuditEvent.action == "sharing.preview", AuditEvent.outcome == "denied") == 1
    api = trainer.get("/api/v1/sharing/view-as", params={**PREVIEW, "person_id": "PSAME000001"})
    assert api.status_code == 403


def test_the_ig_lead_sets_a_person_aside_and_the_trainer_then_sees_them_as_a_partner_would(practice_client, engine):
    ig = _as(practice_client, "iris.ig")
    added = _set_aside(ig, "PSAME000001")
    assert added.status_code == 303 and "sample=added" in added.headers["location"]
    banner = ig.get(added.headers["location"])
    assert "PSAME000001 is now one of the persons trainers may preview." in banner.text
    assert "Stop using PSAME000001 for training" in banner.text
    assert _count(engine, AuditEvent, AuditEvent.action == "sharing.training_sample.save",
                  AuditEvent.outcome == "success") == 1
    trainer = _as(practice_client, "tara.trainer")
    listed = trainer.get("/sharing/view-as")
    assert "PSAME000001</a>: Known to three agencies" in listed.text
    seen = trainer.get("/sharing/view-as", params=PREVIEW)
    assert seen.status_code == 200 and MARKERS["own_police_fact"] in seen.text  # the police see their own record
    assert "Let trainers preview" not in seen.text  # only an IG lead decides who is a sample
    assert _count(engine, SharingDecision, SharingDecision.username.like("tara.trainer as %")) == 2  # its 2 records
    ig = _as(practice_client, "iris.ig")
    assert _set_aside(ig, "PSAME000001", sample=False).status_code == 303
    trainer = _as(practice_client, "tara.trainer")
    assert trainer.get("/sharing/view-as", params=PREVIEW).status_code == 400


def test_training_samples_through_the_api(practice_client, engine):
    ig = _as(practice_client, "iris.ig")
    header = {"X-CSRF-Token": csrf_token(ig.get("/").text)}
    assert ig.put("/api/v1/sharing/training-samples/PNOBODY", headers=header, json={}).status_code == 404
    put = ig.put("/api/v1/sharing/training-samples/ppartner001", headers=header, json={"note": "For the course"})
    assert put.status_code == 200 and put.json() == {"person_id": "PPARTNER001", "note": "For the course"}
    trainer = _as(practice_client, "tara.trainer")
    assert trainer.get("/api/v1/sharing/training-samples").json() == [
        {"person_id": "PPARTNER001", "note": "For the course"}]
    trainer_header = {"X-CSRF-Token": csrf_token(trainer.get("/").text)}
    assert trainer.delete("/api/v1/sharing/training-samples/PPARTNER001", headers=trainer_header).status_code == 403
    seen = trainer.get("/api/v1/sharing/view-as", params={**PREVIEW, "person_id": "PPARTNER001"})
    assert seen.status_code == 200 and any(record["allowed"] for record in seen.json()["records"])
    ig = _as(practice_client, "iris.ig")
    header = {"X-CSRF-Token": csrf_token(ig.get("/").text)}
    assert ig.delete("/api/v1/sharing/training-samples/PPARTNER001", headers=header).status_code == 204
    assert _count(engine, TrainingSample) == 0


@pytest.mark.parametrize("path", ["/sharing", "/sharing/log", "/sharing/agreements", "/sharing/map"])
def test_a_trainer_sees_nothing_else_of_governance(practice_client, path):
    assert _as(practice_client, "tara.trainer").get(path).status_code == 403
