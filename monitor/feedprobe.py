"""Find and check the feed behind a URL before it is added to the feed list.

The URL may be a feed or a site's page: when the body does not parse as a feed, the page's
``<link rel="alternate">`` feeds are tried in the order the page lists them, or, when it
declares none, the common feed paths of its site (``/feed``, ``/rss.xml``...).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.discover import discover_feeds, fallback_feed_urls, looks_like_html
from monitor.errors import FetchError, FetchErrorKind
from monitor.feeds import looks_like_feed, parse_feed
from monitor.fetcher import Fetcher, Response
from monitor.models import ParsedFeed


@dataclass(frozen=True, slots=True)
class FoundFeed:
    url: str  # the feed's URL as given or as the page links it
    title: str
    entries: int
    page_url: str = ""  # the page it was discovered on, when the given URL was not a feed


async def find_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed at ``url``, or the first working feed the page at ``url`` links to.

    Raises ``FetchError`` when nothing could be fetched, and one of kind ``NOT_A_FEED`` when
    the URL is neither a feed nor a page that links to one."""
    response = await fetcher.fetch_feed(url)
    parsed = _parse(response)
    if _is_feed(parsed, response.body):
        return FoundFeed(url, parsed.title, len(parsed.entries))
    failures: list[str] = []
    declared = discover_feeds(response.body, response.url)
    candidates = declared or (fallback_feed_urls(response.url) if looks_like_html(response.body) else [])
    for candidate in candidates:
        try:
            answer = await fetcher.fetch_feed(candidate)
        except FetchError as exc:
            failures.append(f"{candidate}: {exc.reason}")
            continue
        found = _parse(answer)
        if _is_feed(found, answer.body):
            return FoundFeed(candidate, found.title, len(found.entries), page_url=url)
        failures.append(f"{candidate}: {found.problem}")
    if declared:
        detail = "the page links to feeds, but none works (" + "; ".join(failures) + ")"
    elif candidates:
        detail = (
            'not a feed; the page links to no feed (<link rel="alternate">) and none of the '
            "usual paths (/feed, /rss.xml...) has one"
        )
    else:
        detail = "neither a feed nor an HTML page that links to one"
    raise FetchError(FetchErrorKind.NOT_A_FEED, url, detail)


def _is_feed(parsed: ParsedFeed, body: bytes) -> bool:
    # feedparser reads an HTML page as a malformed feed without entries: that is no feed.
    return looks_like_feed(parsed) and (bool(parsed.entries) or not looks_like_html(body))


def _parse(response: Response) -> ParsedFeed:
    return parse_feed(response.body, feed_name="", url=response.url, content_type=response.content_type)
