"""Feed discovery from HTML pages, and telling an HTML page from a feed."""

from __future__ import annotations

from monitor.discover import discover_feeds, fallback_feed_urls, looks_like_html

PAGE = b"""<!DOCTYPE html>
<html><head>
<title>Example Times</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="World" href="/world/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://feeds.example.org/atom">
<link rel="alternate" type="application/feed+json" href="feed.json">
<link rel="alternate" type="application/rss+xml" href="/world/rss.xml">
<link rel="alternate" hreflang="hi" href="/hi/">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/1">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><a href="/other.xml" rel="alternate" type="application/rss+xml">not a link</a></body></html>"""


def test_alternate_links_of_feed_types_in_document_order() -> None:
    """RSS, Atom and JSON Feed links are found, made absolute, deduplicated, in order; others ignored."""
    assert discover_feeds(PAGE, "https://example.org/news/index.html") == [
        "https://example.org/world/rss.xml",
        "https://feeds.example.org/atom",
        "https://example.org/news/feed.json",
    ]


def test_base_href_and_attribute_case_are_honoured() -> None:
    """<base href> sets the base; REL and TYPE in capitals and a charset parameter still match."""
    page = (
        b'<html><head><base href="https://cdn.example.org/site/">'
        b'<LINK REL="Alternate Feed" TYPE="application/atom+xml; charset=utf-8" HREF="atom.xml">'
        b"</head></html>"
    )
    assert discover_feeds(page, "https://example.org/") == ["https://cdn.example.org/site/atom.xml"]


def test_page_without_feeds_and_broken_bytes_give_an_empty_list() -> None:
    """No alternate link, or undecodable bytes, is simply no feed."""
    assert discover_feeds(b"<html><head></head><body>hi</body></html>", "https://example.org/") == []
    assert discover_feeds(b"\xff\xfe<link rel=alternate", "https://example.org/") == []


def test_fallbacks_are_common_paths_on_the_site_root() -> None:
    """Fallback candidates sit at the root of the page's site."""
    urls = fallback_feed_urls("https://example.org/deep/page.html?x=1")
    assert "https://example.org/feed" in urls and "https://example.org/rss.xml" in urls
    assert all(url.startswith("https://example.org/") for url in urls)


def test_html_is_told_apart_from_feeds() -> None:
    """Pages (after a BOM, blanks or a comment) look like HTML; RSS, Atom and JSON do not."""
    assert looks_like_html(b"\xef\xbb\xbf\n  <!DOCTYPE html><html>")
    assert looks_like_html(b"<!-- generated --><html lang=en>")
    assert not looks_like_html(b'<?xml version="1.0"?><rss version="2.0"></rss>')
    assert not looks_like_html(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>')
    assert not looks_like_html(b'{"version": "https://jsonfeed.org/version/1.1"}')
