"""The HTTP layer on its own: limits, retries, Retry-After, the address guard, robots.txt, politeness."""

from __future__ import annotations

import asyncio
import ipaddress
import time
import zlib
from collections.abc import Awaitable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from monitor.addresses import AddressPolicy, is_public, parse_networks
from monitor.config import HttpConfig, parse_config
from monitor.errors import BlockedURL, ConfigError, FetchError, FetchErrorKind
from monitor.fetcher import MAX_RETRY_AFTER, BodyDecoder, Fetcher, Response, parse_retry_after
from monitor.robots import RobotsRules, product_token, rules_from_response
from tests.hostile_server import (
    HostileServer,
    delayed,
    drip,
    gzip_bomb,
    gzipped,
    in_turn,
    redirect,
    reset_mid_body,
    respond,
    serving,
)

T = TypeVar("T")

CONFIG = HttpConfig(
    timeout=1.0,
    connect_timeout=1.0,
    retries=2,
    retry_backoff=0.01,
    max_retry_wait=1.0,
    host_delay=0.0,
    max_bytes=100_000,
    allowed_networks=("127.0.0.1/32",),
)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    yield from serving(ports=2)


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


async def fetch(url: str, config: HttpConfig = CONFIG, *, page: bool = False, **options: object) -> Response:
    async with Fetcher(config, **options) as fetcher:  # type: ignore[arg-type]
        return await (fetcher.fetch_page(url) if page else fetcher.fetch_feed(url))


def failure(url: str, config: HttpConfig = CONFIG, *, page: bool = False) -> FetchError:
    with pytest.raises(FetchError) as caught:
        run(fetch(url, config, page=page))
    return caught.value


# -- limits ---------------------------------------------------------------------------------


def test_user_agent_names_the_project_and_a_contact_url(server: HostileServer) -> None:
    """Every request carries the configured User-Agent with its contact URL."""
    run(fetch(server.route("/feed", respond(200, "<rss/>"))))
    agent = server.hits("/feed")[0].headers["user-agent"]
    assert agent.startswith("monitor/") and "+https://" in agent


def test_a_304_leaves_its_connection_open_for_the_next_request() -> None:
    """Answers without a wanted body (304, redirect, error) are read to their end, so keep-alive holds."""
    connections = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 0\r\n\r\n')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()

    async def main() -> list[int]:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed"
        async with server, Fetcher(CONFIG) as fetcher:
            statuses = [(await fetcher.fetch_feed(url, etag='"v1"')).status for _ in range(3)]
        return statuses

    assert asyncio.run(main()) == [304, 304, 304]
    assert len(connections) == 1


def test_slow_drip_is_cut_at_the_total_timeout(server: HostileServer) -> None:
    """A body sent one byte at a time ends in a timeout at about ``http.timeout``, not later."""
    started = time.monotonic()
    error = failure(server.route("/drip", drip(b"x" * 50, every=0.2)))
    assert error.kind == FetchErrorKind.TIMEOUT
    assert time.monotonic() - started < CONFIG.timeout + 0.8
    assert len(server.hits("/drip")) == 1, "an overrun of the total time is not retried"


def test_declared_length_over_the_cap_is_refused_before_reading(server: HostileServer) -> None:
    """A Content-Length above max_bytes fails as too-large."""
    error = failure(server.route("/big", respond(200, b"x" * (CONFIG.max_bytes + 1))))
    assert error.kind == FetchErrorKind.TOO_LARGE and "Content-Length" in error.reason


def test_gzip_bomb_is_refused_on_its_decoded_size(server: HostileServer) -> None:
    """50 MB of zeros in 50 KB of gzip fails as too-large, quickly."""
    url = server.route("/bomb", gzip_bomb())
    started = time.monotonic()
    error = failure(url)
    assert error.kind == FetchErrorKind.TOO_LARGE and "decoded" in error.reason
    assert time.monotonic() - started < 1.0


def test_decoder_never_inflates_past_the_room_it_is_given() -> None:
    """One compressed chunk worth 50 MB yields at most room + 1 bytes."""
    bomb = zlib.compress(bytes(50_000_000), 9)
    out = BodyDecoder("deflate", "http://x/").decode(bomb, 1000)
    assert len(out) == 1001


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("gzip", zlib.compress(b"hello", wbits=31)),
        ("deflate", zlib.compress(b"hello")),
        ("deflate", zlib.compress(b"hello", wbits=-15)),
        ("identity", b"hello"),
        ("", b"hello"),
    ],
)
def test_decoder_reads_gzip_deflate_and_identity(encoding: str, data: bytes) -> None:
    """gzip, zlib-wrapped and raw deflate, and identity all decode to the original bytes."""
    decoder = BodyDecoder(encoding, "http://x/")
    assert b"".join(decoder.decode(data[i : i + 3], 100) for i in range(0, len(data), 3)) == b"hello"


