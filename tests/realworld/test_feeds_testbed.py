"""Every real feed document of the shared testbed through one `monitor run --all`: parsed or explained.

The files are served from 127.0.0.1 with a content type chosen from their format in
``feeds/index.jsonl``; their article links point at the real sites and may fail (no network),
which is fine: the test is about the feeds. Skipped when the testbed is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.feeds import parse_with_feedparser
from monitor.xmlfeed import read_common_feed
from tests.conftest import Site, run_monitor, write_config
from tests.test_hostile import status_table

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FEEDS = SHARED / "testbed" / "feeds"
CONTENT_TYPES = {
    "rss2.0": "application/rss+xml",
    "rss0.9x": "application/rss+xml",
    "rss1.0-rdf": "application/rdf+xml",
    "atom": "application/atom+xml",
    "jsonfeed": "application/feed+json",
    "html": "text/html",
}

pytestmark = pytest.mark.skipif(not (FEEDS / "index.jsonl").is_file(), reason="shared testbed not present")


def test_every_testbed_feed_is_parsed_or_reported_with_a_reason(site: Site, project: Path) -> None:
    """Each document ends as ok with entries (or a genuinely empty feed), or as an error with a reason."""
    records = [json.loads(line) for line in (FEEDS / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    feeds, expected_items = [], {}
    for number, record in enumerate(records):
        name = f"tb{number:03d}"
        path = f"/testbed/{number}/{Path(record['file']).name}"
        body = (FEEDS.parent / record["file"]).read_bytes()
        site.serve(path, body, CONTENT_TYPES.get(record["format"], "application/octet-stream"))
        feeds.append((name, site.url(path)))
        expected_items[name] = record["items"]
    write_config(project, feeds, "respect_robots = false")

    run = run_monitor(project, "run", "--all", timeout=300)
    status = run_monitor(project, "status", timeout=300)

    assert "Traceback" not in run.stderr + status.stderr
    assert status.returncode == 0, status.stderr
    table = status_table(status.stdout)
    parsed, empty, reported, unexplained = [], [], [], []
    for name, _url in feeds:
        row = table[name]
        if row["ERRORS"] == "0" and int(row["ENTRIES"]) > 0:
            parsed.append(name)
        elif row["ERRORS"] == "0" and row["HTTP"] == "200":
            empty.append(name)  # read as a feed, but no item carries a link
        elif row["ERRORS"] != "0" and row["LAST ERROR"]:
            reported.append(f"{name} ({records[int(name[2:])]['file']}): {row['LAST ERROR']}")
        else:
            unexplained.append(f"{name}: {row}")
    print(
        f"\ntestbed feeds: {len(parsed)} parsed with entries, {len(empty)} parsed without a linked entry, "
        f"{len(reported)} reported with a reason"
    )
    print("\n".join(reported))
    assert not unexplained, unexplained
    assert all(expected_items[name] <= 1 for name in empty), empty
    assert len(parsed) + len(empty) + len(reported) == len(records)


def test_the_fast_reader_agrees_with_feedparser_on_every_real_feed_it_takes() -> None:
    """Same links, headlines and dates as feedparser; summaries may differ only where an item has
    several summary-like elements (feedparser keeps the last, the fast reader the description)."""
    records = [json.loads(line) for line in (FEEDS / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    taken = entries = summaries_differing = 0
    for record in records:
        body = (FEEDS.parent / record["file"]).read_bytes()
        fast = read_common_feed(body, feed_name="f", url="https://example.org/feed")
        if fast is None:
            continue
        taken += 1
        slow = parse_with_feedparser(body, feed_name="f", url="https://example.org/feed")
        assert fast.title == slow.title, record["file"]
        assert [(e.link, e.title, e.published, e.updated) for e in fast.entries] == [
            (e.link, e.title, e.published, e.updated) for e in slow.entries
        ], record["file"]
        entries += len(fast.entries)
        summaries_differing += sum(a.summary != b.summary for a, b in zip(fast.entries, slow.entries, strict=True))
    print(
        f"\nfast reader: {taken} of {len(records)} documents, {entries} entries, {summaries_differing} summaries differ"
    )
    assert taken >= 50
    assert summaries_differing <= entries // 20
