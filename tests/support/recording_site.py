"""A fixture site on loopback that records what reaches it: every request, and what pages report.

It serves a directory (over HTTPS when given a TLS context), redirects `/redirect?to=URL` with a
302, answers any POST with 204, and keeps a JSON POST body as the request's `report` (pages POST
clicks and key presses to /report). Tests wait for a record with `wait_for`, so they synchronise
on what happened, never on time.
"""
from __future__ import annotations

import contextlib
import functools
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote


@dataclass
class Hit:
    method: str
    path: str
    at: float  # time.monotonic() when it arrived
    report: dict[str, Any] = field(default_factory=dict)


class RecordingSite:
    def __init__(self, directory: Path, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.hits: list[Hit] = []
        self._changed = threading.Condition()
        site = self

        class Handler(SimpleHTTPRequestHandler):
            hit: Hit | None = None

            def log_message(self, *args: Any) -> None:
                pass

            def parse_request(self) -> bool:
                ok = super().parse_request()
                if ok:
                    self.hit = site._record(Hit(self.command, self.path, time.monotonic()))
                return ok

            def do_GET(self) -> None:
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", unquote(self.path.split("to=", 1)[1]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_GET()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    report = json.loads(raw) if raw else {}
                except ValueError:
                    report = {"raw": raw.decode(errors="replace")}
                if self.hit is not None and isinstance(report, dict):
                    site._report(self.hit, report)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((host, 0), functools.partial(Handler, directory=str(directory)))
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{host}:{self._server.server_address[1]}"

    def _record(self, hit: Hit) -> Hit:
        with self._changed:
            self.hits.append(hit)
            self._changed.notify_all()
        return hit

    def _report(self, hit: Hit, report: dict[str, Any]) -> None:
        with self._changed:
            hit.report = report
            self._changed.notify_all()

    def start(self) -> RecordingSite:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> list[str]:
        """Every request so far as "METHOD /path", in arrival order."""
        with self._changed:
            return [f"{h.method} {h.path}" for h in self.hits]

    def reports(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._changed:
            return [h.report for h in self.hits if h.path == "/report" and (kind is None or h.report.get("type") == kind)]

    def wait_for(self, match: Callable[[Hit], bool], timeout: float = 30) -> Hit:
        """The first hit (earlier ones included) for which `match` holds."""
        with self._changed:
            found: list[Hit] = []

            def seen() -> bool:
                found[:] = [h for h in self.hits if match(h)]
                return bool(found)

            if not self._changed.wait_for(seen, timeout):
                raise AssertionError(f"the site saw no matching request within {timeout}s")
            return found[0]

    def wait_report(self, kind: str, timeout: float = 30, **fields: Any) -> dict[str, Any]:
        hit = self.wait_for(lambda h: h.path == "/report" and h.report.get("type") == kind
                            and all(h.report.get(k) == v for k, v in fields.items()), timeout)
        return hit.report

    def requested(self, path_prefix: str) -> list[Hit]:
        with self._changed:
            return [h for h in self.hits if h.method == "GET" and h.path.startswith(path_prefix)]


@contextlib.contextmanager
def recording_site(directory: Path, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[RecordingSite]:
    """A started RecordingSite for the `with` block."""
    site = RecordingSite(directory, host, tls).start()
    try:
        yield site
    finally:
        site.stop()
