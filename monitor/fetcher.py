"""The one HTTP client: politeness, retries, hard limits, redirects, the address guard, robots.txt.

Only this module touches httpx. Every failure leaves it as a ``FetchError`` whose ``kind``
names what went wrong, so callers and ``monitor status`` can tell a 404 from a timeout.

Limits that hold whatever a server does:

- a total time per request (``http.timeout``), enforced around the whole exchange, so a
  server dripping one byte a second is cut off; connect and read timeouts inside it;
- ``http.max_bytes`` on the decoded body, counted while streaming: the raw bytes are
  inflated here with ``max_length``, so a gzip bomb is stopped after ``max_bytes`` of
  output, not after inflating a whole chunk; unknown content codings are refused;
- ``http.max_redirects`` hops, each one checked: http and https only, the address guard
  (``monitor.addresses``) at connect time, and robots.txt for article pages.

Each host gets its own small connection pool, opened at its first request and closed once
many other hosts were used since (one shared pool would scan every pooled connection of
every host on each request).

Politeness: at most ``http.concurrency`` requests at once, ``http.per_host_concurrency`` per
host, ``http.host_delay`` seconds between the starts of two requests to one host, the
configured User-Agent, and a host's Retry-After (429 or 503) honoured for every request to
that host. Connection errors, timeouts and 5xx answers are retried ``http.retries`` times
with exponential backoff and full jitter; a request that overran the total time is not
retried (the server answered, too slowly, and would hold a host slot as long again).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from monitor.addresses import AddressPolicy, GuardedBackend, Resolver, parse_networks
from monitor.config import HttpConfig
from monitor.errors import BlockedURL, FetchError, FetchErrorKind, HTTPStatusError
from monitor.robots import RobotsCache

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRYABLE_KINDS = frozenset({FetchErrorKind.TIMEOUT, FetchErrorKind.CONNECT, FetchErrorKind.NETWORK,
                             FetchErrorKind.UNRESOLVED})
MAX_RETRY_AFTER = 86400.0
MAX_BACKOFF = 60.0
OPEN_POOLS_PER_REQUEST = 4
"""Hosts whose connection pool stays open, per request allowed at once (``http.concurrency``): a
pass cycles through a few hundred hosts without reconnecting, and idle sockets stay bounded."""
DRAIN_LIMIT = 65_536
"""Bytes of an unwanted body read so that its connection can be reused; a longer one closes it."""
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]
    body: bytes = b""
    redirects: tuple[tuple[int, str], ...] = ()  # (status, target) of each hop

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def charset(self) -> str | None:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or an HTTP date), capped at one day."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class BodyDecoder:
    """Content-Encoding undone incrementally, never producing more than the caller has room for."""

    def __init__(self, content_encoding: str, url: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(FetchErrorKind.DECODE, url, f"unsupported content encoding {content_encoding!r}")
        self.url = url
        self.coding = codings[0] if codings else "identity"
        self._wbits = zlib.MAX_WBITS | 16 if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(self._wbits)
        self._started = False
        self._finished = False

    def decode(self, data: bytes, room: int) -> bytes:
        """Up to ``room + 1`` bytes of output for ``data``; more than ``room`` means the cap is reached."""
        if self.coding == "identity":
            return data
        out = bytearray()
        while data and not self._finished and len(out) <= room:
            try:
                out += self._inflater.decompress(data, room - len(out) + 1)
            except zlib.error as exc:
                if not self._started and self.coding == "deflate" and self._wbits > 0:
                    # "deflate" is often sent as a raw deflate stream without the zlib header.
                    self._wbits = -zlib.MAX_WBITS
                    self._inflater = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError(FetchErrorKind.DECODE, self.url, f"bad {self.coding} data: {exc}") from None
            self._started = True
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                data = self._inflater.unused_data
                if data[:2] == b"\x1f\x8b" and self._wbits & 16:
                    self._inflater = zlib.decompressobj(self._wbits)  # another gzip member follows
                else:
                    self._finished = True  # trailing bytes after the stream are ignored
        return bytes(out)


@dataclass(slots=True)
class _Host:
    semaphore: asyncio.Semaphore
    last_request: float = 0.0  # monotonic start of the latest request
    next_turn: float = 0.0  # the earliest start not yet promised to a waiting request
    retry_after_until: float = 0.0  # monotonic time before which the host asked not to be asked
    client: httpx.AsyncClient | None = None  # this host's connection pool, while open
    crawl_delay: float = 0.0  # robots.txt Crawl-delay for article pages, when longer than host_delay
    active: int = 0  # requests using ``client``


def _guarded_transport(config: HttpConfig, policy: AddressPolicy, resolver: Resolver | None,
                       ssl_context: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    """One host's transport: ``per_host_concurrency`` connections, each checked by the address guard."""
    size = config.per_host_concurrency
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    # httpx has no public way to hand its connection pool a network backend, so the pool is
    # rebuilt with the same settings and the guarded backend (httpcore's public constructor).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy, resolver),
    )
    return transport


