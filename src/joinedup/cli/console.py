"""What every command shares on the terminal: the console, progress bars and tables of counts."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

console = Console()


def progress_bar(bytes_: bool = False) -> Progress:
    columns = [TextColumn("[bold]{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if bytes_ else TextColumn("{task.completed:,}/{task.total:,}"))
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=False)


def print_counts(title: str, heading: str, counts, error: str = "") -> None:
    """A load's counts as a two-column table, then its error if it failed."""
    table = Table(title=title)
    table.add_column(heading)
    table.add_column("count", justify="right")
    for label, value in counts:
        table.add_row(label, f"{value:,}")
    console.print(table)
    if error:
        console.print(f"[red]{escape(str(error))}[/]")
