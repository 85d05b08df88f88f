"""The gazetteer, matching addresses to it, the address report and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli.console import console, print_counts, progress_bar
from joinedup.cli.operators import data_team_actor
from joinedup.config import load_settings


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
    with progress_bar(bytes_=True) as progress:
        task = progress.add_task(f"Loading {file.name}", total=file.stat().st_size)
        load = load_gazetteer(engine, file, mapping=mapping, loaded_by="cli",
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
    print_gazetteer_load(load)
    if load.status == "failed":
        raise typer.Exit(1)


def print_gazetteer_load(load) -> None:
    """What a gazetteer load read, changed and set aside."""
    from collections import Counter

    print_counts(
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


def run_matching(engine, *, full: bool):
    from joinedup.gazetteer import match_addresses

    with progress_bar() as progress:
        task = progress.add_task("Matching addresses", total=0)
        run = match_addresses(engine, full=full, matched_by="cli",
                              progress=lambda done, total: progress.update(task, completed=done, total=total))
    if run.status == "failed":
        console.print(f"[red]The match run failed:[/] {escape(str(run.error))}")
    return run


def addresses_match(
    full: Annotated[bool, typer.Option("--full", help="Rematch every record, not only new and changed ones.")] = False,
) -> None:
    """Match source records' addresses to UPRNs (new, changed and flagged records; --full: all)."""
    from joinedup.store import initialise

    engine = initialise(load_settings())
    run = run_matching(engine, full=full)
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
