"""Hostile servers in one pass, and the feed-level outcomes: moves, 410, Retry-After, charsets, ETags.

The main test runs the real CLI over seventeen misbehaving feeds (each on its own port, so
its own host) and two good ones. The address guard stays ON: only 127.0.0.1 is allowed
(``http.allowed_networks``), which admits the test servers; a redirect to 127.0.0.2, which
also reaches this machine, is the private address the guard must refuse.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug import Response as WebResponse

from monitor.config import parse_config
from monitor.feed_policy import (
    GONE_REASON,
    MOVE_CONFIRMATIONS,
    enable_feed,
    feed_content_type,
    follow_move,
    not_a_feed_reason,
)
from monitor.feeds import parse_feed
from monitor.pipeline import PassOptions, run_once
from monitor.store import FeedState, Store
from tests.conftest import SEEDS, Site, run_monitor
from tests.hostile_server import (
    HostileServer,
    delayed,
    drip,
    endless,
    gzip_bomb,
    in_turn,
    redirect,
    reset_mid_body,
    respond,
    serving,
)
from tests.sitegen import article_page, atom, rss2
from tests.stories import CRICKET, DEFENCE_DEAL, TRADE_TALKS, VISA_POLICY

RSS = "application/rss+xml"
PASS_CONFIG = """\
[http]
allow_private_addresses = false
allowed_networks = ["127.0.0.1/32"]
timeout = 2
connect_timeout = 1
retries = 2
retry_backoff = 0.05
max_retry_wait = 1
host_delay = 0
max_bytes = 1_000_000
"""


def item(story, link: str) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    return (story.headline, link, story.summary, story.published)


def feed_with(title: str, link: str, encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document with one item whose title is ``title``, declared and encoded as ``encoding``."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>T</title>'
        f"<link>http://example.org/</link><description>d</description>"
        f"<item><title>{title}</title><link>{link}</link></item></channel></rss>"
    ).encode(encoding)


def billion_laughs(link: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) + "]>\n"
        f'<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        f"<link>{link}</link></item></channel></rss>"
    ).encode()


def build_hostile(server: HostileServer) -> dict[str, str]:
    """Seventeen misbehaving feeds, one per port; name → feed URL."""
    off_topic = rss2("Sport", [item(CRICKET, server.url("/cricket.html"))]).encode()
    feeds: dict[str, str] = {}

    def add(name: str, path: str, handler, host: int) -> None:  # type: ignore[no-untyped-def]
        feeds[name] = server.route(path, handler, host)

    add("Drip", "/feed.xml", drip(off_topic, every=1.0), 0)
    add("Endless", "/feed.xml", endless(), 1)
    add("Bomb", "/feed.xml", gzip_bomb(), 2)
    add("Loop", "/loop.xml", redirect("/loop.xml"), 3)
    add("Inside", "/feed.xml", redirect(server.url("/feed.xml", 4).replace("127.0.0.1", "127.0.0.2")), 4)
    add("Busy", "/feed.xml", respond(429, headers={"Retry-After": "3600"}), 5)
    add("Flaky", "/feed.xml", in_turn([respond(500), respond(500), respond(200, off_topic, RSS)]), 6)
    add("Reset", "/feed.xml", reset_mid_body(off_topic), 7)
    page = (
        b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/real.xml">'
        b"</head><body>News</body></html>"
    )
    add("Html", "/feed.xml", respond(200, page, "text/html; charset=utf-8"), 8)
    add("Truncated", "/feed.xml", respond(200, off_topic[: len(off_topic) * 2 // 3], RSS), 9)
    add("Laughs", "/feed.xml", respond(200, billion_laughs(server.url("/lol.html", 10)), RSS), 10)
    latin1 = feed_with("Café à Délhi", server.url("/c.html", 11), "iso-8859-1")
    add("Latin1", "/feed.xml", respond(200, latin1, "application/rss+xml; charset=iso-8859-1"), 11)
    mislabelled = feed_with("Café à Délhi", server.url("/c.html", 12)).replace(b'"utf-8"', b'"iso-8859-1"')
    add("Mislabelled", "/feed.xml", respond(200, mislabelled, RSS), 12)
    add("Empty", "/feed.xml", respond(200, b"", RSS), 13)
    server.route("/gone.xml", respond(410), 14)
    add("Gone", "/old.xml", redirect("/gone.xml", 301), 14)
    server.route("/robots.txt", respond(200, "User-agent: *\nDisallow: /private/\n", "text/plain"), 15)
    server.route("/private/visa.html", respond(200, "never asked for"), 15)
    visa = rss2("R", [item(VISA_POLICY, server.url("/private/visa.html", 15))])
    add("Robots", "/feed.xml", respond(200, visa, RSS), 15)
    crowd = [
        (
            f"{TRADE_TALKS.headline}, part {n}",
            server.url(f"/talks-{n}.html", 16),
            TRADE_TALKS.summary,
            TRADE_TALKS.published,
        )
        for n in range(6)
    ]
    for n in range(6):
        server.route(f"/talks-{n}.html", delayed(respond(404), 0.2), 16)
    add("Crowded", "/feed.xml", respond(200, rss2("Crowd", crowd), RSS), 16)
    return feeds


def build_good(site: Site) -> dict[str, str]:
    for story in (TRADE_TALKS, DEFENCE_DEAL):
        site.serve(story.path, article_page(story, site.base))
    site.serve("/rss.xml", rss2("World", [item(TRADE_TALKS, site.url(TRADE_TALKS.path))]), RSS)
    site.serve("/atom.xml", atom("India", [item(DEFENCE_DEAL, site.url(DEFENCE_DEAL.path))]), "application/atom+xml")
    return {"World": site.url("/rss.xml"), "India": site.url("/atom.xml")}


def write_pass_config(folder: Path, feeds: dict[str, str]) -> None:
    lines = [PASS_CONFIG] + [f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n' for name, url in feeds.items()]
    (folder / "monitor.toml").write_text("\n".join(lines), encoding="utf-8")


def status_table(text: str) -> dict[str, dict[str, str]]:
    """`monitor status` output as feed → column → cell, cut where the header's columns start."""
    header, *rows = text.splitlines()
    starts = [(match.start(), match.group()) for match in re.finditer(r"\S+(?: \S+)*", header)]
    table = {}
    for row in rows:
        cells = {
            name: row[start : (starts[i + 1][0] if i + 1 < len(starts) else None)].strip()
            for i, (start, name) in enumerate(starts)
        }
        table[cells["FEED"]] = cells
    return table


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    yield from serving(ports=17)


