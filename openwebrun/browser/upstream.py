"""Speaking to a session's upstream proxy: HTTP (CONNECT, Basic credentials) or SOCKS5 (RFC 1928,
username/password by RFC 1929), and the check made before a session starts.

Chromium cannot give SOCKS5 credentials itself, so it never talks to the upstream: the context's
lane of the reach proxy does (reach_proxy.py), with the credentials kept here, in memory only.
"""
from __future__ import annotations

import asyncio
import base64
import ipaddress
import struct

from openwebrun.browser.reach import Reach, Refused
from openwebrun.domain.proxies import Upstream

CONNECT_S = 5.0  # to open a TCP connection to the proxy
ANSWER_S = 4.0  # for the proxy to answer a handshake step
CHECK_S = 9.0  # the whole check at session start (a start fails within 10 s, never hangs)
HEAD_LIMIT = 64 * 1024
# The check's CONNECT target: the .invalid name never resolves, so a proxy that accepts the
# credentials answers an error of its own (502/503/504), one that refuses them answers 407.
CHECK_TARGET = "openwebrun-proxy-check.invalid:443"

SOCKS_VERSION = 5
NO_AUTH, USER_PASS, NO_METHOD = 0x00, 0x02, 0xFF
SOCKS_REPLIES = {1: "general failure", 2: "connection not allowed by its rules", 3: "network unreachable",
                 4: "host unreachable", 5: "connection refused", 6: "TTL expired", 7: "command not supported",
                 8: "address type not supported"}


class ProxyFailure(Exception):
    """The upstream proxy cannot be used; the message says why (never the password)."""


class TargetFailure(OSError):
    """The proxy works but could not reach the target (its answer is in the message)."""


def basic_credentials(upstream: Upstream) -> str | None:
    """The Proxy-Authorization value for an HTTP upstream, or None without a username."""
    if upstream.username is None:
        return None
    pair = f"{upstream.username}:{upstream.password or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


