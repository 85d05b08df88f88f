"""The ``joinedup`` command line: a thin shell over the capabilities, for data teams.

One command (or command group) per capability. Long work shows a Rich progress bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from joinedup.config import load_settings

app = typer.Typer(help="JoinedUp: a multi-agency information-sharing hub.", no_args_is_help=True)
users_app = typer.Typer(help="Manage the people who sign in.", no_args_is_help=True)
app.add_typer(users_app, name="users")
gazetteer_app = typer.Typer(help="The land and property gazetteer (LLPG) addresses are matched to.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")
addresses_app = typer.Typer(help="Match source records' addresses to UPRNs, and report on them.", no_args_is_help=True)
app.add_typer(addresses_app, name="addresses")
export_app = typer.Typer(help="Export results as CSV.", no_args_is_help=True)
app.add_typer(export_app, name="export")
directory_app = typer.Typer(help="Each organisation's directory of teams and workers.", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
involvements_app = typer.Typer(help="The involvement index: who is working with a person.", no_args_is_help=True)
app.add_typer(involvements_app, name="involvements")
flags_app = typer.Typer(help="Flags (child-protection plan, looked after, MARAC, …) read from extracts.",
                        no_args_is_help=True)
app.add_typer(flags_app, name="flags")
models_app = typer.Typer(help="The person index's linkage models: compare and adopt.", no_args_is_help=True)
app.add_typer(models_app, name="models")
audit_app = typer.Typer(help="The tamper-evident audit log: checkpoints, verification, receipts, proofs.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")
retention_app = typer.Typer(help="Delete what is past its agreement's retention period; withhold old log entries.",
                            no_args_is_help=True)
app.add_typer(retention_app, name="retention")
monitor_app = typer.Typer(help="Monitoring: rules over the audit log that raise review tasks for IG leads.",
                          no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")
console = Console()


def data_team_actor():
    """Whoever runs the CLI, acting as the data team: the store is theirs to operate.

    Their reads of records still pass the sharing decision and are audited under their
    operating-system user name.
    """
    import getpass

    from joinedup.audit import Actor

    return Actor(username=getpass.getuser(), roles=frozenset({"data_team"}), channel="cli")


def administrator_actor():
    """Whoever runs the CLI, acting as an administrator of accounts: they hold the
    store's keys already. Their actions are audited under their operating-system user name."""
    import getpass

    from joinedup.audit import Actor

    return Actor(username=getpass.getuser(), roles=frozenset({"admin"}), channel="cli")


