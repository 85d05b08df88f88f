"""The privacy notice page (``/privacy``) and its static copy (``joinedup privacy-notice``):
public, and written from the agreements in force (the practice world's SAFE-ISA)."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.audit import Actor
from joinedup.cli import app as cli
from joinedup.db import transaction
from joinedup.sharing.models import AgreementVersion
from joinedup.sharing.rules import set_status
from joinedup.store import initialise

IG = Actor(username="iris.ig", roles=frozenset({"ig_lead"}), channel="web")


def test_anyone_can_read_the_notice_without_signing_in(practice_client):
    page = practice_client.get("/privacy")
    assert page.status_code == 200
    text = page.text
    assert "Safeguarding and early help" in text and "Safeguarding a child" in text
    assert "UK GDPR Article 6(1)(e) public task" in text and "Children Act 2004 s11" in text
    assert "You can complain to the Information Commissioner" in text
    assert 'href="/privacy"' in practice_client.get("/sign-in").text


def test_the_notice_follows_the_agreements(practice_client, engine, practice):
    with transaction(engine) as session:
        version = session.get(AgreementVersion, practice.agreement_version)
        set_status(session, IG, version, "suspended", reason="Paused while the partnership reviews it")
    text = practice_client.get("/privacy").text
    assert "Safeguarding and early help" not in text
    assert "No information sharing agreement is in force" in text


def test_the_cli_writes_a_static_page_to_publish(settings, tmp_path):
    engine = initialise(settings)
    with transaction(engine) as session:
        assert session.scalar(select(AgreementVersion)) is None
    engine.dispose()
    out = tmp_path / "public"
    result = CliRunner().invoke(cli, ["privacy-notice", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    assert "How partners share information about you" in html and 'href="joinedup.css"' in html
    assert "No information sharing agreement is in force" in html
    assert (out / "joinedup.css").stat().st_size > 10_000
