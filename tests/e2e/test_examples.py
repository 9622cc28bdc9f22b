"""Every file in examples/ runs against a real server (scripted LLM, real Chromium) and prints what it should."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.e2e.conftest import act, done, script
from tests.support.servers import API_KEY

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUBMITTED = {"$match": r"Submitted \d+"}
HEADING = {"$match": "Order a book"}


@pytest.fixture(scope="module")
def example_server(make_server):
    # A short wait window: start calls answer "pending" quickly, so the examples' waiting is exercised.
    return make_server(OPENWEBRUN_WAIT_WINDOW_S="2")


LOGGED_IN = {"$match": r"Logged in as \w+|Not logged in\."}


def cases(llm, site: str = "") -> dict[str, tuple[list[dict], str, list[str]]]:
    """Per example: the LLM script, the start page, lines the output must contain."""
    return {
        "run_task.py": ([done(HEADING)], "form.html", ["result: Order a book", "tokens:"]),
        "structured_output.py": ([done({"books": ["Dune", "Emma"]})], "form.html", ["books: Dune, Emma"]),
        "sessions.py": ([done(HEADING)], "form.html", ["first: Order a book", "second: Order a book", "terminated"]),
        "wait_and_steps.py": ([act({"action": "wait", "seconds": 0}, goal="look further"), done(HEADING)], "form.html",
                              ["started:", "finished: completed Order a book", "step 1: look further", "step 2: report",
                               "screenshot of step 1:", "bytes of JPEG"]),
        "guardrail.py": ([act({"action": "ask_human", "question": "What is the one-time code?", "reason": "code"}),
                          act({"action": "type", "index": {"$find": "One-time code"},
                               "text": {"$match": r"(?<=The person answered: )\d+"}, "submit": True}),
                          done(SUBMITTED)], "control.html",
                         ["the agent asks (code): What is the one-time code?", "result: Submitted •••"]),
        "files.py": ([act({"action": "upload_file", "index": {"$find": "Document to send"}, "file": "notes.txt"}),
                      done({"$match": r"Received notes\.txt[^\n]*"})], "upload.html",
                     ["uploaded:", "notes.txt 16 bytes", "result: Received notes.txt (16 bytes): Meeting at noon",
                      "stored copy: Meeting at noon"]),
        "events.py": ([act({"action": "wait", "seconds": 0}, goal="look further"), done(HEADING)], "form.html",
                      ["thinks: working", "does: wait", "task_completed", "end_session", "result: Order a book"]),
        "environments.py": ([act({"action": "click", "index": {"$find": "Log in as Ada"}}, goal="log in"),
                              done(LOGGED_IN), done(LOGGED_IN)], "profile.html",
                             ["created: empty", "first visit: Logged in as ada", "saved: ready after 1 session(s)",
                              "second visit: Logged in as ada", "archive: files, profile.json, state.json", "copy: ready",
                              "deleted: ENVIRONMENT_NOT_FOUND"]),
        "policies.py": ([act({"action": "navigate", "url": f"{site}/admin/"}, goal="open the admin page"),
                         done("the admin page is off limits")], "form.html",
                        ["templates: financial_compliance, healthcare, research_only, strict_lockdown",
                         "policy: no admin ['no-admin']", "result: the admin page is off limits",
                         "step 1: navigate was blocked by policy 'no admin' (rule no-admin",
                         "audit: navigation block by rule no-admin", "now: draft", "deleted"]),
        "errors.py": ([done("there is no such flight", success=False)], "form.html",
                      ["refused: 401 UNAUTHORIZED", "conflict: NO_RUNNING_TASK", "task failed: TASK_NOT_COMPLETED"]),
    }


def example_env(server, prompt: str, url: str) -> dict[str, str]:
    return {**os.environ, "OPENWEBRUN_URL": server.base_url, "OPENWEBRUN_API_KEY": API_KEY,
            "EXAMPLE_PROMPT": prompt, "EXAMPLE_URL": url}


def test_every_example_is_tested():
    names = {path.name for path in EXAMPLES.glob("*.py")}
    assert names == set(cases(None)) | {"control.py"}


@pytest.mark.parametrize("name", sorted(cases(None)))
def test_example(name, example_server, llm, site):
    steps, page, expected = cases(llm, site)[name]
    tag = script(llm, steps)
    done_ = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=240,
                           env=example_env(example_server, f"do it {tag}", f"{site}/{page}"), stdin=subprocess.DEVNULL)
    assert done_.returncode == 0, done_.stderr + done_.stdout
    for line in expected:
        assert line in done_.stdout, (line, done_.stdout, [str(r)[-1500:] for r in llm.requests_for(tag.split(":")[1])])


def test_control_example(example_server, llm, site):
    """The task's first model answer is held until the example has paused it; so pause finds it running."""
    gate = f"control-{id(llm)}"
    tag = script(llm, [{"gate": gate, **done("form filled")}])
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "control.py")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=example_env(example_server, f"fill {tag}", f"{site}/form.html"),
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == "paused":
                threading.Thread(target=llm.gate(gate).release, daemon=True).start()
        assert proc.wait(timeout=240) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
    assert lines[0].startswith("running:") and lines[1:4] == ["paused", "resumed", "released"], lines
    assert lines[-1] == "result: form filled", lines