def test_unknown_content_encoding_is_refused(server: HostileServer) -> None:
    """A coding we did not ask for (br) is a decode error, not garbage passed on."""
    error = failure(server.route("/br", respond(200, b"\x00\x01", headers={"Content-Encoding": "br"})))
    assert error.kind == FetchErrorKind.DECODE and "br" in error.reason


def test_gzip_body_is_decoded(server: HostileServer) -> None:
    """A gzip-encoded feed arrives decoded."""
    assert run(fetch(server.route("/gz", gzipped(b"<rss>ok</rss>")))).body == b"<rss>ok</rss>"


def test_redirect_loop_stops_at_max_redirects(server: HostileServer) -> None:
    """A redirect to itself ends after max_redirects hops."""
    error = failure(server.route("/loop", redirect("/loop")))
    assert error.kind == FetchErrorKind.TOO_MANY_REDIRECTS
    assert len(server.hits("/loop")) == CONFIG.max_redirects + 1


def test_only_http_and_https_are_fetched(server: HostileServer) -> None:
    """file:, ftp: and a redirect to file: are refused before any connection."""
    assert failure("file:///etc/passwd").kind == FetchErrorKind.BLOCKED_SCHEME
    assert failure("ftp://127.0.0.1/x").kind == FetchErrorKind.BLOCKED_SCHEME
    to_file = server.route("/to-file", redirect("file:///etc/passwd"))
    assert failure(to_file).kind == FetchErrorKind.BLOCKED_SCHEME


# -- retries and Retry-After ---------------------------------------------------------------


def test_server_errors_are_retried_then_succeed(server: HostileServer) -> None:
    """500, 500, then 200: with retries = 2 the fetch succeeds on the third try."""
    url = server.route("/flaky", in_turn([respond(500), respond(500), respond(200, "fine")]))
    assert run(fetch(url)).body == b"fine"
    assert len(server.hits("/flaky")) == 3


def test_retries_are_bounded(server: HostileServer) -> None:
    """With retries = 1 the same server fails with its 500."""
    url = server.route("/flaky", in_turn([respond(500), respond(500), respond(200, "fine")]))
    error = failure(url, replace(CONFIG, retries=1))
    assert error.status == 500 and len(server.hits("/flaky")) == 2


def test_reset_mid_body_is_retried_then_reported(server: HostileServer) -> None:
    """A connection reset half-way through is a network error after the retries."""
    error = failure(server.route("/reset", reset_mid_body(b"y" * 20_000)))
    assert error.kind == FetchErrorKind.NETWORK
    assert len(server.hits("/reset")) == CONFIG.retries + 1


def test_short_retry_after_is_waited_for_within_the_pass(server: HostileServer) -> None:
    """A 429 asking for 1 s is waited out, then the page is fetched."""
    url = server.route("/busy", in_turn([respond(429, headers={"Retry-After": "1"}), respond(200, "ok")]))
    started = time.monotonic()
    assert run(fetch(url)).body == b"ok"
    assert time.monotonic() - started >= 0.9


def test_long_retry_after_defers_and_holds_back_the_whole_host(server: HostileServer) -> None:
    """A 503 asking for an hour gives RETRY_LATER; the host's other URLs are not even requested."""
    busy = server.route("/busy", respond(503, headers={"Retry-After": "3600"}))
    other = server.route("/other", respond(200, "ok"))

    async def both() -> tuple[FetchError, FetchError]:
        async with Fetcher(CONFIG) as fetcher:
            errors = []
            for url in (busy, other):
                with pytest.raises(FetchError) as caught:
                    await fetcher.fetch_page(url)
                errors.append(caught.value)
            return errors[0], errors[1]

    first, second = run(both())
    assert first.kind == FetchErrorKind.RETRY_LATER and first.retry_after == 3600
    assert second.kind == FetchErrorKind.RETRY_LATER and second.retry_after is not None
    assert server.hits("/other") == [] and len(server.hits("/busy")) == 1


