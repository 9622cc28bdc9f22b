"""The `openwebrun` command as a user runs it."""
from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys

from tests.e2e.conftest import act, done, script


def _run(args, env, timeout=120):
    return subprocess.run([sys.executable, "-m", "openwebrun.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_run_prints_progress_and_csv(llm, site, tmp_path):
    tag = script(llm, [act({"action": "click", "index": {"$find": "Next page"}}, goal="go on"),
                       done([{"title": "Step two", "note": 'says "three", then, more'}])])
    env = {"OPENWEBRUN_MODEL": "scripted", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x",
           "OPENWEBRUN_DATA_DIR": str(tmp_path)}
    result = _run(["run", f"walk {tag}", "--url", f"{site}/list.html", "--csv", "title,note"], env)
    assert result.returncode == 0, result.stderr
    assert "step 1: go on" in result.stderr and "tokens:" in result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["title", "note"] and rows[1] == ["Step two", 'says "three", then, more']


def test_run_reports_failure_code(tmp_path, site):
    result = _run(["run", "anything", "--url", f"{site}/list.html"],
                  {"OPENWEBRUN_MODEL": "", "OPENWEBRUN_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "LLM_NOT_CONFIGURED" in result.stderr


def test_run_json_schema_from_file(llm, site, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}))
    tag = script(llm, [done({"code": {"$match": r"(?<=code )\d{4}"}})])
    env = {"OPENWEBRUN_MODEL": "scripted", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x",
           "OPENWEBRUN_DATA_DIR": str(tmp_path)}
    result = _run(["run", f"code {tag}", "--url", f"{site}/step3.html", "--output-schema", str(schema)], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"code": "4711"}


def test_run_asks_the_agent_s_question_on_the_terminal(llm, site, tmp_path):
    tag = script(llm, [act({"action": "ask_human", "question": "Which colour do you want?", "reason": "choice"}),
                       done({"$match": r"(?<=The person answered: )\w+"})])
    env = {**os.environ, "OPENWEBRUN_MODEL": "scripted", "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x",
           "OPENWEBRUN_DATA_DIR": str(tmp_path)}
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "openwebrun.cli", "run", f"pick {tag}", "--url", f"{site}/list.html"],
                            env=env, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    try:
        os.write(controller, b"teal\n")  # waits in the terminal until the question is read
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(controller)
    assert proc.returncode == 0, err
    assert "the agent asks (choice): Which colour do you want?" in err
    assert out.strip() == "teal"


def test_keys_lifecycle(tmp_path):
    env = {"OPENWEBRUN_DATA_DIR": str(tmp_path)}
    created = _run(["keys", "create", "--name", "ci"], env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("owr_")
    listed = _run(["keys", "list"], env).stdout
    assert "ci" in listed and key not in listed
    key_id = listed.split()[0]
    assert _run(["keys", "revoke", key_id], env).returncode == 0
    assert "revoked" in _run(["keys", "list"], env).stdout
    assert _run(["keys", "revoke", "nope"], env).returncode == 1


def test_doctor_says_what_is_missing(tmp_path):
    result = _run(["doctor"], {"OPENWEBRUN_DATA_DIR": str(tmp_path), "OPENWEBRUN_MODEL": ""})
    assert "[ok] chromium" in result.stdout and "[ok] database" in result.stdout
    assert "[MISSING] llm" in result.stdout and "OPENWEBRUN_MODEL" in result.stdout
    assert result.returncode == 0


def test_bad_setting_is_a_clear_error(tmp_path):
    result = _run(["db", "upgrade"], {"OPENWEBRUN_DATA_DIR": str(tmp_path), "OPENWEBRUN_MAX_SESSIONS": "many"})
    assert result.returncode == 2 and "OPENWEBRUN_MAX_SESSIONS" in result.stderr
