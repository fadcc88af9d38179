"""Build the article to write from a feed entry and its extracted page (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from monitor.models import Article, Entry, Page
from monitor.paragraphs import paragraphs_from_html
from monitor.pickling import pickled_by_fields

THIN_WORDS = 80
"""A page body with fewer words than this is thin: the feed's own full content may be better."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Draft:
    """An article before the relevance and duplicate decisions, with where its parts came from."""

    article: Article
    body_source: str  # "page" or "feed"


def word_count(paragraphs: tuple[str, ...]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def choose_body(page: Page | None, entry: Entry) -> tuple[tuple[str, ...], str]:
    """The page's paragraphs, unless the page failed or is thin and the feed carries more."""
    page_body = page.paragraphs if page is not None else ()
    if word_count(page_body) >= THIN_WORDS:
        return page_body, "page"
    feed_body = paragraphs_from_html(entry.content_html) if entry.content_html else ()
    if word_count(feed_body) > word_count(page_body):
        return feed_body, "feed"
    return page_body, "page"


def choose_date(page: Page | None, entry: Entry, fetched_at: dt.datetime) -> tuple[dt.date, str]:
    """Page's published date, else the feed's published, else its updated, else the fetch date."""
    if page is not None and page.published is not None:
        return page.published, page.date_source or "page"
    if entry.published is not None:
        return entry.published.date(), "feed:published"
    if entry.updated is not None:
        return entry.updated.date(), "feed:updated"
    return fetched_at.date(), "fetch-time"


def draft_article(
    entry: Entry, page: Page | None, *, canonical_url: str, fetched_at: dt.datetime
) -> Draft | None:
    """Everything needed to write the article, or None when there is no headline or no text."""
    paragraphs, body_source = choose_body(page, entry)
    headline = page.headline if page is not None and page.headline else entry.title
    headline_source = page.headline_source if page is not None and page.headline else "feed"
    if not paragraphs or not headline:
        return None
    published, date_source = choose_date(page, entry, fetched_at)
    article = Article(
        url=canonical_url,
        headline=headline,
        published=published,
        paragraphs=paragraphs,
        feed_name=entry.feed_name,
        source_url=entry.link,
        date_source=date_source,
        headline_source=headline_source,
    )
    return Draft(article, body_source)