def test_retry_after_reads_seconds_and_http_dates_and_caps_at_a_day() -> None:
    """Delta seconds, an HTTP date, nonsense, and a year away capped to a day."""
    now = 1_700_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now) == pytest.approx(120, abs=1)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("31536000", now) == MAX_RETRY_AFTER


# -- address guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    """Loopback, private, link-local, shared, multicast, reserved, unspecified, mapped: not public."""
    assert not is_public(ipaddress.ip_address(address))
    assert not AddressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    """Ordinary public addresses pass the guard."""
    assert AddressPolicy().permits(ipaddress.ip_address(address))


def test_allowed_networks_let_one_private_block_through() -> None:
    """An allowed CIDR block admits its addresses (also IPv4-mapped) and nothing else."""
    policy = AddressPolicy(allowed=parse_networks(["10.1.0.0/16"]))
    assert policy.permits(ipaddress.ip_address("10.1.2.3"))
    assert policy.permits(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert not policy.permits(ipaddress.ip_address("10.2.0.1"))


def test_guard_refuses_loopback_without_sending_anything(server: HostileServer) -> None:
    """With the default policy a feed on 127.0.0.1, or its IPv4-mapped form, is never requested."""
    config = replace(CONFIG, allowed_networks=())
    url = server.route("/feed", respond(200, "<rss/>"))
    assert failure(url, config).kind == FetchErrorKind.BLOCKED_ADDRESS
    mapped = url.replace("127.0.0.1", "[::ffff:127.0.0.1]")
    assert failure(mapped, config).kind == FetchErrorKind.BLOCKED_ADDRESS
    assert server.hits("/feed") == []


def test_guard_checks_every_redirect_hop(server: HostileServer) -> None:
    """An allowed first hop redirecting to 127.0.0.2 is refused at that hop."""
    inside = server.url("/secret").replace("127.0.0.1", "127.0.0.2")
    error = failure(server.route("/out", redirect(inside)))
    assert isinstance(error, BlockedURL) and error.kind == FetchErrorKind.BLOCKED_ADDRESS
    assert error.url == inside


def test_connection_goes_to_the_checked_address(server: HostileServer) -> None:
    """A name is resolved once by the guard and the socket opens to a permitted answer, not a new lookup."""
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.3", "127.0.0.1"]  # the first is not allowed, the second is

    server.route("/feed", respond(200, "<rss/>"))
    url = f"http://news.example:{server.port_numbers[0]}/feed"
    response = run(fetch(url, resolver=resolver))
    assert response.body == b"<rss/>"
    assert lookups == ["news.example"]
    assert server.hits("/feed")[0].headers["host"] == f"news.example:{server.port_numbers[0]}"


def test_a_name_resolving_only_to_private_addresses_is_refused(server: HostileServer) -> None:
    """DNS answers are checked: a public-looking name pointing at 10.0.0.1 is blocked."""

    async def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.1"]

    with pytest.raises(BlockedURL):
        run(fetch("http://intranet.example/feed", resolver=resolver))


# -- robots.txt ----------------------------------------------------------------------------


def test_robots_disallow_is_honoured_for_pages_only(server: HostileServer) -> None:
    """A disallowed page is refused without a request; the same URL as a feed is fetched."""
    server.route("/robots.txt", respond(200, "User-agent: *\nDisallow: /private/\n", "text/plain"))
    url = server.route("/private/story.html", respond(200, "<html></html>"))
    assert failure(url, page=True).kind == FetchErrorKind.ROBOTS
    assert server.hits("/private/story.html") == []
    assert run(fetch(url)).status == 200


def test_robots_is_fetched_once_per_host(server: HostileServer) -> None:
    """Two pages on one host cost one robots.txt request."""
    server.route("/robots.txt", respond(200, "User-agent: *\nDisallow: /private/\n", "text/plain"))
    first = server.route("/a.html", respond(200, "a"))
    second = server.route("/b.html", respond(200, "b"))

    async def both() -> None:
        async with Fetcher(CONFIG) as fetcher:
            await asyncio.gather(fetcher.fetch_page(first), fetcher.fetch_page(second))

    run(both())
    assert len(server.hits("/robots.txt")) == 1


def test_robots_crawl_delay_spaces_page_requests_to_its_host(server: HostileServer) -> None:
    """A Crawl-delay in robots.txt keeps two page requests to the host that many seconds apart."""
    server.route("/robots.txt", respond(200, "User-agent: *\nCrawl-delay: 0.4\n", "text/plain"))
    first = server.route("/a.html", respond(200, "a"))
    second = server.route("/b.html", respond(200, "b"))

    async def both() -> float:
        async with Fetcher(CONFIG) as fetcher:
            started = time.monotonic()
            await asyncio.gather(fetcher.fetch_page(first), fetcher.fetch_page(second))
            return time.monotonic() - started

    assert run(both()) >= 0.4


def test_robots_404_allows_and_500_defers(server: HostileServer) -> None:
    """No robots.txt (404) means allowed; a failing one (500) defers the page to a later pass."""
    allowed = server.route("/page.html", respond(200, "ok"), host=0)
    assert run(fetch(allowed, page=True)).body == b"ok"
    server.route("/robots.txt", respond(500), host=1)
    deferred = server.route("/page.html", respond(200, "ok"), host=1)
    assert failure(deferred, page=True).kind == FetchErrorKind.RETRY_LATER
    assert server.hits("/page.html", host=1) == []


def test_robots_rules_follow_rfc_9309_outcomes() -> None:
    """2xx parses, 4xx allows all, 429/5xx disallow for a while; our token is the product name."""
    assert not rules_from_response(200, b"User-agent: monitor\nDisallow: /\n", now=0, ttl=60).allows(
        "http://x/a", product_token(CONFIG.user_agent)
    )
    assert rules_from_response(403, b"", now=0, ttl=60) == RobotsRules(None, 60)
    down = rules_from_response(503, b"", now=0, ttl=86400)
    assert down.unreachable and down.expires < 86400 and not down.allows("http://x/a", "monitor")
    assert rules_from_response(429, b"", now=0, ttl=60).unreachable


# -- politeness ----------------------------------------------------------------------------


def test_pages_on_one_host_never_exceed_per_host_concurrency(server: HostileServer) -> None:
    """Eight slow pages on one host: the server never sees more than two at once; another host runs beside."""
    for n in range(8):
        server.route(f"/p{n}.html", delayed(respond(200, "ok"), 0.1))
    server.route("/q.html", delayed(respond(200, "ok"), 0.1), host=1)

    async def many() -> None:
        async with Fetcher(CONFIG) as fetcher:
            await asyncio.gather(
                *(fetcher.fetch_page(server.url(f"/p{n}.html")) for n in range(8)),
                fetcher.fetch_page(server.url("/q.html", host=1)),
            )

    run(many())
    assert server.most_in_flight[server.port_numbers[0]] == CONFIG.per_host_concurrency
    assert len([r for r in server.requests if r.path.startswith("/p")]) == 8


def test_requests_to_one_host_are_spaced_by_host_delay(server: HostileServer) -> None:
    """With host_delay 0.2 s, three requests to one host take at least 0.4 s."""
    server.route("/a", respond(200, "a"))

    async def three() -> None:
        async with Fetcher(replace(CONFIG, host_delay=0.2)) as fetcher:
            await asyncio.gather(*(fetcher.fetch_feed(server.url("/a")) for _ in range(3)))

    started = time.monotonic()
    run(three())
    assert time.monotonic() - started >= 0.4


def test_refused_and_timed_out_requests_free_their_slots(server: HostileServer) -> None:
    """After more blocked and timed-out requests than there are slots, the next request still goes through."""
    config = replace(CONFIG, concurrency=2, timeout=0.3)
    blocked = server.url("/x").replace("127.0.0.1", "127.0.0.9")
    slow = server.route("/drip", drip(b"x" * 100, every=0.1))
    ok = server.route("/ok", respond(200, "fine"))

    async def many() -> bytes:
        async with Fetcher(config) as fetcher:
            for url in [blocked, slow] * 3:
                with pytest.raises(FetchError):
                    await fetcher.fetch_feed(url)
            return (await asyncio.wait_for(fetcher.fetch_feed(ok), 2)).body

    assert run(many()) == b"fine"


def test_allowed_networks_must_be_addresses_or_cidr_blocks() -> None:
    """A bad entry in http.allowed_networks stops with an error naming the key."""
    with pytest.raises(ConfigError, match=r"http\.allowed_networks: 'intranet'"):
        parse_config({"http": {"allowed_networks": ["10.0.0.0/8", "intranet"]}}, source="t", base=Path())
