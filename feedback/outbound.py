"""The SSRF guard: whether Feedloop may send a request to a URL a user gave it.

Every outbound URL (webhooks today, model endpoints later) is checked here, when it
is saved and again just before each request (what a name resolves to may have
changed since). A URL is refused when its host is a cloud metadata name, or when ANY
address its host resolves to (every A and AAAA record) is not a public unicast one:
loopback, private, link-local (169.254.169.254 among them), shared (100.64.0.0/10),
multicast, reserved, unspecified, or an IPv6 form (IPv4-mapped, 6to4) of those.
FEEDLOOP_OUTBOUND_ALLOW_PRIVATE turns the guard off (the demo and the tests call
receivers on 127.0.0.1).

Hand-written on `ipaddress`: the PyPI libraries that do this either wrap another HTTP
client (advocate: requests, unmaintained since 2020; safehttpx: async httpx) or are
young single-author 0.x releases; the rule itself is a few lines of `ipaddress`.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services, by name and by address (most are also link-local or
# private, and refused as such; listed so the rule does not depend on that).
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})

PUBLIC_ONLY = "outbound requests may only reach public addresses"


def address_is_public(address: IPAddress) -> bool:
    """Whether `address` is a public unicast address Feedloop may connect to."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None and not address_is_public(embedded):
            return False
    return not (
        address in METADATA_ADDRESSES
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global  # shared (100.64.0.0/10) and the other special ranges
    )


def _address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0)


def url_refusal(url: str) -> str | None:
    """None when a request to `url` may be sent; otherwise why not (a sentence that
    follows "url: ", e.g. "resolves to a private address (169.254.169.254); ...")."""
    if settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return "is not a URL Feedloop can reach"
    if not host:
        return "has no host"
    if host in METADATA_NAMES:
        return f"names a cloud metadata service ({host}); {PUBLIC_ONLY}"
    try:
        found = socket.getaddrinfo(host, port or 0, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"its host ({host}) could not be resolved; {PUBLIC_ONLY}"
    for *_, sockaddr in found:
        address = _address(str(sockaddr[0]))
        if not address_is_public(address):
            return f"resolves to a private address ({address}); {PUBLIC_ONLY}"
    return None
