"""`monitor check` and `monitor reindex`: verify the corpus and the state, and rebuild the index."""

from __future__ import annotations

import sys

import click

from monitor import check as checks
from monitor.cli.app import Context, cli, config_option, setup_logging
from monitor.corpus import Corpus
from monitor.store import Store

PROGRESS_EVERY = 1000
"""`monitor reindex` reports progress every this many files."""


@cli.command()
@config_option
@click.option(
    "--fix",
    "repair",
    is_flag=True,
    help="Remove stale temporary files, index unknown files, forget rows of missing files.",
)
@click.pass_obj
def check(ctx: Context, repair: bool) -> None:
    """Verify every corpus file against the format, and the state against the corpus.

    Prints one line per problem and exits 1, or prints "ok: N files" and exits 0.
    --fix never rewrites or deletes an article; a malformed file is for you to mend.

    \b
    Examples:
      monitor check
      monitor check --fix              after a crash or a hand edit
    """
    setup_logging(0, quiet=True)  # the report below names every problem
    config = ctx.config
    corpus = Corpus(config.corpus_dir)
    if repair:
        with Store(config.state_path) as store:
            for line in checks.fix(corpus, store):
                click.echo(f"fixed {line}")
            report = checks.check(corpus, store)
    elif config.state_path.exists():
        with Store(config.state_path) as store:
            report = checks.check(corpus, store)
    else:
        report = checks.check(corpus, None)
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems:
        sys.exit(1)
    click.echo(f"ok: {report.files} files")


@cli.command()
@config_option
@click.pass_obj
def reindex(ctx: Context) -> None:
    """Rebuild the state's index of the corpus from the corpus folder alone.

    Feed bookkeeping and seen entries are kept. A damaged state database is first
    moved aside (to <name>.corrupt-<time>) and a new one is built.

    \b
    Example:
      monitor reindex
    """
    setup_logging(0, quiet=True)  # the summary names what was left out
    config = ctx.config
    store, moved = checks.open_state(config.state_path)
    if moved is not None:
        click.echo(f"moved the damaged state database to {moved}", err=True)

    def progress(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0:
            click.echo(f"reindex: {done}/{total} files", err=True)

    with store:
        report = checks.reindex(store, Corpus(config.corpus_dir), progress=progress)
    summary = f"reindexed {len(report.added)} files"
    if report.unreadable:
        summary += f"; {len(report.unreadable)} not indexed (see 'monitor check')"
    click.echo(summary)
    sys.exit(1 if report.unreadable else 0)
