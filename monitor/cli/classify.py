"""`monitor classify`: relevance decisions for JSON lines on standard input."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from monitor.cli.app import Context, cli, config_option
from monitor.relevance import Scorer


def classify_line(scorer: Scorer, line: str) -> dict[str, Any]:
    """The decision for one input line, or ``{"error": ...}`` when the line is not a usable object."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(item, dict):
        return {"error": "expected a JSON object with title and text"}
    fields = {key: item.get(key, "") for key in ("title", "summary", "text")}
    wrong = [key for key, value in fields.items() if not isinstance(value, str)]
    if wrong:
        return {"error": f"{', '.join(wrong)}: expected a string"}
    decision = scorer.decide(fields["title"], fields["summary"], fields["text"])
    return {
        "relevant": decision.relevant,
        "score": decision.score,
        "threshold": decision.threshold,
        "reasons": decision.reasons(),
    }


@cli.command()
@config_option
@click.pass_obj
def classify(ctx: Context) -> None:
    """Score JSON lines from standard input for India–US relevance.

    Each input line is an object with "title" and "text" (and optionally
    "summary"); each output line is {"relevant": ..., "score": ...,
    "threshold": ..., "reasons": [...]} in the same order. A line that cannot
    be read gives {"error": ...} in its place, and the exit code is then 1.
    Blank lines are skipped.

    \b
    Examples:
      echo '{"title": "Modi meets Biden", "text": "..."}' | monitor classify
      jq -c '{title, text}' articles.jsonl | monitor classify > decisions.jsonl
    """
    relevance = ctx.config.relevance
    scorer = Scorer(
        threshold=relevance.threshold, gate_threshold=relevance.gate_threshold, extra_terms=relevance.terms
    )
    failed = False
    for line in sys.stdin:
        if not line.strip():
            continue
        result = classify_line(scorer, line)
        failed = failed or "error" in result
        click.echo(json.dumps(result, ensure_ascii=False))
    if failed:
        sys.exit(1)
