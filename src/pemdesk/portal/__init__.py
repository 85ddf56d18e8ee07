"""The aimag centre's web portal, served by ``pemdesk-server`` next to the sync protocol.

FastAPI with Jinja2 pages (autoescaped), a little vendored JavaScript (Leaflet, uPlot; no CDN),
on the desktop's own code through a read model (``readmodel``). ``mount(app, server)`` adds it
to the sync server's app; ``server_app(server)`` makes both (tests, benchmarks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def mount(app: Any, server: Any, *, warm: bool = False) -> Any:
    """Add the portal's routes, static files and error pages to the sync server's app.

    ``warm``: bring the read model up to date in a background thread now (the server's start),
    so no visitor waits for it; pages show what it holds so far meanwhile.
    """
    from fastapi import Request
    from fastapi.responses import JSONResponse, RedirectResponse, Response
    from fastapi.staticfiles import StaticFiles

    from pemdesk.errors import NotFound, PemdeskError
    from pemdesk.portal import exports, pages
    from pemdesk.portal.readmodel import ReadModel
    from pemdesk.portal.web import Forbidden, LoginRequired, Portal

    portal = Portal(server, ReadModel(server))
    app.state.portal = portal
    if warm:
        portal.rm.start()
    app.include_router(pages.build(portal))
    app.include_router(exports.build(portal))
    static = StaticFiles(directory=str(HERE / "static"))
    app.mount("/static", static, name="static")

    def ctx_for(request: Request) -> Any:
        return getattr(request.state, "ctx", None) or portal.context(request)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "login_required"}, status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        ctx = ctx_for(request)
        text = ctx._("This form has expired or did not come from this site: reload the page "
                     "and try again.") if str(exc) == "csrf" else \
            ctx._("You have no permission to see this page.")
        return portal.render(ctx, "error.html", status=403, message=text)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if request.url.path.startswith("/v1/"):
            raise exc
        ctx = ctx_for(request)
        return portal.render(ctx, "error.html", status=404, message=ctx._("Not found."))

    @app.exception_handler(PemdeskError)
    async def _error(request: Request, exc: PemdeskError) -> Response:
        ctx = ctx_for(request)
        return portal.render(ctx, "error.html", status=400,
                             message=exc.mn if ctx.lang == "mn" else exc.en)

    return portal


def server_app(server: Any, *, warm: bool = False) -> Any:
    """The sync server's app with the portal mounted (as ``pemdesk-server`` serves it)."""
    from pemdesk.sync.server.app import create_app

    app = create_app(server)
    mount(app, server, warm=warm)
    return app
