"""`monitor feeds`: list, add (with discovery), remove, OPML import and export, on a real config file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.config import default_feeds
from monitor.opml import parse_opml
from monitor.store import FeedState, Store
from tests.conftest import Site
from tests.sitegen import atom, rss2
from tests.stories import DEFENCE_DEAL, TRADE_TALKS

FIXTURES = Path(__file__).parent / "fixtures" / "opml"

CONFIG = """\
# Corpus for the India desk
[http]
allow_private_addresses = true  # the test feeds are local
timeout = 5
retries = 0
host_delay = 0

# Wire services first
[[feeds]]
name = "Wire"
url = "{base}/wire.xml"

# then the one newspaper we trust
[[feeds]]
name = "Paper"  # daily
url = "{base}/paper.xml"
interval = "30m"

# keep this note about the schedule
[schedule]
interval = "20m"
"""


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def feed_names(config: Path) -> list[str]:
    return [feed["name"] for feed in tomllib.loads(config.read_text(encoding="utf-8")).get("feeds", [])]


@pytest.fixture
def config(tmp_path: Path, site: Site) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG.format(base=site.base), encoding="utf-8")
    return path


def serve_feed(site: Site, path: str, title: str = "Example Times") -> None:
    items = [(TRADE_TALKS.headline, site.url(TRADE_TALKS.path), TRADE_TALKS.summary, TRADE_TALKS.published)]
    site.serve(path, rss2(title, items), "application/rss+xml")


def test_add_checks_the_feed_and_keeps_comments_and_order(site: Site, config: Path) -> None:
    """A new feed is appended after the last one; every comment and the [schedule] table stay as written."""
    serve_feed(site, "/world.xml", "Example Times World")
    before = config.read_text(encoding="utf-8")

    result = invoke(config, "feeds", "add", site.url("/world.xml"))

    assert result.exit_code == 0, result.output
    assert 'added "Example Times World"' in result.output
    after = config.read_text(encoding="utf-8")
    assert feed_names(config) == ["Wire", "Paper", "Example Times World"]
    for line in before.splitlines():
        assert line in after.splitlines()
    assert after.index("# keep this note about the schedule") > after.index("Example Times World")
    assert after.startswith(before.split("# keep this note")[0])


def test_add_discovers_the_feed_of_a_home_page(site: Site, config: Path) -> None:
    """Given a site's page, the feed its <link rel="alternate"> names is checked and saved."""
    site.serve(
        "/",
        '<html><head><title>Home</title><link rel="alternate" type="application/atom+xml" '
        'href="/feeds/atom.xml"></head><body><p>Hello</p></body></html>',
    )
    items = [
        (DEFENCE_DEAL.headline, site.url(DEFENCE_DEAL.path), DEFENCE_DEAL.summary, DEFENCE_DEAL.published)
    ]
    site.serve("/feeds/atom.xml", atom("Defence desk", items), "application/atom+xml")

    result = invoke(config, "feeds", "add", site.url("/"), "--name", "Defence")

    assert result.exit_code == 0, result.output
    feeds = tomllib.loads(config.read_text(encoding="utf-8"))["feeds"]
    assert feeds[-1] == {"name": "Defence", "url": site.url("/feeds/atom.xml")}


def test_add_refuses_a_page_without_a_feed_with_one_line(site: Site, config: Path) -> None:
    """A URL that is neither a feed nor links to one is refused with a clear error, and nothing is saved."""
    site.serve("/plain", "<html><head><title>No feed</title></head><body><p>Nothing</p></body></html>")
    before = config.read_text(encoding="utf-8")

    from monitor.cli.app import main

    with pytest.raises(SystemExit) as stop:
        main(["--config", str(config), "feeds", "add", site.url("/plain")])

    assert stop.value.code == 1
    assert config.read_text(encoding="utf-8") == before


def test_add_refuses_duplicates_by_canonical_url_and_by_name(site: Site, config: Path) -> None:
    """The same feed URL (other scheme, www., tracking parameters) or a taken name is refused."""
    serve_feed(site, "/wire.xml")
    same_url = site.url("/wire.xml/?utm_source=x").replace("127.0.0.1", "127.0.0.1:80").replace(":80:", ":")

    by_url = invoke(config, "feeds", "add", same_url)
    serve_feed(site, "/new.xml")
    by_name = invoke(config, "feeds", "add", site.url("/new.xml"), "--name", "paper")

    assert by_url.exit_code == 2 and 'already listed with this URL: "Wire"' in by_url.output
    assert by_name.exit_code == 2 and 'already listed with this name: "Paper"' in by_name.output
    assert feed_names(config) == ["Wire", "Paper"]


def test_remove_keeps_the_other_feeds_and_every_comment(config: Path) -> None:
    """Removing the first feed leaves the second and the comments between them in place."""
    result = invoke(config, "feeds", "remove", "Wire")

    assert result.exit_code == 0, result.output
    text = config.read_text(encoding="utf-8")
    assert feed_names(config) == ["Paper"]
    for comment in (
        "# Corpus for the India desk",
        "# Wire services first",
        "# then the one newspaper we trust",
        "# daily",
        "# keep this note about the schedule",
        "# the test feeds are local",
    ):
        assert comment in text
    assert text.index("# then the one newspaper") < text.index('name = "Paper"')


