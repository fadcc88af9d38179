"""Nothing twice, end to end with the real CLI: syndicated copies, the seeds' stories, Google News links."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.corpus import read_file
from monitor.store import Store
from tests.conftest import SEEDS, Site, write_config
from tests.sitegen import Story, article_page, rss2
from tests.test_end_to_end import corpus_id, run_monitor
from tests.test_gnews import NEW_STYLE_ID, fake_google
from tests.wire_stories import INDEPENDENT, WIRE, edited, syndicated

PUBLISHED = "2026-11-20T10:00:00+05:30"


def story(slug: str, headline: str, paragraphs: tuple[str, ...], site_name: str = "Example Times") -> Story:
    summary = "Jaishankar and Rubio discuss the India-US trade deal and tariffs in Washington."
    return Story(
        slug=slug,
        headline=headline,
        published=PUBLISHED,
        paragraphs=paragraphs,
        summary=summary,
        site_name=site_name,
    )


def serve_feed(site: Site, path: str, title: str, stories: list[tuple[Story, str]]) -> None:
    """Serve each story's page and an RSS feed linking to them (link given explicitly for each story)."""
    for page, _ in stories:
        site.serve(page.path, article_page(page, site.base))
    items = [(page.headline, link, page.summary, page.published) for page, link in stories]
    site.serve(path, rss2(title, items), "application/rss+xml")


def new_files(project: Path) -> list[Path]:
    seeds = {p.name for p in SEEDS.iterdir()}
    files = (project / "seeds").iterdir()
    return sorted(p for p in files if not p.name.startswith(".") and p.name not in seeds)


def seen_outcomes(project: Path) -> dict[str, str]:
    with sqlite3.connect(project / ".monitor" / "state.db") as db:
        return dict(db.execute("SELECT key, outcome FROM seen").fetchall())


ORIGINAL = story("wire-jaishankar-rubio", "Jaishankar, Rubio Review Trade Talks and Defence Ties", WIRE)
MIRROR = story(
    "mirror-jaishankar-rubio",
    "India Presses US on Tariffs as EAM Meets Secretary of State",
    syndicated(WIRE),
    "Mirror Daily",
)
EDITED = story(
    "desk-jaishankar-rubio",
    "EAM Jaishankar Meets Rubio, Seeks Early India-US Trade Deal",
    edited(WIRE),
    "Desk News",
)
OTHER_REPORT = story(
    "own-report-jaishankar-rubio", "India, US Agree to Speed Up Trade Pact Talks", INDEPENDENT, "Mirror Daily"
)


def test_a_syndicated_story_is_written_once_and_its_other_outlets_are_kept(site: Site, project: Path) -> None:
    """Rewritten-headline and edited copies are counted as duplicates; an independent report is written."""
    serve_feed(site, "/wire.xml", "Wire", [(ORIGINAL, site.url(ORIGINAL.path))])
    write_config(project, [("Wire", site.url("/wire.xml"))])
    first = run_monitor(project, "run")
    assert first.returncode == 0, first.stderr
    assert "written 1" in first.stdout

    copies = [MIRROR, EDITED, OTHER_REPORT]
    serve_feed(site, "/mirror.xml", "Mirror", [(page, site.url(page.path)) for page in copies])
    write_config(project, [("Wire", site.url("/wire.xml")), ("Mirror", site.url("/mirror.xml"))])
    second = run_monitor(project, "run", "--all")

    assert second.returncode == 0, second.stderr
    assert "written 1" in second.stdout and "duplicates 2" in second.stdout
    assert "near-duplicate" in second.stderr
    headlines = [read_file(path).headline for path in new_files(project)]
    assert headlines == [ORIGINAL.headline, OTHER_REPORT.headline]
    with Store(project / ".monitor" / "state.db") as store:
        sources = store.article_sources(corpus_id(site.url(ORIGINAL.path)))
    assert sorted((url, feed) for url, feed, _ in sources) == sorted(
        [(site.url(MIRROR.path), "Mirror"), (site.url(EDITED.path), "Mirror")]
    )
    status = run_monitor(project, "status")
    mirror_row = next(line for line in status.stdout.splitlines() if line.startswith("Mirror"))
    header = status.stdout.splitlines()[0]
    assert mirror_row[header.index("DUPLICATES") :].split()[0] == "2"

    third = run_monitor(project, "run", "--all")
    assert "written 0" in third.stdout and "duplicates 0" in third.stdout


