"""``pemdesk export gpkg|csv|xlsx -o FILE [--site ID] [--from DATE] [--to DATE]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk.cli.common import CommandContext, print_json
from pemdesk.errors import InvalidInput
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    for fmt, help_text in (
        ("gpkg", _("export sites, plots, visits and photo points as a GeoPackage (QGIS)")),
        ("csv", _("export visits, observations and findings as CSV (a .zip or a folder for all)")),
        ("xlsx", _("export visits, observations and findings as an Excel workbook")),
    ):
        e = groups["export"].add_parser(fmt, help=help_text)
        e.add_argument("-o", "--output", required=True, metavar="FILE")
        e.add_argument("--site", help=_("only this site's records"))
        e.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                       help=_("only visits from this day on"))
        e.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                       help=_("only visits up to this day"))
        if fmt == "csv":
            e.add_argument("--table", choices=("visits", "observations", "findings"),
                           help=_("only this table (into a .csv file)"))
        e.add_argument("--json", action="store_true", help=_("machine-readable output"))
        e.set_defaults(handler=cmd_export_tables, format=fmt)


def _date(text: str | None) -> str:
    from datetime import date

    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise InvalidInput(f"Огноо буруу байна (ЖЖЖЖ-СС-ӨӨ): {text}",
                           f"Not a date (YYYY-MM-DD): {text}") from exc


def cmd_export_tables(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.exporters import gpkg, tables
    from pemdesk.exporters.filters import RecordFilter
    from pemdesk.model import Site

    f = RecordFilter(site=args.site or "", date_from=_date(args.date_from),
                     date_to=_date(args.date_to))
    if args.site:
        ctx.store.get(Site, args.site)  # a clear "not found" for a wrong id
    path = Path(args.output)
    if args.format == "gpkg":
        counts = gpkg.write_gpkg(ctx.store, path, f)
    elif args.format == "xlsx":
        counts = tables.write_xlsx(ctx.store, path, f, ctx.lang)
    else:
        which = (args.table,) if args.table else tables.TABLES
        counts = tables.write_csv(ctx.store, path, f, ctx.lang, which)
    if args.json:
        print_json({"output": str(path), "counts": counts})
    else:
        parts = ", ".join(f"{k}: {v}" for k, v in counts.items())
        print(_("Written to {path} ({counts})").format(path=path, counts=parts))
    return 0
