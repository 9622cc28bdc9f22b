"""File uploads (visible input, hidden input behind a label, file chooser button) and downloads."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent_browser.conftest import line_of, number, open_page, text_of


@pytest.fixture
def attached(env, tmp_path) -> dict[str, Path]:
    files = {}
    for name, body in {"notes.txt": "hello upload\n", "photo.png": "not really a png"}.items():
        path = tmp_path / name
        path.write_text(body)
        files[name] = path
    env.set_files(files)
    return files


async def test_upload_to_visible_input(env, site_url, attached):
    state = await open_page(env, f"{site_url}/upload.html")
    assert "no file chosen" in line_of(state, 'file input "Visible upload"')
    results = await env.execute([{"action": "upload_file", "index": number(state, "Visible upload"), "file": "notes.txt"}])
    assert results[0].error is None
    assert await text_of(env, "#chosen") == "visible: notes.txt (13 bytes)"
    state = await env.observe()
    assert 'files="notes.txt"' in line_of(state, "Visible upload")


async def test_upload_through_label_of_hidden_input(env, site_url, attached):
    state = await open_page(env, f"{site_url}/upload.html")
    label = line_of(state, "Attach via label")
    assert "label" in label and "for hidden file input" in label
    results = await env.execute([{"action": "upload_file", "index": number(state, "Attach via label"), "file": "photo.png"}])
    assert results[0].error is None
    assert await text_of(env, "#chosen") == "hidden-input: photo.png (16 bytes)"


async def test_upload_through_file_chooser_button(env, site_url, attached):
    state = await open_page(env, f"{site_url}/upload.html")
    results = await env.execute([{"action": "upload_file", "index": number(state, "Choose a file"), "file": "notes.txt"}])
    assert results[0].error is None and "file chooser" in results[0].message
    assert await text_of(env, "#chosen") == "chooser-input: notes.txt (13 bytes)"


async def test_upload_errors(env, site_url, attached):
    state = await open_page(env, f"{site_url}/upload.html")
    results = await env.execute([{"action": "upload_file", "index": number(state, "Visible upload"), "file": "missing.pdf"}])
    assert "no attached file named 'missing.pdf'" in results[0].error and "notes.txt, photo.png" in results[0].error
    state = await open_page(env, f"{site_url}/form.html")
    results = await env.execute([{"action": "upload_file", "index": number(state, "Create account"), "file": "notes.txt"}])
    assert "did not open a file chooser" in results[0].error


async def test_download_is_saved_and_recorded(env, site_url):
    state = await open_page(env, f"{site_url}/download.html")
    results = await env.execute([{"action": "click", "index": number(state, "Download the report")}])
    assert results[0].error is None
    assert len(env.downloads) == 1
    saved = env.downloads[0]
    assert saved.filename == "report.csv" and saved.source.endswith("/files/report.csv")
    assert Path(saved.path).parent == env.downloads_dir
    assert Path(saved.path).read_text() == "name,copies\nDune,4\nEmma,2\n"
    assert saved.timestamp > 1.6e12
    await env.execute([{"action": "click", "index": number(state, "Download the report")}])
    assert [d.filename for d in env.downloads] == ["report.csv", "report-1.csv"]
