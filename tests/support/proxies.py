"""Small real upstream proxies on loopback for tests: HTTP (CONNECT and absolute-form requests,
Basic credentials) and SOCKS5 (RFC 1928, username/password by RFC 1929).

Both resolve names ending in `.test` to 127.0.0.1 themselves (nothing else resolves them, so a
request for such a name that arrives at a fixture site came through the proxy), refuse other
names, and record what they were asked for (`seen`) and the credentials they refused (`refused`).
"""
from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TEST_SUFFIX = ".test"


@dataclass
class ProxyLog:
    seen: list[str] = field(default_factory=list)  # "host:port" per connection (plus the path for plain HTTP)
    refused: int = 0  # handshakes refused for bad credentials
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, entry: str) -> None:
        with self.changed:
            self.seen.append(entry)
            self.changed.notify_all()

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        with self.changed:
            found = self.changed.wait_for(lambda: next((s for s in self.seen if needle in s), None), timeout)
        assert found, f"the proxy never saw {needle!r}: {self.seen}"
        return found


def resolve(host: str) -> str | None:
    """Only the proxies know `.test` names (and plain loopback addresses)."""
    if host.endswith(TEST_SUFFIX) or host == "127.0.0.1":
        return "127.0.0.1"
    return None


def relay(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 60)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    except OSError:
        return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


@contextlib.contextmanager
def http_proxy(username: str, password: str) -> Iterator[tuple[int, ProxyLog]]:
    """An HTTP proxy asking for Basic credentials; yields its port and its log."""
    log = ProxyLog()
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            client: socket.socket = self.request
            try:
                head = _read_head(client)
            except ConnectionError:
                return
            head_part, _, rest = head.partition(b"\r\n\r\n")
            first, *lines = head_part.decode("latin-1").split("\r\n")
            method, target, _version = first.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
            if headers.get("proxy-authorization") != expected:
                log.refused += 1
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n"
                               b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                address = resolve(host)
                if address is None:
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    return
                log.add(f"{host}:{port}")
                with socket.create_connection((address, int(port)), timeout=10) as upstream:
                    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    if rest:
                        upstream.sendall(rest)
                    relay(client, upstream)
                return
            parts = urlsplit(target)
            address = resolve(parts.hostname or "")
            if address is None:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            port = parts.port or 80
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            log.add(f"{parts.hostname}:{port}{path}")
            kept = [line for line in lines if not line.lower().startswith("proxy-")]
            with socket.create_connection((address, port), timeout=10) as upstream:
                upstream.sendall("\r\n".join([f"{method} {path} HTTP/1.1", *kept, "", ""]).encode("latin-1") + rest)
                relay(client, upstream)

    with _serve(Handler) as port:
        yield port, log


@contextlib.contextmanager
def socks5_proxy(username: str, password: str) -> Iterator[tuple[int, ProxyLog]]:
    """A SOCKS5 proxy that accepts only username/password authentication; yields its port and log."""
    log = ProxyLog()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            client: socket.socket = self.request
            try:
                self._handle(client)
            except (ConnectionError, struct.error):
                return

        def _handle(self, client: socket.socket) -> None:
            version, count = _exactly(client, 2)
            methods = _exactly(client, count)
            if version != 5 or 2 not in methods:
                client.sendall(b"\x05\xff")
                return
            client.sendall(b"\x05\x02")
            _sub, ulen = _exactly(client, 2)
            user = _exactly(client, ulen).decode()
            plen = _exactly(client, 1)[0]
            secret = _exactly(client, plen).decode()
            if (user, secret) != (username, password):
                log.refused += 1
                client.sendall(b"\x01\x01")
                return
            client.sendall(b"\x01\x00")
            _v, command, _r, kind = _exactly(client, 4)
            if kind == 3:
                host = _exactly(client, _exactly(client, 1)[0]).decode()
            elif kind == 1:
                host = socket.inet_ntoa(_exactly(client, 4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, _exactly(client, 16))
            port = struct.unpack("!H", _exactly(client, 2))[0]
            address = resolve(host)
            if command != 1 or address is None:
                client.sendall(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
                return
            log.add(f"{host}:{port}")
            with socket.create_connection((address, port), timeout=10) as upstream:
                client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0))
                relay(client, upstream)

    with _serve(Handler) as port:
        yield port, log


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a proxy that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for sock in held:
            sock.close()
        listener.close()


def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


@contextlib.contextmanager
def _serve(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
