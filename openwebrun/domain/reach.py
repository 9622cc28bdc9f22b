"""What the browser may reach: URL schemes and address ranges. Pure rules, no I/O.

Navigations go to http: and https: pages only (about:blank aside). Addresses are judged after
DNS resolution: link-local addresses (cloud metadata at 169.254.169.254, fe80::/10) and multicast
are never reachable; loopback, private and other non-global ranges only when the operator allows
private networks.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
BLANK = "about:blank"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix: the last 32 bits are an IPv4 address


def scheme_refusal(url: str) -> str | None:
    """Why the agent may not open `url` by its form alone; None when it may (or it is about:blank)."""
    url = url.strip()
    if url == BLANK:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{_short(url)} is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        shown = f"{scheme}: URLs" if scheme else "URLs without a scheme"
        return f"{shown} cannot be opened; only http: and https: pages can"
    try:
        parts.port  # noqa: B018  (raises for a port outside 0-65535)
    except ValueError:
        return f"{_short(url)} has an invalid port"
    if not parts.hostname:
        return f"{_short(url)} has no host"
    return None


def host_and_port(url: str) -> tuple[str, int]:
    """The host (without IPv6 brackets) and port of an http(s) URL that passed scheme_refusal."""
    parts = urlsplit(url.strip())
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return parts.hostname or "", port


def unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address; else `ip`."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def address_refusal(address: str, allow_private: bool, name: str | None = None) -> str | None:
    """Why the browser may not connect to `address` (an IP literal, which `name` resolved to);
    None when it may."""
    try:
        ip = unwrap(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return f"{address} is not an IP address"
    subject = f"{name} ({ip})" if name and name.strip("[]") != str(ip) else str(ip)
    if ip.is_link_local:
        return f"{subject} is a link-local address (such as cloud metadata); it is never reachable"
    if ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        return f"{subject} is a multicast or broadcast address; it is never reachable"
    if allow_private or (ip.is_global and not getattr(ip, "is_site_local", False)):
        return None
    kind = ("a loopback" if ip.is_loopback else "an unspecified" if ip.is_unspecified
            else "a private or reserved")
    return (f"{subject} is {kind} address; this server does not let the browser reach private networks "
            "(OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS)")


def _short(url: str) -> str:
    return repr(url if len(url) <= 80 else url[:77] + "...")
