"""`monitor run` end to end: a local web of feeds and pages, a copy of the seeds, the real CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import SEEDS, Site, run_monitor, write_config
from tests.sitegen import article_page, atom, rss1, rss2
from tests.stories import CRICKET, DEFENCE_DEAL, MONSOON, TRADE_TALKS, VISA_POLICY


def corpus_id(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def item(story, site: Site, query: str = ""):  # type: ignore[no-untyped-def]
    return (story.headline, site.url(story.path) + query, story.summary, story.published)


def build_site(site: Site) -> None:
    for story in (TRADE_TALKS, DEFENCE_DEAL, VISA_POLICY, CRICKET, MONSOON):
        site.serve(story.path, article_page(story, site.base))
    site.serve(
        "/rss.xml",
        rss2("World", [item(TRADE_TALKS, site), item(CRICKET, site)]),
        "application/rss+xml",
        etag='"rss-1"',
    )
    site.serve(
        "/atom.xml",
        atom("India", [item(DEFENCE_DEAL, site), item(TRADE_TALKS, site, "?utm_source=rss&utm_medium=feed")]),
        "application/atom+xml",
        etag='"atom-1"',
    )
    site.serve(
        "/rdf.xml",
        rss1("Policy", [item(VISA_POLICY, site), item(MONSOON, site)]),
        "application/rdf+xml",
        etag='"rdf-1"',
    )
    site.serve("/broken.xml", "upstream exploded", "text/plain", status=500)


def expected_file(story) -> str:  # type: ignore[no-untyped-def]
    date = story.published[:10]
    return "\n".join([f" date {date} {story.headline}", *story.paragraphs])


FEEDS = [("World", "/rss.xml"), ("India", "/atom.xml"), ("Policy", "/rdf.xml"), ("Broken", "/broken.xml")]


def test_first_pass_writes_exactly_the_new_relevant_articles(site: Site, project: Path) -> None:
    """Three relevant stories from RSS 2.0, Atom and RSS 1.0 land as files 005-007, byte for byte."""
    build_site(site)
    write_config(project, [(name, site.url(path)) for name, path in FEEDS])

    result = run_monitor(project, "run")

    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (project / "seeds").iterdir() if not p.name.startswith("."))
    originals = sorted(p.name for p in SEEDS.iterdir())
    new = [name for name in files if name not in originals]
    assert sorted(name[:4] for name in new) == ["005_", "006_", "007_"]
    by_id = {name[4:20]: (project / "seeds" / name).read_bytes() for name in new}
    for story in (TRADE_TALKS, DEFENCE_DEAL, VISA_POLICY):
        assert by_id[corpus_id(site.url(story.path))] == expected_file(story).encode("utf-8")
    for name in originals:
        assert (project / "seeds" / name).read_bytes() == (SEEDS / name).read_bytes()
    assert "feeds ok 3, failed 1" in result.stdout
    assert "written 3" in result.stdout
    assert "Broken" in result.stderr and "500" in result.stderr
    assert len(site.hits(CRICKET.path)) == 0, "an off-topic headline must not cost a page fetch"


def test_second_pass_writes_nothing_and_sends_conditional_requests(site: Site, project: Path) -> None:
    """A rerun finds every feed unchanged (304) and leaves the corpus as it was."""
    build_site(site)
    write_config(project, [(name, site.url(path)) for name, path in FEEDS])
    assert run_monitor(project, "run").returncode == 0
    before = sorted((project / "seeds").iterdir())

    result = run_monitor(project, "run", "--all")

    assert result.returncode == 0, result.stderr
    assert sorted((project / "seeds").iterdir()) == before
    assert "written 0" in result.stdout
    for path in ("/rss.xml", "/atom.xml", "/rdf.xml"):
        second = site.hits(path)[-1]
        assert second.headers.get("If-None-Match"), f"{path} was not fetched conditionally"


def test_status_shows_one_row_per_feed_with_its_error(site: Site, project: Path) -> None:
    """`monitor status` lists each feed with its HTTP status, counts and last error."""
    build_site(site)
    write_config(project, [(name, site.url(path)) for name, path in FEEDS])
    run_monitor(project, "run")

    result = run_monitor(project, "status")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["FEED", "LAST"]
    broken = next(line for line in lines if line.startswith("Broken"))
    assert " 500 " in broken and "Internal Server Error" in broken
    world = next(line for line in lines if line.startswith("World"))
    assert world.split()[3] == "200"


def test_every_feed_unreachable_exits_one_with_a_summary(project: Path) -> None:
    """With nothing listening, the pass ends within its timeouts, says so, and exits 1."""
    write_config(project, [("Dead 1", "http://127.0.0.1:9/a.xml"), ("Dead 2", "http://127.0.0.1:9/b.xml")])

    result = run_monitor(project, "run", timeout=60)

    assert result.returncode == 1
    assert "feeds ok 0, failed 2" in result.stdout
    assert "Traceback" not in result.stderr
    assert "connect" in result.stderr


def test_invalid_config_names_file_and_field(project: Path) -> None:
    """A misspelt key stops with exit 2 and one line naming the file, the field and a suggestion."""
    (project / "monitor.toml").write_text("[http]\ntimout = 5\n", encoding="utf-8")

    result = run_monitor(project, "run")

    assert result.returncode == 2
    expected = f"monitor: error: {project / 'monitor.toml'}: http.timout: unknown key (did you mean 'timeout'?)"
    assert result.stderr.strip() == expected
