"""Shared fixtures: a local web of feeds and pages, and a project folder with a config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"

Handler = Callable[[Request], Response]


@dataclass
class Site:
    """A local web server whose routes the test sets: path → handler; every request is recorded."""

    server: HTTPServer
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        etag: str | None = None,
        status: int = 200,
    ) -> None:
        """Serve a fixed document; with ``etag`` it answers a matching If-None-Match with 304."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        def handler(request: Request) -> Response:
            if etag is not None and request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            headers = {"ETag": etag} if etag else {}
            return Response(data, status=status, content_type=content_type, headers=headers)

        self.routes[path] = handler

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def hits(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        handler = self.routes.get(request.path)
        if handler is None:
            return Response("not found", status=404)
        return handler(request)


@pytest.fixture
def site(httpserver: HTTPServer) -> Iterator[Site]:
    web = Site(httpserver)
    httpserver.expect_request(__import__("re").compile(".*")).respond_with_handler(web.dispatch)
    yield web
    httpserver.clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A working folder whose seeds/ is a copy of the project's seeds."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def write_config(folder: Path, feeds: list[tuple[str, str]], extra: str = "") -> Path:
    """A monitor.toml for tests: local addresses allowed, short timeouts, no politeness delay."""
    lines = [
        "[http]",
        "allow_private_addresses = true",
        "timeout = 5",
        "connect_timeout = 2",
        "retries = 0",
        "host_delay = 0",
        extra,
    ]
    for name, url in feeds:
        lines += ["[[feeds]]", f'name = "{name}"', f'url = "{url}"']
    path = folder / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def monitor_command(*args: str) -> list[str]:
    """The real command line, as a user runs it: ``python -m monitor ARGS``."""
    return [sys.executable, "-m", "monitor", *args]


def run_monitor(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``folder`` as a subprocess, without colour, and return what it printed."""
    return subprocess.run(
        monitor_command(*args),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
