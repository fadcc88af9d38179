"""The evaluation command: figures, confusion matrices and the list of errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.evaluate import figures, main

ITEMS = [
    {"id": "a", "title": "Jaishankar meets Rubio in Washington", "summary": "", "label": 1},
    {"id": "b", "title": "Trump hikes H-1B visa fee", "summary": "", "label": 1, "borderline": True},
    {"id": "c", "title": "Cleveland Indians beat the Yankees", "summary": "Baseball.", "label": 0},
    {"id": "d", "title": "Monsoon reaches Kerala", "summary": "", "label": 1},
]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in ITEMS) + "\n", encoding="utf-8")
    return path


def test_figures_from_pairs() -> None:
    """Precision, recall and F1 come from the (label, predicted) confusion matrix."""
    f = figures([(True, True), (True, False), (False, True), (False, False), (True, True)])
    assert (f.tp, f.fn, f.fp, f.tn) == (2, 1, 1, 1)
    assert (f.precision, f.recall) == pytest.approx((2 / 3, 2 / 3))
    assert f.f1 == pytest.approx(2 / 3)


def test_figures_without_positives_are_zero() -> None:
    """No predicted or labelled positives gives zeros, not a division error."""
    f = figures([(False, False)])
    assert (f.precision, f.recall, f.f1) == (0.0, 0.0, 0.0)


def test_prints_figures_on_all_and_non_borderline_items(
    labelled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report gives figures and a confusion matrix on all items, then on non-borderline ones."""
    assert main([str(labelled)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "stage decide, threshold 1.00"
    assert out[1] == "all: 4 items  precision 1.000  recall 0.667  F1 0.800"
    assert out[2:5] == [
        "                 predicted 1  predicted 0",
        "    label 1                2            1",
        "    label 0                0            1",
    ]
    assert out[5] == "non-borderline: 3 items  precision 1.000  recall 0.500  F1 0.667"
    assert len(out) == 9


def test_show_errors_lists_each_misclassified_item_with_reasons(
    labelled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--show-errors adds every wrong item with its kind, id, text and reasons."""
    assert main([str(labelled), "--show-errors"]) == 0
    out = capsys.readouterr().out
    assert "missed d: Monsoon reaches Kerala" in out
    assert "decide threshold 1.00: not relevant" in out
    assert "Cleveland" not in out


def test_gate_stage_uses_the_gate(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--stage gate scores with the gate and its lower threshold."""
    assert main([str(labelled), "--stage", "gate"]) == 0
    assert capsys.readouterr().out.startswith("stage gate, threshold 0.40")


def test_bad_line_is_reported_with_its_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A line that is not a labelled item exits 2 and names the line."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"title": "x", "label": 0}\n{"title": "no label"}\n', encoding="utf-8")
    assert main([str(path)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that cannot be read exits 2 with an error message."""
    assert main([str(tmp_path / "absent.jsonl")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
