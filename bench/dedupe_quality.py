"""Precision and recall of the duplicate decision on pairs built from real article texts.

    .venv/bin/python bench/dedupe_quality.py                       # testbed at ../shared/testbed
    .venv/bin/python bench/dedupe_quality.py --testbed ../shared/testbed --seed 7

The bodies come from the testbed's articles/ground_truth.jsonl (English bodies of 80 words or
more). From each body the bench builds one pair of each kind:

- copies (should be caught): ``exact``; ``boilerplate`` (another headline, the outlet's own
  boilerplate paragraphs making up about 20% of the text, short leading/closing paragraphs
  dropped); ``edited`` (about 20% of the sentences reworded: a third of their words replaced);
  ``truncated`` (the first 60% of the text);
- distinct articles (should be kept): ``distinct`` (a random other article) and
  ``same_topic`` (the other article nearest to it by word-frequency cosine: the hardest
  negatives the testbed has).

The decision is the pipeline's: equal ``text_hash``, or a candidate found through the LSH band
keys whose containment passes ``best_match``. For each copy kind, precision counts that kind's
pairs against all distinct pairs; recall is the share of the kind's pairs caught. Prints one
JSON object, then one line for people.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from pathlib import Path

from monitor.dedupe import Fingerprint, best_match, fingerprint, text_hash, words

COPY_KINDS = ("exact", "boilerplate", "edited", "truncated")
DISTINCT_KINDS = ("distinct", "same_topic")
BOILERPLATE = (
    "Follow us on Twitter, Facebook and Instagram for the latest news and updates from around the world.",
    "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)",
    "Also read: Markets close higher as investors cheer quarterly earnings; rupee steady",
    "Subscribe to our newsletter to get the day's top stories delivered to your inbox every morning.",
    "Disclaimer: The views expressed are the author's own. Copyright 2026, all rights reserved.",
    "With inputs from agencies.",
    "Download our app for breaking news alerts, live coverage and exclusive analysis.",
    "Catch all the latest updates on our live blog and share your views in the comments below.",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def english_bodies(testbed: Path) -> list[dict[str, str]]:
    lines = (testbed / "articles" / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    kept = []
    for row in rows:
        body = row.get("body") or ""
        letters = [c for c in body if c.isalpha()]
        if len(body.split()) >= 80 and letters and sum(c.isascii() for c in letters) / len(letters) > 0.95:
            kept.append({"title": row.get("title") or "", "url": row.get("url") or "", "body": body})
    return kept


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def _count(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def with_boilerplate(body: str, rng: random.Random) -> list[str]:
    parts = paragraphs(body)
    if len(parts) > 2 and len(parts[0].split()) <= 25:
        parts = parts[1:]
    if len(parts) > 2 and len(parts[-1].split()) <= 25:
        parts = parts[:-1]
    added: list[str] = []
    while _count(added) < 0.25 * _count(parts):  # 25% of the kept text is 20% of the result
        added.append(rng.choice(BOILERPLATE))
    half = len(added) // 2
    return added[:half] + parts + added[half:]


def with_edits(body: str, rng: random.Random, vocabulary: list[str]) -> list[str]:
    edited = []
    for paragraph in paragraphs(body):
        sentences = []
        for sentence in _SENTENCE.split(paragraph):
            tokens = sentence.split()
            if tokens and rng.random() < 0.2:
                for _ in range(max(1, len(tokens) // 3)):
                    tokens[rng.randrange(len(tokens))] = rng.choice(vocabulary)
            sentences.append(" ".join(tokens))
        edited.append(" ".join(sentences))
    return edited


def truncated(body: str, share: float = 0.6) -> list[str]:
    """The first ``share`` of the words, cut at a sentence end where there is one."""
    tokens = body.split()
    cut = " ".join(tokens[: max(1, int(len(tokens) * share))])
    return [p.strip() for p in cut.split("\n") if p.strip()] or [cut]


def nearest_neighbours(texts: list[str]) -> list[int]:
    """For each text, the index of the other text nearest by TF-IDF cosine."""
    counts = [Counter(w for w in words([t]) if len(w) > 2) for t in texts]
    frequency = Counter(w for c in counts for w in c)
    idf = {w: math.log(len(texts) / n) for w, n in frequency.items()}
    vectors = []
    for c in counts:
        vector = {w: n * idf[w] for w, n in c.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    nearest = []
    for i, a in enumerate(vectors):
        scores = [(sum(v * b.get(w, 0.0) for w, v in a.items()), j) for j, b in enumerate(vectors) if j != i]
        nearest.append(max(scores)[1])
    return nearest


def decide(first: list[str], second: list[str], prints: dict[int, Fingerprint], key: tuple[int, int]) -> bool:
    """The pipeline's verdict: identical normalised text, or a band-sharing candidate passing best_match."""
    if text_hash(first) == text_hash(second):
        return True
    a = prints.setdefault(key[0], fingerprint(first))
    b = prints.setdefault(key[1], fingerprint(second))
    if not set(a.bands()) & set(b.bands()):
        return False
    return best_match(b, [("a", a)]) is not None


