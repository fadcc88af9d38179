"""`monitor classify`: JSON lines in, one decision per line out, in order."""

from __future__ import annotations

import json

from click.testing import CliRunner

from monitor.cli import cli
from tests.stories import CRICKET, TRADE_TALKS


def classify(lines: list[str]) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(cli, ["classify"], input="\n".join(lines) + "\n", catch_exceptions=False)
    return result.exit_code, [json.loads(line) for line in result.output.splitlines()]


def test_each_line_gets_a_decision_with_score_and_reasons() -> None:
    """A relevant and an off-topic item come back in order, with score, threshold and reasons."""
    items = [
        {"title": TRADE_TALKS.headline, "text": "\n".join(TRADE_TALKS.paragraphs)},
        {"title": CRICKET.headline, "summary": CRICKET.summary, "text": "\n".join(CRICKET.paragraphs)},
    ]

    code, out = classify([json.dumps(item) for item in items])

    assert code == 0
    assert [o["relevant"] for o in out] == [True, False]
    assert out[0]["score"] >= out[0]["threshold"] > out[1]["score"]
    assert any("India" in reason for reason in out[0]["reasons"])
    assert out[0]["reasons"][-1].startswith("score ")


def test_a_bad_line_gives_an_error_in_its_place_and_exit_one() -> None:
    """Unreadable lines are answered with {"error": ...} so outputs stay aligned; blank lines are skipped."""
    code, out = classify(["not json", "", '{"title": 5}', json.dumps({"title": "Modi and Biden meet"})])

    assert code == 1
    assert len(out) == 3
    assert "not JSON" in out[0]["error"]
    assert out[1]["error"] == "title: expected a string"
    assert "relevant" in out[2]
