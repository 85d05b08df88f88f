"""Setting a place up and serving it: init, synth, demo, serve and the privacy notice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from joinedup.cli.addresses import run_matching
from joinedup.cli.console import console, progress_bar
from joinedup.cli.extracts import print_involvements
from joinedup.cli.people import run_linking
from joinedup.config import load_settings


def init() -> None:
    """Create the data directory and secret key, and bring the database up to date.

    The data directory is JOINEDUP_HOME (default ./joinedup-data); every command reads
    and writes the one it names."""
    from joinedup.db.migrate import current_revision
    from joinedup.store import initialise

    settings = load_settings()
    engine = initialise(settings)
    console.print(f"Data directory: {settings.home}")
    console.print(f"Database: {engine.url.render_as_string(hide_password=True)} at revision {current_revision(engine)}")


def synth(
    out: Annotated[Path, typer.Option(help="Directory to write the place into.")],
    people: Annotated[int, typer.Option(min=1, help="How many people live there.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Same seed, same place.")] = 1,
) -> None:
    """Generate a synthetic place: gazetteer, agency extracts, and ground truth kept aside."""
    from joinedup.synth import generate_place

    with progress_bar() as progress:
        task = progress.add_task("Generating people", total=people)
        summary = generate_place(out, people=people, seed=seed, progress=lambda done, total: progress.update(task, completed=done, total=total))
    _print_place(out, summary)


def _print_place(out: Path, summary) -> None:
    table = Table(title=f"Synthetic place in {out}")
    table.add_column("extract")
    table.add_column("rows", justify="right")
    for source, rows in summary.extract_rows.items():
        table.add_row(source, f"{rows:,}")
    console.print(table)
    console.print(f"{summary.people:,} people in {summary.households:,} households; {summary.addresses:,} gazetteer addresses.")
    console.print("Ground truth is in truth/: it is for measuring accuracy and is never loaded.")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app and API over an existing data directory."""
    from joinedup.store import initialise

    listening = take_port(host, port)
    settings = load_settings()
    initialise(settings)
    _serve(settings, listening)


def take_port(host: str, port: int):
    """Bind ``host``:``port`` before anything says JoinedUp is served there.

    A port already in use ends the command with one line that names it and says how to
    choose another, rather than a server error after a claim to be serving.
    """
    import errno
    import socket

    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            message = (f"Port {port} on {host} is already in use. Stop what is using it, or choose another "
                       f"port: --port {port + 1} (make demo PORT={port + 1}).")
        else:
            message = f"JoinedUp cannot listen on {host} port {port}: {exc.strerror or exc}."
        typer.echo(message, err=True)
        raise typer.Exit(1) from None
    listening.set_inheritable(True)
    return listening


def _serve(settings, listening) -> None:
    """Serve the app on the socket :func:`take_port` bound, saying where."""
    import uvicorn

    from joinedup.web import create_app

    host, port = listening.getsockname()[:2]
    server = uvicorn.Server(server_config(settings, create_app(settings), host, port))
    where = f"[{host}]" if ":" in host else host
    console.print(f"Serving JoinedUp on http://{where}:{port} (data directory {settings.home}); Ctrl+C stops.")
    server.run(sockets=[listening])


