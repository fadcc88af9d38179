"""Feed bytes → entries (pure). JSON Feed directly; well-formed UTF-8 RSS 2.0 and Atom 1.0 through
``monitor.xmlfeed`` (lxml); everything else, RSS 0.9x/1.0 and the malformed included, through feedparser.

feedparser is only ever given bytes we fetched, never a URL or a path, with its libxml2
driver off so that the standard library's expat (entity-expansion limits) parses the XML.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from typing import Any

import feedparser
import feedparser.api

from monitor.feedtext import article_link, parse_timestamp, plain_text
from monitor.models import Entry, ParsedFeed
from monitor.text import normalise_line
from monitor.xmlfeed import read_common_feed

JSON_FEED_TYPES = ("application/feed+json", "application/json")


def parse_feed(body: bytes, *, feed_name: str, url: str, content_type: str = "") -> ParsedFeed:
    """Entries of a feed document. ``problem`` is set when the document was malformed or empty."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") or content_type.split(";")[0].strip().lower() in JSON_FEED_TYPES:
        return _parse_json_feed(stripped, feed_name=feed_name, url=url)
    if (common := read_common_feed(body, feed_name=feed_name, url=url, content_type=content_type)) is not None:
        return common
    return parse_with_feedparser(body, feed_name=feed_name, url=url, content_type=content_type)


def parse_with_feedparser(body: bytes, *, feed_name: str, url: str, content_type: str = "") -> ParsedFeed:
    """Any RSS or Atom document, however old or broken, through feedparser."""
    feedparser.api.PREFERRED_XML_PARSERS = []
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # The monitor never renders feed HTML: summaries become plain text below and content is reduced to
    # paragraphs by the extractor, so feedparser's costly sanitising and URI rewriting are skipped.
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    entries = tuple(e for e in (_entry(raw, feed_name, url) for raw in parsed.entries) if e is not None)
    problem = ""
    if parsed.get("bozo"):
        problem = f"malformed feed: {_bozo_reason(parsed.get('bozo_exception'))}"
    if not parsed.get("version") and not entries:
        problem = problem or "not a feed (no RSS, Atom or JSON Feed document found)"
    title = plain_text(str(parsed.feed.get("title", "")))
    return ParsedFeed(title=title, entries=entries, problem=problem)


def looks_like_feed(parsed: ParsedFeed) -> bool:
    """True when the document was recognised as a feed (possibly an empty one)."""
    return not parsed.problem.startswith("not a feed")


def _bozo_reason(exc: object) -> str:
    text = str(exc) if exc is not None else "unknown problem"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _entry(raw: Mapping[str, Any], feed_name: str, base: str) -> Entry | None:
    link = _link(raw, base)
    if not link:
        return None
    content = raw.get("content") or []
    content_html = max((str(c.get("value", "")) for c in content), key=len, default="")
    return Entry(
        feed_name=feed_name,
        link=link,
        title=plain_text(str(raw.get("title", ""))),
        summary=plain_text(str(raw.get("summary", ""))),
        guid=str(raw.get("id", "")),
        published=_timestamp(raw.get("published"), raw.get("published_parsed")),
        # dict.get: feedparser's own get falls back to "published" with a DeprecationWarning
        updated=_timestamp(dict.get(raw, "updated"), dict.get(raw, "updated_parsed")),  # type: ignore[call-overload]
        content_html=content_html,
    )


def _link(raw: Mapping[str, Any], base: str) -> str:
    link = str(raw.get("link", "") or "").strip()
    if not link:
        for candidate in raw.get("links", []) or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = str(candidate["href"]).strip()
                break
    if not link:
        guid = str(raw.get("id", "") or "")
        if guid.startswith(("http://", "https://")) and raw.get("guidislink", True):
            link = guid
    return article_link(base, link)


def _timestamp(text: object, parsed: object) -> dt.datetime | None:
    if isinstance(text, str) and (value := parse_timestamp(text)) is not None:
        return value
    if isinstance(parsed, time.struct_time):
        # feedparser normalised it to UTC: the original offset is lost, the instant is right.
        try:
            return dt.datetime(*parsed[:6], tzinfo=dt.UTC)
        except (ValueError, OverflowError):  # feedparser passes through impossible dates (year 0)
            return None
    return None


def _parse_json_feed(body: bytes, *, feed_name: str, url: str) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed(title="", entries=(), problem=f"not a feed (invalid JSON: {exc})")
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        return ParsedFeed(title="", entries=(), problem="not a feed (JSON without a JSON Feed version)")
    entries = []
    for item in document.get("items") or []:
        if not isinstance(item, dict):
            continue
        given = str(item.get("url") or item.get("external_url") or item.get("id") or "").strip()
        link = article_link(url, given) if given.startswith(("http://", "https://", "/")) else ""
        if not link:
            continue
        entries.append(
            Entry(
                feed_name=feed_name,
                link=article_link(url, link),
                title=normalise_line(str(item.get("title") or "")),
                summary=plain_text(str(item.get("summary") or "")),
                guid=str(item.get("id") or ""),
                published=parse_timestamp(str(item.get("date_published") or "")),
                updated=parse_timestamp(str(item.get("date_modified") or "")),
                content_html=str(item.get("content_html") or item.get("content_text") or ""),
            )
        )
    return ParsedFeed(title=normalise_line(str(document.get("title") or "")), entries=tuple(entries))
