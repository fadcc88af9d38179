"""Body-extraction quality of ``monitor.extract`` on the shared testbed, next to plain trafilatura.

For every page of ``../shared/testbed/articles`` with a ground-truth body, compare the
extracted paragraphs with it by bag-of-words token precision, recall and F1; for the
trafilatura set (snippets only) count the ``must_contain`` snippets found and the
``must_not_contain`` snippets avoided. The same pages go through ``trafilatura.extract``
with its defaults in the same run, for comparison.

    .venv/bin/python bench/extraction_quality.py [--out results.json] [--jobs 2] [--step 1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.extract import extract_page  # noqa: E402
from monitor.text import normalise_line  # noqa: E402

TESTBED = ROOT.parent / "shared" / "testbed"
# Scripts written without spaces between words are compared character by character.
_TOKEN = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
    r"|[^\W_\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.casefold()))


def scores(predicted: str, expected: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of ``predicted`` against ``expected``."""
    got, want = tokens(predicted), tokens(expected)
    overlap = sum((got & want).values())
    if not got or not want:
        return (1.0, 1.0, 1.0) if got == want else (0.0, 0.0, 0.0)
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def snippet_rates(text: str, row: dict[str, Any]) -> tuple[float, float]:
    """Share of must_contain snippets present and of must_not_contain snippets absent."""
    flat = normalise_line(text)
    present = [normalise_line(s) in flat for s in row.get("must_contain") or []]
    absent = [normalise_line(s) not in flat for s in row.get("must_not_contain") or []]
    return (statistics.fmean(present) if present else 1.0, statistics.fmean(absent) if absent else 1.0)


def load_rows(step: int = 1) -> list[dict[str, Any]]:
    """Ground-truth rows that carry a body or snippets, every ``step``-th one per set."""
    path = TESTBED / "articles" / "ground_truth.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("body") or r.get("must_contain")]
    by_set: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(row["file"].split("/")[1], []).append(row)
    return [row for group in by_set.values() for row in group[::step]]


def evaluate(row: dict[str, Any]) -> dict[str, Any]:
    """Run both extractors on one page and score them."""
    data = gzip.decompress((TESTBED / row["file"]).read_bytes())
    started = time.perf_counter()
    ours = "\n".join(extract_page(data, row["url"]).paragraphs)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    plain = trafilatura.extract(data, url=row["url"]) or ""
    plain_seconds = time.perf_counter() - started
    result: dict[str, Any] = {"set": row["file"].split("/")[1], "file": row["file"]}
    for name, text, seconds in (("monitor", ours, ours_seconds), ("trafilatura", plain, plain_seconds)):
        entry: dict[str, Any] = {"seconds": seconds}
        if row.get("body"):
            entry["precision"], entry["recall"], entry["f1"] = scores(text, row["body"])
        else:
            entry["contains"], entry["avoids"] = snippet_rates(text, row)
        result[name] = entry
    return result


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per set and extractor: means and medians of every score."""
    summary: dict[str, Any] = {}
    for set_name in sorted({r["set"] for r in results}):
        rows = [r for r in results if r["set"] == set_name]
        summary[set_name] = {"pages": len(rows)}
        for extractor in ("monitor", "trafilatura"):
            figures: dict[str, float] = {}
            for metric in ("precision", "recall", "f1", "contains", "avoids", "seconds"):
                values = [r[extractor][metric] for r in rows if metric in r[extractor]]
                if values:
                    figures[f"{metric}_mean"] = round(statistics.fmean(values), 4)
                    if metric in ("f1", "seconds"):
                        figures[f"{metric}_median"] = round(statistics.median(values), 4)
            summary[set_name][extractor] = figures
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the JSON here instead of stdout")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--step", type=int, default=1, help="take every N-th page of each set")
    parser.add_argument("--pages", action="store_true", help="include per-page scores")
    args = parser.parse_args(argv)
    if not TESTBED.is_dir():
        parser.error(f"testbed not found at {TESTBED}")
    rows = load_rows(args.step)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(evaluate, rows, chunksize=4))
    report: dict[str, Any] = {
        "metric": "bag-of-words token precision/recall/F1 against the ground-truth body",
        "seconds": round(time.perf_counter() - started, 1),
        "sets": summarise(results),
    }
    if args.pages:
        report["pages"] = results
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
