"""Edit the ``[[feeds]]`` of the user's config file, keeping its comments, order and layout.

The file is edited as a tomlkit document, so everything the user wrote stays as written;
only the feed tables added or removed change. A config file without ``[[feeds]]`` polls the
built-in list, so the first edit copies that list (with its comments) into the file before
changing it: adding one feed never silently drops the defaults. Every edit is validated as
a whole config before the file is replaced (atomically).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import tomlkit
from tomlkit.items import AoT, Array, Table
from tomlkit.toml_document import TOMLDocument

from monitor.config import FeedConfig, parse_config, parse_duration
from monitor.errors import ConfigError

NEW_FILE_HEADER = (
    "# monitor configuration: every key is optional (see docs/configuration.md).\n"
    "# `monitor feeds add/remove/import` edit the [[feeds]] below and keep your comments.\n\n"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def default_feeds_text() -> str:
    """The shipped feed list as TOML text, comments included."""
    return resources.files("monitor.data").joinpath("default_feeds.toml").read_text(encoding="utf-8")


def feed_key(url: str) -> str:
    """What makes two feed URLs the same feed: scheme, ``www.``, default port, trailing slash,
    fragment and ``utm_*`` parameters aside. Unlike article URLs, other query parameters are
    kept: ``?feed=rss2`` and ``?feed=atom`` are different feeds."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    port = f":{parts.port}" if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else ""
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_")
        ]
    )
    return f"{host}{port}{parts.path.rstrip('/') or '/'}" + (f"?{query}" if query else "")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Why a feed cannot be added: the listed feed it clashes with, and on what."""

    existing: FeedConfig
    reason: str  # "url" or "name"


class FeedListFile:
    """The config file opened for editing its feeds. Nothing is written until ``save``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.created = not path.exists()
        try:
            text = NEW_FILE_HEADER if self.created else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from None
        document = _parse(text, path)
        self.defaults_added = "feeds" not in document
        if self.defaults_added:
            separator = "\n" * (2 - len(text) + len(text.rstrip("\n"))) if text.strip() else ""
            document = _parse(text + separator + default_feeds_text(), path)
        if isinstance(document.get("feeds"), Array) and not document["feeds"]:
            # `feeds = []` is what removing the last feed leaves: the list is empty on purpose (no
            # fallback to the built-in feeds), and the next feed added becomes its first table.
            del document["feeds"]
            document.append("feeds", tomlkit.aot())
        if not isinstance(document.get("feeds"), AoT):
            raise ConfigError(f"{path}: feeds: expected an array of tables ([[feeds]]); edit it by hand")
        self.document = document

    @property
    def _tables(self) -> AoT:
        tables: AoT = self.document["feeds"]
        return tables

    def feeds(self) -> list[FeedConfig]:
        """The feeds as the file lists them now."""
        result = []
        for table in self._tables:
            url = str(table.get("url", "")).strip()
            interval = table.get("interval")
            seconds = parse_duration(interval, f"{self.path}: feeds.interval") if interval else None
            result.append(FeedConfig(str(table.get("name", "")).strip() or url, url, seconds))
        return result

    def duplicate_of(self, name: str, url: str) -> Duplicate | None:
        """The listed feed with the same URL (canonically) or the same name (any case), if any."""
        key = feed_key(url)
        for feed in self.feeds():
            if feed_key(feed.url) == key:
                return Duplicate(feed, "url")
        for feed in self.feeds():
            if feed.name.casefold() == name.casefold():
                return Duplicate(feed, "name")
        return None

    def add(self, name: str, url: str, interval: str | None = None) -> None:
        """Append a feed table after the last one (refuse duplicates with ``duplicate_of`` first)."""
        table = tomlkit.table()
        table["name"] = name
        table["url"] = url
        if interval:
            table["interval"] = interval
        tables = self._tables
        if len(tables):
            # Comments and blank lines after the last feed belong to what follows it: keep them there.
            last = tables[len(tables) - 1]
            trailing = _pop_trailing_trivia(last)
            last.value.body.append((None, tomlkit.ws("\n")))
            table.value.body.extend((None, item) for item in trailing)
        tables.append(table)

    def remove(self, name: str) -> FeedConfig | None:
        """Remove the feed named ``name``; its neighbours' comments stay. None when there is no such feed."""
        feeds = self.feeds()
        position = next((i for i, feed in enumerate(feeds) if feed.name == name), None)
        if position is None:
            return None
        tables = self._tables
        trailing = _pop_trailing_trivia(tables[position])
        if position > 0:
            tables[position - 1].value.body.extend((None, item) for item in trailing)
        else:
            _insert_before_feeds(self.document, trailing)
        del tables[position]
        self.document = _parse(self.document.as_string(), self.path)
        return feeds[position]

    def text(self) -> str:
        return self.document.as_string()

    def save(self) -> None:
        """Validate the edited file as a config, then replace the file atomically."""
        text = self.text()
        base = self.path.resolve().parent
        parse_config(self.document.unwrap(), source=str(self.path), base=base, path=self.path)
        _write_atomically(self.path, text)


def _parse(text: str, path: Path) -> TOMLDocument:
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _pop_trailing_trivia(table: Table) -> list[Any]:
    body = table.value.body
    trailing: list[Any] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop()[1])
    return trailing


def _insert_before_feeds(document: TOMLDocument, items: list[Any]) -> None:
    """Place comments just above the first ``[[feeds]]`` header (the document is re-parsed afterwards)."""
    position = next(i for i, (key, _) in enumerate(document.body) if key is not None and key.key == "feeds")
    if position > 0 and isinstance(document.body[position - 1][1], Table):
        document.body[position - 1][1].value.body.extend((None, item) for item in items)
    else:
        document.body[position:position] = [(None, item) for item in items]


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        Path(temporary).replace(path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write config: {exc.strerror or exc}") from None