EXPECTED_STATUS = {
    "Drip": "timeout: no complete answer within 2s",
    "Endless": "too-large: body exceeds 1000000 bytes",
    "Bomb": "once decoded (gzip)",
    "Loop": "too-many-redirects",
    "Inside": "127.0.0.2 is not a public address",
    "Busy": "HTTP 429: Retry-After 3600s; deferred to a later pass",
    "Reset": "network:",
    "Html": "not a feed (HTML page; it links to feed http://127.0.0.1:{port8}/real.xml)",
    "Empty": "not a feed (empty response)",
    "Gone": f"disabled: {GONE_REASON}",
}
OK_FEEDS = ("Flaky", "Truncated", "Laughs", "Latin1", "Mislabelled", "Robots", "Crowded", "World", "India")


def test_one_pass_survives_hostile_feeds_and_writes_the_good_ones(
    hostile: HostileServer, site: Site, project: Path
) -> None:
    """Every hostile feed ends in a logged reason and a status row; the good feeds' articles are written."""
    feeds = {**build_hostile(hostile), **build_good(site)}
    write_pass_config(project, feeds)

    started = time.monotonic()
    result = run_monitor(project, "run", "-v", timeout=60)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 15, f"the pass took {elapsed:.1f}s"
    assert "feeds ok 9, failed 10" in result.stdout
    new = sorted(p.name for p in (project / "seeds").iterdir() if p.suffix == ".txt" and not (SEEDS / p.name).exists())
    assert len(new) == 2
    headlines = {(project / "seeds" / name).read_text(encoding="utf-8").splitlines()[0][17:] for name in new}
    assert headlines == {TRADE_TALKS.headline, DEFENCE_DEAL.headline}

    status = run_monitor(project, "status", timeout=60)
    assert status.returncode == 0, status.stderr
    rows = status_table(status.stdout)
    for name, expected in EXPECTED_STATUS.items():
        expected = expected.format(port8=hostile.port_numbers[8])
        assert expected in rows[name]["LAST ERROR"], f"{name}: {rows[name]}"
        assert f"feed {name} " in result.stderr, f"no log line for {name}"
        assert rows[name]["ERRORS"] == "1"
    for name in OK_FEEDS:
        assert rows[name]["ERRORS"] == "0" and rows[name]["HTTP"] == "200", f"{name}: {rows[name]}"
    assert rows["Busy"]["NEXT DUE"].endswith("(retry-after)") and rows["Busy"]["HTTP"] == "429"
    assert rows["Drip"]["NEXT DUE"].endswith("(backoff)") and rows["Gone"]["NEXT DUE"] == "disabled"
    assert rows["Latin1"]["ENTRIES"] == rows["Mislabelled"]["ENTRIES"] == "1"

    assert hostile.hits("/private/visa.html", 15) == [], "robots.txt disallows that page"
    assert len(hostile.hits("/robots.txt", 15)) == 1
    assert len(hostile.hits("/feed.xml", 6)) == 3, "500, 500, then the feed"
    assert hostile.most_in_flight[hostile.port_numbers[16]] <= 2, "per-host concurrency exceeded"
    assert len([r for r in hostile.requests if r.path.startswith("/talks-")]) == 6
    assert hostile.hits("/feed.xml", 4) and not [
        r for r in hostile.requests if r.headers.get("host", "").startswith("127.0.0.2")
    ]


