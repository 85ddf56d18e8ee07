"""``pemdesk report``: the visit report, the site summary, the progress report, batches."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk import i18n
from pemdesk.cli.common import CommandContext, print_json
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    report = sub.add_parser("report", help=_("print reports as PDF")).add_subparsers(
        dest="subcommand", metavar="WHAT", required=True
    )

    def common(p: argparse.ArgumentParser, output_help: str) -> None:
        p.add_argument("-o", "--output", required=True, metavar="FILE", help=output_help)
        p.add_argument(
            "--lang",
            dest="report_lang",
            choices=i18n.LANGUAGES,
            help=_("language of the report (default: the program's)"),
        )

    p = report.add_parser("visit", help=_("the visit report a committee signs"))
    p.add_argument("visit_id", metavar="ID")
    common(p, _("PDF file to write"))
    p.add_argument(
        "--public",
        action="store_true",
        help=_("public copy: roles instead of names, no phone numbers"),
    )
    p.add_argument("--photos-per-page", type=int, choices=(2, 4, 6), default=6,
                   help=_("photos on each photo page"))
    p.set_defaults(handler=cmd_visit)

    p = report.add_parser("site", help=_("site and plot rehabilitation summary"))
    p.add_argument("site_id", metavar="ID")
    common(p, _("PDF file to write"))
    p.set_defaults(handler=cmd_site)

    p = report.add_parser("progress", help=_("rehabilitation progress of an aimag or soum"))
    p.add_argument("--aimag", required=True, metavar="NAME", help=_("aimag name or code"))
    p.add_argument("--soum", metavar="NAME", help=_("soum name"))
    p.add_argument("--year", type=int, help=_("targets due up to this year (default: this year)"))
    common(p, _("PDF file to write"))
    p.set_defaults(handler=cmd_progress)

    p = report.add_parser("batch", help=_("visit reports of many visits into a folder"))
    p.add_argument("--site", metavar="ID", help=_("only the visits of this site id"))
    p.add_argument("--aimag", metavar="NAME", help=_("aimag name or code"))
    p.add_argument("--soum", metavar="NAME", help=_("soum name"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--all", action="store_true", help=_("drafts too (default: finished visits)"))
    p.add_argument(
        "--public",
        action="store_true",
        help=_("public copy: roles instead of names, no phone numbers"),
    )
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    common(p, _("folder to write the PDF files into"))
    p.set_defaults(handler=cmd_batch)


def _lang(ctx: CommandContext, args: argparse.Namespace) -> str:
    return str(args.report_lang or ctx.lang)


def _written(path: Path, pages: int) -> None:
    print(_("Written: {path} ({pages} pages)").format(path=path, pages=pages))


def _area(aimag: str | None, soum: str | None) -> tuple[str | None, str | None]:
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    aimag_code = None
    if aimag:
        aimag_code = aimag if aimag.upper().startswith("MN-") else gaz.find_aimag(aimag).code
        gaz.aimag(aimag_code)
    soum_code = gaz.find_soum(soum, aimag_code).code if soum else None
    return aimag_code, soum_code


def cmd_visit(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.visit import write_visit_report

    built = write_visit_report(
        ctx.store,
        args.visit_id,
        Path(args.output),
        lang=_lang(ctx, args),
        public=args.public,
        photos_per_page=args.photos_per_page,
    )
    _written(Path(args.output), built.pages)
    return 0


def cmd_site(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.site import write_site_report

    built = write_site_report(ctx.store, args.site_id, Path(args.output), lang=_lang(ctx, args))
    _written(Path(args.output), built.pages)
    return 0


def cmd_progress(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.area import write_area_report

    aimag_code, soum_code = _area(args.aimag, args.soum)
    assert aimag_code is not None  # --aimag is required
    built = write_area_report(
        ctx.store, aimag_code, soum_code, Path(args.output), lang=_lang(ctx, args), year=args.year
    )
    _written(Path(args.output), built.pages)
    return 0


def cmd_batch(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.progress import Progress
    from pemdesk.reports.batch import batch_visit_reports, visits_for_batch
    from pemdesk.storage import VisitFilter

    if args.site:
        ctx.store.get(model.Site, args.site)
    aimag_code, soum_code = _area(args.aimag, args.soum)
    f = VisitFilter(
        site_id=args.site,
        date_from=args.date_from,
        date_to=args.date_to,
        status=None if args.all else model.VisitStatus.FINISHED,
    )
    ids = visits_for_batch(ctx.store, f, aimag_code, soum_code)
    result = batch_visit_reports(
        ctx.store,
        ids,
        Path(args.output),
        lang=_lang(ctx, args),
        public=args.public,
        progress=Progress(),
    )
    if args.json:
        print_json(
            {
                "written": [str(p) for p in result.written],
                "pages": result.pages,
                "bytes": result.size_bytes,
                "failed": [{"visit_id": v, "error": e} for v, e in result.failed],
            }
        )
    else:
        print(
            _("{n} reports, {pages} pages written to {folder}").format(
                n=len(result.written), pages=result.pages, folder=args.output
            )
        )
        for visit_id, message in result.failed:
            print(f"  {visit_id}: {message}")
    return 1 if result.failed else 0
