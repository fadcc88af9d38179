"""`monitor export`: seeds and fetched articles with their metadata, and the duplicates that were skipped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.conftest import Site, write_config
from tests.sitegen import article_page, atom, rss2
from tests.stories import CRICKET, DEFENCE_DEAL, TRADE_TALKS, Story

SEED_FILES = ["000_7922f3cea14daa66.txt", "004_da0ce7d92ab8cbee.txt"]
WIRE_COPY = "/wire" + TRADE_TALKS.path


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def item(story: Story, site: Site, path: str | None = None) -> tuple[str, str, str, str]:
    return (story.headline, site.url(path or story.path), story.summary, story.published)


@pytest.fixture
def corpus(site: Site, project: Path) -> Path:
    """A project after two passes: two articles written, then two copies of one skipped as duplicates."""
    for story in (TRADE_TALKS, DEFENCE_DEAL, CRICKET):
        site.serve(story.path, article_page(story, site.base))
    site.serve("/mirror/trade.html", article_page(TRADE_TALKS, site.base))  # canonical: the original
    site.serve(WIRE_COPY, article_page(TRADE_TALKS, site.base + "/wire"))  # same text, its own URL
    site.serve(
        "/rss.xml", rss2("World", [item(TRADE_TALKS, site), item(CRICKET, site)]), "application/rss+xml"
    )
    site.serve("/atom.xml", atom("India", [item(DEFENCE_DEAL, site)]), "application/atom+xml")
    mirrored = [item(TRADE_TALKS, site, "/mirror/trade.html"), item(TRADE_TALKS, site, WIRE_COPY)]
    site.serve("/mirror.xml", rss2("Mirror", mirrored), "application/rss+xml")
    config = write_config(project, [("World", site.url("/rss.xml")), ("India", site.url("/atom.xml"))])
    assert invoke(config, "run").exit_code == 0
    write_config(
        project,
        [
            ("World", site.url("/rss.xml")),
            ("India", site.url("/atom.xml")),
            ("Mirror", site.url("/mirror.xml")),
        ],
    )
    assert invoke(config, "run", "--feed", "Mirror").exit_code == 0
    return config


def test_jsonl_has_every_article_with_its_metadata(site: Site, corpus: Path) -> None:
    """Seeds come with null URL, feed and score; fetched articles with URL, feed, fetch time and score."""
    result = invoke(corpus, "export")

    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in records[:2]] == SEED_FILES
    assert [r["index"] for r in records] == [0, 4, 5, 6]
    for seed in records[:2]:
        assert (seed["url"], seed["feed"], seed["fetched_at"], seed["score"]) == (None, None, None, None)
        assert seed["headline"] and seed["date"]
    fetched = {r["headline"]: r for r in records[2:]}
    trade = fetched[TRADE_TALKS.headline]
    assert trade["url"] == site.url(TRADE_TALKS.path)
    assert trade["feed"] == "World"
    assert trade["date"] == "2026-11-19"
    assert trade["fetched_at"].endswith("Z") and trade["score"] >= 1.0
    assert trade["file"] == f"{trade['index']:03d}_{trade['id']}.txt"
    assert [(s["url"], s["feed"]) for s in trade["also_seen_at"]] == [(site.url(WIRE_COPY), "Mirror")]
    assert fetched[DEFENCE_DEAL.headline]["feed"] == "India"
    assert set(records[0]) == {
        "index",
        "id",
        "file",
        "date",
        "headline",
        "url",
        "feed",
        "source_url",
        "fetched_at",
        "score",
        "also_seen_at",
    }


def test_csv_to_a_file_with_since_filter(corpus: Path) -> None:
    """--since keeps articles dated that day or later; a .csv output name picks CSV with a header row."""
    target = corpus.parent / "recent.csv"

    result = invoke(corpus, "export", "--since", "2026-11-19", "-o", str(target))

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [row["headline"] for row in rows] == [TRADE_TALKS.headline]
    assert rows[0]["feed"] == "World" and rows[0]["also_seen_at"].endswith(WIRE_COPY)


def test_csv_leaves_seed_metadata_empty(corpus: Path) -> None:
    """In CSV, a seed's URL, feed, fetch time and score are empty cells."""
    result = invoke(corpus, "export", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["file"] == SEED_FILES[0]
    assert (rows[0]["url"], rows[0]["feed"], rows[0]["score"]) == ("", "", "")


def test_skipped_lists_duplicates_with_the_article_they_duplicated(site: Site, corpus: Path) -> None:
    """Copies of an article already written are exported with the file and headline they duplicated."""
    result = invoke(corpus, "export", "--skipped")

    records = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(r["url"] for r in records) == [site.url("/mirror/trade.html"), site.url(WIRE_COPY)]
    for skipped in records:
        assert skipped["feed"] == "Mirror"
        assert skipped["duplicate_of_headline"] == TRADE_TALKS.headline
        assert skipped["duplicate_of_file"].endswith(f"_{skipped['duplicate_of_id']}.txt")


def test_bad_since_is_a_usage_error(corpus: Path) -> None:
    """A --since that is not a date exits 2 and says what it expected."""
    result = invoke(corpus, "export", "--since", "last week")

    assert result.exit_code == 2
    assert "expected a date such as 2026-11-01" in result.output
