"""The person index: linking, its models, and exporting links and persons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli.console import console, progress_bar
from joinedup.cli.operators import data_team_actor
from joinedup.config import load_settings


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
    run_linking(initialise(load_settings()), incremental=incremental, threshold=threshold, review_from=review_from,
                 model=model, retrain=retrain)


def run_linking(engine, *, incremental: bool = False, threshold: float | None = None, review_from: float | None = None,
                 model: int | None = None, retrain: bool = False):
    """Run linkage with a progress bar and print the run's summary; shared by link and demo."""
    from joinedup.db.locks import AlreadyRunning
    from joinedup.people import link_new_records, link_people
    from joinedup.people.linking import IndexChanged

    def abandoned(run_id: int, reason: str) -> None:
        console.print(f"[yellow]Link run {run_id} never finished, and is now marked failed: {escape(str(reason))}.[/]")

    with progress_bar() as progress:
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
