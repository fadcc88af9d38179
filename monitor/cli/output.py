"""How commands show things: rich tables, colour and progress bars in a terminal, plain text when piped.

Plain text is columns separated by two spaces, one row per line, no escape codes: what
``grep``, ``awk`` and ``cut`` expect. ``NO_COLOR`` (any non-empty value) turns colour off
in a terminal; tables and progress bars stay.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

PROGRESS_MINIMUM = 500
"""Passes over fewer items than this finish too soon for a progress bar to help."""


def _console(stderr: bool = False) -> Console:
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, no_color=no_color, highlight=False, soft_wrap=False)


def interactive(stream: str = "stdout") -> bool:
    """Whether the stream is a terminal a person reads (and not a dumb one)."""
    handle = sys.stdout if stream == "stdout" else sys.stderr
    return handle.isatty() and os.environ.get("TERM") != "dumb"


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart, trailing spaces trimmed."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, styles: Sequence[str | None] = ()) -> None:
    """A table: boxed and coloured (``styles``: a rich style per row) in a terminal, plain when piped."""
    if not interactive():
        click.echo(plain_table(header, rows))
        return
    grid = Table(*header, header_style="bold", show_lines=False)
    for position, row in enumerate(rows):
        grid.add_row(*row, style=styles[position] if position < len(styles) else None)
    _console().print(grid)


def say(text: str, style: str = "") -> None:
    """One line on stdout, styled only in a terminal."""
    if style and interactive():
        _console().print(text, style=style, markup=False)
    else:
        click.echo(text)


def note(text: str) -> None:
    """A remark for the person at the terminal, on stderr so that piped output stays data."""
    if interactive("stderr"):
        _console(stderr=True).print(text, style="dim", markup=False)
    else:
        click.echo(text, err=True)


@contextmanager
def progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long interactive passes; a no-op when piped or for short ones."""
    if total < PROGRESS_MINIMUM or not interactive("stderr"):
        yield lambda _steps: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda steps: bar.advance(task, steps)


output_option = click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of standard output.",
)
"""``-o/--output FILE`` for commands that write a document (``export``, ``feeds export``)."""
