"""A webhook receiver on loopback: records every request, answers with the status it is told to."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float  # time.time() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def verifies(self, secret: str) -> bool:
        """The X-Webrun-Signature check a receiver makes (as docs/api.md shows it)."""
        stamp = self.headers["x-webrun-timestamp"]
        expected = "sha256=" + hmac.new(secret.encode(), f"{stamp}.".encode() + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["x-webrun-signature"])


class Receiver:
    def __init__(self) -> None:
        self.records: list[Received] = []
        self.statuses: dict[str, int] = {}
        self._changed = threading.Condition()
        self.url = ""

    def answer(self, path: str, status: int) -> None:
        """The status requests to `path` get from now on (default 200; 500: that endpoint is failing)."""
        with self._changed:
            self.statuses[path] = status

    def record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._changed:
            status = self.statuses.get(path, 200)
            self.records.append(Received(path, headers, body, status, time.time()))
            self._changed.notify_all()
            return status

    def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float = 30) -> list[Received]:
        """Until `condition(records)` holds; AssertionError after `timeout`."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self.records), timeout):
                raise AssertionError(f"the receiver did not see what was expected in {timeout}s: {self.records!r}")
            return list(self.records)

    def at(self, path: str) -> list[Received]:
        with self._changed:
            return [r for r in self.records if r.path == path]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.record(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the listen backlog: many deliveries may connect at once

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
