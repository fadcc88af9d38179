"""Body extraction measured on real pages of the shared testbed against their ground truth.

Every third page of each set (a fixed, deterministic sample) is run through
``extract_page``; bodies are compared by bag-of-words token F1, and the trafilatura set
by its must_contain / must_not_contain snippets. Floors sit 0.03 below what this sample
measured; ``bench/extraction_quality.py`` gives the full figures for every page.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from monitor.extract import extract_page
from monitor.text import normalise_line

SHARED = Path(__file__).resolve().parents[3] / "shared"
ARTICLES = SHARED / "testbed" / "articles"
STEP = 3
F1_FLOORS = {"newspaper4k": 0.76, "readability": 0.94, "scrapinghub-aeb": 0.92}
SNIPPET_FLOORS = {"contains": 0.86, "avoids": 0.88}
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
_TOKEN = re.compile(rf"[{_NO_SPACE_SCRIPTS}]|[^\W_{_NO_SPACE_SCRIPTS}]+")


def _rows() -> dict[str, list[dict[str, Any]]]:
    path = ARTICLES / "ground_truth.jsonl"
    if not path.is_file():
        pytest.skip(f"testbed not found at {ARTICLES}")
    by_set: dict[str, list[dict[str, Any]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("body") or row.get("must_contain"):
            by_set.setdefault(row["file"].split("/")[1], []).append(row)
    return {name: rows[::STEP] for name, rows in by_set.items()}


def _text(row: dict[str, Any]) -> str:
    data = gzip.decompress((SHARED / "testbed" / row["file"]).read_bytes())
    return "\n".join(extract_page(data, row["url"]).paragraphs)


def _f1(predicted: str, expected: str) -> float:
    got, want = (Counter(_TOKEN.findall(t.casefold())) for t in (predicted, expected))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    return _rows()


@pytest.mark.parametrize("set_name", sorted(F1_FLOORS))
def test_body_f1_against_ground_truth(rows: dict[str, list[dict[str, Any]]], set_name: str) -> None:
    """Mean token F1 of the extracted body against the set's ground truth stays above its floor."""
    scores = [_f1(_text(row), row["body"]) for row in rows[set_name]]
    mean, median = statistics.fmean(scores), statistics.median(scores)
    print(f"{set_name}: {len(scores)} pages, F1 mean {mean:.4f}, median {median:.4f}")
    assert mean >= F1_FLOORS[set_name]


def test_trafilatura_snippets(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Most must_contain snippets are kept and most must_not_contain snippets are left out."""
    contains: list[bool] = []
    avoids: list[bool] = []
    for row in rows["trafilatura"]:
        text = normalise_line(_text(row))
        contains += [normalise_line(s) in text for s in row.get("must_contain") or []]
        avoids += [normalise_line(s) not in text for s in row.get("must_not_contain") or []]
    rates = {"contains": statistics.fmean(contains), "avoids": statistics.fmean(avoids)}
    print(
        f"trafilatura: {len(rows['trafilatura'])} pages, snippets kept {rates['contains']:.4f}, "
        f"boilerplate avoided {rates['avoids']:.4f}"
    )
    assert rates["contains"] >= SNIPPET_FLOORS["contains"]
    assert rates["avoids"] >= SNIPPET_FLOORS["avoids"]