async def connect_proxy(upstream: Upstream, reach: Reach | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the proxy itself (its address held to `reach` unless the proxy is trusted)."""
    host = upstream.host
    try:
        if reach is not None and not upstream.trusted:
            addresses = await reach.addresses(host)
        else:
            addresses = await (reach or Reach(allow_private=True)).resolver.resolve(host)
    except Refused as exc:
        raise ProxyFailure(f"the {upstream.address} may not be used: {exc}") from None
    except (OSError, TimeoutError):
        raise ProxyFailure(f"the {upstream.address} is unreachable: its host name does not resolve") from None
    last = ""
    for address in addresses:
        try:
            return await asyncio.wait_for(asyncio.open_connection(address, upstream.port, limit=HEAD_LIMIT), CONNECT_S)
        except TimeoutError:
            last = f"no answer within {CONNECT_S:g} s"
        except OSError as exc:
            last = exc.strerror or str(exc) or type(exc).__name__
    raise ProxyFailure(f"the {upstream.address} is unreachable: {last.lower()}")


async def http_connect(upstream: Upstream, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       target: str) -> None:
    """Ask an HTTP proxy for a tunnel to `target` (host:port); ProxyFailure for 407, TargetFailure else."""
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if (credentials := basic_credentials(upstream)) is not None:
        lines.append(f"Proxy-Authorization: {credentials}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_S)
    except asyncio.IncompleteReadError:
        raise ProxyFailure(f"the {upstream.address} closed the connection without answering") from None
    except TimeoutError:
        raise ProxyFailure(f"the {upstream.address} did not answer within {ANSWER_S:g} s") from None
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProxyFailure(f"the {upstream.address} does not speak HTTP (it answered {status_line[:60]!r})")
    status = int(parts[1])
    if status == 407:
        raise ProxyFailure(_credentials_refused(upstream))
    if not 200 <= status < 300:
        raise TargetFailure(f"the {upstream.address} could not open {target}: {status_line[9:][:120]}")


async def socks_connect(upstream: Upstream, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        target: tuple[str, int] | None) -> None:
    """SOCKS5: greet, authenticate (RFC 1929 when a username is given), then CONNECT to `target`
    (None: stop after authentication, as the session-start check does)."""
    methods = bytes([USER_PASS, NO_AUTH]) if upstream.username is not None else bytes([NO_AUTH])
    writer.write(bytes([SOCKS_VERSION, len(methods)]) + methods)
    await writer.drain()
    version, method = await _read(upstream, reader, 2)
    if version != SOCKS_VERSION:
        raise ProxyFailure(f"the {upstream.address} does not speak SOCKS5")
    if method == NO_METHOD:
        raise ProxyFailure(f"the {upstream.address} refused: it needs a username and password"
                           if upstream.username is None else
                           f"the {upstream.address} refused: it accepts none of our authentication methods")
    if method == USER_PASS:
        if upstream.username is None:
            raise ProxyFailure(f"the {upstream.address} refused: it needs a username and password")
        user = upstream.username.encode()
        password = (upstream.password or "").encode()
        if len(user) > 255 or len(password) > 255:
            raise ProxyFailure("SOCKS5 usernames and passwords are at most 255 bytes")
        writer.write(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
        await writer.drain()
        _sub, status = await _read(upstream, reader, 2)
        if status != 0:
            raise ProxyFailure(_credentials_refused(upstream))
    elif method != NO_AUTH:
        raise ProxyFailure(f"the {upstream.address} chose an authentication method we do not offer ({method})")
    if target is None:
        return
    host, port = target
    writer.write(bytes([SOCKS_VERSION, 1, 0]) + _socks_address(host) + struct.pack("!H", port))
    await writer.drain()
    _v, reply, _r, kind = await _read(upstream, reader, 4)
    length = {1: 4, 4: 16}.get(kind)
    if length is None:
        length = (await _read(upstream, reader, 1))[0]
    await _read(upstream, reader, length + 2)  # the bound address and port: not needed
    if reply != 0:
        why = SOCKS_REPLIES.get(reply, f"reply {reply}")
        raise TargetFailure(f"the {upstream.address} could not open {host}:{port}: {why}")


async def open_via(upstream: Upstream, host: str, port: int,
                   reach: Reach | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to host:port through the upstream (a tunnel: bytes go through untouched)."""
    reader, writer = await connect_proxy(upstream, reach)
    try:
        if upstream.type == "http":
            await http_connect(upstream, reader, writer, _authority(host, port))
        else:
            await socks_connect(upstream, reader, writer, (host, port))
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def check(upstream: Upstream, reach: Reach | None = None) -> None:
    """Can the session use this proxy? ProxyFailure (within CHECK_S) says which of: unreachable,
    refusing, or refusing the credentials."""
    try:
        await asyncio.wait_for(_check(upstream, reach), CHECK_S)
    except TimeoutError:
        raise ProxyFailure(f"the {upstream.address} did not answer within {CHECK_S:g} s") from None


async def _check(upstream: Upstream, reach: Reach | None) -> None:
    reader, writer = await connect_proxy(upstream, reach)
    try:
        if upstream.type == "http":
            try:
                await http_connect(upstream, reader, writer, CHECK_TARGET)
            except TargetFailure:
                pass  # the proxy took the credentials and could not reach the .invalid name: as expected
        else:
            await socks_connect(upstream, reader, writer, None)
    except ConnectionError as exc:
        raise ProxyFailure(f"the {upstream.address} dropped the connection: {exc.strerror or exc}") from None
    finally:
        writer.close()


async def _read(upstream: Upstream, reader: asyncio.StreamReader, count: int) -> bytes:
    try:
        return await asyncio.wait_for(reader.readexactly(count), ANSWER_S)
    except asyncio.IncompleteReadError:
        raise ProxyFailure(f"the {upstream.address} closed the connection during the SOCKS5 handshake") from None
    except TimeoutError:
        raise ProxyFailure(f"the {upstream.address} did not answer within {ANSWER_S:g} s") from None


def _credentials_refused(upstream: Upstream) -> str:
    if upstream.username is None:
        return f"the {upstream.address} refused: it needs a username and password"
    return f"the {upstream.address} refused the credentials of user {upstream.username!r} (bad username or password)"


def _socks_address(host: str) -> bytes:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.encode("idna")
        return bytes([3, len(name)]) + name  # the proxy resolves the name
    return (bytes([1]) if ip.version == 4 else bytes([4])) + ip.packed


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
