"""Feed discovery from an HTML page (pure): the feeds a page links to, and common fallback paths."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
})
FALLBACK_PATHS = ("/feed", "/rss.xml", "/feed.xml", "/atom.xml", "/rss", "/index.xml", "/feeds/posts/default")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)
_SNIFF_BYTES = 2048


def looks_like_html(body: bytes) -> bool:
    """True when a document starts like an HTML page (after a BOM, blanks and comments)."""
    start = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(start))


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str]] = []  # (href, type), in document order

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "link" and values.get("href"):
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rels and kind in FEED_TYPES:
                self.links.append((values["href"].strip(), kind))


def discover_feeds(html_bytes: bytes, base_url: str) -> list[str]:
    """Absolute URLs of the feeds a page declares with ``<link rel="alternate" type="…">``.

    RSS, Atom and JSON Feed types are recognised; the page's ``<base href>`` is honoured;
    duplicates are dropped and document order is kept. Only http(s) URLs are returned.
    """
    collector = _LinkCollector()
    collector.feed(html_bytes.decode("utf-8", errors="replace"))
    collector.close()
    base = urljoin(base_url, collector.base) if collector.base else base_url
    found: dict[str, None] = {}
    for href, _kind in collector.links:
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https"):
            found.setdefault(url, None)
    return list(found)


def fallback_feed_urls(page_url: str) -> list[str]:
    """Common feed locations on a page's site, to try when the page declares no feed."""
    parts = urlsplit(page_url)
    root = f"{parts.scheme}://{parts.netloc}"
    return [root + path for path in FALLBACK_PATHS]
