"""The SQLite state: feed bookkeeping, seen entries, and the index of the corpus.

The corpus is the source of truth; everything about articles here can be rebuilt from it
(``monitor reindex``). Migrations are ordered and append-only; the schema version is kept
in ``PRAGMA user_version``. This module owns all SQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from monitor.errors import StateError

MIGRATIONS: tuple[str, ...] = (
    # 1: feeds, seen entries, articles
    """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_fetch REAL,
        last_success REAL,
        last_status INTEGER,
        last_error TEXT,
        error_kind TEXT,
        consecutive_errors INTEGER NOT NULL DEFAULT 0,
        entries INTEGER NOT NULL DEFAULT 0,
        articles_written INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        next_due REAL,
        interval REAL,
        disabled_reason TEXT,
        redirect_url TEXT,
        redirect_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE seen (
        key TEXT PRIMARY KEY,
        feed_name TEXT NOT NULL,
        first_seen REAL NOT NULL,
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        article_id TEXT
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        idx INTEGER NOT NULL UNIQUE,
        file_name TEXT NOT NULL,
        url TEXT,
        headline TEXT NOT NULL,
        published TEXT NOT NULL,
        feed_name TEXT,
        source_url TEXT,
        fetched_at REAL,
        score REAL,
        text_hash TEXT NOT NULL
    );
    CREATE INDEX articles_text_hash ON articles(text_hash);
    CREATE TABLE article_urls (
        url TEXT PRIMARY KEY,
        article_id TEXT NOT NULL
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)

SEEN_FINAL = ("written", "duplicate", "irrelevant", "language")
"""Outcomes after which an entry is never looked at again; any other outcome is retried."""


@dataclass(slots=True)
class FeedState:
    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_fetch: float | None = None
    last_success: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_kind: str | None = None
    consecutive_errors: int = 0
    entries: int = 0
    articles_written: int = 0
    duplicates: int = 0
    next_due: float | None = None
    interval: float | None = None
    disabled_reason: str | None = None
    redirect_url: str | None = None
    redirect_count: int = 0


_FEED_COLUMNS = tuple(f.name for f in fields(FeedState))


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: str
    idx: int
    file_name: str
    url: str | None
    headline: str
    published: str
    feed_name: str | None
    source_url: str | None
    fetched_at: float | None
    score: float | None
    text_hash: str


_ARTICLE_COLUMNS = tuple(f.name for f in fields(ArticleRow))


class Store:
    """One connection to the state database. Not shared between threads."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot open the state database: {exc}") from None
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateError(
                f"{path}: the state database is unusable ({exc}); move it aside and run "
                f"'monitor reindex' to rebuild it from the corpus"
            ) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StateError(
                f"{self.path}: written by a newer version of monitor (schema {version}, "
                f"this one knows {len(MIGRATIONS)}); upgrade monitor"
            )
        if version == len(MIGRATIONS):
            return
        with self.transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An IMMEDIATE transaction: concurrent writers wait on busy_timeout rather than fail."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateError(f"{self.path}: the state database stayed locked: {exc}") from None
            raise

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- feeds ----------------------------------------------------------------------------

    def feed(self, name: str) -> FeedState | None:
        row = self._execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        return None if row is None else FeedState(**{k: row[k] for k in _FEED_COLUMNS})

    def feeds(self) -> list[FeedState]:
        rows = self._execute("SELECT * FROM feeds ORDER BY name").fetchall()
        return [FeedState(**{k: row[k] for k in _FEED_COLUMNS}) for row in rows]

    def save_feed(self, state: FeedState) -> None:
        columns = ", ".join(_FEED_COLUMNS)
        marks = ", ".join("?" for _ in _FEED_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _FEED_COLUMNS if c != "name")
        self._execute(
            f"INSERT INTO feeds({columns}) VALUES ({marks}) ON CONFLICT(name) DO UPDATE SET {updates}",
            [getattr(state, c) for c in _FEED_COLUMNS],
        )

    def delete_feed(self, name: str) -> None:
        self._execute("DELETE FROM feeds WHERE name = ?", (name,))

    # -- seen entries ---------------------------------------------------------------------

    def seen_final(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` whose entries need no more work."""
        keys = list(keys)
        found: set[str] = set()
        marks_final = ", ".join("?" for _ in SEEN_FINAL)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._execute(
                f"SELECT key FROM seen WHERE key IN ({marks}) AND outcome IN ({marks_final})",
                [*chunk, *SEEN_FINAL],
            )
            found.update(row[0] for row in rows)
        return found

    def attempts(self, key: str) -> int:
        row = self._execute("SELECT attempts FROM seen WHERE key = ?", (key,)).fetchone()
        return 0 if row is None else int(row[0])

    def mark_seen(self, key: str, feed_name: str, outcome: str, article_id: str | None = None) -> None:
        self._execute(
            "INSERT INTO seen(key, feed_name, first_seen, outcome, article_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET outcome = excluded.outcome, attempts = attempts + 1, "
            "article_id = COALESCE(excluded.article_id, article_id)",
            (key, feed_name, time.time(), outcome, article_id),
        )

    # -- articles -------------------------------------------------------------------------

    def article_by_url(self, url: str) -> str | None:
        row = self._execute(
            "SELECT id FROM articles WHERE url = ? UNION SELECT article_id FROM article_urls WHERE url = ?",
            (url, url),
        ).fetchone()
        return None if row is None else str(row[0])

    def has_article(self, identifier: str) -> bool:
        return self._execute("SELECT 1 FROM articles WHERE id = ?", (identifier,)).fetchone() is not None

    def article_by_text_hash(self, text_hash: str) -> str | None:
        row = self._execute("SELECT id FROM articles WHERE text_hash = ? LIMIT 1", (text_hash,)).fetchone()
        return None if row is None else str(row[0])

    def add_article(self, row: ArticleRow) -> None:
        columns = ", ".join(_ARTICLE_COLUMNS)
        marks = ", ".join("?" for _ in _ARTICLE_COLUMNS)
        updates = ", ".join(f"{c} = COALESCE(excluded.{c}, {c})" for c in _ARTICLE_COLUMNS if c != "id")
        self._execute(
            f"INSERT INTO articles({columns}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
            [getattr(row, c) for c in _ARTICLE_COLUMNS],
        )

    def add_article_url(self, url: str, article_id: str) -> None:
        self._execute("INSERT OR IGNORE INTO article_urls(url, article_id) VALUES (?, ?)", (url, article_id))

    def articles(self) -> list[ArticleRow]:
        rows = self._execute(f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles ORDER BY idx").fetchall()
        return [ArticleRow(*row) for row in rows]

    def article_names(self) -> dict[str, str]:
        """file name → id for every indexed article."""
        return {row[0]: row[1] for row in self._execute("SELECT file_name, id FROM articles")}

    def forget_articles(self, identifiers: Iterable[str]) -> None:
        for identifier in identifiers:
            self._execute("DELETE FROM articles WHERE id = ?", (identifier,))
            self._execute("DELETE FROM article_urls WHERE article_id = ?", (identifier,))

    def max_index(self) -> int:
        row = self._execute("SELECT MAX(idx) FROM articles").fetchone()
        return -1 if row[0] is None else int(row[0])

    def count_articles(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM articles").fetchone()[0])


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
