"""The application factory: builds the object graph once and hands it down."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from openwebrun import __version__
from openwebrun.agent.llm.factory import build_llm
from openwebrun.agent.loop import Agent
from openwebrun.api.deps import Services
from openwebrun.api.errors import install_error_handlers
from openwebrun.api.guard import RequestGuard
from openwebrun.api.mcp_server import McpGateway, build_mcp
from openwebrun.api.mcp_tools import McpTools
from openwebrun.api.openai.chat import create_openai_app
from openwebrun.api.openapi import install_openapi
from openwebrun.api.presenters import task_body
from openwebrun.api.rate_limits import RateLimiter, RateLimitHeaders, storage_for
from openwebrun.api.reference import install_reference
from openwebrun.api.routes import admin, live_view, overview, start, task, ui
from openwebrun.api.routes import environments as environment_routes
from openwebrun.api.routes import files as files_routes
from openwebrun.api.routes import policies as policy_routes
from openwebrun.api.socket import SocketBridge
from openwebrun.api.view_socket import router as view_socket_router
from openwebrun.browser.launch import find_chromium
from openwebrun.browser.pool import BrowserPool
from openwebrun.browser.reach import Reach
from openwebrun.domain.errors import ErrorCode
from openwebrun.domain.models import Task
from openwebrun.domain.pricing import Rates
from openwebrun.runtime.events import EventHub
from openwebrun.runtime.sessions import SessionRuntime, ViewOptions
from openwebrun.runtime.webrtc import WhepPeers, ice_servers, restrict_host_addresses
from openwebrun.services.auth import AuthService
from openwebrun.services.billing import BillingService
from openwebrun.services.environments import EnvironmentService
from openwebrun.services.files import FileService
from openwebrun.services.links import Links, load_key
from openwebrun.services.policies import PolicyService
from openwebrun.services.proxies import ProxyService
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.sessions import SessionService
from openwebrun.services.tasks import TaskService
from openwebrun.services.webhooks import WebhookPolicy, WebhookService
from openwebrun.settings import Settings
from openwebrun.store.blobs import BlobStore
from openwebrun.store.db import Database
from openwebrun.store.migrate import upgrade
from openwebrun.store.repositories import Store

log = logging.getLogger("openwebrun")
ARCHIVE_LINK_TTL_S = 3600  # a profile's signed download link works one hour, as WebRun's


def announce_key(key: str) -> None:
    print(f"\n  openwebrun: created the admin API key (shown once, store it now):\n\n    {key}\n", flush=True)


def create_app(settings: Settings, *, on_new_key: Callable[[str], None] = announce_key) -> FastAPI:
    bridge = SocketBridge(queue_size=settings.socket_queue)
    openai_app = create_openai_app()
    mcp = build_mcp(McpTools(lambda: app.state.services))
    if settings.webrtc_host_address_list:
        restrict_host_addresses(settings.webrtc_host_address_list)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        proxies = ProxyService.from_file(settings.proxy_pool)  # a bad pool file stops the start, naming the line
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        store = Store(db)
        await _recover(store)
        files = FileService(store, BlobStore(settings.data_dir / "files"),
                            attachments_root=settings.data_dir / "attachments",
                            max_upload_bytes=settings.max_upload_bytes)
        files.prepare()
        signing_key = load_key(settings.signing_key, settings.data_dir)
        links = Links(settings.base_url, signing_key, settings.download_link_ttl_s)
        environments = EnvironmentService(store, files.blobs, max_archive_bytes=settings.max_profile_bytes)
        await environments.recover()
        auth = AuthService(store)
        new_key = await auth.bootstrap(settings.api_key)
        if new_key:
            on_new_key(new_key)
        llm = build_llm(settings)
        if llm is None:
            log.warning("no LLM configured: tasks will fail with LLM_NOT_CONFIGURED (set OPENWEBRUN_MODEL)")
        pool = BrowserPool(find_chromium(settings.chromium_path), headless=settings.headless,
                           contexts_per_browser=settings.sessions_per_browser,
                           reach=Reach(allow_private=settings.allow_private_networks(default=False)))
        hub = EventHub()

        def agent_for(t: Task) -> Agent:
            return Agent(llm, prices=settings.prices, max_steps=settings.max_steps, vision=settings.vision,
                         task_id=t.id, step_screenshots=settings.step_screenshots == "on")

        runtime = SessionRuntime(pool, hub=hub, max_sessions=settings.max_sessions, agent_factory=agent_for,
                                 downloads_root=settings.data_dir / "downloads",
                                 navigation_timeout_ms=settings.navigation_timeout_ms,
                                 human_timeout_s=settings.guardrail_timeout_s,
                                 view=ViewOptions(settings.live_view_max_fps, settings.live_view_quality,
                                                  WhepPeers(ice_servers(settings.webrtc_ice_servers))),
                                 rates=Rates(settings.compute_price_per_minute, settings.proxy_price_per_gb))
        recorder = StoreRecorder(store, files, hub)
        recorder.start()
        billing = BillingService(store, runtime, hub)
        billing.start()
        webhooks = WebhookService(
            store, hub, runtime, recorder, Reach(allow_private=settings.webhook_allow_private),
            full_body=lambda t: task_body(t, links, start_call=False),
            policy=WebhookPolicy(attempts=settings.webhook_attempts, retry_base_s=settings.webhook_retry_base_s,
                                 timeout_s=settings.webhook_timeout_s))
        tasks = TaskService(store, runtime, files, recorder, webhooks)
        sessions = SessionService(store, runtime, tasks, recorder, environments,
                                  default_expires_ms=settings.session_expires_ms)
        app.state.services = Services(settings=settings, auth=auth, sessions=sessions, tasks=tasks, runtime=runtime,
                                      files=files, hub=hub, links=links, webhooks=webhooks, environments=environments,
                                      environment_links=Links(settings.base_url, signing_key, ARCHIVE_LINK_TTL_S),
                                      limiter=RateLimiter(storage_for(settings.redis_url, settings.redis_timeout_s)),
                                      proxies=proxies,
                                      policies=PolicyService(store))
        bridge.attach(app.state.services)
        openai_app.state.services = app.state.services
        try:
            await pool.start()
        except Exception as exc:  # the API still answers; sessions get 503 until Chromium works
            log.error("Chromium could not be started: %s (run `openwebrun doctor`)", exc)
        await runtime.start()
        await webhooks.start()
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            await runtime.close()
            await bridge.close()
            await recorder.close()
            await billing.close()
            await webhooks.close()
            await pool.close()
            await db.close()

    app = FastAPI(title="openwebrun", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    install_openapi(app)
    install_reference(app)  # /docs from bundled assets
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes,
                       unread_paths=[files_routes.UPLOAD_PATH, environment_routes.UPLOAD_PATHS])
    app.include_router(start.router)
    app.include_router(task.router)
    app.include_router(files_routes.router)
    app.include_router(environment_routes.environments)
    app.include_router(environment_routes.profiles)
    app.include_router(policy_routes.router)
    app.include_router(live_view.router)
    app.include_router(overview.router)
    app.include_router(admin.router)
    app.include_router(ui.router)
    app.mount("/ui/static", ui.assets())  # the dashboard's scripts and styles (docs/dashboard.md)
    app.include_router(view_socket_router)
    app.mount("/mcp", McpGateway(mcp, lambda: app.state.services))  # MCP (docs/mcp.md)
    app.mount("/v1", openai_app)  # the OpenAI-compatible API (docs/openai.md)
    app.mount("/socket.io", bridge.asgi_app())  # socketURL: Socket.IO at the default path
    return app


async def _recover(store: Store) -> None:
    """Sessions and tasks of an earlier run cannot go on: mark them ended."""
    for session in await store.sessions.list_active():
        await store.sessions.end(session.id, "server_restart")
    count = await store.tasks.fail_unfinished(ErrorCode.SESSION_TERMINATED.value,
                                              "The server restarted while the task was running.")
    if count:
        log.info("marked %d unfinished tasks failed after restart", count)
