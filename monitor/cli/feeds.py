"""`monitor feeds`: list, add, remove, enable, import and export the feeds of the config file."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import click

from monitor.cli import output
from monitor.cli.app import Context, cli, config_option
from monitor.config import DEFAULT_CONFIG_NAME, FeedConfig, HttpConfig, load_config, parse_duration
from monitor.feed_policy import enable_feed
from monitor.feedlist import FeedListFile
from monitor.feedprobe import FoundFeed, find_feed
from monitor.fetcher import Fetcher
from monitor.opml import OpmlFeed, parse_opml, render_opml
from monitor.store import FeedState, Store


def _config_file(ctx: Context) -> Path:
    """The file that feed edits go to: --config, else ./monitor.toml (created when absent)."""
    return ctx.config_path or Path.cwd() / DEFAULT_CONFIG_NAME


def _http_config(ctx: Context) -> HttpConfig:
    path = _config_file(ctx)
    return load_config(path).http if path.exists() else HttpConfig()


def _save(edit: FeedListFile) -> None:
    edit.save()
    if edit.created:
        output.note(f"created {edit.path} with the built-in feed list, so the default feeds stay polled")
    elif edit.defaults_added:
        output.note(
            f"{edit.path} had no [[feeds]]: copied the built-in feed list into it first, "
            f"so the default feeds stay polled"
        )


def format_interval(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def feed_state(state: FeedState | None) -> tuple[str, str]:
    """(ok / failing / disabled / new, detail) of a feed from its state row."""
    if state is None or state.last_fetch is None:
        return "new", "never polled"
    if state.disabled_reason:
        return "disabled", state.disabled_reason
    if state.consecutive_errors:
        return (
            "failing",
            f"{state.consecutive_errors} error(s) in a row: {state.last_error or state.error_kind}",
        )
    return "ok", ""


_STATE_STYLES = {"ok": "green", "failing": "yellow", "disabled": "red", "new": None}


@cli.group()
def feeds() -> None:
    """Manage the feed list: the [[feeds]] of the config file.

    Changes go to the file given with --config, else ./monitor.toml (created
    when absent). Comments and order in the file are kept. A file without
    [[feeds]] polls the built-in list: the first change copies that list into
    the file, so adding one feed does not drop the defaults.

    \b
    Examples:
      monitor feeds list
      monitor feeds add https://www.thehindu.com/news/international/
      monitor feeds import subscriptions.opml
    """


@feeds.command("list")
@config_option
@click.pass_obj
def list_feeds(ctx: Context) -> None:
    """One row per feed: name, URL, poll interval, and state (ok, failing, disabled, new).

    \b
    Examples:
      monitor feeds list
      monitor feeds list | grep failing
    """
    config = ctx.config
    states: dict[str, FeedState] = {}
    if config.state_path.exists():
        with Store(config.state_path) as store:
            states = {state.name: state for state in store.feeds()}
    rows, styles = [], []
    for feed in config.feeds:
        state, detail = feed_state(states.get(feed.name))
        rows.append(
            [feed.name, feed.url, format_interval(feed.interval or config.schedule.interval), state, detail]
        )
        styles.append(_STATE_STYLES[state])
    output.table(["NAME", "URL", "INTERVAL", "STATE", "DETAIL"], rows, styles=styles)
    if config.feeds_from_defaults:
        output.note("(the built-in feed list: the config names no [[feeds]] of its own)")


@feeds.command("add")
@config_option
@click.argument("url")
@click.option("--name", help="Name for the feed (default: the feed's own title).")
@click.option(
    "--interval",
    metavar="DURATION",
    help='Poll interval such as "10m" or "2h" (default: [schedule] interval).',
)
@click.pass_obj
def add_feed(ctx: Context, url: str, name: str | None, interval: str | None) -> None:
    """Add a feed, after checking that it fetches and parses.

    URL may be the feed itself or a site's page: the page's
    <link rel="alternate"> feed is used then. A feed already listed (same URL,
    or same name) is refused.

    \b
    Examples:
      monitor feeds add https://example.org/world/rss.xml --name "Example World"
      monitor feeds add https://example.org/        (finds the page's feed)
      monitor feeds add https://example.org/rss --interval 30m
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint="URL")
    if interval:
        parse_duration(interval, "--interval")
    edit = FeedListFile(_config_file(ctx))
    _refuse_duplicate(edit, name or "", url)
    found = asyncio.run(_find(_http_config(ctx), url))
    if found.page_url:
        output.note(f"{url} is not a feed; it links to {found.url}")
    feed_name = (name or found.title or urlsplit(found.url).hostname or found.url).strip()
    _refuse_duplicate(edit, feed_name, found.url)
    edit.add(feed_name, found.url, interval)
    _save(edit)
    output.say(f'added "{feed_name}" {found.url} ({found.entries} entries now) to {edit.path}', "green")


