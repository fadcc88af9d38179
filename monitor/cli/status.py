"""`monitor status`: one row per feed."""

from __future__ import annotations

import time

import click

from monitor.cli.app import Context, cli, config_option
from monitor.store import FeedState, Store


def _when(timestamp: float | None, now: float) -> str:
    if timestamp is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _due(state: FeedState | None, now: float) -> str:
    if state is None or state.next_due is None:
        return "now"
    if state.disabled_reason:
        return "disabled"
    return "now" if state.next_due <= now else _when(state.next_due, now)


def status_rows(states: dict[str, FeedState], names: list[str], now: float) -> list[list[str]]:
    rows = []
    for name in names:
        state = states.get(name)
        if state is None:
            rows.append([name, "never", "-", "-", "0", "0", "now", ""])
            continue
        error = state.disabled_reason and f"disabled: {state.disabled_reason}" or state.last_error or ""
        rows.append([
            name,
            _when(state.last_fetch, now),
            str(state.last_status) if state.last_status is not None else "-",
            str(state.entries),
            str(state.articles_written),
            str(state.consecutive_errors),
            _due(state, now),
            error,
        ])
    return rows


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


@cli.command()
@config_option
@click.pass_obj
def status(ctx: Context) -> None:
    """One row per feed: last fetch, HTTP status, entries, articles written, errors, next due.

    \b
    Example:
      monitor status --config /srv/corpus/monitor.toml
    """
    config = ctx.config
    with Store(config.state_path) as store:
        states = {state.name: state for state in store.feeds()}
    names = [feed.name for feed in config.feeds]
    header = ["FEED", "LAST FETCH", "HTTP", "ENTRIES", "WRITTEN", "ERRORS", "NEXT DUE", "LAST ERROR"]
    click.echo(format_table(header, status_rows(states, names, time.time())))
