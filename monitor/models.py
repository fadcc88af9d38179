"""Plain records passed between the stages of a pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from monitor.pickling import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, as the feed states it."""

    feed_name: str
    link: str
    title: str
    summary: str = ""
    guid: str = ""
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    content_html: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The entries of one feed document and what the parser noticed."""

    title: str
    entries: tuple[Entry, ...]
    problem: str = ""  # non-empty when the document was malformed but still read


@dataclass(frozen=True, slots=True)
class Page:
    """What extraction found on an article page; each field records where it came from."""

    url: str
    canonical_url: str | None = None
    headline: str | None = None
    headline_source: str = ""
    published: dt.date | None = None
    date_source: str = ""
    paragraphs: tuple[str, ...] = ()
    language: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Article:
    """An article ready to be written: everything the corpus format needs, and its metadata."""

    url: str  # canonical URL; the corpus id hashes it
    headline: str
    published: dt.date
    paragraphs: tuple[str, ...]
    feed_name: str = ""
    source_url: str = ""  # the link the feed gave
    score: float = 0.0
    date_source: str = ""
    headline_source: str = ""


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """A corpus file on disk, parsed."""

    index: int
    article_id: str
    name: str
    published: dt.date
    headline: str
    paragraphs: tuple[str, ...]


@dataclass(slots=True)
class FeedResult:
    """What happened to one feed during one pass."""

    name: str
    url: str
    ok: bool = False
    status: int | None = None
    not_modified: bool = False
    unchanged: bool = False
    entries: int = 0
    new_entries: int = 0
    candidates: int = 0
    written: int = 0
    duplicates: int = 0
    irrelevant: int = 0
    errors: int = 0
    error: str = ""


@dataclass(slots=True)
class PassReport:
    """Counts for one pass over the due feeds."""

    feeds: list[FeedResult] = field(default_factory=list)
    write_failed: bool = False
    write_error: str = ""
    seconds: float = 0.0

    @property
    def feeds_ok(self) -> int:
        return sum(1 for f in self.feeds if f.ok)

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if not f.ok)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.feeds)

    def summary(self) -> str:
        return (
            f"pass done in {self.seconds:.1f}s: feeds ok {self.feeds_ok}, failed {self.feeds_failed}; "
            f"entries {self.total('entries')} (new {self.total('new_entries')}), "
            f"candidates {self.total('candidates')}, written {self.total('written')}, "
            f"duplicates {self.total('duplicates')}, irrelevant {self.total('irrelevant')}, "
            f"errors {self.total('errors')}"
        )
