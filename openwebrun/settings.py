"""Settings from the environment (OPENWEBRUN_*) and an optional TOML/YAML config file.

Precedence: environment > config file (OPENWEBRUN_CONFIG) > defaults.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any

import yaml
from limits import RateLimitItem, parse
from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from openwebrun.domain.pricing import DEFAULT_PRICES
from openwebrun.domain.proxies import PoolFileError, parse_pool


class SettingsError(Exception):
    """Configuration that cannot start the server; the message says what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENWEBRUN_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("./data")
    database_url: str = ""  # default: sqlite file in data_dir
    api_key: str | None = None  # bootstrap admin key
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = None  # base of pollUrl etc.; default http://host:port

    model: str | None = None  # LLM model name; unset means no LLM configured
    llm_provider: str = "openai"
    llm_mode: str = "auto"  # auto | json_schema | tools | json
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENWEBRUN_OPENAI_API_KEY", "OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENWEBRUN_OPENAI_BASE_URL", "OPENAI_BASE_URL"))
    vision: bool = False  # send a viewport screenshot with each step (multimodal models)
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    prices: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    compute_price_per_minute: float = Field(0.02, ge=0)  # USD per minute a task may act (WebRun's price)
    proxy_price_per_gb: float = Field(4.0, ge=0)  # USD per GB sent through a proxy

    chromium_path: str | None = None  # default: found on PATH / well-known places
    headless: bool = True
    max_sessions: int = Field(10, ge=1)
    sessions_per_browser: int = Field(5, ge=1)
    session_expires_ms: int = Field(300_000, ge=1000)
    navigation_timeout_ms: int = Field(30_000, ge=1000)
    # loopback and private ranges for the browser; unset: refused by `serve`, allowed by `run`
    browser_allow_private_networks: bool | None = None
    step_screenshots: str = "on"  # on | off: keep a viewport JPEG with each step

    wait_window_s: float = Field(50.0, ge=0)
    guardrail_timeout_s: float = Field(600.0, gt=0)  # how long a task waits for a person's answer
    max_steps: int = Field(50, ge=1)
    max_upload_bytes: int = Field(50 * 1024 * 1024, ge=1)  # all files of one upload request together
    max_body_bytes: int = Field(1024 * 1024, ge=1024)  # any other request body (JSON)
    webhook_allow_private: bool = False  # webhook URLs on loopback, private or link-local addresses
    webhook_attempts: int = Field(6, ge=1, le=20)
    webhook_retry_base_s: float = Field(20.0, gt=0)  # first retry after about this, doubling each time
    webhook_timeout_s: float = Field(10.0, gt=0)  # a receiver must answer 2xx within this
    socket_queue: int = Field(1000, ge=1)  # events held for one Socket.IO client before its oldest are dropped
    signing_key: str | None = None  # signs download links; default: a key made once in data_dir
    download_link_ttl_s: int = Field(3600, ge=1)  # how long a signed download link works
    max_profile_bytes: int = Field(500 * 1024 * 1024, ge=1024)  # an environment archive, packed and unpacked
    environment_rate_limit: str = "100/15 minutes"  # per client address, on /environments and /profiles
    rate_limit: str = "10/minute"  # per account on start-session, send-message, run-task, uploads, chat; "off": none
    redis_url: str | None = None  # rate limits shared by several server processes (redis://host:6379/0)
    redis_timeout_s: float = Field(1.0, gt=0, le=60)  # a Redis call (connecting included) gives up after this
    openai_keepalive_s: float = Field(15.0, gt=0)  # SSE comments this often while a streamed chat completion waits
    live_view_max_fps: float = Field(25.0, gt=0, le=60)  # frames per second of the live view, at most
    live_view_quality: int = Field(70, ge=10, le=95)  # JPEG quality of the screencast and of the JPEG stream
    live_view_fallback_ms: int = Field(4000, ge=500)  # the player falls back to JPEG frames if WebRTC is not up by then
    # STUN/TURN servers for WHEP peers and the player, as WebRTC's iceServers: [{"urls", "username"?, "credential"?}]
    webrtc_ice_servers: list[dict[str, Any]] = Field(default_factory=list)
    # local addresses offered as ICE host candidates (comma-separated); default: every interface but loopback
    webrtc_host_addresses: str = ""
    # the address viewers reach this machine's WHEP peers at, when it is behind a 1:1 NAT: host
    # candidates are announced with it instead of the local address (same ports)
    media_address: str = ""

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, v: str) -> str:
        if v.strip().lower() not in ("", "off", "none"):
            try:
                parse(v)
            except ValueError:
                raise ValueError('must be like "10/minute" or "100/15 minutes", or "off"') from None
        return v

    @property
    def rate_limit_item(self) -> RateLimitItem | None:
        return None if self.rate_limit.strip().lower() in ("", "off", "none") else parse(self.rate_limit)

    @field_validator("webrtc_ice_servers")
    @classmethod
    def _ice_servers(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for server in v:
            urls = server.get("urls")
            urls = [urls] if isinstance(urls, str) else urls
            if not urls or not all(isinstance(u, str) and u.startswith(("stun:", "turn:", "turns:")) for u in urls):
                raise ValueError('each server needs "urls": stun:, turn: or turns: URLs')
        return v

    @field_validator("media_address")
    @classmethod
    def _media_address(cls, v: str) -> str:
        if v.strip():
            try:
                return str(ipaddress.ip_address(v.strip()))
            except ValueError:
                raise ValueError("must be an IP address (viewers' browsers take no host names in candidates)") from None
        return ""

    @property
    def webrtc_host_address_list(self) -> list[str]:
        return [a.strip() for a in self.webrtc_host_addresses.split(",") if a.strip()]

    # Cluster mode (docs/scale-out.md): all three set, sessions live on `openwebrun worker` machines
    ray_address: str | None = None  # the Ray cluster to join (ray://head:10001 or head:6379)
    ray_node_ip: str | None = None  # this machine's Ray node address, where it has several (else Ray picks)
    cluster_name: str = Field("openwebrun", pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")  # Ray namespace, Redis key prefix
    worker_slots: int | None = Field(None, ge=1)  # sessions one worker holds; default from its memory
    worker_watch_interval_s: float = Field(2.0, gt=0)  # how often API processes look for lost workers
    placement_timeout_s: float = Field(5.0, gt=0)  # a start waits at most this for Ray to place its session

    @property
    def cluster_mode(self) -> bool:
        return bool(self.ray_address)

    proxy_pool: Path | None = None  # file of `COUNTRY URL` lines: the proxies of `source: "WebRun"`

    @field_validator("proxy_pool")
    @classmethod
    def _pool(cls, v: Path | None) -> Path | None:
        if v is None:
            return v
        try:
            parse_pool(v.read_text())
        except OSError as exc:
            raise ValueError(f"cannot read the proxy pool file {v}: {exc.strerror or exc}") from None
        except PoolFileError as exc:
            raise ValueError(f"{v}: {exc}") from None
        return v

    @field_validator("llm_mode")
    @classmethod
    def _mode(cls, v: str) -> str:
        allowed = {"auto", "json_schema", "tools", "json"}
        if v not in allowed:
            raise ValueError(f"must be one of {sorted(allowed)}")
        return v

    @field_validator("environment_rate_limit")
    @classmethod
    def _rate(cls, v: str) -> str:
        from limits import parse
        try:
            parse(v)
        except ValueError as exc:
            raise ValueError(f"must be like '100/15 minutes' ({exc})") from None
        return v

    @field_validator("step_screenshots")
    @classmethod
    def _on_off(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"on", "off"}:
            raise ValueError("must be 'on' or 'off'")
        return v

    @field_validator("llm_provider")
    @classmethod
    def _provider(cls, v: str) -> str:
        if v not in {"openai", "anthropic"}:
            raise ValueError("must be 'openai' or 'anthropic'")
        return v

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'openwebrun.db').resolve()}"
        if self.ray_address:
            missing = [name for name, ok in (("OPENWEBRUN_REDIS_URL", bool(self.redis_url)),
                                             ("OPENWEBRUN_DATABASE_URL on PostgreSQL",
                                              self.database_url.startswith("postgresql"))) if not ok]
            if missing:
                raise ValueError("cluster mode (OPENWEBRUN_RAY_ADDRESS) also needs " + " and ".join(missing))
        return self

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def allow_private_networks(self, default: bool) -> bool:
        """OPENWEBRUN_BROWSER_ALLOW_PRIVATE_NETWORKS, or `default` when it is not set."""
        value = self.browser_allow_private_networks
        return default if value is None else value

    @property
    def llm_configured(self) -> bool:
        return bool(self.model)


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SettingsError(f"config file {path} does not exist")
    text = path.read_text()
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"config file {path} is not valid: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"config file {path} must hold a mapping of settings")
    return data


def load_settings(**overrides: Any) -> Settings:
    """Build settings; every problem is reported as one SettingsError naming the variable."""
    file_values: dict[str, Any] = {}
    config_path = os.environ.get("OPENWEBRUN_CONFIG")
    if config_path:
        file_values = _read_config_file(Path(config_path))
    env_names = {k[len("OPENWEBRUN_"):].lower() for k in os.environ if k.startswith("OPENWEBRUN_")}
    merged = {k: v for k, v in file_values.items() if k not in env_names}
    merged.update(overrides)
    try:
        return Settings(**merged)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]) or "settings"
            lines.append(f"OPENWEBRUN_{name.upper()}: {err['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from exc
