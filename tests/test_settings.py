"""Settings: environment over config file over defaults; clear errors naming the variable."""
from __future__ import annotations

import pytest

from openwebrun.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os
    for name in list(os.environ):
        if name.startswith("OPENWEBRUN_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)


def test_defaults_use_sqlite_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'openwebrun.db'}"
    assert settings.wait_window_s == 50 and settings.session_expires_ms == 300_000
    assert not settings.llm_configured


def test_openai_variables_and_prices(monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_MODEL", "llama3")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENWEBRUN_PRICES", '{"llama3": [1, 2]}')
    settings = load_settings()
    assert settings.llm_configured and settings.openai_base_url == "http://127.0.0.1:11434/v1"
    assert settings.prices == {"llama3": (1.0, 2.0)}


def test_config_file_below_environment(tmp_path, monkeypatch):
    config = tmp_path / "openwebrun.toml"
    config.write_text('port = 9100\nmax_sessions = 3\nmodel = "from-file"\n')
    monkeypatch.setenv("OPENWEBRUN_CONFIG", str(config))
    monkeypatch.setenv("OPENWEBRUN_MODEL", "from-env")
    settings = load_settings()
    assert (settings.port, settings.max_sessions, settings.model) == (9100, 3, "from-env")


def test_yaml_config(tmp_path, monkeypatch):
    config = tmp_path / "c.yaml"
    config.write_text("wait_window_s: 5\n")
    monkeypatch.setenv("OPENWEBRUN_CONFIG", str(config))
    assert load_settings().wait_window_s == 5


@pytest.mark.parametrize("name, value", [("OPENWEBRUN_PORT", "http"), ("OPENWEBRUN_MAX_SESSIONS", "0"),
                                         ("OPENWEBRUN_LLM_MODE", "telepathy"), ("OPENWEBRUN_WAIT_WINDOW_S", "-1")])
def test_invalid_values_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert name in str(info.value)


def test_missing_or_broken_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWEBRUN_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 1")
    monkeypatch.setenv("OPENWEBRUN_CONFIG", str(broken))
    with pytest.raises(SettingsError, match="not valid"):
        load_settings()


def test_browser_reach_and_screenshots(monkeypatch):
    settings = load_settings()
    assert settings.step_screenshots == "on"
    assert settings.allow_private_networks(default=False) is False  # serve
    assert settings.allow_private_networks(default=True) is True  # run
    monkeypatch.setenv("OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS", "false")
    monkeypatch.setenv("OPENWEBRUN_STEP_SCREENSHOTS", "OFF")
    settings = load_settings()
    assert settings.allow_private_networks(default=True) is False and settings.step_screenshots == "off"
    monkeypatch.setenv("OPENWEBRUN_STEP_SCREENSHOTS", "sometimes")
    with pytest.raises(SettingsError, match="OPENWEBRUN_STEP_SCREENSHOTS"):
        load_settings()
