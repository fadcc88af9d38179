"""Load and validate the TOML config into frozen dataclasses.

Every key is optional. Relative paths resolve against the config file's folder (or the
working directory when there is no file). An unknown key, a wrong type or a bad value
raises ``ConfigError`` naming the file, the field and what is wrong.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.errors import ConfigError

DEFAULT_CONFIG_NAME = "monitor.toml"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


@dataclass(frozen=True, slots=True)
class FeedConfig:
    name: str
    url: str
    interval: float | None = None  # seconds; None means the schedule's default


@dataclass(frozen=True, slots=True)
class HttpConfig:
    user_agent: str = "monitor/0.1 (+https://github.com/india-us-monitor/monitor)"
    timeout: float = 20.0  # total seconds for one request, body included
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 2
    concurrency: int = 32
    per_host_concurrency: int = 2
    host_delay: float = 0.5  # minimum seconds between two requests to one host
    allow_private_addresses: bool = False
    allowed_networks: tuple[str, ...] = ()  # CIDR blocks allowed even though not public (a LAN server)
    respect_robots: bool = True
    robots_ttl: float = 86400.0
    retry_backoff: float = 1.0  # seconds; retry n waits a random time up to retry_backoff * 2**n
    max_retry_wait: float = 30.0  # a longer Retry-After defers the URL to a later pass


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    interval: float = 900.0
    min_interval: float = 300.0
    max_interval: float = 21600.0
    max_backoff: float = 86400.0
    jitter: float = 0.1  # fraction of the interval
    tick: float = 30.0  # the daemon looks for due feeds this often
    feeds_per_tick: int = 10  # at most this many feeds start per tick, most overdue first
    lease: float = 900.0  # a claimed feed is left to its poller this long (the daemon renews it)
    stop_timeout: float = 30.0  # on SIGTERM, in-flight work gets this long before it is cancelled


@dataclass(frozen=True, slots=True)
class RelevanceConfig:
    threshold: float = 1.0
    gate_threshold: float | None = None
    languages: tuple[str, ...] = ("en",)
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UrlConfig:
    tracking_parameters: tuple[str, ...] = ()  # added to the built-in list
    google_news_url: str = "https://news.google.com"  # where Google News links are resolved


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class PerformanceConfig:
    workers: int = field(default_factory=available_cores)  # processes for parsing and extraction; 0: none


@dataclass(frozen=True, slots=True)
class Config:
    corpus_dir: Path
    state_path: Path
    http: HttpConfig
    schedule: ScheduleConfig
    relevance: RelevanceConfig
    urls: UrlConfig
    feeds: tuple[FeedConfig, ...]
    path: Path | None = None  # the file it was read from, if any
    feeds_from_defaults: bool = False
    performance: PerformanceConfig = field(default_factory=PerformanceConfig)


def parse_duration(value: object, where: str) -> float:
    """Seconds from a number or a string such as ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration such as \"15m\", got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        raise ConfigError(f"{where}: expected a duration such as \"15m\" or \"2h\", got {value!r}")
    if seconds <= 0:
        raise ConfigError(f"{where}: must be positive, got {value!r}")
    return seconds


