"""The `monitor` command: a thin shell over the library. The only place that prints or exits.

Each command lives in its own module and is imported when it is used (see ``LazyGroup``).
"""

from __future__ import annotations

from monitor.cli.app import cli, main

__all__ = ["cli", "main"]
