"""The `monitor` command: a thin shell over the library. The only place that prints or exits."""

from __future__ import annotations

from monitor.cli import check, classify, daemon, explain, export, feeds, run, status
from monitor.cli.app import cli, main

__all__ = ["check", "classify", "cli", "daemon", "explain", "export", "feeds", "main", "run", "status"]
