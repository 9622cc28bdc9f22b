"""The environment archive format: what is written reads back; what does not fit the layout is refused."""
from __future__ import annotations

import io
import json
import tarfile

import pytest

from openwebrun.browser.chrome_import import storage_origins
from openwebrun.services.profile_archive import BadArchive, read_archive, write_archive

STATE = {"cookies": [{"name": "sid", "value": "1", "domain": "a.example", "path": "/", "expires": -1}],
         "origins": [{"origin": "https://a.example", "localStorage": [{"name": "k", "value": "v"}],
                      "sessionStorage": [{"name": "t", "value": "u"}]}]}


def tar_of(*members: tarfile.TarInfo, data: dict[str, bytes] | None = None) -> io.BytesIO:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info in members:
            content = (data or {}).get(info.name)
            if content is not None:
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    out.seek(0)
    return out


def member(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def test_written_archive_reads_back(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"hello")
    out = io.BytesIO()
    write_archive(out, STATE, [("notes.txt", notes)])
    read = read_archive(out, tmp_path / "x", max_bytes=10_000)
    assert read.state == STATE
    assert [(name, path.read_bytes()) for name, path in read.files] == [("notes.txt", b"hello")]


@pytest.mark.parametrize("members, data, says", [
    ([member("state.json"), member("state.json")], {"state.json": json.dumps(STATE).encode()}, "appears twice"),
    ([member("state.json"), member("files/hard", tarfile.LNKTYPE)], {"state.json": b"{}"}, "link or a special file"),
    ([member("state.json"), member("files/dev", tarfile.CHRTYPE)], {"state.json": b"{}"}, "link or a special file"),
    ([member("files/sub", tarfile.DIRTYPE), member("state.json")], {"state.json": b"{}"}, "unexpected folder"),
    ([member("state.json"), member("files/a/b.txt")], {"state.json": b"{}", "files/a/b.txt": b"x"}, "unexpected entry"),
    ([member("profile.json"), member("state.json")], {"profile.json": b'{"format": "other"}', "state.json": b"{}"},
     "must say"),
    ([member("state.json")], {"state.json": b'{"origins": [{"origin": "file:///etc"}]}'}, r"an http\(s\) origin"),
    ([member("state.json")], {"state.json": b'{"cookies": [{"name": "a", "value": "b", "domain": "c", "path": "/", '
                                            b'"sameSite": "Sometimes"}]}'}, "sameSite"),
])
def test_refusals_name_the_problem(tmp_path, members, data, says):
    with pytest.raises(BadArchive, match=says):
        read_archive(tar_of(*members, data=data), tmp_path, max_bytes=10_000)


def test_origins_found_in_a_profile_folder(tmp_path):
    leveldb = tmp_path / "Local Storage" / "leveldb"
    leveldb.mkdir(parents=True)
    (leveldb / "000003.log").write_bytes(b"\x00META:https://shop.example\x00\x08_http://127.0.0.1:8080\x00\x01token")
    (tmp_path / "IndexedDB" / "https_mail.example_0.indexeddb.leveldb").mkdir(parents=True)
    (tmp_path / "IndexedDB" / "http_localhost_3000.indexeddb.leveldb").mkdir()
    assert storage_origins(tmp_path) == ["https://shop.example", "http://127.0.0.1:8080", "http://localhost:3000",
                                         "https://mail.example"]
