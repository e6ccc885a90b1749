"""Where a webhook may send: https to public addresses, checked when the webhook is made
and again before every attempt.

A URL names a host; what counts is the addresses it resolves to then. Every one of them
must be public (not loopback, private, link-local, shared, multicast, reserved or
unspecified, nor an IPv6 form that carries such an IPv4 address), and the attempt then
connects to the address that was checked, with the URL's host kept as the ``Host``
header and the TLS server name: a name that resolves to a public address for the check
and to an internal one a moment later (DNS rebinding) cannot move the connection.
``CODVID_WEBHOOK_ALLOW_PRIVATE`` lifts the address rule and allows plain http.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass

import httpx

MAX_URL_LENGTH = 2048
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$"
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be used; the message says why, to follow ``Invalid url: ``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and what to tell the server it is."""

    url: httpx.URL
    """The URL with its host replaced by :attr:`address`."""
    host_header: str
    server_name: str | None
    """The TLS server name (SNI, and the name the certificate must bear); ``None`` for
    an address written in the URL, or plain http."""
    address: str


def parse(text: str, *, allow_private: bool) -> httpx.URL:
    """The URL if its form is acceptable (resolving comes after)."""
    if len(text) > MAX_URL_LENGTH:
        raise Refused(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused("is not a valid URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if url.scheme not in schemes:
        raise Refused(
            "must be an http or https URL"
            if allow_private
            else "must be an https URL (http only with CODVID_WEBHOOK_ALLOW_PRIVATE)"
        )
    if url.userinfo:
        raise Refused("must not contain a user name or password")
    host = url.raw_host.decode("ascii", errors="replace").lower()
    if not host:
        raise Refused("has no host")
    if _literal(host) is None and not _HOSTNAME.match(host):
        raise Refused("has an invalid host name")
    if url.port is not None and not 1 <= url.port <= 65535:
        raise Refused("has an invalid port")
    return url


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def not_public(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or ``None`` for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and any(address in network for network in _NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = not_public(embedded)
            return None if inner is None else f"{inner} (inside an IPv6 address)"
    checks = (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
    )
    for kind, found in checks:
        if found:
            return kind
    return None if address.is_global else "not a public address"


async def resolve(url: httpx.URL, *, allow_private: bool, timeout: float) -> Target:
    """Resolve the URL's host, check every address, and pin the first."""
    host = url.raw_host.decode("ascii").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        addresses = await _lookup(host, port, timeout)
    if not allow_private:
        for address in addresses:
            kind = not_public(address)
            if kind is not None:
                shown = host if literal is not None else f"{host} resolves to {address}, which"
                raise Refused(
                    f"{shown} is {kind}; webhooks go to public addresses only "
                    "(CODVID_WEBHOOK_ALLOW_PRIVATE allows others)"
                )
    pinned = addresses[0]
    netloc = url.netloc.decode("ascii")
    named = literal is None and url.scheme == "https"
    return Target(
        url=url.copy_with(host=str(pinned)),
        host_header=netloc,
        server_name=host if named else None,
        address=str(pinned),
    )


async def _lookup(host: str, port: int, timeout: float) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            found = await loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
    except TimeoutError:
        raise Refused(f"the host {host} did not resolve within {timeout:g} s") from None
    except (OSError, UnicodeError):
        raise Refused(f"the host {host} does not resolve") from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(f"the host {host} does not resolve")
    return addresses
