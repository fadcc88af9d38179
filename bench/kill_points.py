"""Exhaustive kill -9 run: hundreds of SIGKILLs of `monitor run` at seeded points, each checked.

The default test suite (tests/test_crash.py) kills twenty times; this one kills as many
times as asked, over several parallel campaigns, on a local site of generated India–US
stories. A kill lands at a random time after start, or when the k-th temporary file is
created, or when the k-th article is renamed into place (inotify). After every kill: every
file is whole and byte-identical to the expected article, nothing is written twice, the
only problems are a stale temporary file or a not-yet-indexed file; each following run adds
only missing articles; the final corpus holds every article exactly once and checks clean.

    .venv/bin/python bench/kill_points.py [--kills 300] [--jobs 2] [--stories 80] [--seed 1]
                                          [--exec] [--out results.json]

``--exec`` starts each run as a fresh `python -m monitor run --all` instead of forking it
from a process that has already imported monitor (slower; the same code runs either way).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.killing import (  # noqa: E402 (needs the project root on sys.path)
    ChainResult,
    ExecRun,
    ForkServer,
    NewsSite,
    kill_campaign,
    make_stories,
    reference_corpus,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=300, help="total kills over all campaigns")
    parser.add_argument("--jobs", type=int, default=2, help="campaigns run in parallel")
    parser.add_argument("--stories", type=int, default=80, help="articles on the local site")
    parser.add_argument("--seed", type=int, default=1, help="first campaign seed")
    parser.add_argument("--exec", dest="exec_runs", action="store_true", help="exec each run afresh")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    started = time.monotonic()
    share = [args.kills // args.jobs + (1 if n < args.kills % args.jobs else 0) for n in range(args.jobs)]
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        site = stack.enter_context(NewsSite(make_stories(args.stories, seed=7)).running())
        reference = reference_corpus(site)
        starters = [ExecRun if args.exec_runs else stack.enter_context(ForkServer()).start
                    for _ in range(args.jobs)]
        with ThreadPoolExecutor(args.jobs) as pool:
            jobs = [pool.submit(kill_campaign, Path(folder), site, reference, args.seed + n, kills,
                                starters[n])
                    for n, kills in enumerate(share)]
            results: list[ChainResult] = [job.result() for job in jobs]
    seconds = time.monotonic() - started

    kinds = Counter(trigger.split()[0] for r in results for trigger in r.triggers)
    figures = {
        "kills": sum(r.kills for r in results),
        "runs": sum(r.runs for r in results),
        "kills_by_trigger": dict(kinds),
        "stale_temporaries_left": sum(r.temporaries for r in results),
        "unindexed_files_left": sum(r.unindexed for r in results),
        "violations": 0,  # any violation raises before this point
        "seconds": round(seconds, 1),
        "exec_runs": args.exec_runs,
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
