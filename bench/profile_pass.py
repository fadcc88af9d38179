"""Where a cold pass spends its CPU: cProfile of one ``run_once`` in this process, grouped by stage.

Parsing and extraction run in the profiled thread (not in worker processes) so that one
profile sees every stage; the web answers without latency, so that the wall time is CPU
time but for what the event loop spends waiting (shown as its own line).

    .venv/bin/python -m bench.profile_pass --feeds 200 [--top 25]

Writes ``bench/results/profile-<feeds>.json`` (self time per stage, top functions) and
``profile-<feeds>.pstats`` for snakeviz or ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.scale import RESULTS, write_config
from bench.web_server import add_spec_options, running, spec_from

STAGES = (  # (stage, substrings of the file name or built-in function), first match wins
    ("idle: waiting for the network", ("select.epoll", "poll' of 'select")),
    ("feedparser (feed parsing)", ("feedparser", "pyexpat", "xml/sax", "sgmllib")),
    (
        "trafilatura/lxml (extraction)",
        (
            "trafilatura",
            "lxml",
            "justext",
            "htmldate",
            "courlan",
            "charset_normalizer",
            "monitor/extract.py",
            "lxml_html_clean",
            "dateparser",
        ),
    ),
    ("sqlite3 (state)", ("sqlite3", "monitor/store.py", "monitor/index.py")),
    ("hashing and fingerprints", ("_hashlib", "hashlib", "monitor/dedupe", "numpy")),
    ("relevance scoring", ("monitor/relevance", "re.Pattern", "monitor/text.py", "language", "langid")),
    (
        "http client (httpx/h11/asyncio)",
        (
            "httpx",
            "httpcore",
            "h11",
            "asyncio",
            "socket",
            "ssl",
            "selectors",
            "anyio",
            "monitor/fetcher.py",
            "robots",
            "protego",
        ),
    ),
    ("corpus writes (fsync, rename)", ("posix.fsync", "posix.rename", "monitor/corpus.py")),
    ("urls (canonical, parse)", ("urllib/parse", "monitor/identity.py")),
    ("pipeline and records", ("monitor/",)),
)


def stage_of(file_name: str, function: str) -> str:
    where = f"{file_name}:{function}"
    for stage, needles in STAGES:
        if any(needle in where for needle in needles):
            return stage
    return "other (stdlib, logging)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_spec_options(parser)
    parser.add_argument("--top", type=int, default=25)
    parser.set_defaults(feeds=200, port=8810)
    args = parser.parse_args()
    spec = spec_from(args)
    work = RESULTS / f"profile-work-{spec.feeds}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "seeds").mkdir(parents=True)
    config_path = write_config(work, spec, 0, 0.0)

    from monitor.config import load_config
    from monitor.pipeline import PassOptions, run_once
    from monitor.workers import Workers

    async def inline(_self: Workers, function: Callable[..., Any], *arguments: object) -> Any:
        return function(*arguments)  # in the profiled thread, not the pool's

    Workers._run = inline  # type: ignore[method-assign]
    config = load_config(config_path)
    profiler = cProfile.Profile()  # wall clock: a CPU-time clock is a system call, too slow to profile with
    with running(spec, 0.0, work):
        started = time.perf_counter()
        profiler.enable()
        report = asyncio.run(run_once(config, PassOptions(all_feeds=True)))
        profiler.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    stats.dump_stats(RESULTS / f"profile-{spec.feeds}.pstats")
    by_stage: dict[str, float] = defaultdict(float)
    rows = []
    for (file_name, _line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_stage[stage_of(file_name, function)] += tottime
        rows.append((cumtime, tottime, calls, f"{file_name}:{function}"))
    total = sum(by_stage.values())
    result = {
        "feeds": spec.feeds,
        "wall_s": round(wall, 2),
        "summary": report.summary(),
        "self_time_by_stage_s": {k: round(v, 2) for k, v in sorted(by_stage.items(), key=lambda kv: -kv[1])},
        "self_time_total_s": round(total, 2),
        "top_cumulative": [
            {"function": name, "cum_s": round(cum, 3), "self_s": round(own, 3), "calls": calls}
            for cum, own, calls, name in sorted(rows, reverse=True)[: args.top]
        ],
    }
    out = RESULTS / f"profile-{spec.feeds}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("wall_s", "summary", "self_time_by_stage_s")}, indent=2))


if __name__ == "__main__":
    main()
