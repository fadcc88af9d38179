"""`monitor run`: one pass over the due feeds, for cron."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from monitor.cli.app import Context, cli, config_option, setup_logging
from monitor.models import PassReport
from monitor.pipeline import PassOptions, run_once

log = logging.getLogger("monitor")


def exit_code(report: PassReport) -> int:
    """1 when the user must look: the corpus could not be written, or no feed at all could be fetched."""
    if report.write_failed:
        return 1
    if report.feeds and report.feeds_ok == 0:
        return 1
    return 0


@cli.command()
@config_option
@click.option("--all", "all_feeds", is_flag=True, help="Poll every feed, due or not.")
@click.option("--feed", "feed_names", multiple=True, metavar="NAME", help="Poll only this feed (repeatable).")
@click.option("-v", "--verbose", count=True, help="Log every stage's decision.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (for cron mail).")
@click.pass_obj
def run(ctx: Context, all_feeds: bool, feed_names: tuple[str, ...], verbose: int, quiet: bool) -> None:
    """One pass over the feeds that are due, then a summary line.

    \b
    Exit codes: 0 success (also when nothing was due), 1 the corpus could not
    be written or no feed could be fetched, 2 bad usage or config.

    \b
    Examples:
      monitor run                      poll the due feeds
      monitor run --all -v             poll every feed, log each decision
      */15 * * * * cd /srv/corpus && monitor run -q     (crontab)
    """
    setup_logging(verbose, quiet)
    config = ctx.config
    unknown = sorted(set(feed_names) - {f.name for f in config.feeds})
    if unknown:
        raise click.UsageError(f"no feed named {', '.join(map(repr, unknown))} (see 'monitor feeds list')")
    report = asyncio.run(run_once(config, PassOptions(all_feeds=all_feeds, feed_names=feed_names)))
    code = exit_code(report)
    summary = "pass done: no feed was due" if not report.feeds else report.summary()
    if report.write_failed:
        summary += f"; corpus write failed: {report.write_error}"
    if not quiet or code:
        click.echo(summary, err=quiet)
    sys.exit(code)
