"""The gate's word prefilter on the labelled development set in ../shared/relevance/ (skipped without it)."""

from __future__ import annotations

import pytest

from monitor.evaluate import Item
from monitor.relevance import Scorer


@pytest.mark.parametrize("gate_threshold", [None, 0.2, 0.3, 0.31, 0.0])
def test_prefilter_gives_the_gate_decisions(items: list[Item], gate_threshold: float | None) -> None:
    """An item the prefilter skips is one the gate drops, as written and in capitals, at any gate threshold."""
    scorer = Scorer(gate_threshold=gate_threshold)
    for item in items:
        for title, summary in ((item.title, item.summary), (item.title.upper(), item.summary.upper())):
            if not scorer.may_pass_gate(title, summary):
                assert not scorer.gate(title, summary).relevant, (gate_threshold, title)


def test_prefilter_skips_items_without_either_side(items: list[Item]) -> None:
    """At the default threshold the prefilter skips the items naming neither side, and only items the gate drops."""
    scorer = Scorer()
    skipped = [item for item in items if not scorer.may_pass_gate(item.title, item.summary)]
    assert skipped
    assert all(not scorer.gate(item.title, item.summary).relevant for item in skipped)
