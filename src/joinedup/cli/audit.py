"""The audit log (checkpoints, verification, receipts, proofs), the monitoring that
reads it, and retention, which withholds its old entries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli.console import console, progress_bar
from joinedup.cli.operators import administrator_actor, data_team_actor
from joinedup.config import load_settings

_KEY = Annotated[str | None, typer.Option("--key", help="A verifier key (<name>+<id>+<key>) or a file holding one; "
                                          "without it, this instance's own key.")]


def _refuse(exc: Exception) -> None:
    console.print(f"[red]{escape(str(exc))}[/]")
    raise typer.Exit(1)


def _write(out: Path | None, text: str, what: str) -> None:
    if out is None:
        console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"{what} written to {out}")


def _audit_store():
    """The store with every logged table's encoding registered (the whole schema loaded)."""
    import joinedup.schema  # noqa: F401 - each capability registers its logged tables
    from joinedup.store import initialise

    settings = load_settings()
    return settings, initialise(settings)


def _verifier(key: str | None, settings=None):
    """The verifier key given (a key string, or a file holding one), else this instance's."""
    from joinedup.audit.checkpoints import Verifier, instance_signer

    if key is None:
        return instance_signer(settings).verifier
    path = Path(key)
    return Verifier.parse(path.read_text() if path.is_file() else key)


def audit_checkpoint(
    out: Annotated[Path | None, typer.Option("--out", help="Also write the signed checkpoint to this file.")] = None,
) -> None:
    """Sequence every committed entry, then sign the log's size and root (a C2SP checkpoint)."""
    from joinedup.audit.checkpoints import instance_signer
    from joinedup.audit.log import LogError, make_checkpoint
    from joinedup.audit.sequencer import sequence, unsequenced

    settings, engine = _audit_store()
    signer = instance_signer(settings)
    with engine.connect() as connection:
        waiting = unsequenced(connection)
    with progress_bar() as progress:
        task = progress.add_task("Sequencing", total=waiting)
        sequence(engine, progress=lambda count: progress.advance(task, count))
    try:
        stored = make_checkpoint(engine, signer)
    except LogError as exc:
        _refuse(exc)
    checkpoint = stored.checkpoint
    state = "New checkpoint" if stored.new else "Nothing new since the latest checkpoint"
    console.print(f"{state}: {checkpoint.size:,} entries, made {stored.created_at:%Y-%m-%d %H:%M:%S} UTC.")
    console.print(checkpoint.note, end="", markup=False, highlight=False)
    if out is not None:
        _write(out, checkpoint.note, "Checkpoint")


def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="A checkpoint file to verify against "
                                                    "(one a partner kept); without it, the latest kept here.")] = None,
    key: _KEY = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes that check entries, each "
                                                "reading its own range (default: the CPU count, at most 8).")] = None,
) -> None:
    """Recompute every entry from its row and check the log against a signed checkpoint;
    name the first entry that fails."""
    from joinedup.audit.checkpoints import CheckpointError
    from joinedup.audit.log import LogError
    from joinedup.audit.sequencer import tree_state
    from joinedup.audit.verify import DEFAULT_WORKERS, verify_checkpoint

    settings, engine = _audit_store()
    try:
        verifier = _verifier(key, settings)
        note = checkpoint.read_text(encoding="utf-8") if checkpoint else None
        with engine.connect() as connection, progress_bar() as progress:
            task = progress.add_task("Verifying", total=tree_state(connection).size)
            result = verify_checkpoint(connection, verifier, note, workers=workers or DEFAULT_WORKERS,
                                       progress=lambda done, total: progress.update(task, completed=done, total=total))
    except (CheckpointError, LogError, OSError) as exc:
        _refuse(exc)
    size = result.checkpoint.size
    if result.ok:
        withheld = f", {result.withheld:,} withheld at the end of their retention" if result.withheld else ""
        console.print(f"[green]Verified:[/] the {size:,} entries of the checkpoint are intact "
                      f"({result.sequenced - size:,} sequenced since, {result.unsequenced:,} waiting{withheld}).")
        return
    console.print(f"[red]The log fails verification against the checkpoint of {size:,} entries.[/]")
    console.print(f"First failure: [bold]{escape(str(result.first))}[/]")
    table = Table("position", "entry", "what")
    for failure in result.failures[:20]:
        entry = f"{failure.source} {failure.row_id}" if failure.source else ""
        table.add_row("" if failure.index is None else str(failure.index), entry, escape(failure.message))
    console.print(table)
    if len(result.failures) > 20:
        console.print(f"… and {len(result.failures) - 20:,} more.")
    raise typer.Exit(1)