class _Reader:
    """Reads one TOML table, checking every key is known and typed as expected."""

    def __init__(self, source: str, table: Mapping[str, Any], section: str, known: tuple[str, ...]) -> None:
        self.source = source
        self.table = table
        self.section = section
        for key in table:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})"
                raise ConfigError(f"{source}: {self._name(key)}: unknown key{suggestion}")

    def _name(self, key: str) -> str:
        return f"{self.section}.{key}" if self.section else key

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self._name(key)}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in self.table:
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(key, f"expected {_kind_name(kinds)}, got {value!r}")
        if not isinstance(value, kinds):
            raise self.error(key, f"expected {_kind_name(kinds)}, got {value!r}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0, integer: bool = False) -> Any:
        value = self.get(key, int if integer else (int, float), default)
        if value < minimum:
            raise self.error(key, f"must be at least {minimum:g}, got {value!r}")
        return value

    def duration(self, key: str, default: float) -> float:
        if key not in self.table:
            return default
        return parse_duration(self.table[key], f"{self.source}: {self._name(key)}")

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(key, list, None)
        if value is None:
            return default
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise self.error(key, "expected a list of non-empty strings")
        return tuple(value)

    def table_of(self, key: str) -> Mapping[str, Any]:
        return self.get(key, dict, {})


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {int: "a number", float: "a number", str: "a string", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _http_url(r: _Reader, key: str, default: str) -> str:
    value = r.get(key, str, default).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise r.error(key, f"expected an http(s) URL such as {default!r}, got {value!r}")
    return value


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _read_http(source: str, table: Mapping[str, Any]) -> HttpConfig:
    d = HttpConfig()
    r = _Reader(source, table, "http", tuple(HttpConfig.__slots__))  # type: ignore[attr-defined]
    user_agent = r.get("user_agent", str, d.user_agent).strip()
    if not user_agent:
        raise r.error("user_agent", "must not be empty")
    return HttpConfig(
        user_agent=user_agent,
        timeout=r.number("timeout", d.timeout, minimum=0.1),
        connect_timeout=r.number("connect_timeout", d.connect_timeout, minimum=0.1),
        max_bytes=r.number("max_bytes", d.max_bytes, minimum=1024, integer=True),
        max_redirects=r.number("max_redirects", d.max_redirects, minimum=0, integer=True),
        retries=r.number("retries", d.retries, minimum=0, integer=True),
        concurrency=r.number("concurrency", d.concurrency, minimum=1, integer=True),
        per_host_concurrency=r.number("per_host_concurrency", d.per_host_concurrency, minimum=1, integer=True),
        host_delay=r.number("host_delay", d.host_delay),
        allow_private_addresses=r.get("allow_private_addresses", bool, d.allow_private_addresses),
        allowed_networks=_networks(r, "allowed_networks"),
        respect_robots=r.get("respect_robots", bool, d.respect_robots),
        robots_ttl=r.duration("robots_ttl", d.robots_ttl),
        retry_backoff=r.number("retry_backoff", d.retry_backoff),
        max_retry_wait=r.number("max_retry_wait", d.max_retry_wait),
    )


def _networks(r: _Reader, key: str) -> tuple[str, ...]:
    values = r.strings(key, ())
    for value in values:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise r.error(key, f"{value!r} is not an address or CIDR block such as \"10.0.0.0/8\"") from None
    return values


def _read_schedule(source: str, table: Mapping[str, Any]) -> ScheduleConfig:
    d = ScheduleConfig()
    r = _Reader(source, table, "schedule", tuple(ScheduleConfig.__slots__))  # type: ignore[attr-defined]
    schedule = ScheduleConfig(
        interval=r.duration("interval", d.interval),
        min_interval=r.duration("min_interval", d.min_interval),
        max_interval=r.duration("max_interval", d.max_interval),
        max_backoff=r.duration("max_backoff", d.max_backoff),
        jitter=r.number("jitter", d.jitter),
        tick=r.duration("tick", d.tick),
        feeds_per_tick=r.number("feeds_per_tick", d.feeds_per_tick, minimum=1, integer=True),
        lease=r.duration("lease", d.lease),
        stop_timeout=r.duration("stop_timeout", d.stop_timeout),
    )
    if schedule.min_interval > schedule.max_interval:
        raise r.error("min_interval", "must not exceed schedule.max_interval")
    if schedule.jitter >= 1:
        raise r.error("jitter", "must be a fraction below 1")
    return schedule


def _read_relevance(source: str, table: Mapping[str, Any]) -> RelevanceConfig:
    d = RelevanceConfig()
    r = _Reader(source, table, "relevance", ("threshold", "gate_threshold", "languages", "terms"))
    terms_reader = _Reader(source, r.table_of("terms"), "relevance.terms", _term_list_names())
    terms = {name: terms_reader.strings(name, ()) for name in terms_reader.table}
    languages = tuple(lang.lower() for lang in r.strings("languages", d.languages))
    return RelevanceConfig(
        threshold=r.number("threshold", d.threshold),
        gate_threshold=r.get("gate_threshold", (int, float), None),
        languages=languages,
        terms=terms,
    )


def _term_list_names() -> tuple[str, ...]:
    from monitor.relevance import TERM_LISTS

    return TERM_LISTS


def _read_feeds(source: str, feeds: object) -> tuple[FeedConfig, ...]:
    if not isinstance(feeds, list):
        raise ConfigError(f"{source}: feeds: expected an array of tables ([[feeds]])")
    result: list[FeedConfig] = []
    names: set[str] = set()
    for position, item in enumerate(feeds, start=1):
        section = f"feeds[{position}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: {section}: expected a table with name and url")
        r = _Reader(source, item, section, ("name", "url", "interval"))
        url = r.get("url", str, "").strip()
        if not url:
            raise r.error("url", "is required")
        if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
            raise r.error("url", f"must be an http:// or https:// URL, got {url!r}")
        name = r.get("name", str, "").strip() or url
        if name in names:
            raise r.error("name", f"{name!r} is used by another feed; names must be unique")
        names.add(name)
        interval = r.duration("interval", 0.0) or None
        result.append(FeedConfig(name=name, url=url, interval=interval))
    return tuple(result)


def default_feeds() -> tuple[FeedConfig, ...]:
    """The shipped feed list."""
    text = (Path(__file__).parent / "data" / "default_feeds.toml").read_text(encoding="utf-8")
    return _read_feeds("default_feeds.toml", tomllib.loads(text)["feeds"])


def _read_performance(source: str, table: Mapping[str, Any]) -> PerformanceConfig:
    r = _Reader(source, table, "performance", ("workers",))
    return PerformanceConfig(workers=r.number("workers", available_cores(), minimum=0, integer=True))


_SECTIONS: dict[str, Callable[[str, Mapping[str, Any]], Any]] = {
    "http": _read_http,
    "schedule": _read_schedule,
    "relevance": _read_relevance,
    "performance": _read_performance,
}


def parse_config(data: Mapping[str, Any], *, source: str, base: Path, path: Path | None = None) -> Config:
    """Validate a parsed TOML document into a ``Config``."""
    top = _Reader(source, data, "", ("corpus", "state", "http", "schedule", "relevance", "urls", "feeds",
                                     "performance"))
    corpus = _Reader(source, top.table_of("corpus"), "corpus", ("dir",))
    state = _Reader(source, top.table_of("state"), "state", ("path",))
    urls = _Reader(source, top.table_of("urls"), "urls", ("tracking_parameters", "google_news_url"))
    sections = {name: read(source, top.table_of(name)) for name, read in _SECTIONS.items()}
    has_feeds = "feeds" in data
    return Config(
        corpus_dir=_resolve(base, corpus.get("dir", str, "seeds")),
        state_path=_resolve(base, state.get("path", str, ".monitor/state.db")),
        http=sections["http"],
        schedule=sections["schedule"],
        relevance=sections["relevance"],
        urls=UrlConfig(
            tracking_parameters=urls.strings("tracking_parameters", ()),
            google_news_url=_http_url(urls, "google_news_url", UrlConfig().google_news_url),
        ),
        feeds=_read_feeds(source, data["feeds"]) if has_feeds else default_feeds(),
        path=path,
        feeds_from_defaults=not has_feeds,
        performance=sections["performance"],
    )


def load_config(path: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Read ``path``, or ``monitor.toml`` in the working directory, or the built-in defaults."""
    cwd = cwd or Path.cwd()
    if path is None:
        candidate = cwd / DEFAULT_CONFIG_NAME
        if not candidate.is_file():
            return parse_config({}, source="(built-in defaults)", base=cwd)
        path = candidate
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    absolute = path.resolve()
    return parse_config(data, source=str(path), base=absolute.parent, path=absolute)