async def _find(http: HttpConfig, url: str) -> FoundFeed:
    async with Fetcher(http) as fetcher:
        return await find_feed(fetcher, url)


def _refuse_duplicate(edit: FeedListFile, name: str, url: str) -> None:
    duplicate = edit.duplicate_of(name, url)
    if duplicate is None:
        return
    existing = duplicate.existing
    what = "this URL" if duplicate.reason == "url" else "this name"
    raise click.UsageError(f'already listed with {what}: "{existing.name}" {existing.url}')


@feeds.command("remove")
@config_option
@click.argument("name")
@click.pass_obj
def remove_feed(ctx: Context, name: str) -> None:
    """Remove the feed called NAME (its state is forgotten; the corpus is kept).

    \b
    Examples:
      monitor feeds remove "Example World"
    """
    edit = FeedListFile(_config_file(ctx))
    removed = edit.remove(name)
    if removed is None:
        raise click.UsageError(f"no feed named {name!r} in {edit.path} (see 'monitor feeds list')")
    _save(edit)
    state_path = load_config(edit.path).state_path
    if state_path.exists():
        with Store(state_path) as store:
            store.delete_feed(name)
    output.say(f'removed "{removed.name}" {removed.url} from {edit.path}')


@feeds.command("enable")
@config_option
@click.argument("name")
@click.pass_obj
def enable(ctx: Context, name: str) -> None:
    """Poll again a feed that was disabled after failing for too long.

    \b
    Examples:
      monitor feeds enable "Example World"
    """
    config = ctx.config
    if name not in {feed.name for feed in config.feeds}:
        raise click.UsageError(f"no feed named {name!r} (see 'monitor feeds list')")
    with Store(config.state_path) as store:
        before = store.feed(name)
        enable_feed(store, name)
    if before is not None and before.disabled_reason:
        output.say(f'enabled "{name}" (disabled: {before.disabled_reason}); it is polled on the next pass')
    else:
        output.say(f'"{name}" was not disabled; it is polled on the next pass')


@feeds.command("import")
@config_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_obj
def import_feeds(ctx: Context, file: Path) -> None:
    """Add the feeds of an OPML file (as feed readers export them).

    Feeds already listed (same URL) are skipped; a name already taken by
    another feed gets the feed's host added. Feeds are not fetched: run
    'monitor run' and 'monitor feeds list' to see how they do.

    \b
    Examples:
      monitor feeds import feedly.opml
      monitor --config /srv/corpus/monitor.toml feeds import subscriptions.opml
    """
    entries = parse_opml(file.read_bytes(), str(file))
    edit = FeedListFile(_config_file(ctx))
    added = skipped = invalid = 0
    for entry in entries:
        if urlsplit(entry.xml_url).scheme not in ("http", "https"):
            invalid += 1
            continue
        name = _free_name(edit, entry)
        if name is None:
            skipped += 1
            continue
        edit.add(name, entry.xml_url)
        added += 1
    if added:
        _save(edit)
    summary = f"imported {added} feed(s) from {file}, skipped {skipped} already listed"
    if invalid:
        summary += f", {invalid} without an http(s) feed URL"
    output.say(summary)


def _free_name(edit: FeedListFile, entry: OpmlFeed) -> str | None:
    """A name for the entry, or None when its URL is already listed."""
    name = (entry.title or entry.xml_url).strip()
    duplicate = edit.duplicate_of(name, entry.xml_url)
    if duplicate is None:
        return name
    if duplicate.reason == "url":
        return None
    qualified = f"{name} ({urlsplit(entry.xml_url).hostname})"
    duplicate = edit.duplicate_of(qualified, entry.xml_url)
    return qualified if duplicate is None else None


@feeds.command("export")
@config_option
@output.output_option
@click.pass_obj
def export_feeds(ctx: Context, output_path: Path | None) -> None:
    """The feed list as OPML 2.0, for a feed reader or another monitor.

    \b
    Examples:
      monitor feeds export > monitor-feeds.opml
      monitor feeds export -o monitor-feeds.opml
    """
    document = render_opml(
        [_opml_entry(feed) for feed in ctx.config.feeds],
        title="monitor feeds",
        created=dt.datetime.now(dt.UTC),
    )
    if output_path is None:
        click.echo(document, nl=False)
    else:
        output_path.write_text(document, encoding="utf-8")
        output.note(f"wrote {len(ctx.config.feeds)} feed(s) to {output_path}")


def _opml_entry(feed: FeedConfig) -> OpmlFeed:
    parts = urlsplit(feed.url)
    return OpmlFeed(feed.url, feed.name, f"{parts.scheme}://{parts.netloc}/")
