"""The benchmark web generator: deterministic, realistic sizes, the promised mix, parseable feeds."""

from __future__ import annotations

from bench.web_content import WebSpec, entry_count, feed_document, item, items, page, page_for_path
from monitor.extract import extract_page
from monitor.feeds import parse_feed

SPEC = WebSpec(feeds=60)


def test_feed_and_page_are_the_same_bytes_every_time() -> None:
    """Rendering is a pure function of the spec and the address."""
    assert feed_document(SPEC, 7) == feed_document(SPEC, 7)
    assert page(SPEC, 7, 3) == page(SPEC, 7, 3)


def test_feed_lists_its_entries_and_parses() -> None:
    """A feed parses to exactly its entries, on its own host, both formats."""
    for feed in (0, 3):
        body, content_type = feed_document(SPEC, feed)
        parsed = parse_feed(body, feed_name="f", url=SPEC.feed_url(feed), content_type=content_type)
        assert [e.link for e in parsed.entries] == [e.url for e in items(SPEC, feed)]
        assert all(e.link.startswith(SPEC.base(feed)) for e in parsed.entries)
        assert SPEC.min_entries <= len(parsed.entries) <= SPEC.max_entries


def test_pages_are_news_sized_and_extract_to_their_story() -> None:
    """Article pages weigh 30–100 KB and extraction finds the feed's headline."""
    story = item(SPEC, 5, 2)
    body = page_for_path(SPEC, "/" + story.url.split("/", 3)[3])
    assert body is not None and SPEC.min_page_bytes <= len(body) <= SPEC.max_page_bytes + 2_000
    assert extract_page(body, story.url, charset="utf-8").headline == story.headline


def test_about_five_percent_of_entries_are_india_us_stories() -> None:
    """The mix over 60 feeds is near the spec's shares."""
    kinds = [e.kind for feed in range(SPEC.feeds) for e in items(SPEC, feed)]
    assert len(kinds) == sum(entry_count(SPEC, feed) for feed in range(SPEC.feeds))
    assert 0.035 < kinds.count("india-us") / len(kinds) < 0.065
    assert kinds.count("other") / len(kinds) > 0.85
