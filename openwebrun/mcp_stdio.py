"""`openwebrun mcp`: the MCP tools over stdio for desktop clients, with the server running in-process.

stdout carries the protocol, so everything else (logs, a new admin key) goes to stderr. The
tools run as the admin account (or as the account of OPENWEBRUN_API_KEY when it is set).
"""
from __future__ import annotations

import logging
import sys

from openwebrun.settings import Settings


def _tell(key: str) -> None:
    print(f"openwebrun: created the admin API key (shown once): {key}", file=sys.stderr, flush=True)


async def serve_stdio(settings: Settings) -> None:
    from openwebrun.api.app import create_app
    from openwebrun.api.mcp_server import build_mcp
    from openwebrun.api.mcp_tools import Caller, McpTools

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    app = create_app(settings, on_new_key=_tell)
    async with app.router.lifespan_context(app):
        services = app.state.services
        if settings.api_key:
            account = await services.auth.authenticate(f"Bearer {settings.api_key}")
        else:
            account = await services.auth.admin_account()
        mcp = build_mcp(McpTools(lambda: services), stdio_caller=lambda: Caller(account))
        await mcp.run_stdio_async()