def _progress(bytes_: bool = False) -> Progress:
    columns = [TextColumn("[bold]{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if bytes_ else TextColumn("{task.completed:,}/{task.total:,}"))
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=False)


@app.command()
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


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Directory to write the place into.")],
    people: Annotated[int, typer.Option(min=1, help="How many people live there.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Same seed, same place.")] = 1,
) -> None:
    """Generate a synthetic place: gazetteer, agency extracts, and ground truth kept aside."""
    from joinedup.synth import generate_place

    with _progress() as progress:
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


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The agency extract.")],
    source: Annotated[str | None, typer.Option(help="A shipped mapping's name, e.g. csc, gp, police.")] = None,
    mapping: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Your own mapping TOML.")] = None,
    link: Annotated[bool, typer.Option(
        help="Attach the new records to the person index (incremental), once a full link has made it.")] = True,
) -> None:
    """Load one agency extract through its mapping, and print the data-quality summary;
    then match the new records' addresses and attach them to the person index."""
    if (source is None) == (mapping is None):
        raise typer.BadParameter("give exactly one of --source NAME or --mapping FILE")
    from joinedup.db.locks import AlreadyRunning
    from joinedup.ingest import MappingError, ingest_file, load_mapping
    from joinedup.store import initialise

    try:
        source_mapping = load_mapping(source or mapping)
    except MappingError as exc:
        console.print(f"[red]The mapping is not valid:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    engine = initialise(load_settings())
    try:
        with _progress(bytes_=True) as progress:
            task = progress.add_task(f"Loading {file.name}", total=file.stat().st_size)
            load = ingest_file(engine, source_mapping, file, loaded_by="cli", progress=lambda done, total: progress.update(task, completed=done, total=total))
    except MappingError as exc:
        console.print(f"[red]The mapping does not fit what is already stored:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except AlreadyRunning as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    print_load(load)
    if load.status == "failed":
        raise typer.Exit(1)
    _match_new_records(engine)
    if link:
        _link_arrivals(engine)


def _link_arrivals(engine) -> None:
    """After an ingest: attach the records no person holds yet, when there is an index to attach them to."""
    from joinedup.db import session_factory
    from joinedup.people import index_stands

    with session_factory(engine)() as session:
        if not index_stands(session):
            console.print("There is no person index yet, so the new records were not linked (see 'joinedup link').")
            return
    _run_linking(engine, incremental=True)


def _match_new_records(engine) -> None:
    """After an ingest: match the new and changed records' addresses, when there is a gazetteer."""
    from joinedup.db import session_factory
    from joinedup.gazetteer import gazetteer_loaded

    with session_factory(engine)() as session:
        if not gazetteer_loaded(session):
            console.print("No gazetteer is loaded, so addresses were not matched (see 'joinedup gazetteer load').")
            return
    run = _run_matching(engine, full=False)
    if run.status == "failed":
        raise typer.Exit(1)
    console.print(
        f"Matched the addresses of {run.records:,} new or changed records: {run.matched:,} to a UPRN, "
        f"{run.ambiguous:,} ambiguous, {run.unmatched:,} unmatched."
    )


def _print_counts(title: str, heading: str, counts, error: str = "") -> None:
    """A load's counts as a two-column table, then its error if it failed."""
    table = Table(title=title)
    table.add_column(heading)
    table.add_column("count", justify="right")
    for label, value in counts:
        table.add_row(label, f"{value:,}")
    console.print(table)
    if error:
        console.print(f"[red]{escape(str(error))}[/]")


def print_load(load) -> None:
    """The data-quality summary of one load, as the data team reads it."""
    from joinedup.ingest import issue_summary

    _print_counts(
        f"Load {load.id}: {load.file_name} ({load.status})",
        "rows",
        (
            ("read", load.rows_read),
            ("loaded (new)", load.rows_loaded),
            ("updated", load.rows_updated),
            ("unchanged", load.rows_unchanged),
            ("loaded with flagged values", load.rows_flagged),
            ("rejected", load.rows_rejected),
        ),
        load.error,
    )
    reasons = issue_summary(load)
    if reasons:
        why = Table(title="Rejected and flagged values, by reason")
        for column in ("severity", "field", "reason", "rows"):
            why.add_column(column, justify="right" if column == "rows" else "left")
        for severity, field, kind, count in reasons:
            why.add_row(severity, field, kind, f"{count:,}")
        console.print(why)
    if load.completeness:
        filled = Table(title="Field completeness")
        for column in ("field", "present", "valid"):
            filled.add_column(column, justify="left" if column == "field" else "right")
        for field, figures in load.completeness.items():
            of = figures.get("of") or 1
            filled.add_row(field, f"{figures['present'] / of:.1%}", f"{figures['valid'] / of:.1%}")
        console.print(filled)


@gazetteer_app.command("load")
def gazetteer_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The LLPG or AddressBase-shaped CSV.")],
    mapping: Annotated[str, typer.Option(help="A shipped gazetteer mapping's name, or your own mapping TOML.")] = "llpg",
) -> None:
    """Load the gazetteer, or reload it: new, changed and retired UPRNs are applied."""
    from joinedup.gazetteer import load_gazetteer, load_gazetteer_mapping
    from joinedup.ingest import MappingError
    from joinedup.store import initialise

    try:
        load_gazetteer_mapping(mapping)
    except MappingError as exc:
        console.print(f"[red]The gazetteer mapping is not valid:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    engine = initialise(load_settings())
    with _progress(bytes_=True) as progress:
        task = progress.add_task(f"Loading {file.name}", total=file.stat().st_size)
        load = load_gazetteer(engine, file, mapping=mapping, loaded_by="cli",
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
    print_gazetteer_load(load)
    if load.status == "failed":
        raise typer.Exit(1)


def print_gazetteer_load(load) -> None:
    """What a gazetteer load read, changed and set aside."""
    from collections import Counter

    _print_counts(
        f"Gazetteer load {load.id}: {load.file_name} ({load.status})",
        "",
        (
            ("rows read", load.rows_read),
            ("UPRNs new", load.new),
            ("UPRNs changed", load.changed),
            ("UPRNs retired", load.retired),
            ("UPRNs unchanged", load.unchanged),
            ("rows rejected", load.rejected),
            ("rows with a value set aside", load.flagged),
            ("matches flagged for rematch", load.needs_rematch),
        ),
        load.error,
    )
    if load.issues:
        reasons = Counter((issue.severity, issue.field, issue.message) for issue in load.issues)
        why = Table(title="Rejected and flagged rows, by reason")
        for column in ("severity", "field", "reason", "rows", "first row"):
            why.add_column(column, justify="right" if column in ("rows", "first row") else "left")
        first = {}
        for issue in load.issues:
            first.setdefault((issue.severity, issue.field, issue.message), issue.row_number)
        for (severity, field, message), count in reasons.most_common():
            row = first[(severity, field, message)]
            why.add_row(severity, field, message, f"{count:,}", "" if row is None else str(row))
        console.print(why)


def _run_matching(engine, *, full: bool):
    from joinedup.gazetteer import match_addresses

    with _progress() as progress:
        task = progress.add_task("Matching addresses", total=0)
        run = match_addresses(engine, full=full, matched_by="cli",
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
    if run.status == "failed":
        console.print(f"[red]The match run failed:[/] {escape(str(run.error))}")
    return run


@addresses_app.command("match")
def addresses_match(
    full: Annotated[bool, typer.Option("--full", help="Rematch every record, not only new and changed ones.")] = False,
) -> None:
    """Match source records' addresses to UPRNs (new, changed and flagged records; --full: all)."""
    from joinedup.store import initialise

    engine = initialise(load_settings())
    run = _run_matching(engine, full=full)
    if run.status == "failed":
        raise typer.Exit(1)
    table = Table(title=f"Match run {run.id} ({'full' if run.full else 'incremental'}, {run.seconds:,.1f} s)")
    table.add_column("records")
    table.add_column("count", justify="right")
    for label, value in (
        ("considered", run.records),
        ("matched", run.matched),
        ("  exactly", run.exact),
        ("  by scoring", run.probabilistic),
        ("  by a person's decision", run.manual),
        ("ambiguous (to review)", run.ambiguous),
        ("unmatched (to review)", run.unmatched),
        ("out of area (decided)", run.out_of_area),
        ("unmatchable (decided)", run.unmatchable),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)


@addresses_app.command("report")
def addresses_report(
    source: Annotated[str | None, typer.Option(help="One source's code; all sources if left out.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", dir_okay=False, help="Also write the report as CSV here.")] = None,
) -> None:
    """The address data-quality report: match rates, the boundary before and after, anomalies."""
    from joinedup.db import session_factory
    from joinedup.gazetteer import ANOMALY_KINDS, quality_report, quality_report_csv
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with session_factory(engine)() as session:
        report = quality_report(session, source_code=source)
    widest = max([len(figures.source) for figures in report.sources] + [6])
    table = Table(title="Addresses by source")
    table.add_column("source", min_width=widest, no_wrap=True)
    for column in ("records", "matched", "manual", "ambiguous", "unmatched", "out of area", "unmatchable",
                   "pending", "rate"):
        table.add_column(column, justify="right")
    for figures in [*report.sources, report.overall]:
        table.add_row(
            figures.source or "all",
            *(f"{n:,}" for n in (figures.records, figures.matched, figures.manual, figures.ambiguous,
                                 figures.unmatched, figures.out_of_area, figures.unmatchable, figures.pending)),
            f"{figures.match_rate:.1%}",
        )
    console.print(table)
    boundary = Table(title="Inside the boundary: by postcode alone (before) and by UPRN (after)")
    boundary.add_column("source", min_width=widest, no_wrap=True)
    for column in ("inside before", "inside after", "outside before", "outside after", "unknown before",
                   "unknown after"):
        boundary.add_column(column, justify="right")
    for figures in [*report.sources, report.overall]:
        before, after = figures.before, figures.after
        boundary.add_row(figures.source or "all", *(f"{n:,}" for n in (
            before.inside, after.inside, before.outside, after.outside, before.unknown, after.unknown)))
    console.print(boundary)
    anomalies = Table(title="Anomalies")
    anomalies.add_column("kind")
    anomalies.add_column("records", justify="right")
    for kind, count in report.anomaly_counts.items():
        anomalies.add_row(ANOMALY_KINDS[kind], f"{count:,}")
    console.print(anomalies)
    if csv_out is not None:
        from dataclasses import replace

        from joinedup.db import transaction
        from joinedup.disclosure.addresses import disclose_anomalies

        with transaction(engine) as session:
            shown = disclose_anomalies(session, data_team_actor(), report.anomalies, action="address.export")
        csv_out.write_text(quality_report_csv(replace(report, anomalies=shown)), encoding="utf-8")
        console.print(f"Wrote the report to {csv_out}.")


@export_app.command("addresses")
def export_addresses_command(
    out: Annotated[Path, typer.Option(dir_okay=False, help="The CSV file to write.")],
) -> None:
    """One row per source record: source, local_id, uprn, score, method, status, record_ref and reason (why, in words).

    Run as the data team (address data-quality processing): every record passes the
    sharing decision and is audited under your login name."""
    from joinedup.db import transaction
    from joinedup.disclosure import export_addresses
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with transaction(engine) as session:
        rows = export_addresses(session, out, actor=data_team_actor())
    console.print(f"Wrote {rows:,} rows to {out}.")


@app.command()
def link(
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model version first and run with it.")] = False,
    model: Annotated[int | None, typer.Option(help="Run with this model version, not the adopted one.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.5, max=1.0, help="Match probability to link at.")] = None,
    review_from: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Pairs from this probability (above 0, no higher than the threshold) up to the "
                               "threshold go to the review queue.")] = None,
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="Only attach records no person holds yet, without a full rerun.")] = False,
) -> None:
    """Link every source record into persons with stable ids, and print a summary."""
    from joinedup.store import initialise

    if incremental and (retrain or model is not None or threshold is not None or review_from is not None):
        console.print("[red]--incremental uses the adopted model and the data team's thresholds; "
                      "drop the other options.[/]")
        raise typer.Exit(2)
    _run_linking(initialise(load_settings()), incremental=incremental, threshold=threshold, review_from=review_from,
                 model=model, retrain=retrain)


def _run_linking(engine, *, incremental: bool = False, threshold: float | None = None, review_from: float | None = None,
                 model: int | None = None, retrain: bool = False):
    """Run linkage with a progress bar and print the run's summary; shared by link and demo."""
    from joinedup.db.locks import AlreadyRunning
    from joinedup.people import link_new_records, link_people
    from joinedup.people.linking import IndexChanged

    def abandoned(run_id: int, reason: str) -> None:
        console.print(f"[yellow]Link run {run_id} never finished, and is now marked failed: {escape(str(reason))}.[/]")

    with _progress() as progress:
        task = progress.add_task("Linking", total=1)

        def report(stage: str, step: int, steps: int) -> None:
            progress.update(task, description=stage, completed=step, total=steps)

        try:
            if incremental:
                run = link_new_records(engine, progress=report, ran_by="cli", on_abandoned=abandoned)
            else:
                run = link_people(engine, progress=report, threshold=threshold, review_from=review_from,
                                  model_version=model, retrain=retrain, ran_by="cli", on_abandoned=abandoned)
        except (LookupError, ValueError, AlreadyRunning) as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(2) from exc
        except IndexChanged as exc:
            console.print(f"[red]The link run failed: {escape(str(exc))}[/]")
            raise typer.Exit(1) from exc
    table = Table(title=f"{run.kind.capitalize()} link run {run.id} (model {run.model.version if run.model else '-'}, "
                        f"threshold {run.threshold}, review from {run.review_from}, {run.seconds:,.1f} s)")
    table.add_column("")
    table.add_column("count", justify="right")
    if run.kind == "incremental":
        rows = [
            ("new source records", run.records),
            ("  attached to existing persons", run.linked_persons),
            ("  made new persons", run.ids_new),
            ("low-information records (each its own person)", run.low_information),
        ]
    else:
        rows = [
            ("source records", run.records),
            ("persons", run.persons),
            ("  of several records", run.linked_persons),
            ("  of one record", run.singletons),
            ("low-information records (each its own person)", run.low_information),
            ("person ids kept", run.ids_kept),
            ("person ids new", run.ids_new),
            ("person ids retired", run.ids_retired),
        ]
    rows += [
        ("candidate pairs compared (from the blocking rules)", run.candidate_pairs),
        ("pairs kept (at or above the review threshold, or sharing an identifier)", run.pairs_scored),
        ("merges made by scored pairs (a pair within one person already is not counted)", run.pairs_linked),
        ("merges refused (rejected pairs, conflicting identifiers, twins, dates of birth years apart)",
         run.merges_refused),
        ("pairs for clerical review", run.pairs_for_review),
        ("  of which one identifier on two different people", run.conflicts),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    console.print(table)
    if run.kind == "incremental" and run.records:
        console.print(f"{run.seconds / run.records:.3f} s per new record.")
    return run


@models_app.command("list")
def models_list() -> None:
    """Every trained model version, with the figures of the last run made with it, to compare."""
    from sqlalchemy import select

    from joinedup.db import session_factory
    from joinedup.people import LinkModel, LinkRun
    from joinedup.store import initialise

    engine = initialise(load_settings())
    table = Table(title="Linkage models")
    for column in ("version", "trained", "records", "adopted", "last run", "persons", "of several records",
                   "for review", "conflicts"):
        table.add_column(column, justify="right" if column not in ("trained", "adopted") else "left")
    with session_factory(engine)() as session:
        for model in session.scalars(select(LinkModel).order_by(LinkModel.version)):
            run = session.scalar(select(LinkRun).where(LinkRun.model_id == model.id, LinkRun.kind == "full",
                                                       LinkRun.status == "completed")
                                 .order_by(LinkRun.id.desc()).limit(1))
            figures = ([str(run.id), f"{run.persons:,}", f"{run.linked_persons:,}", f"{run.pairs_for_review:,}",
                        f"{run.conflicts:,}"] if run else ["-"] * 5)
            table.add_row(str(model.version), f"{model.created_at:%Y-%m-%d %H:%M}", f"{model.records:,}",
                          "yes" if model.adopted else "", *figures)
    console.print(table)


@models_app.command("adopt")
def models_adopt(version: Annotated[int, typer.Argument(help="The model version every later run uses.")]) -> None:
    """Adopt a model version, after comparing its runs with the adopted one's."""
    from joinedup.people import adopt_model
    from joinedup.store import initialise

    engine = initialise(load_settings())
    try:
        adopt_model(engine, version, adopted_by=data_team_actor().username)
    except LookupError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    console.print(f"Model version {version} is adopted: later runs use it.")


@export_app.command("links")
def export_links_command(
    out: Annotated[Path, typer.Option(dir_okay=False, help="The CSV file to write.")],
) -> None:
    """One row per source record: source, local_id, record_ref, person_id, match_probability."""
    from joinedup.db import session_factory
    from joinedup.disclosure import export_links
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with session_factory(engine)() as session:
        rows = export_links(session, out, actor=data_team_actor())
        session.commit()
    console.print(f"Wrote {rows:,} rows to {out}.")


@export_app.command("persons")
def export_persons_command(
    out: Annotated[Path, typer.Option(dir_okay=False, help="The CSV file to write.")],
) -> None:
    """One row per person: the golden record, each field with the record it came from."""
    from joinedup.db import session_factory
    from joinedup.disclosure import export_persons
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with session_factory(engine)() as session:
        rows = export_persons(session, out, actor=data_team_actor())
        session.commit()
    console.print(f"Wrote {rows:,} rows to {out}.")


@app.command()
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


@retention_app.command("run")
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


@app.command("privacy-notice")
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


@app.command()
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
        load_place_gazetteer,
        load_place_flags,
        load_place_involvements,
        tie_demo_users,
    )
    from joinedup.store import initialise

    listening = take_port(host, port) if serve_app else None
    settings = load_settings()
    engine = initialise(settings)
    with _progress() as progress:
        task = progress.add_task("Synthetic place", total=people)
        place = build_place(settings, people, seed, lambda done, total: progress.update(task, completed=done, total=total))
        progress.update(task, completed=people)
    tasks: dict[str, int] = {}
    with _progress(bytes_=True) as progress:

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
    with _progress(bytes_=True) as progress:
        task = progress.add_task("Loading the gazetteer", total=None)
        gazetteer = load_place_gazetteer(engine, place, lambda done, total: progress.update(task, completed=done, total=total))
    console.print(f"Gazetteer: {gazetteer.new:,} new, {gazetteer.changed:,} changed, {gazetteer.retired:,} retired, "
                  f"{gazetteer.unchanged:,} unchanged UPRNs.")
    run = _run_matching(engine, full=False)
    if run.status == "completed":
        console.print(f"Addresses of {run.records:,} records: {run.matched:,} matched to a UPRN, {run.ambiguous:,} ambiguous, "
                      f"{run.unmatched:,} unmatched (the review list is under Addresses).")
    _run_linking(engine)
    password = demo_password(settings)
    users = ensure_demo_users(engine, password)
    ensure_demo_sharing(engine)
    _print_involvements(load_place_involvements(engine, place))
    users = tie_demo_users(engine, users)
    _print_involvements(load_place_flags(engine, place), "Flags read from the extracts")
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


@directory_app.command("load")
def directory_load(
    organisation: Annotated[str, typer.Argument(help="The organisation's code.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The directory, as CSV.")],
) -> None:
    """Load an organisation's directory (teams, workers, roles, contacts) from a CSV file."""
    from joinedup.audit import Actor
    from joinedup.db import transaction
    from joinedup.errors import Refusal
    from joinedup.involvements import load_directory
    from joinedup.store import initialise

    engine = initialise(load_settings())
    try:
        with transaction(engine) as session:
            report = load_directory(session, Actor.system(), organisation, file.read_text(encoding="utf-8-sig"))
    except Refusal as exc:
        console.print(f"[red]Not loaded[/]: {escape(exc.field)}: {escape(exc.message)}")
        raise typer.Exit(1) from None
    console.print(f"{organisation}: {report.teams:,} teams, {report.workers:,} workers, "
                  f"{report.no_longer_active:,} no longer active, {len(report.refused):,} rows refused.")
    for refused in report.refused:
        console.print(f"  {escape(refused.described)}")


@involvements_app.command("index")
def involvements_index(
    source: Annotated[str, typer.Option(help="The source's mapping: a shipped name or a TOML file.")],
) -> None:
    """Read a loaded source's involvements through its mapping's [involvements] section."""
    from joinedup.involvements import index_involvements

    _index_extract(source, index_involvements, "Involvements read from the extracts")


@flags_app.command("index")
def flags_index(
    source: Annotated[str, typer.Option(help="The source's mapping: a shipped name or a TOML file.")],
) -> None:
    """Read a loaded source's flags through its mapping's [flags] section (after linking)."""
    from joinedup.flags import index_flags

    _index_extract(source, index_flags, "Flags read from the extract")


def _index_extract(source: str, indexer, title: str) -> None:
    """One index run over a loaded source's extract (``indexer`` reads its mapping's
    section), in one transaction, as the system; a refusal exits 1 saying why."""
    from joinedup.audit import Actor
    from joinedup.db import transaction
    from joinedup.errors import Refusal
    from joinedup.ingest import MappingError, load_mapping
    from joinedup.store import initialise

    engine = initialise(load_settings())
    try:
        mapping = load_mapping(source)
        with transaction(engine) as session:
            report = indexer(session, Actor.system(), mapping)
    except (Refusal, MappingError) as exc:
        console.print(f"[red]Not indexed[/]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    _print_involvements([report], title)


def _print_involvements(reports, title: str = "Involvements read from the extracts") -> None:
    """What an index run over extracts did (involvements or flags), with the first rows refused."""
    table = Table(title=title)
    for column in ("source", "new", "updated", "ended", "unchanged", "refused"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for report in reports:
        table.add_row(report.source, *(f"{n:,}" for n in (report.created, report.updated, report.ended,
                                                            report.unchanged, len(report.refused))))
    console.print(table)
    for report in reports:
        for refused in report.refused[:5]:
            console.print(f"  {report.source}: {escape(refused.described)}")


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Option(help="The sign-in name.")],
    organisation: Annotated[str, typer.Option(help="The organisation's code.")],
    display_name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[list[str], typer.Option(help="A role; repeat for several.")],
    team: Annotated[str, typer.Option(help="Team.")] = "",
    job_title: Annotated[str, typer.Option(help="Job title.")] = "",
    email: Annotated[str | None, typer.Option(help="Work email.")] = None,
    phone: Annotated[str | None, typer.Option(help="Work phone.")] = None,
) -> None:
    """Add a user; the password is asked for, never passed on the command line."""
    from sqlalchemy import select

    from joinedup.accounts import create_user
    from joinedup.accounts.models import ROLES
    from joinedup.db import transaction
    from joinedup.partners.models import Organisation
    from joinedup.store import initialise

    unknown = sorted(set(role) - set(ROLES))
    if unknown:
        raise typer.BadParameter(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}", param_hint="--role")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = initialise(load_settings())
    with transaction(engine) as session:
        org = session.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            raise typer.BadParameter(f"no organisation with code {organisation!r}", param_hint="--organisation")
        create_user(session, username=username, password=password, display_name=display_name, organisation=org, team=team, job_title=job_title, roles=tuple(role), email=email, phone=phone)
    console.print(f"Added {username} ({', '.join(role)}) at {organisation}.")


@users_app.command("unlock")
def unlock_user(username: Annotated[str, typer.Argument(help="The account's username, in any case.")]) -> None:
    """Lift every sign-in wait on an account, at every address, so its user can sign in now."""
    from joinedup.accounts import unlock_account
    from joinedup.db import transaction
    from joinedup.store import initialise

    engine = initialise(load_settings())
    with transaction(engine) as session:
        unlocked = unlock_account(session, administrator_actor(), username)
        name = None if unlocked is None else unlocked.username
    if name is None:
        console.print(f"[red]No account has the username {username!r}.[/]")
        raise typer.Exit(1)
    console.print(f"Unlocked {name}: earlier failed sign-ins no longer make them wait, at any address.")


@users_app.command("roles")
def change_user_roles(
    username: Annotated[str, typer.Argument(help="The account's username, in any case.")],
    role: Annotated[list[str], typer.Option(help="A role the user holds from now; repeat for several.")],
    reason: Annotated[str, typer.Option(help="Why the roles change (kept in the audit trail).")],
) -> None:
    """Give a user the roles named (every one they hold from now), saying why. The change is
    audited with the roles before and after, so each earlier access keeps the role held then."""
    from joinedup.accounts import change_roles
    from joinedup.db import transaction
    from joinedup.errors import Refusal
    from joinedup.store import initialise

    engine = initialise(load_settings())
    try:
        with transaction(engine) as session:
            user = change_roles(session, administrator_actor(), username, role, reason)
            name, roles = user.username, list(user.roles)
    except Refusal as exc:
        for field, message in exc.problems:
            console.print(f"[red]{escape(field)}: {escape(message)}[/]")
        raise typer.Exit(1) from None
    console.print(f"{name} now holds: {', '.join(roles)}.")


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


def _refuse(exc: Exception) -> None:
    console.print(f"[red]{escape(str(exc))}[/]")
    raise typer.Exit(1)


def _write(out: Path | None, text: str, what: str) -> None:
    if out is None:
        console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"{what} written to {out}")


_KEY = Annotated[str | None, typer.Option("--key", help="A verifier key (<name>+<id>+<key>) or a file holding one; "
                                          "without it, this instance's own key.")]


@audit_app.command("checkpoint")
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
    with _progress() as progress:
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


@audit_app.command("verify")
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
        with engine.connect() as connection, _progress() as progress:
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


@audit_app.command("receipt")
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


@audit_app.command("check-receipt")
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


@audit_app.command("prove-consistency")
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


@audit_app.command("check-consistency")
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


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the log's verifier key, for partners to check checkpoints and receipts with."""
    from joinedup.audit.checkpoints import instance_signer

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    console.print(str(instance_signer(settings).verifier), markup=False, highlight=False, soft_wrap=True)


if __name__ == "__main__":
    app()


@monitor_app.command("run")
def monitor_run() -> None:
    """Read the audit log on from the last run and raise a review task for each new finding
    (rules from monitoring.toml in the data directory; schedule it, e.g. every 15 minutes)."""
    from joinedup.monitoring import RULES, RulesRefused, run_configured

    settings, engine = _audit_store()
    try:
        with _progress() as progress:
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


@monitor_app.command("declare")
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