# -- charsets ------------------------------------------------------------------------------


CHARSET_CASES = {
    "latin-1 declared in the header": (
        feed_with("Café à Délhi", "http://example.org/a", "iso-8859-1").replace(b' encoding="iso-8859-1"', b""),
        "application/rss+xml; charset=iso-8859-1",
    ),
    "latin-1 declared in the prolog": (feed_with("Café à Délhi", "http://example.org/a", "iso-8859-1"), RSS),
    "UTF-8 claiming latin-1 in the prolog": (
        feed_with("Café à Délhi", "http://example.org/a").replace(b'"utf-8"', b'"iso-8859-1"'),
        RSS,
    ),
    "UTF-8 claiming latin-1 in the header": (
        feed_with("Café à Délhi", "http://example.org/a"),
        "application/rss+xml; charset=iso-8859-1",
    ),
    "UTF-8 with a BOM, no declaration": (
        b"\xef\xbb\xbf" + feed_with("Café à Délhi", "http://example.org/a").replace(b' encoding="utf-8"', b""),
        "text/xml",
    ),
    "UTF-16 with a BOM": (feed_with("Café à Délhi", "http://example.org/a", "utf-16"), "application/xml"),
    "windows-1251 declared": (feed_with("Индия и США", "http://example.org/a", "windows-1251"), RSS),
}


@pytest.mark.parametrize("name", CHARSET_CASES)
def test_declared_bom_and_misdeclared_charsets_decode_correctly(name: str) -> None:
    """The titles come out as written whatever the header, prolog or BOM say."""
    body, content_type = CHARSET_CASES[name]
    parsed = parse_feed(
        body,
        feed_name="x",
        url="http://example.org/f.xml",
        content_type=feed_content_type(body, content_type),
    )
    assert [e.title for e in parsed.entries] in (["Café à Délhi"], ["Индия и США"])


def test_billion_laughs_is_not_expanded() -> None:
    """Nested entities neither blow up memory nor take time; the document is reported malformed."""
    started = time.monotonic()
    parsed = parse_feed(
        billion_laughs("http://example.org/a"),
        feed_name="x",
        url="http://example.org/f.xml",
        content_type=RSS,
    )
    assert time.monotonic() - started < 1
    assert all(len(e.title) < 1000 for e in parsed.entries) and parsed.problem


def test_not_a_feed_reasons_name_what_came_instead() -> None:
    """Empty bodies and HTML pages get a reason; a feed does not."""
    assert not_a_feed_reason(b"  \n", "http://x/") == "not a feed (empty response)"
    assert (
        not_a_feed_reason(b"<html><body>hi</body></html>", "http://x/") == "not a feed (HTML page; it links to no feed)"
    )
    assert not_a_feed_reason(feed_with("t", "http://x/a"), "http://x/") is None


# -- feed outcomes (pure) ------------------------------------------------------------------


def test_same_host_move_is_followed_at_once() -> None:
    """A 301 from http to https on the same host moves the stored URL on the first poll."""
    state = FeedState(name="f", url="http://news.example/rss")
    assert follow_move(state, [(301, "https://news.example/rss")])
    assert state.url == "https://news.example/rss" and state.origin_url == "http://news.example/rss"


def test_move_to_another_host_needs_several_polls() -> None:
    """A 308 to another host is followed only after it has held for MOVE_CONFIRMATIONS polls in a row."""
    state = FeedState(name="f", url="https://old.example/rss")
    for _ in range(MOVE_CONFIRMATIONS - 1):
        follow_move(state, [(308, "https://new.example/rss")])
        assert state.url == "https://old.example/rss"
    follow_move(state, [(308, "https://new.example/rss")])
    assert state.url == "https://new.example/rss" and state.redirect_count == 0


def test_interrupted_or_temporary_redirects_reset_the_count() -> None:
    """A poll without the redirect, or a 302 first, forgets the pending move."""
    state = FeedState(name="f", url="https://old.example/rss")
    follow_move(state, [(301, "https://new.example/rss")])
    follow_move(state, [])
    assert state.redirect_count == 0
    follow_move(state, [(302, "https://tmp.example/x"), (301, "https://new.example/rss")])
    assert state.redirect_url is None and state.url == "https://old.example/rss"


