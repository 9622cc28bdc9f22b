"""The API reference at /docs (Swagger UI), from assets shipped with the server.

FastAPI's own page loads Swagger UI from a CDN; this one serves the copy bundled in the
`fastapi-offline` package instead, so the reference works with no access beyond this server.
(ReDoc is not served: its page fetches a logo from its CDN.)
"""
from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
ASSETS_DIR = str(files("fastapi_offline") / "static")
# No call to Swagger's online validator; the reference stays readable without a key.
SWAGGER_PARAMETERS = {"validatorUrl": None, "docExpansion": "list", "defaultModelsExpandDepth": 0}


def install_reference(app: FastAPI) -> None:
    """Serve /docs; the app must be made with docs_url=None and redoc_url=None."""
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} API reference",
                                   swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
                                   swagger_ui_parameters=SWAGGER_PARAMETERS)
