"""The address guard: refuse to connect to this machine, the local network or reserved space.

Article links come from feeds we do not control, so a link to ``http://169.254.169.254/`` or
to a name that resolves to ``10.0.0.5`` must not make the monitor fetch from inside the
network it runs in. The check runs where the socket is opened (``GuardedBackend``), on the
addresses it then connects to, so every redirect hop is covered and a name that resolves to
a public address when checked and to a private one a moment later (DNS rebinding) cannot
slip through: the connection goes to an address that was checked, never to a fresh lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore

from monitor.errors import BlockedURL, FetchError, FetchErrorKind

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""host, port → the IP addresses to try, in order."""


def is_public(address: IPAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved, unspecified and shared space."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local
        or address.is_private or address.is_reserved or address.is_unspecified
    )


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (``"10.1.2.0/24"``, ``"::1/128"``) as networks; ValueError on a bad one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses may be connected to: public ones, plus ``allowed`` networks, or all."""

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        if self.allow_private or is_public(address):
            return True
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a in network for a in candidates for network in self.allowed
                   if a.version == network.version)


async def system_resolver(host: str, port: int) -> list[str]:
    """The event loop's getaddrinfo, without blocking the loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves a host itself and connects only to permitted addresses.

    TLS still verifies the certificate against the host name: httpcore passes the URL's host,
    not the address, as the server name.
    """

    def __init__(self, policy: AddressPolicy, resolver: Resolver | None = None,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.resolver = resolver or system_resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def checked_addresses(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` the policy permits; BlockedURL when none is."""
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                resolved = await self.resolver(host, port)
                addresses = [a for a in map(_literal, resolved) if a is not None]
            except (OSError, UnicodeError) as exc:
                raise FetchError(FetchErrorKind.UNRESOLVED, host, f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise FetchError(FetchErrorKind.UNRESOLVED, host, f"cannot resolve {host}: no address")
        permitted = [a for a in addresses if self.policy.permits(a)]
        if not permitted:
            shown = ", ".join(str(a) for a in addresses[:3])
            what = "is not a public address" if literal else f"resolves to a non-public address ({shown})"
            raise BlockedURL(FetchErrorKind.BLOCKED_ADDRESS, host, f"{host} {what}")
        return [str(a) for a in permitted]

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.checked_addresses(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedURL(FetchErrorKind.BLOCKED_ADDRESS, path, "unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _literal(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
