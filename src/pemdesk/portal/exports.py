"""Exports for coordinators: CSV, XLSX and GeoPackage with the same filters as the pages."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from pemdesk.gazetteer import Gazetteer
from pemdesk.portal import queries
from pemdesk.portal.web import Perm, Portal, ctx_of, route


def build(portal: Portal) -> APIRouter:
    from pemdesk.exporters import gpkg, tables

    r = APIRouter()
    gaz = Gazetteer.load()

    @route(r, portal, "GET", "/exports", Perm.COORDINATOR, include_in_schema=False)
    def exports_page(request: Request) -> Response:
        ctx = ctx_of(request)
        f = queries.parse_filters(request.query_params)
        return portal.render(ctx, "exports.html", f=f, qs=queries.query_string(f),
                             aimags=gaz.aimags())

    @route(r, portal, "GET", "/exports/{name}.{fmt}", Perm.COORDINATOR, include_in_schema=False)
    def export_file(request: Request, name: str, fmt: str) -> Response:
        ctx = ctx_of(request)
        f = queries.parse_filters(request.query_params)
        stamp = f"{f.date_from or 'all'}_{f.date_to or 'now'}"
        if fmt == "csv" and name in tables.TABLES:
            with portal.rm.read() as store:
                t = tables.tables(store, f, ctx.lang, (name,))[0]
            return _download(tables.csv_bytes(t), f"pemdesk-{name}-{stamp}.csv",
                             "text/csv; charset=utf-8")
        if fmt == "xlsx" and name == "tables":
            with portal.rm.read() as store:
                data = tables.xlsx_bytes(tables.tables(store, f, ctx.lang))
            return _download(data, f"pemdesk-{stamp}.xlsx", "application/vnd.openxmlformats-"
                             "officedocument.spreadsheetml.sheet")
        if fmt == "gpkg" and name == "map":
            folder = Path(tempfile.mkdtemp(prefix="pemdesk-gpkg-"))
            target = folder / "export.gpkg"
            with portal.rm.read() as store:
                gpkg.write_gpkg(store, target, f)
            data = target.read_bytes()
            return _download(data, f"pemdesk-{stamp}.gpkg", "application/geopackage+sqlite3",
                             BackgroundTask(_rmtree, folder))
        return Response(status_code=404)

    return r


def _download(data: bytes, filename: str, media: str, task: BackgroundTask | None = None) -> Response:
    return Response(data, media_type=media, background=task, headers={
        "content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"})


def _rmtree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
