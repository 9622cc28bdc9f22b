"""A fixture site on loopback that records what reaches it: every request, and what pages report.

Pages POST JSON to /report (clicks, key presses); tests wait for a record with `wait_for`, so they
synchronise on what happened, never on time.
"""
from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable


@dataclass
class Hit:
    method: str
    path: str
    at: float  # time.monotonic() when it arrived
    report: dict[str, Any] = field(default_factory=dict)


class RecordingSite:
    def __init__(self, directory: Path, host: str = "127.0.0.1"):
        self.hits: list[Hit] = []
        self._changed = threading.Condition()
        site = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site._record(Hit("GET", self.path, time.monotonic()))
                super().do_GET()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    report = json.loads(raw or b"{}")
                except ValueError:
                    report = {"raw": raw.decode(errors="replace")}
                site._record(Hit("POST", self.path, time.monotonic(), report if isinstance(report, dict) else {}))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((host, 0), functools.partial(Handler, directory=str(directory)))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"

    def _record(self, hit: Hit) -> None:
        with self._changed:
            self.hits.append(hit)
            self._changed.notify_all()

    def start(self) -> "RecordingSite":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

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