def audit_receipt(
    entry: Annotated[str, typer.Argument(help="The entry: <table>:<id> (audit_events:42) or #<position>.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the receipt to this file.")] = None,
) -> None:
    """A receipt for one entry: the checkpoint, its position and the inclusion proof, which
    anyone can check with the public key (joinedup audit check-receipt)."""
    from joinedup.audit.checkpoints import CheckpointError, instance_signer
    from joinedup.audit.entries import UnknownSource
    from joinedup.audit.log import LogError, make_receipt

    settings, engine = _audit_store()
    try:
        with engine.connect() as connection:
            receipt = make_receipt(connection, instance_signer(settings).verifier, entry)
    except (CheckpointError, LogError, UnknownSource) as exc:
        _refuse(exc)
    _write(out, receipt, "Receipt")


def audit_check_receipt(
    receipt: Annotated[Path, typer.Argument(help="The receipt file.", exists=True, dir_okay=False)],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key, or a file holding it.")],
) -> None:
    """Check a receipt with nothing but the log's public key."""
    from joinedup.audit.checkpoints import CheckpointError
    from joinedup.audit.log import check_receipt
    from joinedup.audit.merkle import ProofError

    try:
        checked = check_receipt(receipt.read_text(encoding="utf-8"), _verifier(key))
    except (CheckpointError, ProofError) as exc:
        _refuse(exc)
    entry = checked.entry
    console.print(f"[green]The receipt holds:[/] {entry['table']} {entry['id']} ({entry.get('action', '')}, "
                  f"{entry['at']}) is entry {checked.index:,} of the log {checked.checkpoint.origin}, "
                  f"under its signed checkpoint of {checked.checkpoint.size:,} entries.")


def audit_prove_consistency(
    old: Annotated[Path, typer.Argument(help="The older checkpoint file.", exists=True, dir_okay=False)],
    new: Annotated[Path, typer.Argument(help="The newer checkpoint file.", exists=True, dir_okay=False)],
    out: Annotated[Path | None, typer.Option("--out", help="Write the proof to this file.")] = None,
) -> None:
    """The proof that the log of the newer checkpoint extends that of the older one."""
    from joinedup.audit.checkpoints import (
        CheckpointError,
        instance_signer,
        open_checkpoint,
    )
    from joinedup.audit.log import LogError, consistency_text, prove_consistency

    settings, engine = _audit_store()
    verifier = instance_signer(settings).verifier
    try:
        older = open_checkpoint(old.read_text(encoding="utf-8"), verifier)
        newer = open_checkpoint(new.read_text(encoding="utf-8"), verifier)
        with engine.connect() as connection:
            proof = prove_consistency(connection, older.size, newer.size)
    except (CheckpointError, LogError) as exc:
        _refuse(exc)
    _write(out, consistency_text(older, newer, proof), "Consistency proof")


def audit_check_consistency(
    old: Annotated[Path, typer.Argument(help="The older checkpoint file you kept.", exists=True, dir_okay=False)],
    new: Annotated[Path, typer.Argument(help="The newer checkpoint file.", exists=True, dir_okay=False)],
    proof: Annotated[Path, typer.Argument(help="The proof from prove-consistency.", exists=True, dir_okay=False)],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key, or a file holding it.")],
) -> None:
    """Check, with nothing but the public key, that nothing before the older checkpoint was changed."""
    from joinedup.audit.checkpoints import CheckpointError
    from joinedup.audit.log import check_consistency
    from joinedup.audit.merkle import ProofError

    try:
        older, newer = check_consistency(old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8"),
                                         proof.read_text(encoding="utf-8"), _verifier(key))
    except (CheckpointError, ProofError) as exc:
        _refuse(exc)
    console.print(f"[green]Consistent:[/] the log of {newer.size:,} entries extends the one of {older.size:,} "
                  "you kept; none of those entries was changed, removed or reordered.")


def audit_public_key() -> None:
    """Print the log's verifier key, for partners to check checkpoints and receipts with."""
    from joinedup.audit.checkpoints import instance_signer

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    console.print(str(instance_signer(settings).verifier), markup=False, highlight=False, soft_wrap=True)


