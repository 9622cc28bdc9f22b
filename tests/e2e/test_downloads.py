"""Signed download links over HTTP, and uploads under WebRun's `files` field name.

A task's downloadUrl works without the API key until it expires; an altered or expired link answers 403.
"""
from __future__ import annotations

import hashlib
import hmac
import stat
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import act, done, script, wait_until
from tests.support.servers import ServerProcess

SITE = Path(__file__).parent / "site"
KEY = "a signing key the tests know"


@pytest.fixture(scope="module")
def server(make_server) -> ServerProcess:
    """The signing key is known to the tests, so they can make a well-signed link that has expired."""
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_SIGNING_KEY=KEY)


@pytest.fixture(scope="module")
def anonymous(server) -> httpx.Client:
    with server.client(None) as client:
        yield client


def download_task(api: httpx.Client, llm, site: str) -> dict:
    tag = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}), done("downloaded")])
    body = api.post("/start/run-task", json={"taskDetails": f"Get the report {tag}",
                                             "startingUrl": f"{site}/download.html"}).json()
    assert body["status"] == "completed", body
    return body


def signed(file_id: str, expires: int, key: str = KEY) -> str:
    return hmac.new(key.encode(), f"{file_id}.{expires}".encode(), hashlib.sha256).hexdigest()


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == code and body["error"], body


def test_signed_link_works_without_a_key_and_not_once_altered(api, anonymous, llm, site, server):
    stranger = server.client(server.create_key())
    body = download_task(api, llm, site)
    [entry] = body["data"]["files"]
    url = urlsplit(entry["downloadUrl"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{server.base_url}/files/{entry['fileId']}"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert set(query) == {"expires", "signature"}
    expires = int(query["expires"])
    assert time.time() + 3600 - 5 < expires <= time.time() + 3960  # one hour, rounded up to 6 minutes
    assert query["signature"] == signed(entry["fileId"], expires)

    got = anonymous.get(entry["downloadUrl"])
    assert got.status_code == 200 and got.content == (SITE / "report.csv").read_bytes()
    assert 'filename="report.csv"' in got.headers["content-disposition"]
    # the poll hands out the same link
    polled = anonymous.get(f"/task/{body['sessionId']}/{body['taskId']}").json()
    assert polled["data"]["files"] == body["data"]["files"]

    bare = f"{server.base_url}/files/{entry['fileId']}"
    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    refused(anonymous.get(bare, params={"expires": expires, "signature": flipped}), 403, "BAD_SIGNATURE")
    refused(anonymous.get(bare, params={"expires": expires + 1, "signature": query["signature"]}), 403,
            "BAD_SIGNATURE")
    refused(anonymous.get(bare, params={"expires": expires}), 403, "BAD_SIGNATURE")
    other_file = api.post("/files/upload", files=[("file", ("x.txt", b"x", "text/plain"))]).json()["files"][0]
    refused(anonymous.get(f"{server.base_url}/files/{other_file['fileId']}", params=query), 403, "BAD_SIGNATURE")
    refused(anonymous.get(bare), 401, "UNAUTHORIZED")
    # a valid link serves anyone; with the API key the file is served as before, signed or not
    assert api.get(bare).content == got.content
    assert api.get(bare, params={"expires": expires, "signature": flipped}).content == got.content
    with stranger:
        assert stranger.get(entry["downloadUrl"]).content == got.content
        assert stranger.get(bare, params={"expires": expires, "signature": flipped}).status_code == 404


def test_expired_link_is_refused(api, anonymous, llm, site, server):
    body = download_task(api, llm, site)
    file_id = body["data"]["files"][0]["fileId"]
    past = int(time.time()) - 1
    response = anonymous.get(f"/files/{file_id}", params={"expires": past, "signature": signed(file_id, past)})
    refused(response, 403, "LINK_EXPIRED")
    assert "expired" in response.json()["error"]
    assert api.get(f"/files/{file_id}").status_code == 200


def test_short_lived_link_expires(make_server, llm, site):
    """A one-second lifetime: the link works at first and answers 403 LINK_EXPIRED once its time is up.
    The key is made once in the data directory, readable by its owner only."""
    short = make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_DOWNLOAD_LINK_TTL_S="1")
    key_file = short.data_dir / "signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_text().strip()) == 64
    with short.client() as api, short.client(None) as anonymous:
        url = download_task(api, llm, site)["data"]["files"][0]["downloadUrl"]
        expires = int(parse_qs(urlsplit(url).query)["expires"][0])
        assert expires <= time.time() + 2
        first = anonymous.get(url)
        if time.time() < expires - 0.2:  # fetched well before its end (the machine may be slow)
            assert first.status_code == 200, first.text
        # the time passing is what is under test: wait for the clock, then the link must be refused
        wait_until(lambda: time.time() >= expires + 0.05, timeout=10)
        refused(anonymous.get(url), 403, "LINK_EXPIRED")
        assert time.time() >= expires


def test_upload_under_the_files_field(api, anonymous):
    response = api.post("/files/upload", files=[("files", ("a.txt", b"first", "text/plain")),
                                                ("files", ("b.txt", b"second", "text/plain")),
                                                ("file", ("c.txt", b"third", "text/plain"))])
    assert response.status_code == 200, response.text
    files = response.json()["files"]
    assert [(f["originalName"], f["size"]) for f in files] == [("a.txt", 5), ("b.txt", 6), ("c.txt", 5)]
    assert [api.get(f"/files/{f['fileId']}").content for f in files] == [b"first", b"second", b"third"]
    assert anonymous.post("/files/upload", files={"files": ("a.txt", b"x")}).status_code == 401
    stray = api.post("/files/upload", files=[("document", ("a.txt", b"x", "text/plain"))])
    refused(stray, 400, "VALIDATION_ERROR")
    assert "'document'" in stray.json()["error"]
    text = api.post("/files/upload", data={"files": "not a file"}, files=[("file", ("a.txt", b"x", "text/plain"))])
    refused(text, 400, "VALIDATION_ERROR")
    assert "`files` must be a file part" in text.json()["error"]
