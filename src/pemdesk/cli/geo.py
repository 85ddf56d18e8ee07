"""Geo files in and out: ``pemdesk import geo FILE...`` and ``pemdesk export geojson|kml|gpx``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk.cli.common import CommandContext, print_json
from pemdesk.errors import PemdeskError
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    p = groups["import"].add_parser(
        "geo", help=_("import GPX, KML/KMZ, GeoJSON, Shapefile (.shp/.zip) or CSV files")
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--as",
        dest="as_",
        choices=["plots", "sites", "tracks", "points", "waypoints"],
        help=_(
            "what the features become (default: polygons plots, lines tracks, points "
            "waypoints; without --site polygons become sites)"
        ),
    )
    p.add_argument("--site", help=_("the site the plots, tracks or photo points belong to"))
    p.add_argument(
        "--crs",
        metavar="EPSG:XXXX",
        help=_("coordinate system of a shapefile that has no .prj file"),
    )
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_import_geo)
    for fmt, help_text in (
        ("geojson", _("export sites, plots, visits, photo points and tracks as GeoJSON")),
        ("kml", _("export sites, plots, visits, photo points and tracks as KML (Google Earth)")),
        ("gpx", _("export tracks, photo points and waypoints as GPX")),
    ):
        e = groups["export"].add_parser(fmt, help=help_text)
        e.add_argument("-o", "--output", required=True, metavar="FILE")
        e.add_argument("--site", help=_("only this site's records"))
        e.set_defaults(handler=cmd_export_geo, format=fmt)


def cmd_import_geo(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.importers.geofile import read_geo
    from pemdesk.storage.geo import import_geofile

    results: list[dict[str, Any]] = []
    imported = 0
    for name in args.files:
        path = Path(name)
        entry: dict[str, Any] = {"path": str(path), "status": "error", "message": "", "features": 0}
        try:
            geofile = read_geo(path, crs=args.crs)
            result = import_geofile(ctx.store, geofile, args.as_, args.site)
            entry["status"] = result.status
            entry["features"] = result.features
            if result.status == "duplicate":
                entry["message"] = _("{name}: already imported").format(name=path.name)
            else:
                imported += 1
                entry["message"] = _("{name}: {n} features imported").format(
                    name=path.name, n=result.features
                )
                if result.ignored:
                    entry["message"] += " " + _("({n} of another geometry ignored)").format(
                        n=result.ignored
                    )
            entry["created"] = {k: len(v) for k, v in result.created.items()}
            entry["skipped"] = result.skipped
            if result.skipped and not args.json:
                from pemdesk.storage.geo import skip_reason_text

                entry["message"] += "; " + _("skipped: {what}").format(
                    what=", ".join(
                        f"{skip_reason_text(reason, ctx.lang)} ×{n}"
                        for reason, n in result.skipped.items()
                    )
                )
        except PemdeskError as exc:
            entry["message"] = exc.message(ctx.lang)
            if exc.detail:
                entry["detail"] = exc.detail
        results.append(entry)
        if not args.json:
            print(entry["message"])
    if args.json:
        print_json({"files": results})
    duplicates = sum(1 for r in results if r["status"] == "duplicate")
    return 0 if imported or duplicates == len(results) and duplicates else 1


def cmd_export_geo(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.exporters import geo

    path = Path(args.output)
    if args.format == "geojson":
        n = geo.export_geojson(ctx.store, path, args.site, ctx.lang)
    elif args.format == "kml":
        n = geo.export_kml(ctx.store, path, args.site, ctx.lang)
    else:
        n = geo.export_gpx(ctx.store, path, args.site)
    print(_("{n} features written to {path}").format(n=n, path=path))
    return 0
