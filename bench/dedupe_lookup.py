"""Near-duplicate lookup time per article with 1,000 and with 100,000 fingerprints in a real SQLite state.

    .venv/bin/python bench/dedupe_lookup.py                        # 1,000 and 100,000, 400 lookups each
    .venv/bin/python bench/dedupe_lookup.py --sizes 1000 10000 --lookups 200

For each size the bench writes a fresh state (``monitor.store.Store`` in a temporary folder)
holding that many indexed articles with their fingerprints and LSH band rows, built from
synthetic bodies (150-400 words drawn from a Zipf-distributed vocabulary, so common
phrases recur across articles as they do in news). It then times the lookup the pipeline
makes before each write: ``Store.fingerprint_candidates(bands)`` plus ``best_match`` on the
candidates, for new bodies half of which are edited copies of stored ones. The fingerprint
itself is computed before the lookup and timed apart (its cost does not depend on the state).

Prints one JSON object, then one line for people; the ratio of the largest to the smallest
size's mean lookup time, taken in the same run, must stay at or below 2.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from monitor.dedupe import Fingerprint, best_match, fingerprint, text_hash
from monitor.store import ArticleRow, Store

VOCABULARY = 30_000


def synthetic_body(rng: random.Random, cumulative: list[float]) -> list[str]:
    """One article body: paragraphs of Zipf-distributed words."""
    count = rng.randint(150, 400)
    tokens = [f"w{n}" for n in rng.choices(range(VOCABULARY), cum_weights=cumulative, k=count)]
    return [" ".join(tokens[i : i + 40]) for i in range(0, len(tokens), 40)]


def edited_copy(body: list[str], rng: random.Random) -> list[str]:
    """A copy with a tenth of its words replaced."""
    tokens = " ".join(body).split()
    for _ in range(len(tokens) // 10):
        tokens[rng.randrange(len(tokens))] = f"w{rng.randrange(VOCABULARY)}"
    return [" ".join(tokens[i : i + 40]) for i in range(0, len(tokens), 40)]


def build_state(path: Path, size: int, rng: random.Random, cumulative: list[float]) -> list[list[str]]:
    """A state with ``size`` fingerprinted articles; returns its first bodies (the same for every size)."""
    sample: list[list[str]] = []
    with Store(path) as store:
        for start in range(0, size, 2000):
            with store.transaction():
                for number in range(start, min(size, start + 2000)):
                    body = synthetic_body(rng, cumulative)
                    identifier = f"{number:016x}"
                    name = f"{number:03d}_{identifier}.txt"
                    store.add_article(ArticleRow(identifier, number, name, None, "headline", "2026-01-01",
                                                 None, None, None, None, text_hash(body)))
                    store.add_fingerprint(identifier, fingerprint(body))
                    if len(sample) < 1000:
                        sample.append(body)
    return sample


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)
    candidates: int = 0
    caught: int = 0
    false_alarms: int = 0


def measure(paths: dict[int, Path], prints: list[tuple[Fingerprint, bool]]) -> dict[int, Tally]:
    """Each query against every state in turn, so background load falls on all sizes alike."""
    tallies = {size: Tally() for size in paths}
    stores = {size: Store(path) for size, path in paths.items()}
    try:
        for store in stores.values():
            store.fingerprint_candidates(prints[0][0].bands())  # open the file, read the schema
        for print_, is_copy in prints:
            for size, store in stores.items():
                tally = tallies[size]
                started = time.perf_counter()
                found = store.fingerprint_candidates(print_.bands())
                match = best_match(print_, found)
                tally.times.append((time.perf_counter() - started) * 1000)
                tally.candidates += len(found)
                tally.caught += is_copy and match is not None
                tally.false_alarms += (not is_copy) and match is not None
    finally:
        for store in stores.values():
            store.close()
    return tallies


def summary(tally: Tally, path: Path, lookups: int, copies: int) -> dict[str, float | int | str]:
    return {
        "lookup_ms_mean": round(statistics.fmean(tally.times), 4),
        "lookup_ms_median": round(statistics.median(tally.times), 4),
        "lookup_ms_p95": round(sorted(tally.times)[int(len(tally.times) * 0.95)], 4),
        "candidates_per_lookup": round(tally.candidates / lookups, 3),
        "copies_caught": f"{tally.caught}/{copies}",
        "false_alarms": tally.false_alarms,
        "state_mb": round(path.stat().st_size / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--lookups", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(VOCABULARY)))
    results: dict[str, dict[str, float | int | str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths, built = {}, {}
        for size in args.sizes:
            paths[size] = Path(folder) / f"state-{size}.db"
            started = time.perf_counter()
            sample = build_state(paths[size], size, random.Random(args.seed), cumulative)
            built[size] = round(time.perf_counter() - started, 1)
        rng = random.Random(args.seed + 1)
        queries = [(edited_copy(rng.choice(sample), rng), True) if n % 2 else
                   (synthetic_body(rng, cumulative), False) for n in range(args.lookups)]
        started = time.perf_counter()
        prints = [(fingerprint(body), is_copy) for body, is_copy in queries]
        fingerprint_ms = (time.perf_counter() - started) * 1000 / len(queries)
        tallies = measure(paths, prints)
        copies = sum(1 for _, is_copy in queries if is_copy)
        for size in args.sizes:
            figures = summary(tallies[size], paths[size], args.lookups, copies)
            results[str(size)] = {**figures, "build_s": built[size]}
    smallest, largest = str(min(args.sizes)), str(max(args.sizes))
    ratio = float(results[largest]["lookup_ms_mean"]) / float(results[smallest]["lookup_ms_mean"])
    print(json.dumps({"sizes": results, "lookups": args.lookups,
                      "fingerprint_ms_mean": round(fingerprint_ms, 4), "ratio": round(ratio, 3)}, indent=2))
    print(f"near-duplicate lookup: {results[smallest]['lookup_ms_mean']:.3f} ms per article at {smallest} "
          f"fingerprints, {results[largest]['lookup_ms_mean']:.3f} ms at {largest}; ratio {ratio:.2f} "
          f"({'ok' if ratio <= 2 else 'OVER 2'})")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
