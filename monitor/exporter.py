"""The corpus and its metadata as records for export (JSON lines or CSV).

One record per corpus article, from the state's index (synced with the folder first by the
caller); seeds and files the monitor did not fetch itself have no URL, feed, fetch time or
score. With ``skipped``, one record per entry dropped as a duplicate, naming the article it
duplicated.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, TextIO

from monitor.store import ArticleRow, Store

FORMATS = ("jsonl", "csv")


@dataclass(frozen=True, slots=True)
class Sighting:
    url: str
    feed: str | None
    seen_at: str  # ISO 8601, UTC


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    index: int
    id: str
    file: str
    date: str
    headline: str
    url: str | None
    feed: str | None
    source_url: str | None  # the link the feed gave
    fetched_at: str | None  # ISO 8601, UTC
    score: float | None
    also_seen_at: tuple[Sighting, ...]  # other URLs and outlets that ran the same article


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    url: str
    feed: str
    first_seen: str  # ISO 8601, UTC
    duplicate_of_id: str | None
    duplicate_of_file: str | None
    duplicate_of_headline: str | None


Record = ArticleRecord | SkippedRecord


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def article_records(store: Store, *, since: dt.date | None = None) -> list[ArticleRecord]:
    """Every indexed corpus article dated ``since`` or later, by index."""
    records = []
    for row in store.articles():
        if since is not None and row.published < since.isoformat():
            continue
        records.append(_article_record(store, row))
    return records


def _article_record(store: Store, row: ArticleRow) -> ArticleRecord:
    also = tuple(
        Sighting(url, feed, _iso(seen_at) or "")
        for url, feed, seen_at in store.article_sources(row.id)
        if url not in (row.url, row.source_url)
    )
    return ArticleRecord(
        index=row.idx,
        id=row.id,
        file=row.file_name,
        date=row.published,
        headline=row.headline,
        url=row.url,
        feed=row.feed_name,
        source_url=row.source_url,
        fetched_at=_iso(row.fetched_at),
        score=row.score,
        also_seen_at=also,
    )


def skipped_records(store: Store, *, since: dt.date | None = None) -> list[SkippedRecord]:
    """Every entry skipped as a duplicate (first seen ``since`` or later), with the article it duplicated."""
    articles = {row.id: row for row in store.articles()}
    records = []
    for key, feed, first_seen, article_id in store.seen_with_outcome("duplicate"):
        if since is not None and dt.datetime.fromtimestamp(first_seen, dt.UTC).date() < since:
            continue
        original = articles.get(article_id) if article_id else None
        records.append(
            SkippedRecord(
                url=key,
                feed=feed,
                first_seen=_iso(first_seen) or "",
                duplicate_of_id=article_id,
                duplicate_of_file=original.file_name if original else None,
                duplicate_of_headline=original.headline if original else None,
            )
        )
    return records


def columns(kind: type[ArticleRecord] | type[SkippedRecord]) -> list[str]:
    return [f.name for f in fields(kind)]


def write_records(
    records: Sequence[Record], out: TextIO, *, fmt: str, advance: Callable[[int], None] = lambda _: None
) -> None:
    """Write ``records`` as JSON lines or as CSV with a header row; ``advance(1)`` after each."""
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(_json_value(record), ensure_ascii=False) + "\n")
            advance(1)
        return
    kind = type(records[0]) if records else ArticleRecord
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(kind))
    for record in records:
        writer.writerow(_csv_row(record))
        advance(1)


def _json_value(record: Record) -> dict[str, Any]:
    return asdict(record)


def _csv_row(record: Record) -> list[str]:
    return [_csv_cell(getattr(record, name)) for name in columns(type(record))]


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):  # also_seen_at: the URLs, space-separated
        return " ".join(sighting.url for sighting in value)
    return str(value)


def parse_since(value: str) -> dt.date:
    """``YYYY-MM-DD`` (a full ISO timestamp is cut to its date)."""
    return dt.date.fromisoformat(value.strip()[:10])