def run(testbed: Path, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    bodies = english_bodies(testbed)
    vocabulary = [w for b in bodies for w in b["body"].split()]
    originals = [paragraphs(b["body"]) for b in bodies]
    nearest = nearest_neighbours([b["body"] for b in bodies])
    prints: dict[int, Fingerprint] = {}
    flagged: dict[str, list[bool]] = {kind: [] for kind in COPY_KINDS + DISTINCT_KINDS}
    serial = len(bodies)
    for i, body in enumerate(bodies):
        copies = {
            "exact": list(originals[i]),
            "boilerplate": with_boilerplate(body["body"], rng),
            "edited": with_edits(body["body"], rng, vocabulary),
            "truncated": truncated(body["body"]),
        }
        for kind, copy in copies.items():
            flagged[kind].append(decide(originals[i], copy, prints, (i, serial)))
            serial += 1
        others = {"distinct": rng.choice([j for j in range(len(bodies)) if j != i]), "same_topic": nearest[i]}
        for kind, j in others.items():
            if bodies[j]["title"] == body["title"] or (body["url"] and bodies[j]["url"] == body["url"]):
                continue  # the testbed holds a few pages twice; such a pair is no negative
            flagged[kind].append(decide(originals[i], originals[j], prints, (i, j)))
    false_positives = sum(sum(flagged[k]) for k in DISTINCT_KINDS)
    kinds: dict[str, dict[str, float | int]] = {}
    for kind in COPY_KINDS:
        caught = sum(flagged[kind])
        kinds[kind] = {
            "pairs": len(flagged[kind]),
            "precision": round(caught / (caught + false_positives), 4) if caught + false_positives else 1.0,
            "recall": round(caught / len(flagged[kind]), 4),
        }
    for kind in DISTINCT_KINDS:
        kinds[kind] = {"pairs": len(flagged[kind]), "false_positives": sum(flagged[kind]),
                       "false_positive_rate": round(sum(flagged[kind]) / len(flagged[kind]), 4)}
    positives = sum(len(flagged[k]) for k in COPY_KINDS)
    caught = sum(sum(flagged[k]) for k in COPY_KINDS)
    return {
        "articles": len(bodies),
        "seed": seed,
        "kinds": kinds,
        "precision": round(caught / (caught + false_positives), 4) if caught + false_positives else 1.0,
        "recall": round(caught / positives, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "testbed"
    parser.add_argument("--testbed", type=Path, default=default)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (args.testbed / "articles" / "ground_truth.jsonl").is_file():
        print(f"no testbed at {args.testbed}", file=sys.stderr)
        return 2
    result = run(args.testbed, args.seed)
    print(json.dumps(result, indent=2))
    kinds = result["kinds"]
    assert isinstance(kinds, dict)
    recalls = ", ".join(f"{k} {kinds[k]['recall']:.3f}" for k in COPY_KINDS)
    negatives = ", ".join(f"{k} {kinds[k]['false_positives']}/{kinds[k]['pairs']}" for k in DISTINCT_KINDS)
    print(f"duplicate decision on {result['articles']} real bodies: precision {result['precision']:.3f}, "
          f"recall {result['recall']:.3f} (recall by kind: {recalls}; false positives: {negatives})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
