"""The one exception tree of the monitor.

    MonitorError
    ├── ConfigError          (ValueError)   bad config file or value; exit code 2
    ├── FormatError          (ValueError)   a corpus file that breaks the format
    ├── CorpusWriteError     (OSError)      the corpus could not be written (disk full, read-only)
    ├── StateError           (RuntimeError) the SQLite state is locked, unwritable or too new
    │   └── StateCorrupt                    the state file is not a readable SQLite database
    ├── FetchError           (Exception)    one URL could not be fetched; ``kind`` names why
    │   ├── BlockedURL                      refused before sending: scheme, address guard, robots.txt
    │   └── HTTPStatusError                 the server answered with a non-success status
    └── DaemonAlreadyRunning (RuntimeError) another daemon holds the state's daemon lock

Only ``monitor.fetcher`` catches httpx's exceptions; it raises ``FetchError`` with a
``kind`` from ``FetchErrorKind`` so that callers and ``monitor status`` can tell a 404
from a timeout.
"""

from __future__ import annotations

import enum


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""


class ConfigError(MonitorError, ValueError):
    """The config file or a value in it is invalid."""


class FormatError(MonitorError, ValueError):
    """A corpus file does not follow the corpus format."""


class CorpusWriteError(MonitorError, OSError):
    """An article could not be written to the corpus."""


class StateError(MonitorError, RuntimeError):
    """The state database cannot be used as it is."""


class StateCorrupt(StateError):
    """The state file is damaged; ``monitor reindex`` moves it aside and rebuilds it."""


class DaemonAlreadyRunning(MonitorError, RuntimeError):
    """Another daemon is already running on the same state."""


class FetchErrorKind(enum.StrEnum):
    TIMEOUT = "timeout"
    CONNECT = "connect"
    NETWORK = "network"
    TOO_LARGE = "too-large"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    HTTP_STATUS = "http-status"
    BLOCKED_SCHEME = "blocked-scheme"
    BLOCKED_ADDRESS = "blocked-address"
    ROBOTS = "robots-disallowed"
    RETRY_LATER = "retry-later"
    NOT_A_FEED = "not-a-feed"
    DECODE = "decode"
    UNRESOLVED = "unresolved"
    LINK_UNRESOLVED = "link-unresolved"  # an aggregator's link (Google News) not resolved to the article


class FetchError(MonitorError):
    """A URL could not be fetched; ``kind`` says why, ``url`` which."""

    def __init__(
        self,
        kind: FetchErrorKind,
        url: str,
        detail: str = "",
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.url = url
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        text = str(self.kind)
        if self.status is not None:
            text = f"HTTP {self.status}"
        return f"{text}: {self.detail}" if self.detail else text


class BlockedURL(FetchError):
    """The URL was refused before any request was sent."""


class HTTPStatusError(FetchError):
    """The server answered with a status that is not a success."""
