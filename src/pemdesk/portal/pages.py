"""The portal's pages and JSON endpoints. Every route names its permission (``web.route``)."""

from __future__ import annotations

import gzip
import io
import json
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pemdesk import model
from pemdesk.errors import NotFound, PemdeskError
from pemdesk.gazetteer import Gazetteer
from pemdesk.labels import label
from pemdesk.portal import accounts, queries, serverinfo
from pemdesk.portal.queries import Filters
from pemdesk.portal.web import Ctx, Forbidden, Perm, Portal, ctx_of, route

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def build(portal: Portal) -> APIRouter:  # noqa: C901 - one place that lists every page
    r = APIRouter()
    rm = portal.rm
    mapcache = queries.MapCache()
    gaz = Gazetteer.load()

    names: dict[tuple[str, str], str] = {}

    def place(code: str, lang: str) -> str:
        from pemdesk.exporters.tables import place_name

        if (code, lang) not in names:
            names[(code, lang)] = place_name(gaz, code, lang) if code else ""
        return names[(code, lang)]

    def visible_sites(ctx: Ctx) -> set[str] | None:
        """None: every site; else the ids this visitor may see."""
        if ctx.user is None:
            return portal.public_sites()
        if ctx.user.role == "company":
            with rm.read() as store:
                return {row[0] for row in store.conn.execute(
                    f"SELECT id FROM site WHERE licence_no IN "
                    f"({','.join('?' for _ in ctx.user.licences) or 'NULL'})",
                    list(ctx.user.licences))}
        return None

    def check_site(ctx: Ctx, site_id: str) -> None:
        allowed = visible_sites(ctx)
        if allowed is not None and site_id not in allowed:
            raise NotFound("Олдсонгүй.", "Not found.")

    def common(ctx: Ctx) -> dict[str, Any]:
        return {"place": lambda code: place(code, ctx.lang),
                "label": lambda v: label(v, ctx.lang),
                "stages": [(s.value, label(s, ctx.lang)) for s in model.PlotStage]}

    # --- home, login, account ----------------------------------------------------------------
    @route(r, portal, "GET", "/", Perm.PUBLIC, include_in_schema=False)
    def home(request: Request) -> Response:
        ctx = ctx_of(request)
        target = "/dashboard" if ctx.user and ctx.user.is_coordinator else \
            "/map" if ctx.user else "/public"
        return portal.finish(ctx, RedirectResponse(target, status_code=303))

    @route(r, portal, "GET", "/login", Perm.PUBLIC, include_in_schema=False)
    def login_form(request: Request) -> Response:
        ctx = ctx_of(request)
        return portal.render(ctx, "login.html", error="", next=_safe_next(request.query_params.get("next")))

    @route(r, portal, "POST", "/login", Perm.PUBLIC, include_in_schema=False)
    async def login(request: Request) -> Response:
        ctx = ctx_of(request)
        form = await portal.check_csrf(ctx)
        name = form.get("name", "").strip()[:100]
        password = form.get("password", "")[:1000]
        nxt = _safe_next(form.get("next"))
        address = request.client.host if request.client else "?"
        keys = (f"user:{name.lower()}", f"addr:{address}")
        wait = portal.limiter.blocked(*keys)
        if wait:
            return portal.render(ctx, "login.html", status=429, next=nxt, error=ctx._(
                "Too many failed logins. Try again in a few minutes."))
        user = await run_in_threadpool(accounts.authenticate, portal.db, name, password)
        if user is None:
            portal.limiter.failed(*keys)
            return portal.render(ctx, "login.html", status=401, next=nxt,
                                 error=ctx._("Wrong user name or password."))
        portal.limiter.succeeded(*keys)
        portal.login(ctx, user)
        target = nxt or ("/dashboard" if user.is_coordinator else "/map")
        return portal.finish(ctx, RedirectResponse(target, status_code=303))

    @route(r, portal, "POST", "/logout", Perm.PUBLIC, include_in_schema=False)
    async def logout(request: Request) -> Response:
        ctx = ctx_of(request)
        await portal.check_csrf(ctx)
        portal.logout(ctx)
        return portal.finish(ctx, RedirectResponse("/public", status_code=303))

    @route(r, portal, "GET", "/account", Perm.USER, include_in_schema=False)
    def account(request: Request) -> Response:
        return portal.render(ctx_of(request), "account.html", error="", done=False)

    @route(r, portal, "POST", "/account", Perm.USER, include_in_schema=False)
    async def account_post(request: Request) -> Response:
        ctx = ctx_of(request)
        form = await portal.check_csrf(ctx)
        assert ctx.user is not None
        if accounts.authenticate(portal.db, ctx.user.name, form.get("current", "")) is None:
            return portal.render(ctx, "account.html", status=400, done=False,
                                 error=ctx._("The current password is wrong."))
        if form.get("new", "") != form.get("again", ""):
            return portal.render(ctx, "account.html", status=400, done=False,
                                 error=ctx._("The two new passwords differ."))
        try:
            accounts.set_password(portal.db, ctx.user.name, form.get("new", ""))
        except PemdeskError as exc:
            return portal.render(ctx, "account.html", status=400, done=False,
                                 error=exc.mn if ctx.lang == "mn" else exc.en)
        user = accounts.get_user(portal.db, ctx.user.name)
        assert user is not None
        portal.login(ctx, user)
        ctx.user = user
        return portal.render(ctx, "account.html", error="", done=True)

    # --- dashboard -----------------------------------------------------------------------------
    def dashboard_data(ctx: Ctx, f: Filters) -> dict[str, Any]:
        from pemdesk.storage import rehab

        d, progress = rm.memo(("dashboard", f), lambda store: (
            queries.dashboard(store, f),
            rehab.target_progress(store, f.year, f.aimag or None, f.soum or None)))
        return {"d": d, "progress": progress, "devices": serverinfo.devices(portal.server),
                "conflicts": portal.server.conflicts(),
                "rejected": serverinfo.rejected_ops(portal.server, 20)}

    @route(r, portal, "GET", "/dashboard", Perm.COORDINATOR, include_in_schema=False)
    def dashboard(request: Request) -> Response:
        ctx = ctx_of(request)
        f = queries.parse_filters(request.query_params)
        return portal.render(ctx, "dashboard.html", f=f, **dashboard_data(ctx, f), **common(ctx),
                             aimags=gaz.aimags())

    @route(r, portal, "GET", "/api/dashboard", Perm.COORDINATOR, tags=["portal"])
    def dashboard_api(request: Request, aimag: str = "", soum: str = "", year: str = "",
                      site: str = "") -> dict[str, Any]:
        """The dashboard's figures as JSON (the same filters as the page)."""
        f = queries.parse_filters(request.query_params)
        data = dashboard_data(ctx_of(request), f)
        d = data["d"]
        return {"visits": d.visits_total, "finished": d.finished_total, "by_month": d.by_month,
                "by_soum_month": d.by_soum_month, "open_findings": d.findings_open,
                "findings_by_age": d.findings, "hectares": d.hectares,
                "hectares_by_stage": d.hectares_by_stage,
                "over_limits": [{"indicator": o["indicator"].code, "measured": o["measured"],
                                 "over": o["over"]} for o in d.over_limits],
                "targets": [{"name": p.target.name, "year": p.target.year,
                             "level": str(p.target.level), "stage": str(p.target.stage),
                             "target_ha": p.target.area_ha, "actual_ha": p.actual_ha,
                             "plots": p.plots} for p in data["progress"]],
                "devices": len(data["devices"]), "conflicts": len(data["conflicts"])}

    # --- map -------------------------------------------------------------------------------------
    @route(r, portal, "GET", "/map", Perm.PUBLIC, include_in_schema=False)
    def map_page(request: Request) -> Response:
        ctx = ctx_of(request)
        f = queries.parse_filters(request.query_params)
        return portal.render(ctx, "map.html", f=f, aimags=gaz.aimags(), **common(ctx),
                             colours=_stage_colours(ctx.lang))

    @route(r, portal, "GET", "/api/map", Perm.PUBLIC, tags=["portal"])
    def map_api(request: Request, bbox: str = "87,41,120,52.5", zoom: int = 5,
                layers: str = "sites,plots,visits,photo_points", aimag: str = "", soum: str = "",
                year: str = "", stage: str = "") -> Response:
        """GeoJSON of sites, plots (in the stage colours), visits and photo points in a bounding
        box (``west,south,east,north``) at a zoom level, simplified to half a pixel."""
        ctx = ctx_of(request)
        try:
            box = tuple(float(x) for x in bbox.split(","))
            if len(box) != 4 or not all(abs(v) <= 360 for v in box):
                raise ValueError(bbox)
        except ValueError:
            return JSONResponse({"error": "bbox: west,south,east,north"}, status_code=400)
        zoom = max(0, min(int(zoom), 22))
        f = queries.parse_filters(request.query_params)
        visible = visible_sites(ctx)
        key = ("map", f, tuple(round(v, 3) for v in box), zoom, layers, ctx.lang,
               frozenset(visible) if visible is not None else None)
        def build(store: Any) -> tuple[bytes, bytes]:
            raw = json.dumps(queries.map_features(
                store, mapcache, f, box, zoom, set(layers.split(",")), visible, ctx.lang,  # type: ignore[arg-type]
                rm.seq),
                ensure_ascii=False, separators=(",", ":")).encode()
            return raw, gzip.compress(raw, 5)

        raw, packed = rm.memo(key, build)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return portal.finish(ctx, Response(packed, media_type="application/geo+json", headers={
                "content-encoding": "gzip", "vary": "Accept-Encoding"}))
        return portal.finish(ctx, Response(raw, media_type="application/geo+json",
                                           headers={"vary": "Accept-Encoding"}))

    @route(r, portal, "GET", "/api/boundaries/{level}", Perm.PUBLIC, tags=["portal"])
    def boundaries(request: Request, level: str) -> Response:
        """The aimag and soum boundaries the desktop ships (GeoJSON)."""
        from fastapi.responses import FileResponse

        from pemdesk.resources import resource_path

        names = {"aimags": "aimags.geojson", "soums": "soums.geojson", "country": "country.geojson"}
        if level not in names:
            return JSONResponse({"error": "aimags, soums or country"}, status_code=404)
        return FileResponse(resource_path("boundaries", names[level]),
                            media_type="application/geo+json",
                            headers={"cache-control": "public, max-age=86400"})

    @route(r, portal, "GET", "/api/status", Perm.PUBLIC, tags=["portal"])
    def status(request: Request) -> dict[str, Any]:
        """How far the portal's copy of the data is: the server's latest change, the read
        model's, and whether they are the same (false while it catches up after a start)."""
        rm.refresh()
        latest = portal.server.latest_seq()
        return {"server_seq": latest, "read_model_seq": rm.seq, "ready": rm.seq >= latest}

    # --- sites and visits --------------------------------------------------------------------
    @route(r, portal, "GET", "/sites", Perm.PUBLIC, include_in_schema=False)
    def sites(request: Request) -> Response:
        ctx = ctx_of(request)
        f = queries.parse_filters(request.query_params)
        allowed = visible_sites(ctx)
        with rm.read() as store:
            items = queries.site_list(store, f, allowed)
        return portal.render(ctx, "sites.html", f=f, sites=items, aimags=gaz.aimags(), **common(ctx))

    @route(r, portal, "GET", "/sites/{site_id}", Perm.PUBLIC, include_in_schema=False)
    def site(request: Request, site_id: str) -> Response:
        from pemdesk.storage import rehab

        ctx = ctx_of(request)
        check_site(ctx, site_id)
        def collect(store: Any) -> dict[str, Any]:
            return {"s": store.get(model.Site, site_id),
                    "plots": rehab.plot_rows(store, site_id=site_id),
                    "visits": queries.visit_rows(store, Filters(), site_id=site_id,
                                                 finished_only=ctx.public_view),
                    "findings": queries.open_findings(store, site_id),
                    "pairs": queries.photo_pairs(store, site_id)}

        data = rm.memo(("site", site_id, ctx.public_view), collect)
        return portal.render(ctx, "site.html", **data, is_public=site_id in portal.public_sites(),
                             **common(ctx))

    def load_visit(ctx: Ctx, visit_id: str) -> Any:
        with rm.read() as store:
            detail = store.visit_detail(visit_id)
        if detail.visit.deleted if hasattr(detail.visit, "deleted") else False:
            raise NotFound("Олдсонгүй.", "Not found.")
        check_site(ctx, detail.site.id)
        if ctx.public_view and detail.visit.status != model.VisitStatus.FINISHED:
            raise NotFound("Олдсонгүй.", "Not found.")
        return detail

    @route(r, portal, "GET", "/visits/{visit_id}", Perm.PUBLIC, include_in_schema=False)
    def visit(request: Request, visit_id: str) -> Response:
        from pemdesk.catalogue import Catalogue

        ctx = ctx_of(request)
        detail = load_visit(ctx, visit_id)
        rm.link_visit_photos(visit_id)
        v = detail.visit
        check = None
        if v.seal_digest:
            check = _seal_status(rm, v.seal_digest)
        arrived = serverinfo.arrival(portal.server, "visit", v.id)
        rec = serverinfo.receipt(portal.server, v.id, v.seal_digest) if v.seal_digest else None
        return portal.render(ctx, "visit.html", d=detail, v=v, check=check, arrived=arrived,
                             receipt=rec, catalogue=Catalogue.load(), **common(ctx))

    @route(r, portal, "GET", "/visits/{visit_id}/report.pdf", Perm.PUBLIC, include_in_schema=False)
    def visit_pdf(request: Request, visit_id: str) -> Response:
        from pemdesk.reports.verification import visit_verification
        from pemdesk.reports.visit import collect_visit, render_visit

        ctx = ctx_of(request)
        load_visit(ctx, visit_id)
        rm.link_visit_photos(visit_id)
        buf = io.BytesIO()
        with rm.read() as store:
            data = collect_visit(store, visit_id)
        if data.verification.digest:  # the QR opens this server's verify page
            data.verification = visit_verification(data.detail.visit, str(request.base_url))
        render_visit(data, buf, lang=ctx.lang, public=ctx.public_view)
        name = f"visit-{visit_id}{'-public' if ctx.public_view else ''}-{ctx.lang}.pdf"
        return portal.finish(ctx, Response(buf.getvalue(), media_type="application/pdf", headers={
            "content-disposition": f"inline; filename=\"{quote(name)}\""}))

    @route(r, portal, "GET", "/photos/{photo_id}", Perm.PUBLIC, include_in_schema=False)
    def photo(request: Request, photo_id: str, variant: str = "thumb") -> Response:
        from fastapi.responses import FileResponse

        ctx = ctx_of(request)
        if variant not in ("thumb", "preview", "original"):
            variant = "thumb"
        if variant == "original" and (ctx.user is None or ctx.user.role == "company"):
            raise Forbidden("original")
        with rm.read() as store:
            ph = store.get(model.Photo, photo_id)
            site_id = None
            if ph.visit_id:
                site_id = store.get(model.Visit, ph.visit_id).site_id
            elif ph.photo_point_id:
                site_id = store.get(model.PhotoPoint, ph.photo_point_id).site_id
        if site_id is None:
            raise NotFound("Олдсонгүй.", "Not found.")
        check_site(ctx, site_id)
        info = portal.server.blob_info(ph.sha256, variant)
        if info is None and variant == "thumb":
            info = portal.server.blob_info(ph.sha256, "preview")
        if info is None:
            return portal.finish(ctx, Response(status_code=404))
        return FileResponse(portal.server.blob_path(info["sha256"]),
                            media_type=info["mime"] or "image/jpeg",
                            headers={"cache-control": "private, max-age=3600"})

    # --- verification --------------------------------------------------------------------------
    def verify_result(digest: str) -> dict[str, Any]:
        digest = digest.strip().lower()
        if not HEX64.match(digest):
            return {"status": "unknown", "digest": digest[:64]}
        out = _seal_status(rm, digest)
        if out["status"] == "unknown":
            return out
        vid = out["visit_id"]
        out["arrival"] = serverinfo.arrival(portal.server, "visit_seal", vid) or \
            serverinfo.arrival(portal.server, "visit", vid)
        rec = serverinfo.receipt(portal.server, vid, digest)
        out["receipt"] = {"status": rec.get("status"), "checked_at": rec.get("checked_at")} \
            if rec else None
        out["public_report"] = f"/visits/{vid}/report.pdf" \
            if out["site_id"] in portal.public_sites() else None
        return out

    @route(r, portal, "GET", "/v/{digest}", Perm.PUBLIC, include_in_schema=False)
    def verify_page(request: Request, digest: str) -> Response:
        ctx = ctx_of(request)
        return portal.render(ctx, "verify.html", res=verify_result(digest))

    @route(r, portal, "GET", "/api/verify/{digest}", Perm.PUBLIC, tags=["portal"])
    def verify_api(request: Request, digest: str) -> dict[str, Any]:
        """Is this seal digest genuine (received and unchanged), changed, or unknown here?"""
        res = verify_result(digest)
        return {k: v for k, v in res.items() if k in (
            "status", "digest", "visit_id", "revision", "sealed_at", "arrival", "receipt",
            "public_report", "problems", "superseded_by")}

    # --- public transparency -------------------------------------------------------------------
    @route(r, portal, "GET", "/public", Perm.PUBLIC, include_in_schema=False)
    def public(request: Request) -> Response:
        from pemdesk.storage import rehab

        ctx = ctx_of(request)
        only = frozenset(portal.public_sites())

        def collect(store: Any) -> dict[str, Any]:
            shown = Filters(sites=only, finished_only=True)
            return {"sites": queries.site_list(store, Filters(), set(only)),
                    "visits": queries.visit_rows(store, shown, limit=100),
                    "progress": rehab.target_progress(store)}

        return portal.render(ctx, "public.html", **rm.memo(("public", only), collect), **common(ctx))

    # --- administration ------------------------------------------------------------------------
    @route(r, portal, "GET", "/admin", Perm.COORDINATOR, include_in_schema=False)
    def admin(request: Request) -> Response:
        ctx = ctx_of(request)
        with rm.read() as store:
            items = queries.site_list(store, Filters())
        return portal.render(ctx, "admin.html", sites=items, public=portal.public_sites(),
                             users=accounts.list_users(portal.db), **common(ctx))

    @route(r, portal, "POST", "/admin/sites/{site_id}/public", Perm.COORDINATOR,
           include_in_schema=False)
    async def admin_public(request: Request, site_id: str) -> Response:
        ctx = ctx_of(request)
        form = await portal.check_csrf(ctx)
        assert ctx.user is not None
        accounts.set_public(portal.db, site_id, form.get("public") == "1", ctx.user.name)
        portal.forget_public_cache()
        return portal.finish(ctx, RedirectResponse("/admin", status_code=303))

    @route(r, portal, "POST", "/admin/conflicts/{conflict_id}/resolve", Perm.COORDINATOR,
           include_in_schema=False)
    async def resolve(request: Request, conflict_id: str) -> Response:
        """Keep the server's or the incoming value: a new version every laptop pulls."""
        from pemdesk.sync.protocol import ProtocolError
        from pemdesk.sync.server.admin_ops import resolve_conflict

        ctx = ctx_of(request)
        form = await portal.check_csrf(ctx)
        keep = form.get("keep", "")
        try:
            await run_in_threadpool(resolve_conflict, portal.server, conflict_id, keep)
        except ProtocolError:
            raise NotFound("Шийдээгүй ийм зөрчилдөөн алга.", "No open conflict with that id.") from None
        rm.refresh(force=True)
        return portal.finish(ctx, RedirectResponse("/dashboard#conflicts", status_code=303))

    return r


