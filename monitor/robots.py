"""robots.txt for article pages: fetched once per host, parsed with protego, cached with an expiry.

Outcomes of fetching ``/robots.txt`` follow RFC 9309 §2.3.1:

- 2xx: the rules apply (the first 500 KiB are parsed);
- 4xx other than 429: there are no rules, every page may be fetched;
- 5xx, 429, a timeout or a connection failure: the site is treated as disallowing every
  page, but only for ``UNREACHABLE_TTL`` seconds, and its pages are deferred to a later
  pass (``RETRY_LATER``) rather than given up: a site whose robots.txt is down for a
  moment must not lose its articles, and a site that is down must not be hammered.

Feeds the user configured are fetched regardless; only article pages are checked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from monitor.errors import BlockedURL, FetchError, FetchErrorKind

MAX_ROBOTS_BYTES = 500 * 1024
UNREACHABLE_TTL = 600.0
MAX_CRAWL_DELAY = 10.0
"""A longer Crawl-delay is honoured as this many seconds, so one host cannot stall a pass for hours."""

RobotsFetch = Callable[[str], Awaitable[tuple[int, bytes]]]
"""robots.txt URL → (final HTTP status, body); raises FetchError when nothing usable came back."""


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one host's robots.txt says: rules, allow-all (``rules is None``), or unreachable."""

    rules: Protego | None
    expires: float
    unreachable: str = ""  # why the file could not be read; non-empty means disallow for now

    def allows(self, url: str, agent: str) -> bool:
        if self.unreachable:
            return False
        return self.rules is None or self.rules.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float:
        """Seconds the host asks between two requests (``Crawl-delay``), capped at ``MAX_CRAWL_DELAY``."""
        delay = self.rules.crawl_delay(agent) if self.rules is not None else None
        return min(float(delay), MAX_CRAWL_DELAY) if delay and delay > 0 else 0.0


def rules_from_response(status: int, body: bytes, *, now: float, ttl: float) -> RobotsRules:
    """The rules an answer to a robots.txt request stands for (RFC 9309 §2.3.1)."""
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsRules(Protego.parse(text), now + ttl)
    if 400 <= status < 500 and status != 429:
        return RobotsRules(None, now + ttl)
    return RobotsRules(None, now + min(ttl, UNREACHABLE_TTL), unreachable=f"HTTP {status}")


def product_token(user_agent: str) -> str:
    """``"monitor"`` from ``"monitor/0.1 (+https://…)"``: the name robots.txt groups match."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0].strip() or user_agent


@dataclass(slots=True)
class RobotsCache:
    """Per-host robots.txt rules; concurrent checks on one host share one fetch."""

    user_agent: str
    ttl: float
    fetch: RobotsFetch
    clock: Callable[[], float] = time.monotonic
    _hosts: dict[str, RobotsRules] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def check(self, url: str) -> float:
        """The host's crawl delay when ``url`` may be fetched; raise BlockedURL (ROBOTS) or FetchError
        (RETRY_LATER) when it may not."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        rules = await self._rules(origin)
        agent = product_token(self.user_agent)
        if rules.allows(url, agent):
            return rules.crawl_delay(agent)
        if rules.unreachable:
            raise FetchError(FetchErrorKind.RETRY_LATER, url,
                             f"robots.txt of {parts.netloc} unreachable ({rules.unreachable}); deferred")
        raise BlockedURL(FetchErrorKind.ROBOTS, url, f"robots.txt of {parts.netloc} disallows it")

    async def _rules(self, origin: str) -> RobotsRules:
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._hosts.get(origin)
            if rules is None or rules.expires <= self.clock():
                rules = await self._load(origin)
                self._hosts[origin] = rules
            return rules

    async def _load(self, origin: str) -> RobotsRules:
        try:
            status, body = await self.fetch(origin + "/robots.txt")
        except BlockedURL:
            raise
        except FetchError as exc:
            if exc.status is not None:
                return rules_from_response(exc.status, b"", now=self.clock(), ttl=self.ttl)
            return RobotsRules(None, self.clock() + min(self.ttl, UNREACHABLE_TTL), unreachable=exc.reason)
        return rules_from_response(status, body, now=self.clock(), ttl=self.ttl)