def test_enable_feed_clears_the_disabled_reason(tmp_path: Path) -> None:
    """A feed disabled as gone is due again after enable_feed; an unknown name gives None."""
    with Store(tmp_path / "state.db") as store:
        store.save_feed(
            FeedState(
                name="f",
                url="http://x/",
                disabled_reason=GONE_REASON,
                consecutive_errors=3,
                next_due=time.time() + 3600,
            )
        )
        state = enable_feed(store, "f")
        assert state is not None and store.feed("f") == state
        assert state.disabled_reason is None and state.next_due is None and state.consecutive_errors == 0
        assert enable_feed(store, "missing") is None


# -- feed outcomes through a pass ----------------------------------------------------------


def pass_over(project: Path, feeds: dict[str, str], extra: str = "") -> None:
    text = "[http]\nallow_private_addresses = true\ntimeout = 2\nretries = 0\nhost_delay = 0\n" + extra + "\n"
    text += "".join(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n' for name, url in feeds.items())
    config = parse_config(tomllib.loads(text), source="test", base=project)
    asyncio.run(run_once(config, PassOptions(all_feeds=True)))


def feed_state(project: Path, name: str) -> FeedState:
    with Store(project / ".monitor" / "state.db") as store:
        state = store.feed(name)
    assert state is not None
    return state


def test_body_hash_guards_both_ways_against_lying_validators(site: Site, project: Path) -> None:
    """Same ETag with a new body is parsed; a fresh ETag on an identical body is not."""
    site.serve("/f.xml", rss2("F", [item(CRICKET, site.url("/a"))]), RSS, etag='"v1"')
    pass_over(project, {"F": site.url("/f.xml")})
    site.routes["/f.xml"] = lambda request: WebResponse(
        rss2("F", [item(CRICKET, site.url("/a")), item(CRICKET, site.url("/b"))]),
        content_type=RSS,
        headers={"ETag": '"v1"'},
    )
    pass_over(project, {"F": site.url("/f.xml")})
    assert feed_state(project, "F").entries == 2, "a changed body behind the same ETag must be parsed"
    hash_before = feed_state(project, "F").body_hash
    body = rss2("F", [item(CRICKET, site.url("/a")), item(CRICKET, site.url("/b"))])
    site.routes["/f.xml"] = lambda request: WebResponse(body, content_type=RSS, headers={"ETag": '"v2"'})
    with sqlite3.connect(project / ".monitor" / "state.db") as db:
        db.execute("UPDATE feeds SET entries = 0")
    pass_over(project, {"F": site.url("/f.xml")})
    state = feed_state(project, "F")
    assert state.etag == '"v2"' and state.body_hash == hash_before
    assert state.entries == 0, "an identical body must not be parsed again"


def test_permanent_redirect_then_gone_disables_and_enable_restores(site: Site, project: Path) -> None:
    """301 to the same host moves the URL; a later 410 disables the feed; enable_feed makes it due."""
    site.serve("/new.xml", rss2("F", [item(CRICKET, site.url("/a"))]), RSS)
    site.route("/old.xml", lambda request: WebResponse(status=301, headers={"Location": site.url("/new.xml")}))
    pass_over(project, {"F": site.url("/old.xml")})
    state = feed_state(project, "F")
    assert state.url == site.url("/new.xml") and state.origin_url == site.url("/old.xml")

    site.serve("/new.xml", "", status=410)
    pass_over(project, {"F": site.url("/old.xml")})
    assert feed_state(project, "F").disabled_reason == GONE_REASON
    with Store(project / ".monitor" / "state.db") as store:
        enable_feed(store, "F")
    assert feed_state(project, "F").disabled_reason is None


def test_retry_after_and_backoff_set_next_due(site: Site, project: Path) -> None:
    """A 503 with Retry-After 2 h puts next due past it; plain failures back off but stay scheduled."""
    site.route("/busy.xml", lambda request: WebResponse(status=503, headers={"Retry-After": "7200"}))
    site.serve("/down.xml", "no", status=500)
    before = time.time()
    pass_over(project, {"Busy": site.url("/busy.xml"), "Down": site.url("/down.xml")}, "max_retry_wait = 1")
    busy = feed_state(project, "Busy")
    assert busy.error_kind == "retry-later" and busy.next_due is not None and busy.next_due >= before + 7200
    first = feed_state(project, "Down")
    pass_over(project, {"Busy": site.url("/busy.xml"), "Down": site.url("/down.xml")})
    second = feed_state(project, "Down")
    assert second.consecutive_errors == 2 and second.interval is not None and first.interval is not None
    assert first.interval < second.interval <= 86400 and second.next_due is not None
