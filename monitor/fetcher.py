"""The one HTTP client: limits, per-host politeness, size caps, redirects.

Only this module touches httpx. Every failure leaves it as a ``FetchError`` whose ``kind``
names what went wrong, so callers and ``monitor status`` can tell a 404 from a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from monitor.config import HttpConfig
from monitor.errors import BlockedURL, FetchError, FetchErrorKind, HTTPStatusError

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
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


@dataclass(slots=True)
class _Host:
    semaphore: asyncio.Semaphore
    last_request: float = 0.0
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)


class Fetcher:
    """An async HTTP client shared by one pass. Use as ``async with Fetcher(config) as f``."""

    def __init__(self, config: HttpConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout)
        limits = httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=config.concurrency)
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            follow_redirects=False,
            headers={"User-Agent": config.user_agent},
            transport=transport,
            trust_env=False,
        )
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: dict[str, _Host] = defaultdict(
            lambda: _Host(asyncio.Semaphore(config.per_host_concurrency))
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def fetch_feed(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET a feed, conditionally when validators are known. A 304 is returned, not raised."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self.get(url, headers)

    async def fetch_page(self, url: str) -> Response:
        """GET an article page."""
        return await self.get(url, {"Accept": PAGE_ACCEPT})

    async def get(self, url: str, headers: dict[str, str]) -> Response:
        """GET ``url`` following redirects by hand, so every hop is checked and counted."""
        hops: list[tuple[int, str]] = []
        current = url
        deadline = time.monotonic() + self.config.timeout
        while True:
            self._check_url(current)
            response = await self._request_once(current, headers, deadline)
            if response.status not in REDIRECT_STATUSES:
                break
            location = response.headers.get("location")
            if not location:
                raise HTTPStatusError(FetchErrorKind.HTTP_STATUS, current, "redirect without Location",
                                      status=response.status)
            if len(hops) >= self.config.max_redirects:
                raise FetchError(FetchErrorKind.TOO_MANY_REDIRECTS, url,
                                 f"more than {self.config.max_redirects} redirects")
            current = urljoin(current, location.strip())
            hops.append((response.status, current))
        if response.status >= 400:
            raise HTTPStatusError(FetchErrorKind.HTTP_STATUS, current, _status_text(response.status),
                                  status=response.status)
        return Response(current, response.status, response.headers, response.body, tuple(hops))

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise BlockedURL(FetchErrorKind.BLOCKED_SCHEME, url, f"scheme {parts.scheme or '(none)'!r} not allowed")
        if not parts.hostname:
            raise BlockedURL(FetchErrorKind.BLOCKED_SCHEME, url, "no host in URL")

    async def _request_once(self, url: str, headers: dict[str, str], deadline: float) -> Response:
        host = self._hosts[urlsplit(url).netloc.lower()]
        async with self._global, host.semaphore:
            await self._wait_turn(host)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(FetchErrorKind.TIMEOUT, url, f"no answer within {self.config.timeout:g}s")
            try:
                return await asyncio.wait_for(self._stream(url, headers), remaining)
            except TimeoutError:
                raise FetchError(FetchErrorKind.TIMEOUT, url, f"no complete answer within {self.config.timeout:g}s") from None
            except httpx.TimeoutException as exc:
                raise FetchError(FetchErrorKind.TIMEOUT, url, type(exc).__name__) from None
            except httpx.ConnectError as exc:
                raise FetchError(FetchErrorKind.CONNECT, url, str(exc) or "connection failed") from None
            except httpx.DecodingError as exc:
                raise FetchError(FetchErrorKind.DECODE, url, str(exc) or "bad content encoding") from None
            except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(FetchErrorKind.NETWORK, url, str(exc) or type(exc).__name__) from None

    async def _wait_turn(self, host: _Host) -> None:
        """Keep at least ``host_delay`` seconds between the starts of two requests to one host."""
        async with host.gate:
            wait = host.last_request + self.config.host_delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            host.last_request = time.monotonic()

    async def _stream(self, url: str, headers: dict[str, str]) -> Response:
        request_headers = {"Accept-Encoding": "gzip, deflate", **headers}
        async with self._client.stream("GET", url, headers=request_headers) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
                return Response(url, response.status_code, response_headers)
            if response.status_code >= 400:
                return Response(url, response.status_code, response_headers)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and "content-encoding" not in response_headers \
                    and int(declared) > self.config.max_bytes:
                raise FetchError(FetchErrorKind.TOO_LARGE, url,
                                 f"Content-Length {declared} exceeds {self.config.max_bytes} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.config.max_bytes:
                    raise FetchError(FetchErrorKind.TOO_LARGE, url,
                                     f"body exceeds {self.config.max_bytes} bytes (decoded)")
            return Response(url, response.status_code, response_headers, bytes(body))


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"

