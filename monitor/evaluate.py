"""Measure the relevance scorer on a labelled JSON-lines file.

    python -m monitor.evaluate FILE.jsonl [--stage gate|decide] [--show-errors]

Each line is an object with ``title``, ``summary`` and ``label`` (1 relevant, 0 not), and
optionally ``borderline`` and ``id``. Prints precision, recall, F1 and the confusion matrix on
all items and on the items not marked borderline, then, with ``--show-errors``, every item the
scorer got wrong with its score and reasons. This is a command: it prints, and exits 2 on a
file it cannot read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.relevance import Decision, Scorer


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled headline (and summary)."""

    id: str
    title: str
    summary: str
    label: bool
    borderline: bool


@dataclass(frozen=True, slots=True)
class Figures:
    """A confusion matrix and the figures drawn from it."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_items(path: Path) -> list[Item]:
    """The labelled items of a JSON-lines file; ValueError names the line that is wrong."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                Item(
                    id=str(row.get("id", f"line {number}")),
                    title=row["title"],
                    summary=row.get("summary") or "",
                    label=bool(row["label"]),
                    borderline=bool(row.get("borderline", False)),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a labelled item ({error})") from error
    return items


def figures(pairs: Iterable[tuple[bool, bool]]) -> Figures:
    """The confusion matrix of (label, predicted) pairs."""
    counts = {(True, True): 0, (False, True): 0, (True, False): 0, (False, False): 0}
    for label, predicted in pairs:
        counts[(label, predicted)] += 1
    return Figures(counts[(True, True)], counts[(False, True)], counts[(True, False)], counts[(False, False)])


def format_figures(name: str, f: Figures) -> list[str]:
    return [
        f"{name}: {f.tp + f.fp + f.fn + f.tn} items  precision {f.precision:.3f}  "
        f"recall {f.recall:.3f}  F1 {f.f1:.3f}",
        "                 predicted 1  predicted 0",
        f"    label 1      {f.tp:>11}  {f.fn:>11}",
        f"    label 0      {f.fp:>11}  {f.tn:>11}",
    ]


def format_error(item: Item, decision: Decision) -> list[str]:
    kind = "missed" if item.label else "false hit"
    soft = " (borderline)" if item.borderline else ""
    summary = f" | {item.summary[:160]}" if item.summary else ""
    lines = [f"{kind}{soft} {item.id}: {item.title}{summary}"]
    lines.extend(f"    {reason}" for reason in decision.reasons())
    return lines


def report(items: Sequence[Item], stage: str, scorer: Scorer, *, show_errors: bool) -> list[str]:
    """The report's lines: figures on all and on non-borderline items, then the errors."""
    decisions = [
        scorer.gate(i.title, i.summary) if stage == "gate" else scorer.decide(i.title, i.summary)
        for i in items
    ]
    pairs = [(i.label, d.relevant) for i, d in zip(items, decisions, strict=True)]
    firm = [pair for pair, i in zip(pairs, items, strict=True) if not i.borderline]
    lines = [f"stage {stage}, threshold {decisions[0].threshold:.2f}" if decisions else f"stage {stage}"]
    lines += format_figures("all", figures(pairs))
    lines += format_figures("non-borderline", figures(firm))
    if show_errors:
        for item, decision in zip(items, decisions, strict=True):
            if item.label != decision.relevant:
                lines += ["", *format_error(item, decision)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="labelled JSON lines: title, summary, label[, borderline]")
    parser.add_argument("--stage", choices=("gate", "decide"), default="decide")
    parser.add_argument("--show-errors", action="store_true", help="list the misclassified items")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.file)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report(items, args.stage, Scorer(), show_errors=args.show_errors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
