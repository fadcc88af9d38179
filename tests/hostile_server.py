"""A raw HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose (asyncio streams, no framework).

It listens on several ports at once; to the fetcher each port is a separate host, so one
slow case does not hold the per-host slots of another. Every answer closes its connection,
so connections in flight are requests in flight: the server counts them per port.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
import threading
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    port: int
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def head(status: int, headers: dict[str, str] | None = None, *, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} Status", f"Date: {formatdate(usegmt=True)}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(
    status: int = 200,
    body: bytes | str = b"",
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Handler:
    """A well-formed answer."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(status, {"Content-Type": content_type, **(headers or {})}, length=len(data)) + data)
        await writer.drain()

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, b"", headers={"Location": location})


def drip(body: bytes, every: float = 1.0) -> Handler:
    """The whole body announced, then sent one byte every ``every`` seconds."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/rss+xml"}, length=len(body)))
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)

    return handler


def endless(chunk: bytes = b"<item>" * 10923) -> Handler:
    """A 200 without a length whose body never ends."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/rss+xml"}))
        while True:
            writer.write(chunk)
            await writer.drain()

    return handler


def gzip_bomb(inflated: int = 50_000_000) -> Handler:
    """A small gzip body (about 1/1000 of its size) that inflates to ``inflated`` bytes of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated // len(block))]
    data = b"".join(parts) + compressor.flush()
    return respond(200, data, "application/rss+xml", {"Content-Encoding": "gzip"})


def gzipped(body: bytes, content_type: str = "application/rss+xml") -> Handler:
    return respond(200, gzip.compress(body), content_type, {"Content-Encoding": "gzip"})


def reset_mid_body(body: bytes) -> Handler:
    """Half the announced body, then a TCP reset."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        announced = head(200, {"Content-Type": "application/rss+xml"}, length=len(body))
        writer.write(announced + body[: len(body) // 2])
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return handler


def delayed(handler: Handler, seconds: float) -> Handler:
    async def wrapper(request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(seconds)
        await handler(request, writer)

    return wrapper


def in_turn(handlers: Sequence[Handler]) -> Handler:
    """The n-th request gets the n-th handler; the last one answers every request after."""
    count = 0

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        chosen = handlers[min(count, len(handlers) - 1)]
        count += 1
        await chosen(request, writer)

    return handler


@dataclass
class HostileServer:
    """Routes keyed by (port index, path); start with ``with HostileServer(ports=n) as server``."""

    ports: int = 1
    routes: dict[tuple[int, str], Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    in_flight: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    most_in_flight: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    port_numbers: list[int] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _servers: list[asyncio.Server] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> HostileServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _listen(self) -> None:
        for index in range(self.ports):
            server = await asyncio.start_server(
                lambda r, w, i=index: self._serve(i, r, w), HOST, 0, limit=65536
            )
            self._servers.append(server)
            self.port_numbers.append(server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def url(self, path: str, host: int = 0) -> str:
        return f"http://{HOST}:{self.port_numbers[host]}{path}"

    def route(self, path: str, handler: Handler, host: int = 0) -> str:
        """Serve ``handler`` at ``path`` on the ``host``-th port; returns the URL."""
        self.routes[(host, path)] = handler
        return self.url(path, host)

    def hits(self, path: str, host: int = 0) -> list[Request]:
        port = self.port_numbers[host]
        with self._lock:
            return [r for r in self.requests if r.path == path and r.port == port]

    def _record(self, request: Request, change: int) -> None:
        with self._lock:
            if change > 0:
                self.requests.append(request)
            self.in_flight[request.port] += change
            self.most_in_flight[request.port] = max(
                self.most_in_flight[request.port], self.in_flight[request.port]
            )

    async def _serve(self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = self.port_numbers[index]
        request: Request | None = None
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            lines = raw.decode("latin-1").split("\r\n")
            method, path, _ = [*lines[0].split(" "), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            request = Request(port, method, path, headers)
            self._record(request, +1)
            handler = self.routes.get((index, path), respond(404, "not found", "text/plain"))
            await handler(request, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError):
            pass
        except asyncio.CancelledError:
            pass  # the server is shutting down; a handler that never ends is stopped here
        finally:
            if request is not None:
                self._record(request, -1)
            writer.close()


def serving(ports: int = 1) -> Iterator[HostileServer]:
    """For a pytest fixture: ``yield from serving(n)``."""
    with HostileServer(ports=ports) as server:
        yield server
