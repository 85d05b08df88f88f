"""Loading agency extracts, and what is read from them: directories, involvements, flags."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli.addresses import run_matching
from joinedup.cli.console import console, print_counts, progress_bar
from joinedup.cli.people import run_linking
from joinedup.config import load_settings


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
        with progress_bar(bytes_=True) as progress:
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
    run_linking(engine, incremental=True)


def _match_new_records(engine) -> None:
    """After an ingest: match the new and changed records' addresses, when there is a gazetteer."""
    from joinedup.db import session_factory
    from joinedup.gazetteer import gazetteer_loaded

    with session_factory(engine)() as session:
        if not gazetteer_loaded(session):
            console.print("No gazetteer is loaded, so addresses were not matched (see 'joinedup gazetteer load').")
            return
    run = run_matching(engine, full=False)
    if run.status == "failed":
        raise typer.Exit(1)
    console.print(
        f"Matched the addresses of {run.records:,} new or changed records: {run.matched:,} to a UPRN, "
        f"{run.ambiguous:,} ambiguous, {run.unmatched:,} unmatched."
    )


def print_load(load) -> None:
    """The data-quality summary of one load, as the data team reads it."""
    from joinedup.ingest import issue_summary

    print_counts(
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


def involvements_index(
    source: Annotated[str, typer.Option(help="The source's mapping: a shipped name or a TOML file.")],
) -> None:
    """Read a loaded source's involvements through its mapping's [involvements] section."""
    from joinedup.involvements import index_involvements

    _index_extract(source, index_involvements, "Involvements read from the extracts")


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
    print_involvements([report], title)


def print_involvements(reports, title: str = "Involvements read from the extracts") -> None:
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
