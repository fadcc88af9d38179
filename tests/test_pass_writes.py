"""Corpus upkeep of a pass: the index and the stale-temporary sweep re-read the folder only when it changed."""

from __future__ import annotations

import asyncio
import os
import time
import tomllib
from pathlib import Path

import pytest

from monitor import index
from monitor.config import parse_config
from monitor.corpus import TEMP_PREFIX, Corpus
from monitor.pipeline import PassOptions, run_once
from monitor.store import Store
from tests.conftest import Site
from tests.sitegen import article_page, rss2
from tests.stories import DEFENCE_DEAL, TRADE_TALKS, VISA_POLICY

STORIES = (TRADE_TALKS, DEFENCE_DEAL, VISA_POLICY)


def serve_news(site: Site) -> str:
    for story in STORIES:
        site.serve(story.path, article_page(story, site.base))
    items = [(s.headline, site.url(s.path), s.summary, s.published) for s in STORIES]
    site.serve("/feed.xml", rss2("News", items), "application/rss+xml")
    return site.url("/feed.xml")


def test_writes_of_one_pass_do_not_rescan_the_index(site: Site, project: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Three articles written back to back read the whole index at most twice, not once per write."""
    text = "[http]\nallow_private_addresses = true\ntimeout = 5\nretries = 0\nhost_delay = 0\n"
    text += f'[[feeds]]\nname = "news"\nurl = "{serve_news(site)}"\n'
    config = parse_config(tomllib.loads(text), source="test", base=project)
    scans = []
    real = Store.article_names

    def counted(store: Store) -> dict[str, str]:
        scans.append(1)
        return real(store)

    monkeypatch.setattr(Store, "article_names", counted)
    report = asyncio.run(run_once(config, PassOptions(all_feeds=True)))
    assert report.total("written") == 3
    # once at start-up and once at the first write: the seeds were just copied, too recent a stamp to trust
    assert len(scans) <= 2
    with Store(config.state_path) as store:
        assert set(store.article_names()) == {name for _, _, name in Corpus(config.corpus_dir).names()}


def age_folder(folder: Path) -> None:
    """Set the folder's mtime an hour back, as for a corpus nobody wrote to lately."""
    past = time.time() - 3600
    os.utime(folder, (past, past))


def test_sweep_is_skipped_while_the_folder_is_unchanged(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After one sweep of an unchanged folder the next start-up does not list the folder again."""
    corpus = Corpus(project / "seeds")
    sweeps = []
    real = Corpus.remove_stale_temporaries

    def counted(self: Corpus) -> list[str]:
        sweeps.append(1)
        return real(self)

    monkeypatch.setattr(Corpus, "remove_stale_temporaries", counted)
    with Store(project / "state.db") as store, corpus.lock():
        age_folder(corpus.directory)  # after the lock file's creation
        assert index.remove_stale_temporaries(store, corpus) == []
        assert index.remove_stale_temporaries(store, corpus) == []
    assert len(sweeps) == 1


def test_temporary_left_after_a_sweep_is_removed(project: Path) -> None:
    """A crashed writer's temporary file, left after the last sweep, is removed at the next start-up."""
    corpus = Corpus(project / "seeds")
    with Store(project / "state.db") as store, corpus.lock():
        age_folder(corpus.directory)
        assert index.remove_stale_temporaries(store, corpus) == []
        (corpus.directory / f"{TEMP_PREFIX}001_abc.txt.99").write_text("partial", encoding="utf-8")
        assert index.remove_stale_temporaries(store, corpus) == [f"{TEMP_PREFIX}001_abc.txt.99"]
    assert not corpus.temporary_files()
