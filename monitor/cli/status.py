"""`monitor status`: one row per feed."""

from __future__ import annotations

import time

import click

from monitor.cli import output
from monitor.cli.app import Context, cli, config_option
from monitor.store import FeedState, Store


def _when(timestamp: float | None, now: float) -> str:
    if timestamp is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _due(state: FeedState | None, now: float) -> str:
    if state is not None and state.disabled_reason:
        return "disabled"
    if state is None or state.next_due is None or state.next_due <= now:
        return "now"
    if state.error_kind == "retry-later":
        return f"{_when(state.next_due, now)} (retry-after)"
    if state.consecutive_errors:
        return f"{_when(state.next_due, now)} (backoff)"
    return _when(state.next_due, now)


def _duration(seconds: float | None) -> str:
    """The poll interval, rounded: ``45s``, ``15m``, ``2.5h``."""
    if seconds is None:
        return "-"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds:.0f}s"


def status_rows(states: dict[str, FeedState], names: list[str], now: float) -> list[list[str]]:
    rows = []
    for name in names:
        state = states.get(name)
        if state is None:
            rows.append([name, "never", "-", "-", "0", "0", "0", "now", "-", ""])
            continue
        error = (state.disabled_reason and f"disabled: {state.disabled_reason}") or state.last_error or ""
        rows.append(
            [
                name,
                _when(state.last_fetch, now),
                str(state.last_status) if state.last_status is not None else "-",
                str(state.entries),
                str(state.articles_written),
                str(state.duplicates),
                str(state.consecutive_errors),
                _due(state, now),
                _duration(state.interval),
                error,
            ]
        )
    return rows


@cli.command()
@config_option
@click.pass_obj
def status(ctx: Context) -> None:
    """One row per feed: last fetch, HTTP status, entries, articles written, duplicates, errors, next due.

    \b
    Example:
      monitor status --config /srv/corpus/monitor.toml
    """
    config = ctx.config
    with Store(config.state_path) as store:
        states = {state.name: state for state in store.feeds()}
    names = [feed.name for feed in config.feeds]
    header = [
        "FEED",
        "LAST FETCH",
        "HTTP",
        "ENTRIES",
        "WRITTEN",
        "DUPLICATES",
        "ERRORS",
        "NEXT DUE",
        "INTERVAL",
        "LAST ERROR",
    ]
    output.table(header, status_rows(states, names, time.time()))
