"""The one egress policy: every outbound call whose destination a tenant or an upstream can
influence (the Wix, Magicline and Google clients, the outgoing webhooks) goes through it.

An owner types the URLs that the server then calls with secrets attached, and one business's
owner is not trusted with the server's network. So a connection goes only to a public address:

- the host is resolved once, and loopback, private, link-local (cloud metadata included),
  multicast, reserved, unspecified and any other non-global address is refused, IPv4 and IPv6,
  an IPv4-mapped IPv6 address judged by the IPv4 address it carries;
- the socket is opened to the address that was checked (never to the name again), so a DNS
  answer that changes between check and connect (rebinding) cannot slip through; TLS still
  sends and verifies the original name (SNI, certificate), and the Host header is the URL's;
- the check sits where httpcore opens a connection (its network backend), so a redirect, if a
  client ever followed one, is checked hop by hop like the first request (none follows them);
- ``settings.EGRESS_ALLOW`` (the environment's comma-separated ``EGRESS_ALLOW``) names the
  private destinations tests and self-hosters may reach: CIDRs (``10.0.0.0/8``, ``::1/128``) or
  ``host:port`` (``wix.internal:8443``, ``127.0.0.1:8080``, ``[::1]:8080``). Empty by default.

A refused destination raises ``EgressRefused`` (an ``httpx.RequestError`` but not a
``TransportError``: the retry policy does not repeat it), whose message says why. Forms ask
``refuse_internal_url`` first, so the owner hears the same sentence when typing the URL.

No kept library fits: safehttpx 0.2 needs ``httpx2`` and is async; the others found are
requests-based (advocate) or young single-author wrappers. This module uses httpcore's public
network-backend interface, the one place httpx opens sockets.
"""

import functools
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
DEFAULT_PORTS = {"http": 80, "https": 443}


class EgressRefused(httpx.RequestError):
    """A destination the egress policy refuses; the message says why."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the operating system's resolver), in its order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True)
class Allowance:
    """What ``EGRESS_ALLOW`` lets through: networks, and exact (host, port) destinations."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    destinations: frozenset[tuple[str, int]] = frozenset()

    def permits(self, *, host: str, port: int, address: IPAddress) -> bool:
        if any(address in network for network in self.networks):
            return True
        names = {host.lower().strip("[]"), str(address)}
        return any((name, port) in self.destinations for name in names)


@functools.lru_cache(maxsize=8)
def _parsed_allowance(entries: tuple[str, ...]) -> Allowance:
    networks, destinations = [], set()
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(
                f"EGRESS_ALLOW entry {entry!r} is neither a CIDR nor host:port."
            )
        destinations.add((host.lower().strip("[]"), int(port)))
    return Allowance(networks=tuple(networks), destinations=frozenset(destinations))


def allowance() -> Allowance:
    """The allow list in force (read at each call, so ``override_settings`` applies)."""
    return _parsed_allowance(tuple(entry.strip() for entry in settings.EGRESS_ALLOW))


def address_class(address: IPAddress) -> str | None:
    """Which kind of non-public address ``address`` is (a phrase), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        inner = address_class(address.ipv4_mapped)
        return f"the IPv4-mapped form of {inner}" if inner else None
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (where cloud metadata services live)"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    )
    for attribute, phrase in checks:
        if getattr(address, attribute):
            return phrase
    return None if address.is_global else "not a public address"


def refusal(*, host: str, port: int, address: str) -> str | None:
    """Why connecting to ``address`` (what ``host`` resolved to) on ``port`` is refused; None
    when it is allowed: a public address, or one ``EGRESS_ALLOW`` names."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not the address
    kind = address_class(ip)
    if kind is None or allowance().permits(host=host, port=port, address=ip):
        return None
    named = str(ip) if host.strip("[]") == str(ip) else f"{host} ({ip})"
    return (
        f"{named} is {kind}: the server does not call internal addresses "
        "(a self-hosted install can allow it with EGRESS_ALLOW)."
    )


def checked_addresses(host: str, port: int, resolver: Resolver) -> list[str]:
    """The addresses of ``host`` that may be connected to, in the resolver's order; raises
    ``EgressRefused`` (with the first reason) when there is none. ``OSError`` when the name
    does not resolve."""
    addresses = resolver(host, port)
    reasons = {address: refusal(host=host, port=port, address=address) for address in addresses}
    allowed = [address for address, reason in reasons.items() if reason is None]
    if not allowed:
        raise EgressRefused(next(iter(reasons.values()), f"{host} has no address."))
    return allowed


def refuse_internal_url(value: str, *, resolver: Resolver = system_resolver) -> None:
    """Form validator: a ``ValidationError`` saying why when the URL's host is an address the
    server will not call. A name that does not resolve now passes (it is checked again at
    every connection)."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return  # the URL field's own validator says what is wrong with it
    if not url.host:
        return
    port = url.port or DEFAULT_PORTS.get(url.scheme, 443)
    try:
        checked_addresses(url.host, port, resolver)
    except EgressRefused as refused:
        raise ValidationError(str(refused), code="egress") from None
    except (OSError, UnicodeError):
        return


class EgressBackend(httpcore.SyncBackend):
    """httpcore's socket opener with the policy: resolve once, check, connect to that address."""

    def __init__(self, resolver: Resolver = system_resolver):
        self.resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host, port, self.resolver)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address, port, timeout, local_address, socket_options or []
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    """httpx's verifying TLS context, made once per process: loading the CA bundle takes tens of
    milliseconds, and clients are made per studio and per webhook delivery."""
    return httpx.create_ssl_context()


class EgressTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes through ``EgressBackend``; no proxy from
    the environment (a proxy would connect to names the policy never saw).

    httpx's ``HTTPTransport`` takes no network backend, so its connection pool (the one thing
    its ``__init__`` makes, as ``_pool``) is made here with one.
    """

    def __init__(
        self, *, verify: ssl.SSLContext | None = None, resolver: Resolver = system_resolver
    ):
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify or _verifying_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=EgressBackend(resolver),
        )
