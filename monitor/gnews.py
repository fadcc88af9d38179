"""Aggregator links resolved to the publisher's article URL, before fetching and deduplicating.

Google News feeds link every item to ``news.google.com/rss/articles/<id>`` (or
``/articles/<id>``, ``/read/<id>``), never to the publisher. Ids minted before mid-2024 are
base64 of a small protobuf that embeds the URL: those decode here, offline. Newer ids name
the article only; turning one into a URL takes two requests, both sent through our own
``Fetcher`` (so the address guard, timeouts, size caps and per-host politeness apply):

1. GET ``<base>/rss/articles/<id>`` for the page's ``data-n-a-sg`` signature and
   ``data-n-a-ts`` timestamp;
2. POST them to ``<base>/_/DotsSplashUi/data/batchexecute`` (``garturlreq``), which answers
   with the publisher's URL.

The protocol's details (where the attributes sit, the request envelope, the answer's
framing) are read with googlenewsdecoder's pure helpers, a maintained package that follows
Google's changes; only its parsing functions are used, none of its networking. Google has
changed this protocol before and will again, so callers see only the ``LinkResolver``
protocol and a ``FetchError`` of kind ``link-unresolved`` when it fails: the pipeline then
retries the entry on a later pass and never writes it under the Google URL.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from googlenewsdecoder._parse import (
    build_batchexecute_body,
    params_page_url,
    parse_batchexecute,
    parse_signature,
)

from monitor.errors import FetchError, FetchErrorKind
from monitor.fetcher import PAGE_ACCEPT, Fetcher

GOOGLE_NEWS = "https://news.google.com"
BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
FORM_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"
_ARTICLE_PATH = re.compile(r"^(?:/rss)?/(?:articles|read)/(?P<id>[A-Za-z0-9_-]{8,})/?$")
_PROTOBUF_PREFIX = b"\x08\x13\x22"  # field 1 = 19, then field 4: the length-prefixed URL
_NEW_STYLE_MARK = b"AU_yqL"


class LinkResolver(Protocol):
    """Turns an aggregator's link into the link of the article it stands for."""

    def handles(self, url: str) -> bool:
        """True for the links this resolver is for."""
        ...

    async def resolve(self, url: str) -> str:
        """The article's own URL; raises FetchError (kind ``link-unresolved`` or a fetch kind)."""
        ...


def google_news_id(url: str, hosts: frozenset[str] = frozenset({"news.google.com"})) -> str | None:
    """The article id of a Google News article link on one of ``hosts`` (host[:port]), else None."""
    parts = urlsplit(url)
    if parts.netloc.lower() not in hosts:
        return None
    match = _ARTICLE_PATH.match(parts.path)
    return match.group("id") if match else None


def decode_offline(article_id: str) -> str | None:
    """The URL embedded in an old-style id, or None for a new-style (or unknown) one."""
    try:
        raw = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (ValueError, binascii.Error):
        return None
    if not raw.startswith(_PROTOBUF_PREFIX):
        return None
    length, start = _varint(raw, len(_PROTOBUF_PREFIX))
    embedded = raw[start : start + length]
    if length <= 0 or len(embedded) < length or embedded.startswith(_NEW_STYLE_MARK):
        return None
    try:
        text = embedded.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.startswith(("http://", "https://")) else None


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """A protobuf varint at ``offset``: (value, offset after it); (-1, offset) when malformed."""
    value, shift = 0, 0
    for position in range(offset, min(offset + 5, len(data))):
        byte = data[position]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position + 1
        shift += 7
    return -1, offset


class GoogleNewsResolver:
    """Resolves Google News article links; ``base_url`` points the two requests elsewhere (tests)."""

    def __init__(self, fetcher: Fetcher, base_url: str = GOOGLE_NEWS) -> None:
        self.fetcher = fetcher
        base = urlsplit(base_url.rstrip("/"))
        self._scheme, self._netloc = base.scheme, base.netloc
        self._hosts = frozenset({"news.google.com", base.netloc.lower()})
        # Asked of every entry of every feed: one search for the hosts' names rules out almost all.
        self._names_a_host = re.compile("|".join(map(re.escape, sorted(self._hosts))), re.IGNORECASE).search

    def handles(self, url: str) -> bool:
        return self._names_a_host(url) is not None and google_news_id(url, self._hosts) is not None

    async def resolve(self, url: str) -> str:
        article = google_news_id(url, self._hosts)
        if article is None:
            raise FetchError(FetchErrorKind.LINK_UNRESOLVED, url, "not a Google News article link")
        embedded = decode_offline(article)
        if embedded is not None:
            return embedded
        signature, timestamp = await self._signature(url, article)
        body = build_batchexecute_body([("0", article, timestamp, signature)]).encode("ascii")
        response = await self.fetcher.post(self._url(BATCHEXECUTE_PATH), body, {"Content-Type": FORM_TYPE})
        try:
            pairs = parse_batchexecute(response.body.decode("utf-8", errors="replace"))
        except (json.JSONDecodeError, ValueError, IndexError, TypeError, KeyError) as exc:
            raise FetchError(FetchErrorKind.LINK_UNRESOLVED, url, f"unreadable answer: {exc}") from None
        found = next((target for request, target in pairs if request in (None, "0")), None)
        if not isinstance(found, str) or not found.startswith(("http://", "https://")):
            raise FetchError(FetchErrorKind.LINK_UNRESOLVED, url, "the decoding answer names no article URL")
        return found

    async def _signature(self, url: str, article: str) -> tuple[str, str]:
        page = urlsplit(params_page_url(article, url))
        response = await self.fetcher.get(self._url(page.path, page.query), {"Accept": PAGE_ACCEPT})
        found = parse_signature(response.body.decode("utf-8", errors="replace"))
        if found is None:
            raise FetchError(FetchErrorKind.LINK_UNRESOLVED, url, "no decoding signature on the article page")
        return found

    def _url(self, path: str, query: str = "") -> str:
        return urlunsplit((self._scheme, self._netloc, path, query, ""))
