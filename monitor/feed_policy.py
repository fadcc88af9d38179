"""What a feed's HTTP outcome means for its state: moves, 410, Retry-After, charsets, not-a-feed.

Pure functions on ``FeedState`` and response bytes, except ``enable_feed`` which saves a state.

- A permanent redirect (301/308 from the first hop on) moves the feed's stored URL. A move on
  the same host (typically http → https) is followed at once; a move to another host only once
  the same target has been seen on ``MOVE_CONFIRMATIONS`` successful polls in a row, so a
  hijacked or misconfigured server cannot take a feed elsewhere with one answer. The
  configured URL is kept in ``origin_url``.
- 410 Gone disables the feed (``disabled_reason``); ``enable_feed`` undoes it.
- A Retry-After longer than a pass may wait pushes the feed's next due time past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from monitor.discover import discover_feeds, looks_like_html
from monitor.store import FeedState, Store

MOVE_CONFIRMATIONS = 3
GONE_REASON = "gone (HTTP 410)"
PERMANENT_REDIRECTS = frozenset({301, 308})


def permanent_target(redirects: Sequence[tuple[int, str]]) -> str | None:
    """Where the leading run of permanent redirects ends; None when the first hop is not permanent."""
    target = None
    for status, url in redirects:
        if status not in PERMANENT_REDIRECTS:
            break
        target = url
    return target


def _same_host(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()


def follow_move(state: FeedState, redirects: Sequence[tuple[int, str]]) -> str | None:
    """Record the permanent redirects of a successful poll; a line to log when there is news.

    ``state.url`` changes when the move is followed; otherwise the pending move is counted.
    """
    target = permanent_target(redirects)
    if target is None or target == state.url:
        state.redirect_url, state.redirect_count = None, 0
        return None
    if not _same_host(state.url, target):
        if state.redirect_url == target:
            state.redirect_count += 1
        else:
            state.redirect_url, state.redirect_count = target, 1
        if state.redirect_count < MOVE_CONFIRMATIONS:
            return (f"permanent redirect to {target} seen on {state.redirect_count} of "
                    f"{MOVE_CONFIRMATIONS} polls; the feed's URL stays {state.url} until then")
    old = state.url
    state.origin_url = state.origin_url or old
    state.url = target
    state.redirect_url, state.redirect_count = None, 0
    return f"moved permanently: the feed's URL is now {target} (was {old})"


def mark_gone(state: FeedState) -> None:
    """A 410: stop polling the feed until ``enable_feed``."""
    state.disabled_reason = GONE_REASON


def enable_feed(store: Store, name: str) -> FeedState | None:
    """Re-enable a disabled feed and make it due now; None when the state has no such feed."""
    state = store.feed(name)
    if state is None:
        return None
    state.disabled_reason = None
    state.consecutive_errors = 0
    state.next_due = None
    store.save_feed(state)
    return state


def respect_retry_after(next_due: float | None, now: float, retry_after: float | None) -> float | None:
    """The next due time, no earlier than the server's Retry-After."""
    return next_due if retry_after is None else max(next_due or now, now + retry_after)


def not_a_feed_reason(body: bytes, url: str) -> str | None:
    """Why a document is plainly not a feed (empty, or an HTML page), or None when it may be one."""
    if not body.strip():
        return "not a feed (empty response)"
    if looks_like_html(body):
        feeds = discover_feeds(body, url)
        if not feeds:
            return "not a feed (HTML page; it links to no feed)"
        more = f" and {len(feeds) - 1} more" if len(feeds) > 1 else ""
        return f"not a feed (HTML page; it links to feed {feeds[0]}{more})"
    return None


def feed_content_type(body: bytes, content_type: str) -> str:
    """The Content-Type to give the feed parser, with UTF-8 put right where the declaration is wrong.

    A document whose non-ASCII bytes are all valid UTF-8 is UTF-8, whatever its header or XML
    declaration says (other encodings essentially never form valid UTF-8 sequences), and an
    HTTP charset overrides the XML declaration for the parser. Anything else is left alone:
    the parser reads a BOM, the header and the declaration itself.
    """
    if body.isascii() or body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return content_type
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return content_type
    media = content_type.split(";")[0].strip().lower()
    if "json" in media:
        return content_type
    if "xml" not in media and media != "text/html":
        media = "application/xml"
    return f"{media}; charset=utf-8"