class Fetcher:
    """An async HTTP client shared by one pass. Use as ``async with Fetcher(config) as f``.

    ``resolver`` replaces the system's name resolution (tests map made-up names to 127.0.0.1);
    ``rng`` makes the retry jitter reproducible.
    """

    def __init__(self, config: HttpConfig, *, resolver: Resolver | None = None,
                 rng: random.Random | None = None) -> None:
        self.config = config
        self._resolver = resolver
        self._policy = AddressPolicy(config.allow_private_addresses, parse_networks(config.allowed_networks))
        self._ssl = httpx.create_ssl_context(trust_env=False)  # loading the CA bundle is slow: once
        self._open: OrderedDict[str, _Host] = OrderedDict()  # hosts with an open pool, least recent first
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._robots = RobotsCache(config.user_agent, config.robots_ttl, self._fetch_robots)
        self._rng = rng or random.Random()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        while self._open:
            await self._close_pool(self._open.popitem(last=False)[1])

    async def fetch_feed(self, url: str, *, etag: str | None = None,
                         last_modified: str | None = None) -> Response:
        """GET a feed, conditionally when validators are known. A 304 is returned, not raised.

        Feeds are the user's own choice: robots.txt is not consulted for them.
        """
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self.get(url, headers)

    async def fetch_page(self, url: str) -> Response:
        """GET an article page, if robots.txt allows it (checked on every hop)."""
        return await self.get(url, {"Accept": PAGE_ACCEPT}, robots=self.config.respect_robots)

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        """POST ``content`` to ``url`` with the guard, limits and retries of a GET; redirects not followed."""
        _check_scheme(url)
        response = await self._with_retries(url, headers, content)
        if response.status >= 300:
            raise HTTPStatusError(FetchErrorKind.HTTP_STATUS, url, _status_text(response.status),
                                  status=response.status)
        return response

    async def get(self, url: str, headers: dict[str, str], *, robots: bool = False) -> Response:
        """GET ``url`` following redirects by hand, so every hop is checked and counted."""
        hops: list[tuple[int, str]] = []
        current = url
        while True:
            _check_scheme(current)
            if robots:
                self._host(current).crawl_delay = await self._robots.check(current)
            response = await self._with_retries(current, headers)
            if response.status not in REDIRECT_STATUSES:
                break
            location = response.headers.get("location", "").strip()
            if not location:
                raise HTTPStatusError(FetchErrorKind.HTTP_STATUS, current, "redirect without Location",
                                      status=response.status)
            if len(hops) >= self.config.max_redirects:
                raise FetchError(FetchErrorKind.TOO_MANY_REDIRECTS, url,
                                 f"more than {self.config.max_redirects} redirects (last to {current})")
            current = urljoin(current, location)
            hops.append((response.status, current))
        if response.status >= 400:
            raise HTTPStatusError(FetchErrorKind.HTTP_STATUS, current, _status_text(response.status),
                                  status=response.status)
        return Response(current, response.status, response.headers, response.body, tuple(hops))

    async def _fetch_robots(self, url: str) -> tuple[int, bytes]:
        response = await self.get(url, {"Accept": "text/plain, */*;q=0.5"})
        return response.status, response.body

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.config.per_host_concurrency))
        return host

    async def _with_retries(self, url: str, headers: dict[str, str],
                            content: bytes | None = None) -> Response:
        """One hop, retried on transient failures; a long Retry-After raises RETRY_LATER."""
        host = self._host(url)
        attempt = 0
        while True:
            last = attempt >= self.config.retries
            try:
                response = await self._request_once(url, headers, host, content)
            except TimeoutError:
                raise FetchError(FetchErrorKind.TIMEOUT, url,
                                 f"no complete answer within {self.config.timeout:g}s") from None
            except FetchError as exc:
                if last or exc.kind not in RETRYABLE_KINDS:
                    raise
                why, delay = exc.reason, self._backoff(attempt)
            else:
                status = response.status
                wait = None
                if status in RETRY_AFTER_STATUSES:
                    wait = parse_retry_after(response.headers.get("retry-after"), time.time())
                if wait is not None:
                    host.retry_after_until = max(host.retry_after_until, time.monotonic() + wait)
                    if last or wait > self.config.max_retry_wait:
                        raise FetchError(FetchErrorKind.RETRY_LATER, url,
                                         f"Retry-After {wait:.0f}s; deferred to a later pass",
                                         status=status, retry_after=wait)
                    why, delay = f"HTTP {status}, Retry-After {wait:.0f}s", 0.0  # _request_once waits
                elif last or (status < 500 and status != 429):
                    return response
                else:
                    why, delay = f"HTTP {status}", self._backoff(attempt)
            attempt += 1
            log.info("retry %d/%d of %s in %.1fs after %s", attempt, self.config.retries, url, delay, why)
            await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, base · 2^attempt], capped."""
        return self._rng.uniform(0, min(self.config.retry_backoff * 2**attempt, MAX_BACKOFF))

    async def _request_once(self, url: str, headers: dict[str, str], host: _Host,
                            content: bytes | None = None) -> Response:
        wait = host.retry_after_until - time.monotonic()
        if wait > self.config.max_retry_wait:
            raise FetchError(FetchErrorKind.RETRY_LATER, url,
                             f"host asked to wait {wait:.0f}s (Retry-After); deferred to a later pass",
                             retry_after=wait)
        if wait > 0:
            await asyncio.sleep(wait)
        await self._take_turn(host)
        async with self._global, host.semaphore:
            await self._keep_spacing(host)
            host.active += 1
            try:
                client = await self._client(url, host)
                async with asyncio.timeout(self.config.timeout):  # unlike wait_for, no task per request
                    return await self._exchange(client, url, headers, content)
            except FetchError as exc:
                # raised by the address guard, which knows only the host
                raise type(exc)(exc.kind, url, exc.detail, status=exc.status) from None
            except httpx.TimeoutException as exc:
                raise FetchError(FetchErrorKind.TIMEOUT, url, type(exc).__name__) from None
            except httpx.ConnectError as exc:
                raise FetchError(FetchErrorKind.CONNECT, url, str(exc) or "connection failed") from None
            except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                detail = str(exc) or f"{type(exc).__name__} (connection reset or closed mid-answer)"
                raise FetchError(FetchErrorKind.NETWORK, url, detail) from None
            finally:
                host.active -= 1

    async def _client(self, url: str, host: _Host) -> httpx.AsyncClient:
        """The host's pool, opened if need be; beyond ``OPEN_POOLS_PER_REQUEST * http.concurrency`` open
        pools, those of the hosts idle the longest are closed, however many hosts a pass visits."""
        key = urlsplit(url).netloc.lower()
        if host.client is None:
            host.client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.config.timeout, connect=self.config.connect_timeout),
                follow_redirects=False,
                headers={"User-Agent": self.config.user_agent},
                transport=_guarded_transport(self.config, self._policy, self._resolver, self._ssl),
                trust_env=False,
            )
        self._open[key] = host
        self._open.move_to_end(key)
        most = OPEN_POOLS_PER_REQUEST * self.config.concurrency
        if len(self._open) > most:
            idle = [name for name, other in self._open.items() if other.active == 0]
            for name in idle[: len(self._open) - most]:
                await self._close_pool(self._open.pop(name))
        return host.client

    @staticmethod
    async def _close_pool(host: _Host) -> None:
        client, host.client = host.client, None  # a request from now on opens a new pool
        if client is not None:
            await client.aclose()

    def _host_delay(self, host: _Host) -> float:
        return max(self.config.host_delay, host.crawl_delay)

    async def _take_turn(self, host: _Host) -> None:
        """Wait for this request's turn at its host (``host_delay`` or Crawl-delay after the one before)
        without holding one of the ``http.concurrency`` slots, which requests to other hosts can use."""
        now = time.monotonic()
        turn = max(now, host.next_turn)
        host.next_turn = turn + self._host_delay(host)
        if turn > now:
            await asyncio.sleep(turn - now)

    async def _keep_spacing(self, host: _Host) -> None:
        """Right before the request starts: never sooner than the delay after the host's last start
        (a request can reach its slot later than its turn, and another one sooner)."""
        while (wait := host.last_request + self._host_delay(host) - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        host.last_request = time.monotonic()

    async def _exchange(self, client: httpx.AsyncClient, url: str, headers: dict[str, str],
                        content: bytes | None = None) -> Response:
        request_headers = {"Accept-Encoding": "gzip, deflate", **headers}
        method = "GET" if content is None else "POST"
        async with client.stream(method, url, headers=request_headers, content=content) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status in REDIRECT_STATUSES or status == 304 or status >= 400:
                await _drain(response)
                return Response(url, status, response_headers)
            return Response(url, status, response_headers, await self._read_body(response, url))

    async def _read_body(self, response: httpx.Response, url: str) -> bytes:
        limit = self.config.max_bytes
        encoding = response.headers.get("content-encoding", "")
        decoder = BodyDecoder(encoding, url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(FetchErrorKind.TOO_LARGE, url,
                             f"Content-Length {declared} exceeds {limit} bytes")
        body = bytearray()
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > limit:
                raise FetchError(FetchErrorKind.TOO_LARGE, url, f"body exceeds {limit} bytes")
            body += decoder.decode(chunk, limit - len(body))
            if len(body) > limit:
                raise FetchError(FetchErrorKind.TOO_LARGE, url,
                                 f"body exceeds {limit} bytes once decoded ({decoder.coding})")
        return bytes(body)


async def _drain(response: httpx.Response) -> None:
    """Read an unwanted body (a 304's, a redirect's, an error page's) to its end if it is short: a
    connection is only reused once its answer was read whole, and opening a new one costs more."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > DRAIN_LIMIT:
            return


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(FetchErrorKind.BLOCKED_SCHEME, url,
                         f"scheme {parts.scheme or '(none)'!r} not allowed")
    if not parts.hostname:
        raise BlockedURL(FetchErrorKind.BLOCKED_SCHEME, url, "no host in URL")


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"
