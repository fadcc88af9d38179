"""`monitor explain`: the relevance, duplicate, headline and date decisions on one article, with sources."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.conftest import Site, write_config
from tests.sitegen import article_page, rss2
from tests.stories import CRICKET, TRADE_TALKS


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def config(site: Site, project: Path) -> Path:
    for story in (TRADE_TALKS, CRICKET):
        site.serve(story.path, article_page(story, site.base))
    return write_config(project, [])


def test_relevant_page_shows_terms_threshold_and_sources(site: Site, config: Path) -> None:
    """A relevant page: verdict, matched terms with field and weight, threshold, headline and date sources."""
    result = invoke(config, "explain", site.url(TRADE_TALKS.path))

    assert result.exit_code == 0, result.output
    text = result.output
    assert f"headline   {TRADE_TALKS.headline}  (from json-ld)" in text
    assert "date       2026-11-19  (from json-ld)" in text
    assert "relevance: RELEVANT (score " in text and "threshold 1.00" in text
    assert "'India' in headline" in text
    assert "duplicate  no:" in text
    assert "\x1b[" not in text


def test_irrelevant_page_says_not_relevant_with_its_score(site: Site, config: Path) -> None:
    """An off-topic page is NOT RELEVANT, its score below the threshold."""
    result = invoke(config, "explain", site.url(CRICKET.path), "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["relevance"]["relevant"] is False
    assert data["relevance"]["score"] < data["relevance"]["threshold"] == 1.0
    assert data["headline"] == {"text": CRICKET.headline, "source": "json-ld"}
    assert data["date"] == {"value": "2026-11-16", "source": "json-ld"}
    assert data["duplicate"]["duplicate"] is False


def test_json_lists_every_match_with_term_field_and_weight(site: Site, config: Path) -> None:
    """--json gives each match as term, list, field, weight and count, and the canonical URL."""
    result = invoke(config, "explain", site.url(TRADE_TALKS.path) + "?utm_source=x", "--json")

    data = json.loads(result.output)
    assert data["canonical_url"] == site.url(TRADE_TALKS.path)
    matches = data["relevance"]["matches"]
    assert matches and set(matches[0]) == {"term", "list", "field", "weight", "count"}
    assert round(sum(m["weight"] for m in matches), 2) == round(data["relevance"]["score"], 2)


def test_an_article_already_in_the_corpus_is_a_duplicate_of_its_file(site: Site, config: Path) -> None:
    """After a pass wrote the article, explaining its URL names the corpus file it duplicates."""
    site.serve(
        "/rss.xml",
        rss2(
            "World",
            [(TRADE_TALKS.headline, site.url(TRADE_TALKS.path), TRADE_TALKS.summary, TRADE_TALKS.published)],
        ),
        "application/rss+xml",
    )
    write_config(config.parent, [("World", site.url("/rss.xml"))])
    assert invoke(config, "run").exit_code == 0
    written = next(p.name for p in (config.parent / "seeds").glob("005_*.txt"))

    result = invoke(config, "explain", site.url(TRADE_TALKS.path))

    assert f"duplicate  yes: same canonical URL as {written}" in result.output


def test_saved_html_and_corpus_files_are_read_without_fetching(config: Path, tmp_path: Path) -> None:
    """A saved page is extracted from disk; a corpus file is read as the corpus format."""
    page = tmp_path / "saved.html"
    page.write_text(article_page(TRADE_TALKS, "https://news.example.org"), encoding="utf-8")
    seed = next((config.parent / "seeds").glob("004_*.txt"))
    copy = tmp_path / seed.name
    shutil.copy(seed, copy)

    from_page = json.loads(invoke(config, "explain", str(page), "--json").output)
    from_seed = json.loads(invoke(config, "explain", str(copy), "--json").output)

    assert from_page["source"]["kind"] == "html-file" and from_page["relevance"]["relevant"] is True
    assert from_seed["source"]["kind"] == "corpus-file"
    assert from_seed["headline"]["source"] == from_seed["date"]["source"] == "corpus file"
    assert from_seed["duplicate"]["duplicate"] is False, "a corpus file is not a duplicate of itself"


def test_syndicated_copy_of_a_seed_is_reported_as_its_near_duplicate(site: Site, config: Path) -> None:
    """A seed's story under another headline, lightly edited and cut short, is named as that seed's copy."""
    project = config.parent
    seed = sorted((project / "seeds").glob("000_*.txt"))[0]
    paragraphs = seed.read_text(encoding="utf-8").split("\n")[1:]
    edited = [p.replace("Jaishankar", "EAM Jaishankar") if i == 2 else p for i, p in enumerate(paragraphs[:-3])]
    copy = replace(TRADE_TALKS, slug="wire-copy", headline="EAM Meets Rubio, Hegseth", paragraphs=tuple(edited))
    site.serve(copy.path, article_page(copy, site.base))

    result = invoke(config, "explain", site.url(copy.path), "--json")

    data = json.loads(result.output)
    assert data["duplicate"]["duplicate"] is True
    assert data["duplicate"]["reason"].startswith("near-duplicate text")
    assert data["duplicate"]["of"]["file"] == seed.name
