"""Cluster mode is chosen by settings; without them the server stays one process and never loads Ray."""
from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from openwebrun.cluster.worker import slots_from_memory
from openwebrun.domain.errors import Kind, Refused
from openwebrun.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os
    for name in list(os.environ):
        if name.startswith("OPENWEBRUN_"):
            monkeypatch.delenv(name)


def test_the_default_app_does_not_import_ray(tmp_path):
    code = ("import sys\n"
            "from openwebrun.api.app import create_app\n"
            "from openwebrun.settings import load_settings\n"
            "app = create_app(load_settings())\n"
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith(('ray.', 'openwebrun.cluster'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "OPENWEBRUN_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_cluster_mode_needs_postgresql_and_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENWEBRUN_RAY_ADDRESS", "10.0.0.1:6379")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "OPENWEBRUN_REDIS_URL" in str(refused.value) and "PostgreSQL" in str(refused.value)

    monkeypatch.setenv("OPENWEBRUN_REDIS_URL", "redis://10.0.0.2:6379/0")
    monkeypatch.setenv("OPENWEBRUN_DATABASE_URL", "postgresql+asyncpg://app@10.0.0.3/openwebrun")
    settings = load_settings()
    assert settings.cluster_mode and settings.cluster_name == "openwebrun"


def test_the_default_is_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    assert not load_settings().cluster_mode


def test_worker_slots_follow_memory():
    assert slots_from_memory(8 * 2**30) == (8 * 1024 - 1024) // 350
    assert slots_from_memory(512 * 2**20) == 1  # a small machine still holds one session


def test_a_refusal_crosses_processes_whole():
    refused = pickle.loads(pickle.dumps(Refused("SESSION_LIMIT_REACHED", "Terminate one first.", details={"limit": 2})))
    assert (refused.code, refused.message, refused.kind, refused.details) == (
        "SESSION_LIMIT_REACHED", "Terminate one first.", Kind.TOO_MANY, {"limit": 2})
