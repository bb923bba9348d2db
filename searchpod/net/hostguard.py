"""Which network addresses a download may reach, checked where the socket connects.

A feed from the internet names the URLs of its transcripts; without a check, a feed could
make searchpod read ``http://127.0.0.1:8080/admin`` or a cloud metadata service and index
the answer. So every connection resolves the host name once, refuses loopback, private,
link-local, multicast and reserved addresses, and connects to the very address it checked:
a DNS server that answers differently the second time (rebinding) never gets that chance.
Redirects make new connections, so each hop is checked the same way.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import urllib.request
from collections.abc import Callable
from typing import Any


class BlockedAddressError(OSError):
    """The host resolves only to addresses a download may not reach."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(
            f"refused to connect to {shown}: a {kind} address "
            "(allow it with --allow-private-hosts if you trust the feed)"
        )
        self.host = host
        self.address = address
        self.kind = kind


def address_kind(address: str) -> str | None:
    """Why ``address`` is off limits ("loopback", "private", ...), or None for a public one.

    >>> address_kind("127.0.0.1"), address_kind("169.254.169.254"), address_kind("8.8.8.8")
    ('loopback', 'link-local', None)
    """
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]  # an IPv6 zone ("fe80::1%eth0") is not part of the address
    )
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return kind
    # What is left but not global: shared address space (100.64/10) and the like.
    return None if ip.is_global else "non-public"


class ConnectionGuard:
    """Opens checked connections for one ``Fetcher``.

    ``allow_private`` turns the address check off (the user trusts the feed, or the feed is
    a local file). ``on_connect`` sees each new socket before it connects, so the fetcher
    can cut it off when its overall deadline passes.
    """

    def __init__(self, *, allow_private: bool, on_connect: Callable[[socket.socket], None]) -> None:
        self.allow_private = allow_private
        self.on_connect = on_connect

    def create_connection(
        self,
        address: tuple[str, int],
        timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        """``socket.create_connection``, connecting only to addresses that pass the check."""
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        blocked: BlockedAddressError | None = None
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            ip = str(sockaddr[0])
            reason = None if self.allow_private else address_kind(ip)
            if reason is not None:
                blocked = blocked or BlockedAddressError(host, ip, reason)
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                self.on_connect(sock)
                sock.connect(sockaddr)  # the checked address itself, never the name again
            except OSError as exc:
                sock.close()
                error = exc
                continue
            return sock
        if blocked is not None:
            raise blocked
        raise error or OSError(f"{host} has no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guard.create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    # TLS is set up on the socket our guard connected; the certificate is still checked
    # against the host name.
    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guard.create_connection


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: ConnectionGuard) -> None:
        super().__init__()
        self.guard = guard

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_GuardedHTTPConnection, guard=self.guard)
        return self.do_open(connection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: ConnectionGuard) -> None:
        super().__init__()
        self.guard = guard

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_GuardedHTTPSConnection, guard=self.guard)
        return self.do_open(connection, req)


def guarded_opener(guard: ConnectionGuard, *handlers: Any) -> urllib.request.OpenerDirector:
    """An opener whose every connection goes through ``guard``, with no proxy.

    Proxies from the environment are not used: through a proxy, the proxy would resolve
    and connect, and the address could not be checked.
    """
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        GuardedHTTPHandler(guard),
        GuardedHTTPSHandler(guard),
        *handlers,
    )
