"""``joinedup audit``, run as an operator and as a partner run it: a partner holds only the
public key and the files they were given."""

from __future__ import annotations

import json
import stat

from log_support import write_entries
from sqlalchemy import text
from typer.testing import CliRunner

from joinedup.audit.checkpoints import SIGNING_KEY_FILE
from joinedup.cli import app
from joinedup.db import engine_for
from joinedup.store import initialise

runner = CliRunner()


def _run(*arguments: str, code: int = 0) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == code, result.output
    return result.output


def test_an_operator_and_a_partner_check_the_log_with_the_cli(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_AUDIT_ORIGIN", "hub.example.org/audit")
    engine = initialise(settings)
    write_entries(engine, 3)
    first = tmp_path / "first.checkpoint"
    output = _run("audit", "checkpoint", "--out", str(first))
    assert "New checkpoint: 6 entries" in output
    assert first.read_text().startswith("hub.example.org/audit\n6\n")
    key_file = settings.home / SIGNING_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public_key = _run("audit", "public-key").strip()
    assert public_key.startswith("hub.example.org/audit+")
    assert "PRIVATE" not in public_key

    assert "Verified: the 6 entries of the checkpoint are intact" in _run("audit", "verify")

    write_entries(engine, 2, start=3)
    second = tmp_path / "second.checkpoint"
    _run("audit", "checkpoint", "--out", str(second))
    receipt = tmp_path / "receipt.json"
    _run("audit", "receipt", "sharing_decisions:2", "--out", str(receipt))
    assert json.loads(receipt.read_text())["checkpoint"] == second.read_text()
    proof = tmp_path / "consistency.json"
    _run("audit", "prove-consistency", str(first), str(second), "--out", str(proof))

    key = tmp_path / "hub.vkey"
    key.write_text(public_key + "\n")
    assert "is entry" in _run("audit", "check-receipt", str(receipt), "--key", str(key))
    assert "Consistent: the log of 10 entries extends the one of 6" in _run(
        "audit", "check-consistency", str(first), str(second), str(proof), "--key", public_key)
    assert "Verified" in _run("audit", "verify", "--checkpoint", str(first), "--key", str(key))

    stranger = "hub.example.org/audit+00000000+AbOoDV6Pn1cLHuVV5i9MzkjHl3zcK6SSmf9zTQGN2r9s"
    assert "id does not match" in _run("audit", "check-receipt", str(receipt), "--key", stranger, code=1)
    swapped = tmp_path / "swapped.json"
    swapped.write_text(proof.read_text().replace('"old_size": 6', '"old_size": 10'))
    assert "the proof is from size 10" in _run(
        "audit", "check-consistency", str(first), str(second), str(swapped), "--key", public_key, code=1)


def test_verify_names_the_first_entry_that_fails(settings, monkeypatch):
    engine = initialise(settings)
    write_entries(engine, 3)
    _run("audit", "checkpoint")
    with engine_for(settings.database_url).begin() as connection:
        place = connection.execute(text("select log_index from audit_events where id = 2")).scalar_one()
        connection.execute(text("update audit_events set reason = 'nothing to see' where id = 2"))
        connection.execute(text("delete from sharing_decisions where id = 3"))
    output = _run("audit", "verify", code=1)
    assert f"First failure: entry {place} (audit_events 2): its content has changed" in " ".join(output.split())
    assert "sharing_decisions 3" in output
    monkeypatch.setattr("joinedup.audit.verify.RANGE_MINIMUM", 1)
    assert _run("audit", "verify", "--workers", "3", code=1).split("First failure")[1] == output.split("First failure")[1]


def test_verify_without_a_checkpoint_says_what_to_do(settings):
    assert "run joinedup audit checkpoint" in _run("audit", "verify", code=1)