def _seal_status(rm: Any, digest: str) -> dict[str, Any]:
    """genuine / changed / unknown for a seal digest, by the desktop's own seal check."""
    from pemdesk import verify

    with rm.read() as store:
        hit = queries.seal_of_digest(store, digest)
        if hit is None:
            return {"status": "unknown", "digest": digest}
        vid = hit["visit_id"]
        row = store.conn.execute("SELECT site_id, revision, seal_digest, _deleted FROM visit "
                                 "WHERE id = ?", [vid]).fetchone()
        if row is None:
            return {"status": "unknown", "digest": digest}
        check = verify.verify(store, vid, check_files=False).visits[0]
    genuine = check.ok and row[2] == digest and not row[3]
    return {"status": "genuine" if genuine else "changed", "digest": digest, "visit_id": vid,
            "site_id": row[0], "revision": row[1], "sealed_at": hit["sealed_at"],
            "superseded_by": check.superseded_by,
            "problems": [{"code": p.code, "mn": p.mn, "en": p.en} for p in check.problems][:20]}


def _stage_colours(lang: str) -> list[tuple[str, str, str]]:
    from pemdesk.geo.symbology import plot_stage_legend

    return [(str(s), lab, colour) for lab, colour, s in plot_stage_legend(lang)]


def _safe_next(value: Any) -> str:
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else ""
