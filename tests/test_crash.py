"""Crashes and collisions: kill -9 mid-write, runs started together, a lost state database."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from monitor.check import check
from monitor.corpus import Corpus
from tests.conftest import monitor_command, run_monitor
from tests.killing import (
    ForkServer,
    NewsSite,
    by_id,
    corpus_files,
    kill_campaign,
    make_project,
    make_stories,
    reference_corpus,
)

KILLS_PER_CAMPAIGN = 10
CAMPAIGN_SEEDS = (1, 2)


def test_twenty_kill_nines_leave_only_whole_articles_and_reruns_fill_the_gaps(tmp_path: Path) -> None:
    """Twenty SIGKILLs at seeded points (mid-write, after the rename, at random times): every file is whole,
    nothing is written twice, and the following runs add exactly the missing articles."""
    with NewsSite(make_stories(60, seed=7)).running() as site, ForkServer() as first, ForkServer() as second:
        reference = reference_corpus(site)
        with ThreadPoolExecutor(2) as pool:
            jobs = [
                pool.submit(kill_campaign, tmp_path, site, reference, seed, KILLS_PER_CAMPAIGN, server.start)
                for seed, server in zip(CAMPAIGN_SEEDS, (first, second), strict=True)
            ]
            results = [job.result() for job in jobs]
    kills = sum(r.kills for r in results)
    assert kills >= 20
    assert sum(r.temporaries for r in results) >= 1, "no kill landed between temporary file and rename"
    assert sum(r.unindexed for r in results) >= 1, "no kill landed between rename and the state's record"
    assert all(r.repaired for r in results), "`monitor check --fix` was never exercised"


@pytest.mark.parametrize("shared_state", [True, False], ids=["shared-state", "separate-states"])
def test_runs_started_together_write_each_article_once_with_unique_indexes(
    tmp_path: Path, shared_state: bool
) -> None:
    """Three `monitor run` started at once on one corpus: each article lands once, indexes are unique."""
    with NewsSite(make_stories(20, seed=11), page_delay=0.01).running() as site:
        reference = reference_corpus(site)
        corpus = tmp_path / "seeds"
        folders = []
        for number in range(3):
            folder = tmp_path / f"runner-{number}"
            state = tmp_path / "shared.db" if shared_state else folder / "state.db"
            make_project(folder, site, f'[corpus]\ndir = "{corpus}"\n[state]\npath = "{state}"')
            folders.append(folder)
        make_project(tmp_path, site)  # the corpus folder with the seeds
        processes = [
            subprocess.Popen(
                monitor_command("run", "--all"),
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for folder in folders
        ]
        outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert by_id(corpus_files(tmp_path)) == reference
    indexes = sorted(int(name.split("_")[0]) for name in corpus_files(tmp_path))
    assert len(indexes) == len(set(indexes))
    assert indexes[2:] == list(range(5, 5 + len(reference) - 2)), "new files take 005, 006, ... without gaps"
    assert check(Corpus(corpus), None).problems == []


def test_deleted_state_then_reindex_makes_the_next_pass_write_nothing(tmp_path: Path) -> None:
    """With the state database deleted, `monitor reindex` rebuilds the index; a pass then rewrites nothing."""
    with NewsSite(make_stories(8, seed=5), page_delay=0).running() as site:
        folder = make_project(tmp_path, site)
        assert run_monitor(folder, "run").returncode == 0
        before = corpus_files(folder)
        assert len(before) == 10
        for path in (folder / ".monitor").glob("state.db*"):
            path.unlink()

        rebuilt = run_monitor(folder, "reindex")
        again = run_monitor(folder, "run", "--all")

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.strip() == "reindexed 10 files"
    assert again.returncode == 0, again.stderr
    assert "written 0" in again.stdout and "duplicates 8" in again.stdout
    assert corpus_files(folder) == before
    assert run_monitor(folder, "check").stdout.strip() == "ok: 10 files"
