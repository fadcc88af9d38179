"""`monitor daemon`: poll each feed when it is due until stopped."""

from __future__ import annotations

import asyncio

import click

from monitor.cli.app import Context, cli, config_option, setup_logging
from monitor.config import load_config


@cli.command()
@config_option
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    metavar="PORT",
    help="Serve Prometheus /metrics and /healthz on this port (0: any free port).",
)
@click.option(
    "--metrics-address",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDRESS",
    help="Address the metrics server listens on.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines as text or as JSON objects, one per line.",
)
@click.option("-v", "--verbose", count=True, help="Log every stage's decision.")
@click.option("-q", "--quiet", is_flag=True, help="Log only errors.")
@click.pass_obj
def daemon(
    ctx: Context, metrics_port: int | None, metrics_address: str, log_format: str, verbose: int, quiet: bool
) -> None:
    """Poll each feed when it is due, on its own interval, until SIGTERM or SIGINT.

    Runs safely next to `monitor run` from cron on the same corpus and state; a second
    daemon on the same state refuses to start. SIGTERM or SIGINT stops it: no new polls,
    work in flight gets schedule.stop_timeout to finish, exit 0. SIGHUP reloads the
    config (an invalid one is logged and the running one kept).

    \b
    Exit codes: 0 stopped by a signal, 1 another daemon runs on this state
    (its pid is named) or the state cannot be used, 2 bad usage or config.

    \b
    Examples:
      monitor daemon --config /srv/corpus/monitor.toml
      monitor daemon --metrics-port 9464 --log-format json
      kill -HUP $(cat .monitor/state.db.daemon.pid)     (reload the config)
    """
    from monitor.scheduler import Daemon, DaemonOptions  # here: other commands need not load APScheduler

    setup_logging(verbose, quiet, json_lines=log_format == "json")
    config = ctx.config
    path = ctx.config_path or config.path
    options = DaemonOptions(metrics_port=metrics_port, metrics_address=metrics_address)
    asyncio.run(Daemon(config, lambda: load_config(path), options).run())
