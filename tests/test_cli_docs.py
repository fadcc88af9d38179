"""Every command documents itself with an example, and every config key is in docs/configuration.md."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import parse_config
from monitor.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
PROBE = "qqqqqqqqqq"  # a key no section knows, so the error lists the known ones


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
    return found


def known_keys(data: dict[str, object]) -> list[str]:
    """The keys the config validator accepts where ``data`` puts the probe, read from its error."""
    try:
        parse_config(data, source="probe", base=Path.cwd())
    except ConfigError as exc:
        match = re.search(r"\(known: ([^)]*)\)", str(exc))
        return match.group(1).split(", ") if match else []
    return []


def config_keys() -> list[str]:
    keys = []
    for section in known_keys({PROBE: 1}):
        if section == "feeds":
            entry = {PROBE: 1, "url": "https://example.org/rss"}
            keys += [f"feeds.{key}" for key in known_keys({"feeds": [entry]})]
            continue
        inner = known_keys({section: {PROBE: 1}})
        keys += [f"{section}.{key}" for key in inner] or [section]
    keys += [f"relevance.terms.{key}" for key in known_keys({"relevance": {"terms": {PROBE: []}}})]
    return keys


@pytest.mark.parametrize("path", commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    """`monitor ... --help` works for each command and subcommand and shows at least one example."""
    result = CliRunner().invoke(cli, [*path, "--help"])

    assert result.exit_code == 0, result.output
    assert re.search(r"^\s+Examples?:", result.output, re.MULTILINE), (
        f"no example in: monitor {' '.join(path)}"
    )
    assert f"monitor {path[-1]}" in result.output or "monitor " in result.output.split("Example", 1)[1]


def test_top_level_help_and_version() -> None:
    """`monitor --help` lists the commands with examples, and `monitor --version` prints the version."""
    help_text = CliRunner().invoke(cli, ["--help"]).output
    version = CliRunner().invoke(cli, ["--version"])

    assert "Examples:" in help_text
    for name in ("run", "status", "feeds", "export", "explain", "classify"):
        assert re.search(rf"^\s+{name}\s", help_text, re.MULTILINE), name
    assert version.exit_code == 0 and re.match(r"monitor, version \d", version.output)


def test_every_config_key_is_documented() -> None:
    """Each key the config accepts appears as `section.key` in docs/configuration.md."""
    keys = config_keys()
    text = DOCS.read_text(encoding="utf-8")

    assert "http.timeout" in keys and "feeds.url" in keys, "the probe found no keys"
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"not in {DOCS.name}: {', '.join(missing)}"
