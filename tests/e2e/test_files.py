"""Files end to end over HTTP: uploads, attachments the agent puts into a page, downloads served back."""
from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import act, done, script, send_task, terminate
from tests.support.servers import ServerProcess

LIMIT = 64 * 1024
SITE = Path(__file__).parent / "site"


@pytest.fixture(scope="module")
def server(make_server) -> ServerProcess:
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="30", OPENWEBRUN_MAX_UPLOAD_BYTES=str(LIMIT))


@pytest.fixture(scope="module")
def other(server) -> httpx.Client:
    """A client with the key of another account."""
    with server.client(server.create_key()) as client:
        yield client


@pytest.fixture(scope="module")
def anonymous(server) -> httpx.Client:
    with server.client(None) as client:
        yield client


def upload(client: httpx.Client, *files: tuple[str, bytes, str]) -> httpx.Response:
    return client.post("/files/upload", files=[("file", f) for f in files])


def uploaded_id(client: httpx.Client, name: str, content: bytes) -> str:
    response = upload(client, (name, content, "text/plain"))
    assert response.status_code == 200, response.text
    return response.json()["files"][0]["fileId"]


def wait_gone(path: Path, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not path.exists()


# --- uploads -----------------------------------------------------------------------------

def test_upload_one_file_and_read_it_back(api):
    response = upload(api, ("notes.txt", b"remember the milk\n", "text/plain"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and len(body["files"]) == 1
    entry = body["files"][0]
    assert entry["originalName"] == "notes.txt" and entry["size"] == 18
    assert len(entry["fileId"]) == 32 and int(entry["fileId"], 16) >= 0

    got = api.get(f"/files/{entry['fileId']}")
    assert got.status_code == 200 and got.content == b"remember the milk\n"
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"] == "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    assert got.headers["x-content-type-options"] == "nosniff"


def test_upload_two_files_names_sanitized(api):
    response = upload(api, ("../../etc/Résumé 履歴書.pdf", b"%PDF-1.4 fake", "application/pdf"),
                      ("data.bin", bytes(range(256)) * 4, "application/octet-stream"))
    assert response.status_code == 200, response.text
    files = response.json()["files"]
    assert [(f["originalName"], f["size"]) for f in files] == [("Résumé 履歴書.pdf", 13), ("data.bin", 1024)]
    assert files[0]["fileId"] != files[1]["fileId"]

    pdf = api.get(f"/files/{files[0]['fileId']}")
    assert pdf.content == b"%PDF-1.4 fake" and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].endswith("filename*=UTF-8''R%C3%A9sum%C3%A9%20%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf")
    binary = api.get(f"/files/{files[1]['fileId']}")
    assert binary.content == bytes(range(256)) * 4 and binary.headers["content-type"] == "application/octet-stream"


def test_upload_refusals(api, anonymous):
    assert anonymous.post("/files/upload", files={"file": ("a.txt", b"x")}).status_code == 401
    no_file = api.post("/files/upload", data={"comment": "no file here"}, files={"other": ("", b"")})
    assert no_file.status_code == 400 and no_file.json()["code"] == "VALIDATION_ERROR"
    as_json = api.post("/files/upload", json={"file": "a.txt"})
    assert as_json.status_code == 400 and as_json.json()["code"] == "VALIDATION_ERROR"
    broken = api.post("/files/upload", content=b"--xyz\r\nnot a part",
                      headers={"Content-Type": "multipart/form-data"})
    assert broken.status_code == 400 and broken.json()["code"] == "VALIDATION_ERROR"


def test_too_large_is_413_and_nothing_is_kept(api, server):
    blobs_before = sorted(p.name for p in (server.data_dir / "files").rglob("*") if p.is_file())
    one = upload(api, ("big.bin", b"x" * (LIMIT + 1), "application/octet-stream"))
    assert one.status_code == 413
    too_large = f"The upload is larger than the limit of {LIMIT} bytes (all files together)."
    assert one.json() == {"success": False, "code": "FILE_TOO_LARGE", "error": too_large, "message": too_large}
    together = upload(api, ("a.bin", b"a" * (LIMIT // 2 + 1), "application/octet-stream"),
                      ("b.bin", b"b" * (LIMIT // 2 + 1), "application/octet-stream"))
    assert together.status_code == 413 and together.json()["code"] == "FILE_TOO_LARGE"
    assert sorted(p.name for p in (server.data_dir / "files").rglob("*") if p.is_file()) == blobs_before
    exact = upload(api, ("exact.bin", b"e" * LIMIT, "application/octet-stream"))
    assert exact.status_code == 200 and exact.json()["files"][0]["size"] == LIMIT


def test_huge_body_is_cut_off(api):
    """A body past the limit (plus room for part headers) is refused without being stored, chunked or not."""
    boundary = "owrboundary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.bin\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        for _ in range(40):  # 2.5 MiB, more than the limit and the allowance for part headers
            yield b"z" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    chunked = api.post("/files/upload", content=body(), headers=headers)
    assert chunked.status_code == 413 and chunked.json()["code"] == "FILE_TOO_LARGE"
    # with a Content-Length the answer comes before the body is read
    declared = api.post("/files/upload", content=b"".join(body()), headers=headers)
    assert declared.status_code == 413 and declared.json()["code"] == "FILE_TOO_LARGE"


def test_file_of_another_account_is_not_found(api, other, anonymous):
    file_id = uploaded_id(api, "mine.txt", b"private")
    assert other.get(f"/files/{file_id}").status_code == 404
    assert other.get(f"/files/{file_id}").json()["code"] == "FILE_NOT_FOUND"
    assert api.get("/files/0123456789abcdef0123456789abcdef").status_code == 404
    assert anonymous.get(f"/files/{file_id}").status_code == 401


# --- attachments ------------------------------------------------------------------------

def test_agent_puts_the_attached_file_into_the_page(api, llm, site, server):
    file_id = uploaded_id(api, "notes.txt", b"Meeting moved to Thursday 10:00\n")
    tag = script(llm, [
        act({"action": "upload_file", "index": {"$find": "Document to send"}, "file": "notes.txt"}),
        done({"$match": r"Received [^\n]*"}),
    ])
    body = api.post("/start/run-task", json={"taskDetails": f"Send my notes {tag}",
                                             "startingUrl": f"{site}/upload.html", "files": [file_id]}).json()
    assert body["status"] == "completed", body
    assert body["data"]["message"] == "Received notes.txt (32 bytes): Meeting moved to Thursday 10:00"
    prompts = [str(r["messages"]) for r in llm.requests_for(tag.removeprefix("script:"))]
    assert prompts and all("Attached files (for upload_file): notes.txt" in p for p in prompts)
    # the session ended with its task: its attachment links are gone, the stored file stays
    assert wait_gone(server.data_dir / "attachments" / body["sessionId"])
    assert api.get(f"/files/{file_id}").content == b"Meeting moved to Thursday 10:00\n"


def test_name_clashes_are_numbered_for_the_agent(api, llm, site):
    first = uploaded_id(api, "notes.txt", b"first version")
    second = uploaded_id(api, "subdir/notes.txt", b"second version")
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    tag = script(llm, [
        act({"action": "upload_file", "index": {"$find": "Document to send"}, "file": "notes-2.txt"}),
        done({"$match": r"Received [^\n]*"}),
    ])
    body = send_task(api, session_id, f"Send the second notes {tag}", startingPoint=f"{site}/upload.html",
                     files=[first, second]).json()
    assert body["status"] == "completed", body
    assert body["data"]["message"] == "Received notes-2.txt (14 bytes): second version"
    prompt = str(llm.requests_for(tag.removeprefix("script:"))[0]["messages"])
    assert "Attached files (for upload_file): notes-2.txt, notes.txt" in prompt
    assert terminate(api, session_id).json()["success"] is True


def test_unknown_file_id_is_refused_before_anything_starts(api, server):
    free = api.get("/start/health").json()["instanceCount"]
    unknown = "ffffffffffffffffffffffffffffffff"
    run = api.post("/start/run-task", json={"taskDetails": "send it", "files": [unknown]})
    assert run.status_code == 400
    assert run.json()["code"] == "FILE_NOT_FOUND" and unknown in run.json()["error"]
    start = api.post("/start/start-session", json={"initialTask": {"taskDetails": "send it", "files": [unknown]}})
    assert start.status_code == 400 and start.json()["code"] == "FILE_NOT_FOUND"
    assert api.get("/start/health").json()["instanceCount"] == free  # no session was left open


def test_file_of_another_account_cannot_be_attached(api, other):
    file_id = uploaded_id(api, "mine.txt", b"private")
    refused = other.post("/start/run-task", json={"taskDetails": "send it", "files": [file_id]})
    assert refused.status_code == 400 and refused.json()["code"] == "FILE_NOT_FOUND"
    session_id = other.post("/start/start-session", json={}).json()["sessionId"]
    try:
        again = send_task(other, session_id, "send it", files=[file_id])
        assert again.status_code == 400 and again.json()["code"] == "FILE_NOT_FOUND"
    finally:
        terminate(other, session_id)


# --- downloads --------------------------------------------------------------------------

def test_downloaded_file_is_stored_and_served(api, other, anonymous, llm, site, server):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}), done("downloaded")])
    body = api.post("/start/run-task", json={"taskDetails": f"Get the report {tag}",
                                             "startingUrl": f"{site}/download.html"}).json()
    assert body["status"] == "completed", body
    [entry] = body["data"]["files"]
    file_id = entry["fileId"]
    assert len(file_id) == 32 and entry["filename"] == "report.csv"
    assert entry["source"] == f"{site}/report.csv"
    assert entry["downloadUrl"].startswith(f"{server.base_url}/files/{file_id}?expires=")
    assert entry["timestamp"] > 1_600_000_000_000
    # the poll shows the same file
    polled = anonymous.get(f"/task/{body['sessionId']}/{body['taskId']}").json()
    assert polled["data"]["files"] == body["data"]["files"]

    got = api.get(entry["downloadUrl"])
    assert got.status_code == 200 and got.content == (SITE / "report.csv").read_bytes()
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="report.csv"' in got.headers["content-disposition"]
    # without its signature the URL is the owner's only (tests/e2e/test_downloads.py tests the signed link)
    bare = f"{server.base_url}/files/{file_id}"
    assert other.get(bare).status_code == 404
    assert anonymous.get(bare).status_code == 401
    # moved into the file store, not left in the session's download folder
    assert not (server.data_dir / "downloads" / body["sessionId"] / "report.csv").exists()


def test_downloaded_file_can_be_attached_to_the_next_task(api, llm, site):
    get = script(llm, [act({"action": "click", "index": {"$find": "Download the report"}}), done("downloaded")])
    session_id = api.post("/start/start-session", json={}).json()["sessionId"]
    try:
        first = send_task(api, session_id, f"Get the report {get}", startingPoint=f"{site}/download.html").json()
        assert first["status"] == "completed", first
        file_id = first["data"]["files"][0]["fileId"]
        send = script(llm, [
            act({"action": "upload_file", "index": {"$find": "Document to send"}, "file": "report.csv"}),
            done({"$match": r"Received [^\n]*"}),
        ])
        second = send_task(api, session_id, f"Send the report {send}", startingPoint=f"{site}/upload.html",
                           files=[file_id]).json()
        assert second["status"] == "completed", second
        assert second["data"]["message"] == "Received report.csv (32 bytes): quarter,revenue Q1,1200 Q2,1350"
    finally:
        terminate(api, session_id)
