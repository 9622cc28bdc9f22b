"""Proxies: a session's browser traffic goes out through the caller's HTTP or SOCKS5 proxy (with
credentials), or one of the server's pool by country; a proxy that cannot be used fails the
start with 400 PROXY_ERROR saying why; the password is never logged, stored or returned.

The fixture site is reached by `.test` names that only the test proxies resolve, so a request
that reaches it came through the proxy."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import SITE, act, done, poll_until_finished, script, terminate, wait_until
from tests.support.proxies import closed_port, http_proxy, silent_server, socks5_proxy
from tests.support.recording_site import recording_site
from tests.support.servers import descendants

HTTP_PASSWORD = "h77p-Pa55-word-7e1f"
SOCKS_PASSWORD = "s0cks-Pa55-word-9b2c"
POOL_PASSWORD = "p00l-Pa55-word-4d8a"


@pytest.fixture(scope="module")
def site():
    with recording_site(SITE) as recording:
        yield recording


@pytest.fixture(scope="module")
def http_upstream():
    with http_proxy("alice", HTTP_PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def socks_upstream():
    with socks5_proxy("bob", SOCKS_PASSWORD) as running:
        yield running


def _port(site) -> str:
    return site.url.rsplit(":", 1)[1]


def _custom(kind: str, port: int, username: str | None = None, password: str | None = None, **extra) -> dict:
    proxy = {"source": "custom", "type": kind, "host": "127.0.0.1", "port": str(port), **extra}
    if username is not None:
        proxy.update(username=username, password=password)
    return proxy


@pytest.mark.parametrize("kind", ["http", "socks"])
def test_browser_traffic_goes_through_the_proxy(api, llm, site, http_upstream, socks_upstream, kind):
    port, log = http_upstream if kind == "http" else socks_upstream
    user, password = ("alice", HTTP_PASSWORD) if kind == "http" else ("bob", SOCKS_PASSWORD)
    shop = f"http://{kind}-shop.test:{_port(site)}"
    tag = script(llm, [act({"action": "navigate", "url": f"{shop}/list.html?step={kind}"}, goal="open the list"),
                       done("seen")])
    start = api.post("/start/start-session", json={
        "proxy": _custom(kind, port, user, password),
        "initialTask": {"taskDetails": f"visit {tag}", "startingPoint": f"{shop}/list.html?start={kind}"}})
    assert start.status_code == 200, start.text
    body = poll_until_finished(api, start.json()["sessionId"], start.json()["taskId"])
    assert body["status"] == "completed", body
    site.wait_for(lambda h: h.path == f"/list.html?step={kind}")
    assert f"GET /list.html?start={kind}" in site.requests
    log.wait_for(f"{kind}-shop.test:{_port(site)}")
    assert body["usage"]["proxyBytes"] > 1000  # the pages' bytes, both ways
    visited = [u["url"] for u in body["data"]["network"][0]["urls"]]
    assert f"{shop}/list.html?step={kind}" in visited
    assert password not in start.text and password not in str(body)
    assert terminate(api, body["sessionId"]).status_code == 200


def test_system_level_gives_the_session_a_chromium_of_its_own(api, llm, server, site, socks_upstream):
    port, log = socks_upstream
    own = f"http://own.test:{_port(site)}"

    def proxied_browsers() -> list[int]:
        found = []
        for pid in descendants(server.proc.pid):
            with contextlib.suppress(OSError):
                args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if any(a.startswith(b"--proxy-server=") for a in args) and not any(a.startswith(b"--type=") for a in args):
                    found.append(pid)
        return found

    before = proxied_browsers()
    tag = script(llm, [done("ok")])
    start = api.post("/start/start-session", json={
        "proxy": _custom("socks", port, "bob", SOCKS_PASSWORD, level="system"),
        "initialTask": {"taskDetails": f"visit {tag}", "startingPoint": f"{own}/list.html?system=1"}})
    assert start.status_code == 200, start.text
    body = poll_until_finished(api, start.json()["sessionId"], start.json()["taskId"])
    assert body["status"] == "completed", body
    log.wait_for(f"own.test:{_port(site)}")
    during = proxied_browsers()
    assert len(during) == len(before) + 1, (before, during)  # one more Chromium main process, for this session
    assert terminate(api, body["sessionId"]).status_code == 200
    wait_until(lambda: proxied_browsers() == before)  # closed with its session


@pytest.mark.parametrize("kind", ["http", "socks"])
def test_bad_credentials_fail_the_start(api, http_upstream, socks_upstream, kind):
    port, log = http_upstream if kind == "http" else socks_upstream
    refused = log.refused
    answer = api.post("/start/start-session", json={"proxy": _custom(kind, port, "mallory", "wrong-password-1")})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "PROXY_ERROR"
    assert "refused the credentials of user 'mallory'" in answer.json()["error"], answer.text
    assert "wrong-password-1" not in answer.text
    assert log.refused == refused + 1


def test_missing_credentials_are_named(api, socks_upstream):
    answer = api.post("/start/start-session", json={"proxy": _custom("socks", socks_upstream[0])})
    assert answer.status_code == 400 and answer.json()["code"] == "PROXY_ERROR"
    assert "needs a username and password" in answer.json()["error"], answer.text


def test_unreachable_and_silent_proxies_fail_the_start(api):
    refused = api.post("/start/start-session", json={"proxy": _custom("http", closed_port(), "a", "b")})
    assert refused.status_code == 400 and refused.json()["code"] == "PROXY_ERROR"
    assert "is unreachable: connection refused" in refused.json()["error"], refused.text
    with silent_server() as port:
        silent = api.post("/start/start-session", json={"proxy": _custom("socks", port, "a", "b")})
    assert silent.status_code == 400 and silent.json()["code"] == "PROXY_ERROR"
    assert "did not answer within" in silent.json()["error"], silent.text


def test_bad_proxy_fields_name_the_field(api):
    cases = [({"source": "custom", "type": "http", "port": "80"}, "proxy.host is required"),
             ({"source": "custom", "type": "ftp", "host": "h.test", "port": "80"}, "proxy.type"),
             ({"source": "custom", "type": "http", "host": "h.test", "port": "99999"}, "proxy.port"),
             ({"source": "custom", "type": "http", "host": "http://h.test/", "port": "80"}, "proxy.host must be"),
             ({"source": "WebRun"}, "proxy.country is required"),
             ({"source": "WebRun", "country": "USA"}, "proxy.country")]
    for proxy, message in cases:
        answer = api.post("/start/start-session", json={"proxy": proxy})
        assert answer.status_code == 400, (proxy, answer.text)
        assert message in answer.json()["error"], (proxy, answer.text)


def test_pool_proxy_by_country(make_server, llm, site, tmp_path, http_upstream):
    port, log = http_upstream
    pool = tmp_path / "pool.txt"
    pool.write_text(f"# the operator's proxies\nDE http://alice:{HTTP_PASSWORD}@127.0.0.1:{port}\n")
    pooled = make_server(OPENWEBRUN_PROXY_POOL=str(pool), OPENWEBRUN_WAIT_WINDOW_S="30")
    with pooled.client() as client:
        for country in ("DE", "random"):
            tag = script(llm, [done("ok")])
            start = client.post("/start/run-task", json={
                "proxy": {"source": "WebRun", "country": country},
                "taskDetails": f"visit {tag}", "startingPoint": f"http://pool.test:{_port(site)}/list.html?c={country}"})
            assert start.status_code == 200, start.text
            body = poll_until_finished(client, start.json()["sessionId"], start.json()["taskId"])
            assert body["status"] == "completed", body
            log.wait_for(f"pool.test:{_port(site)}/list.html?c={country}")
        none = client.post("/start/start-session", json={"proxy": {"source": "WebRun", "country": "FR"}})
        assert none.status_code == 400 and none.json()["code"] == "PROXY_ERROR"
        assert "no proxy for country 'FR'" in none.json()["error"], none.text
    assert HTTP_PASSWORD not in pooled.log()


def test_a_bad_pool_file_stops_the_server_naming_the_line(tmp_path):
    pool = tmp_path / "pool.txt"
    pool.write_text("US socks5://10.0.0.5:1080\nEurope http://10.0.0.6:8080\n")
    done_ = subprocess.run([sys.executable, "-m", "openwebrun.cli", "serve"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "OPENWEBRUN_PROXY_POOL": str(pool), "OPENWEBRUN_DATA_DIR": str(tmp_path)},
                           stdin=subprocess.DEVNULL)
    assert done_.returncode != 0
    assert "OPENWEBRUN_PROXY_POOL" in done_.stderr and "line 2" in done_.stderr, done_.stderr


def test_webrtc_reveals_no_address(api, llm, site, socks_upstream):
    """Proxied-only WebRTC: the page gathers no ICE candidate at all (none with a local address)."""
    port, log = socks_upstream
    held = f"rtc-{time.monotonic_ns()}"
    tag = script(llm, [{"gate": held, **done("ok")}])  # the page reports before the task (and its session) ends
    with ThreadPoolExecutor(1) as pool:
        started = pool.submit(api.post, "/start/run-task", json={
            "proxy": _custom("socks", port, "bob", SOCKS_PASSWORD),
            "taskDetails": f"visit {tag}", "startingPoint": f"http://rtc.test:{_port(site)}/webrtc.html"})
        report = site.wait_report("webrtc")
        llm.gate(held).release()
        start = started.result(90)
    assert start.status_code == 200, start.text
    assert report["candidates"] == [] and report["sdpCandidates"] == [], report
    log.wait_for(f"rtc.test:{_port(site)}")
    poll_until_finished(api, start.json()["sessionId"], start.json()["taskId"])


def test_passwords_are_in_no_log_and_not_stored(server):
    """Run last in this module: every proxy above has been used by this server."""
    log = server.log()
    assert "POST /start/start-session" in log  # the log holds the requests that carried the passwords
    for password in (HTTP_PASSWORD, SOCKS_PASSWORD, "wrong-password-1"):
        assert password not in log
        for path in server.data_dir.rglob("*"):
            if path.is_file():
                assert password.encode() not in path.read_bytes(), path

