"""OPML as a real reader exported it: the awesome-rss-feeds India list (skipped without the testbed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.opml import parse_opml

INDIA_OPML = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "testbed"
    / "other"
    / "opml"
    / "awesome-rss-feeds"
    / "countries"
    / "India.opml"
)


def test_real_reader_export_reads_every_feed_despite_its_bare_ampersands() -> None:
    """Every outline with an xmlUrl comes back with its name and folder, though the XML is not well-formed."""
    if not INDIA_OPML.is_file():
        pytest.skip(f"{INDIA_OPML} is absent")
    data = INDIA_OPML.read_bytes()

    feeds = parse_opml(data, str(INDIA_OPML))

    assert len(feeds) == data.count(b"xmlUrl=")
    assert all(f.xml_url.startswith("http") and f.title for f in feeds)
    assert {f.categories for f in feeds} == {("India",)}
    assert any("thehindu.com" in f.xml_url for f in feeds)
