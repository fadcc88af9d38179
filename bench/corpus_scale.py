"""Start-up and per-article duplicate-check cost against corpora of 1,000 and 100,000 files.

    .venv/bin/python -m bench.corpus_scale --sizes 1000 100000

For each size, in one run:
1. A corpus of that many files in the corpus format (varied text, ~2 KB each) is written.
2. The first ``monitor run`` (no feeds) indexes it: the one time the files are read.
3. Start-up with a current state: the median wall time of five more ``monitor run``
   subprocesses, and in this process the median of ``index.sync`` plus the stale-temporary
   sweep (what ``run_once`` does before any feed), with the number of files each opened.
4. Per-article cost: one in-process pass over a small local web (the same pages for every
   size, no latency) with ``Pass._write`` timed call by call. Calls are serialised by an
   outer lock, so each time is the duplicate checks (same URL, same text, near-duplicate),
   the corpus write and its bookkeeping, never a wait for another write.

Writes ``bench/results/corpus-scale.json`` with the ratios 100,000 : 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.scale import RESULTS, write_config
from bench.web_content import FILLER_WORDS, WebSpec
from bench.web_server import running


def make_corpus(folder: Path, size: int) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(size)
    for index in range(size):
        identifier = hashlib.sha256(f"https://corpus.example/{index}".encode()).hexdigest()[:16]
        paragraphs = [
            " ".join(rng.choice(FILLER_WORDS) for _ in range(40)).capitalize() + "."
            for _ in range(rng.randint(4, 8))
        ]
        headline = " ".join(rng.choice(FILLER_WORDS) for _ in range(8)).title()
        (folder / f"{index:03d}_{identifier}.txt").write_text(
            "\n".join([f" date 2025-0{1 + index % 9}-1{index % 10} {headline}", *paragraphs]),
            encoding="utf-8",
        )


def monitor_run(folder: Path, config: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "run", "-q"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def startup_in_process(config_path: Path, repeats: int = 5) -> dict[str, Any]:
    """index.sync and the stale-temporary sweep, timed, with the files they opened counted."""
    import builtins

    from monitor import index
    from monitor.config import load_config
    from monitor.corpus import Corpus
    from monitor.store import Store

    config = load_config(config_path)
    opened = 0
    real_open = builtins.open
    path_read_bytes = Path.read_bytes

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        nonlocal opened
        opened += 1
        return real_open(*args, **kwargs)

    def counting_read_bytes(self: Path) -> bytes:
        nonlocal opened
        opened += 1
        return path_read_bytes(self)

    times = []
    builtins.open = counting_open
    Path.read_bytes = counting_read_bytes  # type: ignore[method-assign]
    try:
        for _ in range(repeats):
            corpus = Corpus(config.corpus_dir)
            started = time.perf_counter()
            with Store(config.state_path) as store, corpus.lock():
                index.remove_stale_temporaries(store, corpus)
                report = index.sync(store, corpus)
            times.append(time.perf_counter() - started)
            assert report.skipped, "the state should be current"
    finally:
        builtins.open = real_open
        Path.read_bytes = path_read_bytes  # type: ignore[method-assign]
    return {"median_s": round(statistics.median(times), 5), "files_opened": opened}


def per_article(config_path: Path) -> dict[str, Any]:
    """One pass with ``Pass._write`` timed per call."""
    from monitor.config import load_config
    from monitor.pipeline import Pass, PassOptions, run_once

    original: Callable[..., Any] = Pass._write
    times: list[float] = []
    outer = asyncio.Lock()

    async def timed(self: Pass, *args: Any, **kwargs: Any) -> Any:
        async with outer:
            started = time.perf_counter()
            try:
                return await original(self, *args, **kwargs)
            finally:
                times.append(time.perf_counter() - started)

    Pass._write = timed  # type: ignore[method-assign]
    try:
        report = asyncio.run(run_once(load_config(config_path), PassOptions(all_feeds=True)))
    finally:
        Pass._write = original  # type: ignore[method-assign]
    return {
        "writes_timed": len(times),
        "written": report.total("written"),
        "median_ms": round(statistics.median(times) * 1000, 3) if times else None,
        "mean_ms": round(statistics.fmean(times) * 1000, 3) if times else None,
    }


def main() -> None:
    from monitor.index import RACY_NS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument(
        "--feeds", type=int, default=20, help="feeds of the local web for the per-article pass"
    )
    parser.add_argument("--port", type=int, default=8820)
    args = parser.parse_args()
    spec = WebSpec(feeds=args.feeds, port=args.port, hosts=min(49, args.feeds))
    results: dict[str, Any] = {"sizes": {}}
    for size in args.sizes:
        work = RESULTS / f"corpus-{size}"
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        make_corpus(work / "seeds", size)
        made = time.perf_counter() - started
        empty = write_config(work, WebSpec(feeds=0), 0, 0.0)
        first = monitor_run(work, empty)
        # A folder changed in the last RACY_NS is never trusted as current, and the first run changed it
        # (its lock file): once it has settled, one more run records the stamp that start-up relies on.
        settled = (work / "seeds").stat().st_mtime_ns + RACY_NS
        time.sleep(max(0.0, (settled - time.time_ns()) / 1e9) + 0.1)
        monitor_run(work, empty)
        startup_runs = [monitor_run(work, empty) for _ in range(5)]
        entry: dict[str, Any] = {
            "corpus_written_s": round(made, 1),
            "first_run_indexing_s": round(first, 2),
            "startup_subprocess_median_s": round(statistics.median(startup_runs), 3),
            "startup_in_process": startup_in_process(empty),
        }
        web_config = write_config(work, spec, 0, 0.0)
        with running(spec, 0.0, work):
            entry["per_article"] = per_article(web_config)
        results["sizes"][str(size)] = entry
        print(json.dumps({size: entry}), file=sys.stderr)
        shutil.rmtree(work / "seeds")
    if len(args.sizes) >= 2:
        small, large = (results["sizes"][str(s)] for s in (min(args.sizes), max(args.sizes)))
        results["ratios_large_to_small"] = {
            "startup_subprocess": round(
                large["startup_subprocess_median_s"] / small["startup_subprocess_median_s"], 2
            ),
            "startup_in_process": round(
                large["startup_in_process"]["median_s"] / small["startup_in_process"]["median_s"], 2
            ),
            "per_article_median": round(
                large["per_article"]["median_ms"] / small["per_article"]["median_ms"], 2
            ),
        }
    out = RESULTS / "corpus-scale.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
