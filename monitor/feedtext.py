"""The text and timestamps of feed elements, whichever parser read the document (pure)."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from urllib.parse import urljoin

from monitor.text import normalise_line

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def plain_text(fragment: str) -> str:
    """Feed text that may be HTML (a title, a summary) on one line, tags and entities removed.

    RSS does not say whether a title is text or HTML, and feeds write both, some escaping
    twice ("AT&amp;amp;T"): read as HTML, each gives what a reader's screen shows.
    """
    if "<" in fragment:
        fragment = _TAG.sub(" ", _SCRIPT.sub(" ", fragment))
    return normalise_line(html.unescape(fragment))


def parse_timestamp(text: str) -> dt.datetime | None:
    """An ISO 8601 or RFC 822 timestamp, keeping its own UTC offset; no offset is read as UTC."""
    text = text.strip()
    if not text:
        return None
    value: dt.datetime | None = None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def article_link(base: str, link: str) -> str:
    """An entry's link made absolute against the feed's URL; empty unless it is an http(s) URL."""
    link = link.strip()
    if not link.startswith(("http://", "https://")):
        link = urljoin(base, link) if link else ""
    return link if link.startswith(("http://", "https://")) else ""
