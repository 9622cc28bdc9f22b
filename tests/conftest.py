"""Fixtures shared by the whole suite."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.llm_server import ScriptedLLM  # noqa: E402


@pytest.fixture(scope="session")
def llm():
    server = ScriptedLLM().start()
    yield server
    server.stop()
