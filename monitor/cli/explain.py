"""`monitor explain`: the monitor's decisions about one article, and why."""

from __future__ import annotations

import asyncio
import json

import click

from monitor.article import word_count
from monitor.cli import output
from monitor.cli.app import Context, cli, config_option
from monitor.explain import Explanation, explain
from monitor.relevance import Decision


def _source(source: str) -> str:
    return f"  (from {source})" if source else ""


def render(explanation: Explanation) -> list[tuple[str, str]]:
    """The explanation as (line, style) pairs for a person to read."""
    loaded = explanation.loaded
    lines: list[tuple[str, str]] = [
        (f"article    {loaded.location}", "bold"),
    ]
    if loaded.canonical_url:
        lines.append((f"canonical  {loaded.canonical_url}", ""))
    lines += [
        (f"headline   {loaded.headline or '(none found)'}{_source(loaded.headline_source)}", ""),
        (f"date       {loaded.published or '(none found)'}{_source(loaded.date_source)}", ""),
        (
            f"language   {loaded.language or 'unknown'}{_source(loaded.language_source)}"
            + ("" if explanation.language_accepted else "  -> not among [relevance] languages: dropped"),
            "",
        ),
        (
            f"body       {len(loaded.paragraphs)} paragraph(s), {word_count(loaded.paragraphs)} words"
            f"{_source(loaded.body_source)}",
            "",
        ),
        ("", ""),
    ]
    lines += _decision_lines("relevance", explanation.decision)
    lines.append(("", ""))
    lines += _decision_lines("gate (headline only, as a feed entry without summary)", explanation.gate)
    lines.append(("", ""))
    duplicate = explanation.duplicate
    if duplicate.duplicate and duplicate.article is not None:
        original = duplicate.article
        lines.append(
            (f'duplicate  yes: {duplicate.reason} as {original.file_name} "{original.headline}"', "yellow")
        )
    else:
        lines.append(("duplicate  no: no corpus article has this canonical URL or this text", "green"))
    return lines


def _decision_lines(title: str, decision: Decision) -> list[tuple[str, str]]:
    verdict = "RELEVANT" if decision.relevant else "NOT RELEVANT"
    sign = ">=" if decision.relevant else "<"
    style = "green" if decision.relevant else "red"
    lines = [
        (f"{title}: {verdict} (score {decision.score:.2f} {sign} threshold {decision.threshold:.2f})", style)
    ]
    if not decision.matches:
        lines.append(("  no India or US term found", ""))
    for match in decision.matches:
        if match.weight:
            times = f" x{match.count}" if match.count > 1 else ""
            what = match.term if match.list == "rule" else repr(match.term)
            lines.append((f"  {match.weight:+.2f}  {match.list:<10} {what} in {match.field}{times}", ""))
    idle = sum(1 for match in decision.matches if not match.weight)
    if idle:
        lines.append((f"  ({idle} more match(es) add nothing beyond the ones above; see --json)", "dim"))
    return lines


@cli.command("explain")
@config_option
@click.argument("target", metavar="URL-OR-FILE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text, for scripts.")
@click.pass_obj
def explain_command(ctx: Context, target: str, as_json: bool) -> None:
    """Show what the monitor decides about one article, and why.

    URL-OR-FILE is an article's URL (fetched), a saved HTML page, or a corpus
    .txt file. Shown: the headline and date and where each came from (JSON-LD,
    meta tags, the page's title...), the language check, the relevance score
    with every matched term, its field and weight, and the threshold, and
    whether it duplicates a corpus article (and which). Nothing is written.

    \b
    Examples:
      monitor explain https://example.org/news/india-us-trade-talks.html
      monitor explain seeds/004_da0ce7d92ab8cbee.txt
      monitor explain saved-page.html --json | jq .relevance.score
    """
    result = asyncio.run(explain(ctx.config, target))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    for line, style in render(result):
        output.say(line, style)