def test_removing_every_feed_leaves_an_empty_list_that_the_next_add_fills(site: Site, config: Path) -> None:
    """With its last feed removed the list stays empty (no built-in feeds come back), and `add` still works."""
    serve_feed(site, "/world.xml", "Example Times World")
    assert invoke(config, "feeds", "remove", "Wire").exit_code == 0
    assert invoke(config, "feeds", "remove", "Paper").exit_code == 0
    assert feed_names(config) == []
    assert invoke(config, "feeds", "list").exit_code == 0

    result = invoke(config, "feeds", "add", site.url("/world.xml"))

    assert result.exit_code == 0, result.output
    assert feed_names(config) == ["Example Times World"]
    assert "# Corpus for the India desk" in config.read_text(encoding="utf-8")


def test_remove_unknown_name_is_a_usage_error(config: Path) -> None:
    """An unknown name exits 2 and points at `monitor feeds list`."""
    result = invoke(config, "feeds", "remove", "Nope")

    assert result.exit_code == 2
    assert "no feed named 'Nope'" in result.output and "monitor feeds list" in result.output


def test_first_edit_of_a_file_without_feeds_keeps_the_defaults(site: Site, tmp_path: Path) -> None:
    """Adding a feed to a config that relied on the built-in list copies that list in first, and says so."""
    config = tmp_path / "monitor.toml"
    config.write_text("# mine\n[http]\nallow_private_addresses = true\nhost_delay = 0\n", encoding="utf-8")
    serve_feed(site, "/world.xml")

    result = invoke(config, "feeds", "add", site.url("/world.xml"), "--name", "Local")

    assert result.exit_code == 0, result.output
    assert "copied the built-in feed list" in result.output
    assert feed_names(config) == [feed.name for feed in default_feeds()] + ["Local"]
    assert config.read_text(encoding="utf-8").startswith("# mine\n[http]\n")


def test_import_of_a_feed_reader_export_skips_duplicates_and_round_trips(site: Site, config: Path) -> None:
    """A Feedly-style OPML (nested folders) adds new feeds once; the export reads back as the same list."""
    opml = config.parent / "feedly.opml"
    opml.write_text(
        (FIXTURES / "feedly.opml").read_text(encoding="utf-8").replace("{base}", site.base), encoding="utf-8"
    )

    first = invoke(config, "feeds", "import", str(opml))
    second = invoke(config, "feeds", "import", str(opml))
    exported = invoke(config, "feeds", "export")

    assert first.exit_code == 0, first.output
    assert "imported 4 feed(s)" in first.output and "skipped 1 already listed" in first.output
    assert "imported 0 feed(s)" in second.output and "skipped 5 already listed" in second.output
    names = feed_names(config)
    assert names == ["Wire", "Paper", "Example Times - India", "Policy wire", "Atom desk", "Uncategorised"]
    read_back = parse_opml(exported.output.encode("utf-8"))
    listed = tomllib.loads(config.read_text(encoding="utf-8"))["feeds"]
    assert [(f.title, f.xml_url) for f in read_back] == [(f["name"], f["url"]) for f in listed]
    assert '<opml version="2.0">' in exported.output and 'type="rss"' in exported.output


def test_import_gives_a_taken_name_the_feed_host(site: Site, config: Path) -> None:
    """An OPML feed whose name is taken by another URL is added under "name (host)"."""
    opml = config.parent / "clash.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Wire" xmlUrl="http://other.example/wire.xml"/>'
        "</body></opml>",
        encoding="utf-8",
    )

    result = invoke(config, "feeds", "import", str(opml))

    assert result.exit_code == 0, result.output
    assert feed_names(config)[-1] == "Wire (other.example)"


def test_list_shows_interval_and_state_from_the_state_database(config: Path) -> None:
    """A feed row has its URL, its interval (own or the schedule's), and its state (ok, failing, new)."""
    state_path = config.parent / ".monitor" / "state.db"
    with Store(state_path) as store:
        store.save_feed(
            FeedState(
                name="Wire",
                url="x",
                last_fetch=1.0,
                consecutive_errors=3,
                last_error="HTTP 500: Internal Server Error",
            )
        )
    result = invoke(config, "feeds", "list")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "URL", "INTERVAL", "STATE", "DETAIL"]
    wire = lines[1].split()
    assert wire[0] == "Wire" and wire[2:4] == ["20m", "failing"]
    assert "HTTP 500" in lines[1]
    assert lines[2].split()[2:4] == ["30m", "new"]


def test_enable_clears_the_disabled_state(config: Path) -> None:
    """A feed disabled after failing is made due again and its reason is shown."""
    state_path = config.parent / ".monitor" / "state.db"
    with Store(state_path) as store:
        store.save_feed(
            FeedState(name="Paper", url="x", last_fetch=1.0, next_due=9e9, disabled_reason="HTTP 410 Gone")
        )

    result = invoke(config, "feeds", "enable", "Paper")

    assert result.exit_code == 0, result.output
    assert 'enabled "Paper" (disabled: HTTP 410 Gone)' in result.output
    with Store(state_path) as store:
        state = store.feed("Paper")
    assert state is not None and state.disabled_reason is None and state.next_due is None
