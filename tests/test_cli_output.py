"""Output for people and pipes: tables and colour in a terminal, plain text when piped, NO_COLOR honoured."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config

COLOUR = "\x1b[3"  # SGR foreground colours 30-39


def run_in_terminal(folder: Path, args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with its stdout and stderr on a pseudo-terminal; return what it wrote there."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(main, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8", errors="replace")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "200", **extra}


def test_piped_output_is_plain_columns_without_escape_codes(tmp_path: Path) -> None:
    """Through a pipe, `feeds list` prints aligned plain columns and no escape sequence."""
    write_config(tmp_path, [("Wire", "http://127.0.0.1:9/wire.xml")])

    result = subprocess.run(
        [sys.executable, "-m", "monitor", "feeds", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[1].split() == [
        "Wire",
        "http://127.0.0.1:9/wire.xml",
        "15m",
        "new",
        "never",
        "polled",
    ]


def test_terminal_gets_a_table_in_colour(tmp_path: Path) -> None:
    """In a terminal, `feeds list` draws a table with coloured rows."""
    write_config(tmp_path, [("Wire", "http://127.0.0.1:9/wire.xml")])

    screen = run_in_terminal(tmp_path, ["feeds", "list"], environment())

    assert "Wire" in screen and "┃" in screen
    assert COLOUR in screen or "\x1b[1m" in screen


def test_no_color_keeps_the_table_but_drops_colour(tmp_path: Path) -> None:
    """With NO_COLOR set, the terminal still gets the table, without any colour code."""
    write_config(tmp_path, [("Wire", "http://127.0.0.1:9/wire.xml")])

    screen = run_in_terminal(tmp_path, ["feeds", "list"], environment(NO_COLOR="1"))

    assert "Wire" in screen and "┃" in screen
    assert COLOUR not in screen


def test_errors_are_one_line_and_debug_adds_the_traceback(tmp_path: Path) -> None:
    """A missing file to explain is one line on stderr; --debug shows the traceback too."""
    plain = subprocess.run(
        [sys.executable, "-m", "monitor", "explain", "missing.html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
        check=False,
    )
    debug = subprocess.run(
        [sys.executable, "-m", "monitor", "--debug", "explain", "missing.html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
        check=False,
    )

    assert plain.returncode == 1
    assert plain.stderr.strip().splitlines() == [
        "monitor: error: missing.html: cannot read: No such file or directory"
    ]
    assert "Traceback" in debug.stderr
