"""Wall time of one pass with and without the hostile feeds, measured in one process.

    .venv/bin/python bench/hostile_pass.py [--rounds 3] [--workers N]

Each round runs two passes, each on a fresh state and a fresh copy of seeds/: the good feeds
alone, then the same good feeds plus the seventeen hostile feeds of tests/test_hostile.py
(slow drip, endless body, gzip bomb, redirect loop, private redirect, 429, 500-500-200, reset,
HTML, truncated XML, billion laughs, charsets, empty, 301→410, robots, a crowded host).
A warm-up pass first loads the language model and the parsers, so neither measured pass pays
for it. Settings are those of the hostile test: timeout 2 s, retries 2. ``--workers 0`` parses
and extracts in threads, which leaves the fetching alone to measure; by default the pass uses
its process pool, whose start-up is then part of both figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import parse_config  # noqa: E402
from monitor.pipeline import PassOptions, run_once  # noqa: E402
from tests.hostile_server import HostileServer, respond  # noqa: E402
from tests.sitegen import article_page, atom, rss2  # noqa: E402
from tests.stories import CRICKET, DEFENCE_DEAL, MONSOON, TRADE_TALKS, VISA_POLICY  # noqa: E402
from tests.test_hostile import PASS_CONFIG, build_hostile  # noqa: E402

GOOD_FEEDS = 8  # at least SMALL_PASS_FEEDS, so that both passes use the worker pool
GOOD_HOST = 17  # the port index of the good feeds; the hostile ones use 0-16


def build_good(server: HostileServer) -> dict[str, str]:
    """Eight good feeds on their own host, each with the three relevant stories and two off-topic ones."""
    stories = (TRADE_TALKS, DEFENCE_DEAL, VISA_POLICY, CRICKET, MONSOON)
    for story in stories:
        server.route(story.path, respond(200, article_page(story, server.url("", GOOD_HOST))), GOOD_HOST)
    feeds = {}
    for n in range(GOOD_FEEDS):
        items = [(s.headline, server.url(s.path, GOOD_HOST), s.summary, s.published) for s in stories]
        render = rss2 if n % 2 else atom
        kind = "application/rss+xml" if n % 2 else "application/atom+xml"
        feeds[f"Good{n}"] = server.route(f"/good{n}.xml", respond(200, render(f"Good {n}", items), kind),
                                         GOOD_HOST)
    return feeds


def one_pass(with_hostile: bool, workers: int | None) -> float:
    with tempfile.TemporaryDirectory() as folder, HostileServer(ports=18) as server:
        work = Path(folder)
        shutil.copytree(ROOT / "seeds", work / "seeds")
        feeds = build_good(server)
        if with_hostile:
            feeds.update(build_hostile(server))  # ports 0-16
        text = PASS_CONFIG + ("" if workers is None else f"[performance]\nworkers = {workers}\n")
        text += "".join(f'[[feeds]]\nname = "{n}"\nurl = "{u}"\n' for n, u in feeds.items())
        config = parse_config(tomllib.loads(text), source="bench", base=work)
        started = time.monotonic()
        report = asyncio.run(run_once(config, PassOptions(all_feeds=True)))
        elapsed = time.monotonic() - started
        print(f"  {'with' if with_hostile else 'without'} hostile feeds: {elapsed:.2f}s ({report.summary()})")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="performance.workers (default: config's)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    print("warm-up")
    one_pass(False, args.workers)
    without, with_ = [], []
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}")
        without.append(one_pass(False, args.workers))
        with_.append(one_pass(True, args.workers))
    a, b = statistics.median(without), statistics.median(with_)
    print(f"median pass without hostile feeds: {a:.2f}s")
    print(f"median pass with hostile feeds:    {b:.2f}s")
    print(f"ratio: {b / a:.2f}")


if __name__ == "__main__":
    main()