def server_config(settings, app, host: str, port: int):
    """How uvicorn serves ``app``. It believes X-Forwarded-For and X-Forwarded-Proto only
    from the proxies in JOINEDUP_TRUSTED_PROXIES (by default from no one, where uvicorn
    alone would believe any local process), so the address the audit trail records and
    sign-in waits on is the client's, not whatever a client claims."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level="warning",
                          proxy_headers=bool(settings.trusted_proxies),
                          forwarded_allow_ips=list(settings.trusted_proxies))


def privacy_notice_command(
    out: Annotated[Path, typer.Argument(file_okay=False, help="The folder to write the static page to.")],
) -> None:
    """Write the privacy notice, from the agreements in force today, as a static page to publish."""
    import shutil

    from joinedup.db import session_factory
    from joinedup.sharing.notice import privacy_notice
    from joinedup.store import initialise
    from joinedup.web.templating import STATIC, make_environment

    engine = initialise(load_settings())
    with session_factory(engine)() as session:
        notice = privacy_notice(session)
    out.mkdir(parents=True, exist_ok=True)
    html = make_environment().get_template("privacy/static_notice.html").render(notice=notice)
    (out / "index.html").write_text(html, encoding="utf-8")
    shutil.copyfile(STATIC / "joinedup.css", out / "joinedup.css")
    console.print(f"Wrote the privacy notice ({len(notice.sections)} agreements in force) to {out / 'index.html'}.")


def demo(
    people: Annotated[int, typer.Option(min=50, help="Size of the synthetic place.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic place.")] = 1,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the app when ready.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Everything a newcomer needs: init, a synthetic place, every extract loaded, users, serve."""
    from joinedup.demo import (
        build_place,
        demo_password,
        ensure_demo_sharing,
        ensure_demo_users,
        load_place,
        load_place_flags,
        load_place_gazetteer,
        load_place_involvements,
        tie_demo_users,
    )
    from joinedup.store import initialise

    listening = take_port(host, port) if serve_app else None
    settings = load_settings()
    engine = initialise(settings)
    with progress_bar() as progress:
        task = progress.add_task("Synthetic place", total=people)
        place = build_place(settings, people, seed, lambda done, total: progress.update(task, completed=done, total=total))
        progress.update(task, completed=people)
    tasks: dict[str, int] = {}
    with progress_bar(bytes_=True) as progress:

        def report(source: str, done: int, total: int) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(f"Loading {source}", total=total)
            progress.update(tasks[source], completed=done, total=total)

        loads = load_place(engine, place, report)
    loaded = Table(title="Extracts loaded")
    for column in ("source", "read", "new", "updated", "unchanged", "flagged", "rejected"):
        loaded.add_column(column, justify="left" if column == "source" else "right")
    for load in loads:
        loaded.add_row(
            load.source_system.code,
            *(f"{n:,}" for n in (load.rows_read, load.rows_loaded, load.rows_updated, load.rows_unchanged, load.rows_flagged, load.rows_rejected)),
        )
    console.print(loaded)
    with progress_bar(bytes_=True) as progress:
        task = progress.add_task("Loading the gazetteer", total=None)
        gazetteer = load_place_gazetteer(engine, place, lambda done, total: progress.update(task, completed=done, total=total))
    console.print(f"Gazetteer: {gazetteer.new:,} new, {gazetteer.changed:,} changed, {gazetteer.retired:,} retired, "
                  f"{gazetteer.unchanged:,} unchanged UPRNs.")
    run = run_matching(engine, full=False)
    if run.status == "completed":
        console.print(f"Addresses of {run.records:,} records: {run.matched:,} matched to a UPRN, {run.ambiguous:,} ambiguous, "
                      f"{run.unmatched:,} unmatched (the review list is under Addresses).")
    run_linking(engine)
    password = demo_password(settings)
    users = ensure_demo_users(engine, password)
    ensure_demo_sharing(engine)
    print_involvements(load_place_involvements(engine, place))
    users = tie_demo_users(engine, users)
    print_involvements(load_place_flags(engine, place), "Flags read from the extracts")
    who = Table(title="Sign in as any of these (the password is the same for all)")
    for column in ("username", "name", "job", "team", "roles"):
        who.add_column(column)
    for user in users:
        who.add_row(user.username, user.display_name, user.job_title, user.team, ", ".join(user.roles))
    console.print(who)
    console.print(f"Password: [bold]{password}[/]  (kept in {settings.home / 'demo-credentials.json'})")
    if listening is not None:
        _serve(settings, listening)
    else:
        console.print(f"Ready. Serve it with: joinedup serve --host {host} --port {port}")
