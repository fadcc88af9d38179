"""Serve a ``WebSpec`` web on 127.0.0.2 … 127.0.0.N: one asyncio HTTP/1.1 server per address.

Keep-alive, ``ETag``/``If-None-Match`` → 304, ``robots.txt`` allowing everything, and a fixed
latency before every response (default 100 ms, like a distant server). Feeds and the pages
that can pass a relevance gate are rendered before the server reports ready, so serving
costs little CPU during a measurement. ``GET /__stats`` answers request counts and the
paths of the pages served; ``GET /__reset`` clears them.

Run alone:  .venv/bin/python -m bench.web_server --feeds 1000 --latency 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from bench.web_content import (
    FEED_PATH,
    PAGE_PATH,
    WebSpec,
    feed_document,
    feed_etag,
    items,
    page,
    page_for_path,
)

ROOT = Path(__file__).resolve().parents[1]
ROBOTS = b"User-agent: *\nAllow: /\n"


class Web:
    """The documents and counters shared by every connection."""

    def __init__(self, spec: WebSpec, latency: float) -> None:
        self.spec = spec
        self.latency = latency
        self.feeds: dict[int, tuple[bytes, str, str]] = {}
        self.pages: dict[str, bytes] = {}
        self.counts: Counter[str] = Counter()
        self.page_paths: list[str] = []

    def prepare(self, page_kinds: tuple[str, ...]) -> None:
        for feed in range(self.spec.feeds):
            body, content_type = feed_document(self.spec, feed)
            self.feeds[feed] = (body, content_type, feed_etag(self.spec, feed))
            for e in items(self.spec, feed):
                if e.kind in page_kinds:
                    self.pages["/" + e.url.split("/", 3)[3]] = page(self.spec, feed, e.number)

    def respond(
        self, address: str, path: str, headers: dict[str, str]
    ) -> tuple[int, str, bytes, dict[str, str]]:
        if path == "/robots.txt":
            self.counts["robots"] += 1
            return 200, "text/plain", ROBOTS, {}
        if path == "/__stats":
            stats = {"counts": dict(self.counts), "pages": self.page_paths}
            return 200, "application/json", json.dumps(stats).encode(), {}
        if path == "/__reset":
            self.counts.clear()
            self.page_paths = []
            return 200, "text/plain", b"ok", {}
        if match := FEED_PATH.match(path):
            feed = int(match.group(1))
            if feed < self.spec.feeds and self.spec.host(feed) == address:
                body, content_type, etag = self.feeds[feed]
                if headers.get("if-none-match") == etag:
                    self.counts["feed_304"] += 1
                    return 304, "", b"", {"ETag": etag}
                self.counts["feed_200"] += 1
                return (
                    200,
                    content_type,
                    body,
                    {"ETag": etag, "Last-Modified": "Fri, 20 Nov 2026 12:00:00 GMT"},
                )
        if (match := PAGE_PATH.match(path)) and self.spec.host(int(match.group(1))) == address:
            body = self.pages.get(path) or page_for_path(self.spec, path)
            if body is not None:
                self.counts["page"] += 1
                self.page_paths.append(path)
                return 200, "text/html; charset=utf-8", body, {}
        self.counts["not_found"] += 1
        return 404, "text/plain", b"not found", {}


class Connection(asyncio.Protocol):
    """One keep-alive connection; requests are answered in order, each after the latency."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.address = ""
        self.busy = False
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.address = transport.get_extra_info("sockname")[0]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
        request_line, *lines = head.split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3:
            self.transport.close()
            return
        method, target, version = parts
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        path = target.split("?", 1)[0]
        status, content_type, body, extra = self.web.respond(self.address, path, headers)
        self.closing = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        lines = [
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Modified' if status == 304 else 'Error'}",
            f"Content-Length: {len(body)}",
            f"Connection: {'close' if self.closing else 'keep-alive'}",
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines += [f"{k}: {v}" for k, v in extra.items()]
        response = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else body)
        self.busy = True
        delay = self.web.latency if not path.startswith("/__") else 0
        asyncio.get_running_loop().call_later(delay, self._send, response)

    def _send(self, response: bytes) -> None:
        self.busy = False
        if self.transport is None:
            return
        self.transport.write(response)
        if self.closing:
            self.transport.close()
            return
        self._next()


async def serve(spec: WebSpec, latency: float, page_kinds: tuple[str, ...], ready: Path | None) -> None:
    web = Web(spec, latency)
    started = time.monotonic()
    web.prepare(page_kinds)
    loop = asyncio.get_running_loop()
    servers = [
        await loop.create_server(
            lambda: Connection(web), address, spec.port, reuse_address=True, backlog=1024
        )
        for address in spec.addresses()
    ]
    message = (
        f"ready: {len(servers)} hosts, {len(web.feeds)} feeds, {len(web.pages)} pages in "
        f"{time.monotonic() - started:.1f}s"
    )
    if ready is not None:
        ready.write_text(message)
    print(message, flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


@contextlib.contextmanager
def running(
    spec: WebSpec, latency: float, work: Path, *, page_kinds: str = "india-us,india,us"
) -> Iterator[int]:
    """Start the server in its own process; yields its pid once it answers, stops it after."""
    ready = work / "web-ready"
    ready.unlink(missing_ok=True)
    args = [
        sys.executable,
        "-m",
        "bench.web_server",
        "--latency",
        str(latency),
        "--ready",
        str(ready),
        "--page-kinds",
        page_kinds,
        *spec_arguments(spec),
    ]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not ready.exists():
            if process.poll() is not None:
                raise RuntimeError(f"the web server exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the web server did not start within 600 s")
            time.sleep(0.1)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def spec_arguments(spec: WebSpec) -> list[str]:
    return [arg for key, value in asdict(spec).items() for arg in (f"--{key.replace('_', '-')}", str(value))]


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    for key, value in asdict(WebSpec()).items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)


def spec_from(args: argparse.Namespace) -> WebSpec:
    return WebSpec(**{key: getattr(args, key) for key in asdict(WebSpec())})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_spec_options(parser)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each response")
    parser.add_argument("--page-kinds", default="india-us,india,us", help="pages rendered before ready")
    parser.add_argument("--ready", type=Path, help="file written once the server answers")
    args = parser.parse_args()
    asyncio.run(serve(spec_from(args), args.latency, tuple(args.page_kinds.split(",")), args.ready))


if __name__ == "__main__":
    main()