def test_the_seeds_own_stories_republished_are_not_added_again(site: Site, project: Path) -> None:
    """A served page whose body is a seed's paragraphs, under another headline and URL, is a duplicate."""
    republished = []
    for number, path in enumerate(sorted(SEEDS.iterdir())):
        seed = read_file(path)
        republished.append(
            story(
                f"republished-{number}",
                f"Republished: India-US ties, part {number}",
                seed.paragraphs,
                "Aggregator Times",
            )
        )
    serve_feed(site, "/aggregator.xml", "Aggregator", [(page, site.url(page.path)) for page in republished])
    write_config(project, [("Aggregator", site.url("/aggregator.xml"))])

    result = run_monitor(project, "run")

    assert result.returncode == 0, result.stderr
    assert "candidates 2" in result.stdout
    assert "written 0" in result.stdout and "duplicates 2" in result.stdout
    assert new_files(project) == []
    assert set(seen_outcomes(project).values()) == {"duplicate"}


def test_google_news_links_are_resolved_before_fetch_and_retried_when_resolution_fails(
    site: Site, project: Path
) -> None:
    """A Google News item is written under its publisher URL; an unresolved one is retried, never written."""
    resolvable, broken = NEW_STYLE_ID, NEW_STYLE_ID + "Bw"
    publisher = story("gn-publisher-page", "Jaishankar and Rubio Hold Talks on Trade", WIRE)
    later = story("gn-later-page", "India, US Agree to Speed Up Trade Pact Talks", INDEPENDENT)
    fake_google(site, {resolvable: site.url(publisher.path)})
    site.serve(f"/rss/articles/{broken}", "<html><body><p>Before you continue</p></body></html>")
    links = {
        page.slug: f"{site.base}/rss/articles/{article}?oc=5"
        for page, article in ((publisher, resolvable), (later, broken))
    }
    serve_feed(site, "/gnews.xml", "GNews", [(publisher, links[publisher.slug]), (later, links[later.slug])])
    write_config(project, [("GNews", site.url("/gnews.xml"))], f'[urls]\ngoogle_news_url = "{site.base}"')

    first = run_monitor(project, "run")

    assert first.returncode == 0, first.stderr
    assert "written 1" in first.stdout
    assert "link not resolved" in first.stderr
    (written,) = new_files(project)
    assert written.name == f"005_{corpus_id(site.url(publisher.path))}.txt"
    outcomes = seen_outcomes(project)
    assert outcomes[site.url(publisher.path)] == "written"
    assert outcomes[links[later.slug]] == "failed"
    assert not any(
        key.startswith(f"{site.base}/rss/") and outcome == "written" for key, outcome in outcomes.items()
    )

    fake_google(site, {resolvable: site.url(publisher.path), broken: site.url(later.path)})
    second = run_monitor(project, "run", "--all")

    assert second.returncode == 0, second.stderr
    assert "written 1" in second.stdout and "duplicates 0" in second.stdout
    assert [read_file(path).headline for path in new_files(project)] == [publisher.headline, later.headline]
    assert len(site.hits(f"/rss/articles/{resolvable}")) == 1, "a resolved link is not resolved again"


def test_the_pages_own_canonical_link_names_the_article_when_it_is_on_the_same_site(
    site: Site, project: Path
) -> None:
    """A variant URL whose page names its main URL is written under it; a link to another site is not."""
    main = story("main-version", "Jaishankar, Rubio Review Trade Talks and Defence Ties", WIRE)
    elsewhere = story("syndicated-version", "India, US Agree to Speed Up Trade Pact Talks", INDEPENDENT)
    site.serve("/mobile/variant-of-main.html", article_page(main, site.base))
    site.serve("/partner/reprint.html", article_page(elsewhere, "https://publisher.example"))
    variant = site.url("/mobile/variant-of-main.html?utm_source=rss")
    items = [
        (main.headline, variant, main.summary, PUBLISHED),
        (elsewhere.headline, site.url("/partner/reprint.html"), elsewhere.summary, PUBLISHED),
    ]
    site.serve("/feed.xml", rss2("Variants", items), "application/rss+xml")
    write_config(project, [("Variants", site.url("/feed.xml"))])

    result = run_monitor(project, "run")

    assert result.returncode == 0, result.stderr
    names = sorted(path.name[4:20] for path in new_files(project))
    assert names == sorted([corpus_id(site.url(main.path)), corpus_id(site.url("/partner/reprint.html"))])
