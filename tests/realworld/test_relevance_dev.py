"""The relevance scorer on the labelled development set in ../shared/relevance/ (skipped without it)."""

from __future__ import annotations

from monitor.evaluate import Figures, Item, figures
from monitor.relevance import Scorer


def measure(items: list[Item], stage: str, *, firm_only: bool = False) -> Figures:
    scorer = Scorer()
    judge = scorer.gate if stage == "gate" else scorer.decide
    return figures(
        (i.label, judge(i.title, i.summary).relevant) for i in items if not (firm_only and i.borderline)
    )


def test_decision_on_non_borderline_items(items: list[Item]) -> None:
    """On headline and summary, precision and recall reach 0.95 on the non-borderline items."""
    f = measure(items, "decide", firm_only=True)
    assert f.precision >= 0.95
    assert f.recall >= 0.95


def test_decision_on_all_items(items: list[Item]) -> None:
    """On headline and summary, F1 reaches 0.90 on all items, borderline ones included."""
    assert measure(items, "decide").f1 >= 0.90


def test_gate_recall(items: list[Item]) -> None:
    """The gate lets through at least 98% of the relevant items, borderline ones included."""
    assert measure(items, "gate").recall >= 0.98
