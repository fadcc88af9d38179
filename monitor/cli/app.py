"""The command group, shared options, and the error boundary that turns errors into one line."""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import logs
from monitor.config import Config, load_config
from monitor.errors import ConfigError, MonitorError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(slots=True)
class Context:
    config_path: Path | None = None
    debug: bool = False
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


def config_option(func: F) -> F:
    """``--config PATH`` on every command (it may also be given before the command name)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.ensure_object(Context).config_path = value

    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        callback=remember,
        is_eager=True,
        help="Config file (default: ./monitor.toml, else built-in defaults).",
    )(func)


COMMAND_MODULES = {
    "check": "monitor.cli.check",
    "classify": "monitor.cli.classify",
    "daemon": "monitor.cli.daemon",
    "explain": "monitor.cli.explain",
    "export": "monitor.cli.export",
    "feeds": "monitor.cli.feeds",
    "reindex": "monitor.cli.check",
    "run": "monitor.cli.run",
    "status": "monitor.cli.status",
}


class LazyGroup(click.Group):
    """Imports a command's module only when the command is used, so `monitor status` does not pay
    for the extractor, the scheduler and numpy."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(COMMAND_MODULES[cmd_name])  # its decorators register the command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="monitor", prog_name="monitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./monitor.toml, else built-in defaults).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """Keep a corpus of India–US news up to date from RSS/Atom feeds.

    Every command takes --config PATH (default: ./monitor.toml) and has its
    own --help with examples. Configuration keys: docs/configuration.md.

    \b
    Examples:
      monitor run                 one pass over the due feeds (for cron)
      monitor daemon              poll feeds on their schedules until stopped
      monitor status              one row per feed
      monitor feeds add URL       add a feed (or the feed a site's page links to)
      monitor explain URL         why an article is kept or dropped
      monitor export -o corpus.csv    the corpus with its metadata
    """
    state = ctx.ensure_object(Context)
    state.config_path = state.config_path or config_path
    state.debug = debug


def setup_logging(verbose: int, quiet: bool, *, json_lines: bool = False) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    logs.configure(level, json_lines=json_lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command; bad config or usage exits 2, other monitor errors exit 1."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="monitor", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("monitor: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except ConfigError as exc:
        _fail(exc, debug, 2)
    except MonitorError as exc:
        _fail(exc, debug, 1)
    except KeyboardInterrupt:
        click.echo("monitor: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the boundary: a bug still ends as one line, the traceback with --debug
        if debug:
            traceback.print_exception(exc)
        _fail(
            RuntimeError(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)"), False, 1
        )


def _fail(exc: BaseException, debug: bool, code: int) -> None:
    if debug:
        traceback.print_exception(exc)
    click.echo(f"monitor: error: {exc}", err=True)
    sys.exit(code)
