"""httpcore on asyncio's streams: plain and TLS exchanges with real local servers, and the errors
httpcore expects (a certificate that does not verify, a server that never answers)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator

import httpcore
import pytest
import trustme
from pytest_httpserver import HTTPServer

from monitor.netstream import AsyncioBackend


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(authority: trustme.CA) -> Iterator[HTTPServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _client_context(authority: trustme.CA | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if authority is not None:
        authority.configure_trust(context)
    return context


async def _get(url: str, context: ssl.SSLContext | None = None, *,
               read_timeout: float | None = None) -> tuple[int, bytes]:
    extensions = {"timeout": {"read": read_timeout}} if read_timeout else {}
    async with httpcore.AsyncConnectionPool(ssl_context=context, network_backend=AsyncioBackend()) as pool:
        response = await pool.request("GET", url, extensions=extensions)
        return response.status, response.content


def test_tls_exchange_checks_the_certificate_against_the_host_name(tls_server: HTTPServer,
                                                                   authority: trustme.CA) -> None:
    tls_server.expect_request("/story").respond_with_data("India and the US sign a pact")
    status, body = asyncio.run(_get(f"https://localhost:{tls_server.port}/story", _client_context(authority)))
    assert (status, body) == (200, b"India and the US sign a pact")


def test_untrusted_certificate_is_a_connect_error(tls_server: HTTPServer) -> None:
    tls_server.expect_request("/story").respond_with_data("never sent")
    with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(_get(f"https://localhost:{tls_server.port}/story", _client_context(None)))


def test_plain_exchanges_one_after_another(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("first")
    httpserver.expect_request("/b").respond_with_data("second" * 50_000)

    async def both() -> tuple[bytes, bytes]:
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            first = await pool.request("GET", httpserver.url_for("/a"))
            second = await pool.request("GET", httpserver.url_for("/b"))
            return first.content, second.content

    assert asyncio.run(both()) == (b"first", b"second" * 50_000)


def test_silent_server_is_a_read_timeout() -> None:
    async def scenario() -> None:
        async def accept_and_wait(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await asyncio.sleep(5)
            finally:
                writer.close()

        server = await asyncio.start_server(accept_and_wait, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with pytest.raises(httpcore.ReadTimeout):
                await _get(f"http://127.0.0.1:{port}/", read_timeout=0.2)

    asyncio.run(scenario())


def test_refused_connection_is_a_connect_error() -> None:
    async def scenario() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        with pytest.raises(httpcore.ConnectError):
            await _get(f"http://127.0.0.1:{port}/")

    asyncio.run(scenario())
