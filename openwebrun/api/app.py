"""The application factory: builds the object graph once and hands it down."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from openwebrun import __version__
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
from openwebrun.api.socket import SocketBridge, socket_manager
from openwebrun.api.view_socket import router as view_socket_router
from openwebrun.assembly import build_followers, build_pool, build_runtime
from openwebrun.browser.reach import Reach
from openwebrun.domain.errors import ErrorCode
from openwebrun.runtime.door import Runtime
from openwebrun.runtime.events import EventHub
from openwebrun.services.auth import AuthService
from openwebrun.services.environments import EnvironmentService
from openwebrun.services.files import FileService
from openwebrun.services.links import Links, load_key
from openwebrun.services.policies import PolicyService
from openwebrun.services.proxies import ProxyService
from openwebrun.services.recorder import StoreRecorder
from openwebrun.services.sessions import SessionService
from openwebrun.services.tasks import TaskService
from openwebrun.services.webhooks import WebhookService
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
    bridge = SocketBridge(queue_size=settings.socket_queue, client_manager=socket_manager(settings))
    openai_app = create_openai_app()
    mcp = build_mcp(McpTools(lambda: app.state.services))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        proxies = ProxyService.from_file(settings.proxy_pool)  # a bad pool file stops the start, naming the line
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        store = Store(db)
        if not settings.cluster_mode:  # in a cluster, sessions outlive an API process's restart
            await _recover(store)
        files = FileService(store, BlobStore(settings.data_dir / "files"),
                            attachments_root=settings.data_dir / "attachments",
                            max_upload_bytes=settings.max_upload_bytes)
        files.prepare()
        signing_key = load_key(settings.signing_key, settings.data_dir)
        links = Links(settings.base_url, signing_key, settings.download_link_ttl_s)
        environments = EnvironmentService(store, files.blobs, max_archive_bytes=settings.max_profile_bytes)
        if not settings.cluster_mode:
            await environments.recover()
        auth = AuthService(store)
        new_key = await auth.bootstrap(settings.api_key)
        if new_key:
            on_new_key(new_key)
        hub = EventHub()
        runtime: Runtime
        pool = None
        followers = None
        feed = None
        if settings.cluster_mode:  # sessions live on the workers, which record and bill them
            from openwebrun.cluster.api_side import cluster_runtime

            runtime, feed = await cluster_runtime(settings, store, hub)
            recorder = StoreRecorder(store, files, EventHub())  # records nothing here: hosts answer after theirs
            webhooks = WebhookService(store, EventHub(), runtime, recorder,
                                      Reach(allow_private=settings.webhook_allow_private),
                                      full_body=lambda t: task_body(t, links, start_call=False))
        else:
            pool = build_pool(settings, settings.max_sessions)
            runtime = build_runtime(settings, pool, hub, settings.max_sessions)
            followers = build_followers(settings, store, files, runtime, hub, links)
            recorder, webhooks = followers.recorder, followers.webhooks
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
        if pool is not None:
            try:
                await pool.start()
            except Exception as exc:  # the API still answers; sessions get 503 until Chromium works
                log.error("Chromium could not be started: %s (run `openwebrun doctor`)", exc)
        if followers is not None:
            await followers.start()
        await runtime.start()
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            await runtime.close()
            await bridge.close()
            if feed is not None:
                await feed.close()
            if followers is not None:
                await followers.close()
            if pool is not None:
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
