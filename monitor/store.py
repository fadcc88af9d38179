"""The SQLite state: feed bookkeeping, seen entries, and the index of the corpus.

The corpus is the source of truth; everything about articles here can be rebuilt from it
(``monitor reindex``). Migrations are ordered and append-only; the schema version is kept
in ``PRAGMA user_version``. This module owns all SQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from monitor.dedupe import Fingerprint
from monitor.errors import StateCorrupt, StateError

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
    # 2: the configured URL of a feed whose stored URL followed a permanent redirect
    """
    ALTER TABLE feeds ADD COLUMN origin_url TEXT;
    """,
    # 3: recent polls for the adaptive interval; the poll lease (who polls the feed now, until when)
    """
    ALTER TABLE feeds ADD COLUMN poll_history TEXT;
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until REAL;
    """,
    # 4: near-duplicate fingerprints and their LSH bands (band key → fingerprint, see monitor.dedupe),
    # the other outlets and URLs that ran a corpus article, and resolved aggregator links
    """
    CREATE TABLE fingerprints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id TEXT NOT NULL UNIQUE,
        shingles INTEGER NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TABLE lsh_bands (
        band INTEGER NOT NULL,
        fingerprint INTEGER NOT NULL,
        PRIMARY KEY (band, fingerprint)
    ) WITHOUT ROWID;
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL,
        url TEXT NOT NULL,
        feed_name TEXT,
        seen_at REAL NOT NULL,
        PRIMARY KEY (article_id, url)
    );
    CREATE TABLE resolved_links (
        link TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        resolved_at REAL NOT NULL
    );
    """,
    # 5: look articles up by canonical URL without scanning the table (one probe per candidate)
    """
    CREATE INDEX articles_url ON articles(url);
    """,
)

SEEN_FINAL = ("written", "duplicate", "irrelevant", "language", "abandoned")
"""Outcomes after which an entry is never looked at again; any other outcome is retried."""

_MARK_SEEN = (
    "INSERT INTO seen(key, feed_name, first_seen, outcome, article_id) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(key) DO UPDATE SET outcome = excluded.outcome, attempts = attempts + 1, "
    "article_id = COALESCE(excluded.article_id, article_id)"
)


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
    redirect_url: str | None = None  # a permanent redirect seen but not yet followed
    redirect_count: int = 0  # consecutive polls that saw it
    origin_url: str | None = None  # the configured URL, once ``url`` has moved away from it
    poll_history: str | None = None  # recent "time:new entries" pairs, see monitor.schedule


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
        self.timeout = timeout
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot open the state database: {exc}") from None
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # A pass inserts seen keys and band keys all over their indexes, a page rewritten by many
            # commits: a checkpoint every 8,000 WAL pages (32 MB) rather than 1,000 copies it to the
            # database once, not eight times.
            self._db.execute("PRAGMA wal_autocheckpoint=8000")
            self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            raise self._error(exc) from None
        except StateError:
            self._db.close()
            raise

    def _error(self, exc: sqlite3.Error) -> StateError:
        """The one-line error for a failed SQLite call, naming the file and the way out."""
        code = getattr(exc, "sqlite_errorname", "") or ""
        if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return StateError(
                f"{self.path}: the state database is locked by another process (waited {self.timeout:g}s); "
                f"let it finish or stop it, then retry"
            )
        if code.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            return StateCorrupt(
                f"{self.path}: the state database is damaged ({exc}); run 'monitor reindex' to move it "
                f"aside and rebuild it from the corpus"
            )
        return StateError(f"{self.path}: the state database cannot be used: {exc}")

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

    def integrity_problem(self) -> str | None:
        """None when SQLite's quick check finds the file sound, else what it found."""
        try:
            row = self._db.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError as exc:
            error = self._error(exc)
            if isinstance(error, StateCorrupt):
                return str(exc)
            raise error from None
        return None if row[0] == "ok" else str(row[0])

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An IMMEDIATE transaction: concurrent writers wait on busy_timeout rather than fail."""
        self._execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self._call(self._db.execute, sql, params)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self._call(self._db.executemany, sql, rows)

    def _call(self, method: Callable[[str, Any], sqlite3.Cursor], sql: str, params: Any) -> sqlite3.Cursor:
        try:
            return method(sql, params)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise self._error(exc) from None

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

    # -- poll leases: at most one poller (daemon or cron pass) per feed ---------------------

    def claim_feeds(
        self,
        feeds: Sequence[tuple[str, str]],
        owner: str,
        now: float,
        until: float,
        *,
        due_only: bool,
        limit: int | None = None,
    ) -> list[str]:
        """Take the lease of each (name, url) in order that nobody holds, up to ``limit``; the names taken.

        With ``due_only`` a feed is taken only if it is due at ``now``: the check and the take are
        one UPDATE inside an IMMEDIATE transaction, so two pollers can never both take a feed.
        """
        claimed: list[str] = []
        with self.transaction():
            for name, url in feeds:
                if limit is not None and len(claimed) >= limit:
                    break
                self._execute(
                    "INSERT INTO feeds(name, url) VALUES (?, ?) ON CONFLICT DO NOTHING", (name, url)
                )
                cursor = self._execute(
                    "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE name = ? "
                    "AND (lease_until IS NULL OR lease_until <= ?) "
                    "AND (? = 0 OR next_due IS NULL OR next_due <= ?)",
                    (owner, until, name, now, int(due_only), now),
                )
                if cursor.rowcount:
                    claimed.append(name)
        return claimed

    def renew_leases(self, owner: str, until: float) -> None:
        self._execute("UPDATE feeds SET lease_until = ? WHERE lease_owner = ?", (until, owner))

    def release_feeds(self, names: Iterable[str], owner: str) -> None:
        with self.transaction():
            for name in names:
                self._execute(
                    "UPDATE feeds SET lease_owner = NULL, lease_until = NULL "
                    "WHERE name = ? AND lease_owner = ?",
                    (name, owner),
                )

    def release_stale_leases(self, owner_prefix: str, keep: str) -> int:
        """Drop leases whose owner starts with ``owner_prefix``, except ``keep``'s; how many were dropped."""
        cursor = self._execute(
            "UPDATE feeds SET lease_owner = NULL, lease_until = NULL "
            "WHERE substr(lease_owner, 1, ?) = ? AND lease_owner != ?",
            (len(owner_prefix), owner_prefix, keep),
        )
        return cursor.rowcount

    def leases(self, now: float) -> dict[str, str]:
        """feed name → owner of every lease still running at ``now``."""
        rows = self._execute("SELECT name, lease_owner FROM feeds WHERE lease_until > ?", (now,))
        return {row[0]: row[1] for row in rows}

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
        self._execute(_MARK_SEEN, (key, feed_name, time.time(), outcome, article_id))

    def mark_seen_many(self, entries: Iterable[tuple[str, str]], outcome: str) -> None:
        """``mark_seen`` of each (key, feed name), all with ``outcome``, in one statement."""
        now = time.time()
        self._executemany(_MARK_SEEN, [(key, feed_name, now, outcome, None) for key, feed_name in entries])

    def seen_with_outcome(self, outcome: str) -> list[tuple[str, str, float, str | None]]:
        """(key, feed name, first seen, article id) of the seen entries with ``outcome``, oldest first."""
        rows = self._execute(
            "SELECT key, feed_name, first_seen, article_id FROM seen WHERE outcome = ? ORDER BY first_seen, key",
            (outcome,),
        )
        return [(row[0], row[1], float(row[2]), row[3]) for row in rows]

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

    def article(self, identifier: str) -> ArticleRow | None:
        row = self._execute(
            f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles WHERE id = ?", (identifier,)
        ).fetchone()
        return None if row is None else ArticleRow(*row)

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

    def clear_articles(self) -> None:
        """Drop the whole article index (URL aliases stay; see ``prune_article_urls``)."""
        self._execute("DELETE FROM articles")

    def restore_article_metadata(self, rows: Iterable[ArticleRow]) -> None:
        """Put back what only the state knows (URL, feed, fetch time, score) on rows that exist again."""
        for row in rows:
            self._execute(
                "UPDATE articles SET url = COALESCE(url, ?), feed_name = COALESCE(feed_name, ?), "
                "source_url = COALESCE(source_url, ?), fetched_at = COALESCE(fetched_at, ?), "
                "score = COALESCE(score, ?) WHERE id = ?",
                (row.url, row.feed_name, row.source_url, row.fetched_at, row.score, row.id),
            )

    def prune_article_urls(self) -> None:
        """Forget URL aliases of articles that are no longer indexed."""
        self._execute("DELETE FROM article_urls WHERE article_id NOT IN (SELECT id FROM articles)")

    def max_index(self) -> int:
        row = self._execute("SELECT MAX(idx) FROM articles").fetchone()
        return -1 if row[0] is None else int(row[0])

    def count_articles(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # -- near-duplicate fingerprints --------------------------------------------------------

    def add_fingerprint(self, article_id: str, fingerprint: Fingerprint, bands: Sequence[int] | None = None) -> None:
        """Keep an article's fingerprint and its band keys (``fingerprint.bands()`` unless given);
        an existing fingerprint is left as it is."""
        cursor = self._execute(
            "INSERT INTO fingerprints(article_id, shingles, signature) VALUES (?, ?, ?) "
            "ON CONFLICT(article_id) DO NOTHING",
            (article_id, fingerprint.size, fingerprint.signature),
        )
        if cursor.rowcount:
            self._db.executemany(
                "INSERT OR IGNORE INTO lsh_bands(band, fingerprint) VALUES (?, ?)",
                [(band, cursor.lastrowid) for band in (fingerprint.bands() if bands is None else bands)],
            )

    def fingerprint_candidates(self, bands: Sequence[int]) -> list[tuple[str, Fingerprint]]:
        """(article id, fingerprint) of indexed articles sharing a band key: one index probe per band."""
        if not bands:
            return []
        marks = ", ".join("?" for _ in bands)
        rows = self._execute(
            "SELECT f.article_id, f.shingles, f.signature FROM fingerprints f "
            "JOIN articles a ON a.id = f.article_id "
            f"WHERE f.id IN (SELECT fingerprint FROM lsh_bands WHERE band IN ({marks}))",
            list(bands),
        )
        return [(row[0], Fingerprint(int(row[1]), bytes(row[2]))) for row in rows]

    def unfingerprinted_articles(self) -> list[tuple[str, str]]:
        """(id, file name) of the indexed articles that have no fingerprint yet."""
        rows = self._execute(
            "SELECT a.id, a.file_name FROM articles a LEFT JOIN fingerprints f ON f.article_id = a.id "
            "WHERE f.id IS NULL ORDER BY a.idx"
        )
        return [(row[0], row[1]) for row in rows]

    def forget_fingerprints(self, *, all_of_them: bool = False) -> int:
        """Drop the fingerprints of articles no longer indexed (or every one); how many were dropped."""
        if all_of_them:
            dropped = int(self._execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0])
            self._execute("DELETE FROM lsh_bands")
            self._execute("DELETE FROM fingerprints")
            return dropped
        rows = self._execute(
            "SELECT id, shingles, signature FROM fingerprints WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchall()
        for row in rows:
            bands = Fingerprint(int(row[1]), bytes(row[2])).bands()
            self._db.executemany(
                "DELETE FROM lsh_bands WHERE band = ? AND fingerprint = ?", [(band, row[0]) for band in bands]
            )
            self._execute("DELETE FROM fingerprints WHERE id = ?", (row[0],))
        return len(rows)

    def count_fingerprints(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0])

    # -- syndication: the other outlets that ran an article ---------------------------------

    def add_article_source(self, article_id: str, url: str, feed_name: str | None, seen_at: float) -> None:
        """Record that ``url`` (from ``feed_name``) ran the article ``article_id``; the first sighting stays."""
        self._execute(
            "INSERT OR IGNORE INTO article_sources(article_id, url, feed_name, seen_at) VALUES (?, ?, ?, ?)",
            (article_id, url, feed_name, seen_at),
        )

    def article_sources(self, article_id: str) -> list[tuple[str, str | None, float]]:
        """(url, feed name, seen at) of every other outlet and URL that ran the article, first seen first."""
        rows = self._execute(
            "SELECT url, feed_name, seen_at FROM article_sources WHERE article_id = ? ORDER BY seen_at, url",
            (article_id,),
        )
        return [(row[0], row[1], float(row[2])) for row in rows]

    # -- resolved aggregator links ----------------------------------------------------------

    def resolved_link(self, link: str) -> str | None:
        row = self._execute("SELECT url FROM resolved_links WHERE link = ?", (link,)).fetchone()
        return None if row is None else str(row[0])

    def save_resolved_link(self, link: str, url: str) -> None:
        self._execute(
            "INSERT INTO resolved_links(link, url, resolved_at) VALUES (?, ?, ?) "
            "ON CONFLICT(link) DO UPDATE SET url = excluded.url, resolved_at = excluded.resolved_at",
            (link, url, time.time()),
        )


def move_aside(path: Path, now: dt.datetime | None = None) -> Path:
    """Rename a damaged state file (and its -wal/-shm companions) to ``<name>.corrupt-<UTC time>``."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(target.with_name(target.name + suffix))
    return target


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
