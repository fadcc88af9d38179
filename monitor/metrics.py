"""What the daemon tells the outside: Prometheus metrics and a health check over HTTP.

``Metrics`` holds the daemon's own registry (never prometheus-client's global one) and is
fed from each pass's report and from the feeds' state. ``StatusServer`` answers
``GET /metrics`` (Prometheus text format) and ``GET /healthz`` (200 while the scheduler
ticks on time, 503 when it is stalled or stopping; JSON body) from a background thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from monitor.models import PassReport
from monitor.store import FeedState

log = logging.getLogger(__name__)

PASS_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """The daemon's counters and gauges, labelled by feed where it matters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("monitor_polls", "Feed polls finished", ["feed"], registry=r)
        self.poll_errors = Counter("monitor_poll_errors", "Feed polls that failed", ["feed"], registry=r)
        self.written = Counter("monitor_articles_written", "Articles written to the corpus", ["feed"],
                               registry=r)
        self.duplicates = Counter("monitor_duplicates", "Entries dropped as duplicates", ["feed"], registry=r)
        self.write_failures = Counter("monitor_corpus_write_failures", "Passes whose corpus write failed",
                                      registry=r)
        self.pass_failures = Counter("monitor_pass_failures", "Passes that stopped on an error", registry=r)
        self.pass_seconds = Histogram("monitor_pass_duration_seconds", "Duration of passes that polled feeds",
                                      buckets=PASS_BUCKETS, registry=r)
        self.in_flight = Gauge("monitor_passes_in_flight", "Passes running now", registry=r)
        self.last_tick = Gauge("monitor_last_tick_timestamp_seconds", "When the scheduler last ticked",
                               registry=r)
        self.last_success = Gauge("monitor_feed_last_success_timestamp_seconds",
                                  "When each feed was last polled successfully", ["feed"], registry=r)
        self.next_due = Gauge("monitor_feed_next_due_timestamp_seconds", "When each feed is due next",
                              ["feed"], registry=r)
        self.interval = Gauge("monitor_feed_interval_seconds", "Each feed's current poll interval",
                              ["feed"], registry=r)
        self.errors_in_a_row = Gauge("monitor_feed_consecutive_errors", "Failed polls in a row per feed",
                                     ["feed"], registry=r)
        self._feeds: set[str] = set()

    def record_pass(self, report: PassReport) -> None:
        for feed in report.feeds:
            self.polls.labels(feed.name).inc()
            if not feed.ok:
                self.poll_errors.labels(feed.name).inc()
            self.written.labels(feed.name).inc(feed.written)
            self.duplicates.labels(feed.name).inc(feed.duplicates)
        if report.write_failed:
            self.write_failures.inc()
        if report.feeds:
            self.pass_seconds.observe(report.seconds)

    def record_feeds(self, states: Iterable[FeedState], configured: Iterable[str]) -> None:
        """Set the per-feed gauges from the state; drop those of feeds no longer configured."""
        names = set(configured)
        for state in states:
            if state.name not in names:
                continue
            for gauge, value in ((self.last_success, state.last_success), (self.next_due, state.next_due),
                                 (self.interval, state.interval)):
                if value is not None:
                    gauge.labels(state.name).set(value)
            self.errors_in_a_row.labels(state.name).set(state.consecutive_errors)
        for gone in self._feeds - names:
            for gauge in (self.last_success, self.next_due, self.interval, self.errors_in_a_row):
                try:
                    gauge.remove(gone)
                except KeyError:
                    continue
        self._feeds = names


@dataclass(slots=True)
class Health:
    """Whether the scheduler still ticks; written by the event loop, read by the HTTP thread."""

    tick: float
    started: float = field(default_factory=time.time)
    last_tick: float | None = None
    stopping: bool = False
    in_flight: int = 0

    def check(self, now: float) -> tuple[bool, dict[str, object]]:
        since = now - (self.last_tick if self.last_tick is not None else self.started)
        late = since > 3 * self.tick + 5
        status = "stopping" if self.stopping else "stalled" if late else "ok"
        body: dict[str, object] = {"status": status, "last_tick": self.last_tick,
                                   "seconds_since_tick": round(since, 3), "passes_in_flight": self.in_flight}
        return status == "ok", body


class StatusServer:
    """``/metrics`` and ``/healthz`` on ``address:port`` (port 0 picks a free one), in a thread."""

    def __init__(self, metrics: Metrics, health: Health, address: str, port: int) -> None:
        handler = _handler(metrics, health)
        self._server = ThreadingHTTPServer((address, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(metrics: Metrics, health: Health) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, content_type, encoder(metrics.registry))
            elif path == "/healthz":
                ok, body = health.check(time.time())
                self._send(200 if ok else 503, "application/json", json.dumps(body).encode())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("status server: " + format, *args)

    return Handler
