"""OPML reading and writing (pure): nested folders, attribute spellings, hostile documents."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import FormatError
from monitor.opml import OpmlFeed, parse_opml, render_opml

FEEDS = [
    OpmlFeed("https://a.example/rss", "A & Co", "https://a.example/", ("News", "India")),
    OpmlFeed("https://b.example/atom", "B", "", ("News",)),
    OpmlFeed("https://c.example/feed", "C"),
]


def test_render_then_parse_keeps_feeds_names_and_nested_folders() -> None:
    """An exported document reads back as the same feeds, folders and site URLs, in order."""
    text = render_opml(FEEDS, title="t", created=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))

    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert parse_opml(text.encode("utf-8")) == FEEDS


def test_miniflux_style_lowercase_attributes_and_text_only_names() -> None:
    """xmlurl in any case is a feed; a feed with only `text` is named by it."""
    data = (
        b'<opml version="2.0"><body><outline text="Tech"><outline text="X" xmlurl="https://x/rss"/>'
        b"</outline></body></opml>"
    )

    assert parse_opml(data) == [OpmlFeed("https://x/rss", "X", "", ("Tech",))]


@pytest.mark.parametrize(
    "data, message",
    [
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', "entity declarations"),
        (b"<rss><channel/></rss>", "not an OPML document"),
        (b"<opml><head/></opml>", "without a <body>"),
        (b"\x00\x01 nothing", "not XML"),
    ],
)
def test_documents_that_are_not_usable_opml_are_refused(data: bytes, message: str) -> None:
    """Entity declarations, other XML and garbage raise FormatError naming the problem."""
    with pytest.raises(FormatError, match=message):
        parse_opml(data, "subs.opml")
