"""`monitor export`: the corpus with its metadata as JSON lines or CSV."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

import click

from monitor import index
from monitor.cli import output
from monitor.cli.app import Context, cli, config_option
from monitor.corpus import Corpus
from monitor.exporter import FORMATS, Record, article_records, parse_since, skipped_records, write_records
from monitor.store import Store


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError:
        raise click.BadParameter(f"expected a date such as 2026-11-01, got {value!r}") from None


@cli.command("export")
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="jsonl (default) or csv; a --output name ending in .csv picks csv.",
)
@click.option(
    "--since", metavar="DATE", callback=_since, help="Only articles dated DATE (YYYY-MM-DD) or later."
)
@click.option(
    "--skipped",
    is_flag=True,
    help="Export the entries skipped as duplicates instead, with the article each duplicated.",
)
@output.output_option
@click.pass_obj
def export(
    ctx: Context, fmt: str | None, since: dt.date | None, skipped: bool, output_path: Path | None
) -> None:
    """The corpus with its metadata: one record per article.

    Fields: index, id, file, date, headline, url, feed, source_url,
    fetched_at, score, also_seen_at (the other outlets that ran the same
    text: url, feed and seen_at each; in CSV their URLs, space-separated).
    Seeds and files the monitor did not fetch itself have no url, feed,
    fetched_at or score (null in JSON, empty in CSV).

    With --skipped: url, feed, first_seen, and the duplicate_of_id, _file
    and _headline of the corpus article it duplicated.

    \b
    Examples:
      monitor export > corpus.jsonl
      monitor export --format csv --since 2026-11-01 -o november.csv
      monitor export --skipped | jq -r .duplicate_of_file | sort | uniq -c
    """
    fmt = fmt or ("csv" if output_path is not None and output_path.suffix.lower() == ".csv" else "jsonl")
    config = ctx.config
    corpus = Corpus(config.corpus_dir)
    with Store(config.state_path) as store:
        with corpus.lock():
            index.sync(store, corpus)
        records: list[Record] = list(
            skipped_records(store, since=since) if skipped else article_records(store, since=since)
        )
    if output_path is None:
        _write(records, sys.stdout, fmt)
        return
    with output_path.open("w", encoding="utf-8", newline="") as out:
        _write(records, out, fmt)
    output.note(f"wrote {len(records)} record(s) to {output_path}")


def _write(records: list[Record], out: TextIO, fmt: str) -> None:
    # A bar beside records printed to the same terminal would garble both.
    with output.progress(0 if out.isatty() else len(records), "exporting") as advance:
        write_records(records, out, fmt=fmt, advance=advance)