def monitor_run() -> None:
    """Read the audit log on from the last run and raise a review task for each new finding
    (rules from monitoring.toml in the data directory; schedule it, e.g. every 15 minutes)."""
    from joinedup.monitoring import RULES, RulesRefused, run_configured

    settings, engine = _audit_store()
    try:
        with progress_bar() as progress:
            task = progress.add_task("Reading the log", total=0)
            report = run_configured(engine, administrator_actor(), settings.home,
                                    progress=lambda done, total: progress.update(task, completed=done, total=total))
    except RulesRefused as exc:
        for field, message in exc.problems:
            console.print(f"[red]monitoring.toml {escape(field)}: {escape(message)}[/]")
        raise typer.Exit(1) from None
    console.print(f"Read {report.read:,} new log entries (positions {report.start + 1:,} to {report.upto:,}); "
                  f"raised {report.total:,} new review tasks.")
    table = Table("rule", "new tasks")
    for rule, name in RULES.items():
        table.add_row(name, f"{report.raised.get(rule, 0):,}")
    console.print(table)


def monitor_declare(
    username: Annotated[str, typer.Argument(help="The member of staff's username.")],
    surname: Annotated[str, typer.Option(help="Their own surname.")],
    postcode: Annotated[str, typer.Option(help="Their home postcode.")],
) -> None:
    """Record a member of staff's own surname and home postcode, which the household rule
    compares with the people they view."""
    from joinedup.db import transaction
    from joinedup.errors import Refusal
    from joinedup.monitoring import declare

    _settings, engine = _audit_store()
    try:
        with transaction(engine) as session:
            declare(session, administrator_actor(), username, surname=surname, postcode=postcode)
    except Refusal as exc:
        for field, message in exc.problems:
            console.print(f"[red]{escape(field)}: {escape(message)}[/]")
        raise typer.Exit(1) from None
    console.print(f"Declaration kept for {username}.")


def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; change nothing.")] = False,
    today: Annotated[str, typer.Option(help="The day to work it out for (YYYY-MM-DD); default today.")] = "",
) -> None:
    """Delete records past the retention period of the agreements they came under, and
    withhold the audit log's entries older than its retention; record what was done."""
    from datetime import date as day

    from joinedup.db import session_factory
    from joinedup.retention import run_retention
    from joinedup.store import initialise

    try:
        on = day.fromisoformat(today) if today else day.today()
    except ValueError:
        _refuse(ValueError(f"--today: {today!r} is not a date (YYYY-MM-DD)."))
    settings = load_settings()
    engine = initialise(settings)
    with console.status("Working out what is due"), session_factory(engine)() as session:
        plan = run_retention(session, data_team_actor(), today=on, log_years=settings.audit_retention_years,
                             dry_run=dry_run)
        session.commit()
    verb = "would be deleted" if dry_run else "deleted"
    console.print(f"Records past their retention on {on:%d %B %Y}: [bold]{plan.due_count:,}[/] {verb}.")
    if plan.due_by_source:
        by_source = Table("source", "records")
        for source, count in sorted(plan.due_by_source.items()):
            by_source.add_row(source, f"{count:,}")
        console.print(by_source)
    if dry_run and plan.due:
        listed = Table("source", "local id", "expired on", "under", title=f"The first {len(plan.due):,}")
        for due in plan.due:
            listed.add_row(due.source, due.local_id, f"{due.expired_on:%d %b %Y}", due.agreement)
        console.print(listed)
    if plan.erased:
        console.print(f"Persons rebuilt from their other records: {plan.erased.persons_rebuilt:,}; "
                      f"persons retired with no record left: {plan.erased.persons_retired:,}.")
    for term in plan.unread:
        console.print(f"[yellow]Kept:[/] {term.agreement}'s retention ({escape(str(term.period) or 'none given')!r}) "
                      "cannot be read as a period, so nothing under it is deleted. Reword it, e.g. '6 years' or "
                      "'Until the child is 25'.")
    console.print(f"Kept: {plan.kept_unread:,} under an unread period, {plan.kept_unknown_date:,} without the "
                  f"date their period runs from, {plan.under_no_agreement:,} under no agreement.")
    if plan.log is not None:
        log_verb = "would be withheld" if dry_run else "withheld"
        console.print(f"Audit log entries dated before {plan.log.before:%d %B %Y}: {plan.log.entries:,} {log_verb} "
                      "(their leaves stay; the log still verifies).")
