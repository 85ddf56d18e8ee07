"""``pemdesk findings|grievances|commitments list`` and ``pemdesk report followup|compliance|
grievance``: findings as cases, grievances and EMP commitments from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk import i18n
from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.i18n import _
from pemdesk.ids import short


def _report_group(sub: argparse._SubParsersAction) -> Any:
    """The ``report`` command's own sub-commands (made by ``pemdesk.cli.report``)."""
    report = sub.choices["report"]
    for action in report._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the report command has no sub-commands")


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    findings = sub.add_parser("findings", help=_("findings as cases: who must fix what, by when"))
    fsub = findings.add_subparsers(dest="subcommand", metavar="WHAT", required=True)
    p = fsub.add_parser("list", help=_("the findings register"))
    p.add_argument("--site", metavar="ID", help=_("only the findings of this site id"))
    p.add_argument("--open", action="store_true", help=_("only findings not resolved"))
    p.add_argument("--overdue", action="store_true", help=_("only findings past their due date"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_findings)

    grievances = sub.add_parser("grievances", help=_("complaints from citizens and herders"))
    gsub = grievances.add_subparsers(dest="subcommand", metavar="WHAT", required=True)
    p = gsub.add_parser("list", help=_("the grievance register"))
    p.add_argument("--site", metavar="ID", help=_("only the complaints about this site id"))
    p.add_argument("--reveal", action="store_true",
                   help=_("show confidential complainants' names (for the coordinator only)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_grievances)

    commitments = sub.add_parser("commitments",
                                 help=_("Environmental Management Plan commitments"))
    csub = commitments.add_subparsers(dest="subcommand", metavar="WHAT", required=True)
    p = csub.add_parser("list", help=_("a site's commitments with their latest assessment"))
    p.add_argument("--site", required=True, metavar="ID", help=_("site id"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_commitments)

    report = _report_group(sub)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("-o", "--output", required=True, metavar="FILE", help=_("PDF file to write"))
        q.add_argument("--lang", dest="report_lang", choices=i18n.LANGUAGES,
                       help=_("language of the report (default: the program's)"))

    p = report.add_parser("followup", help=_("open findings of a site with their history"))
    p.add_argument("--site", required=True, metavar="ID", help=_("site id"))
    p.add_argument("--public", action="store_true",
                   help=_("public copy: parties instead of names"))
    common(p)
    p.set_defaults(handler=cmd_followup)
    p = report.add_parser("compliance", help=_("EMP compliance of a site or an aimag"))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--site", metavar="ID", help=_("site id"))
    where.add_argument("--aimag", metavar="NAME", help=_("aimag name or code"))
    common(p)
    p.set_defaults(handler=cmd_compliance)
    p = report.add_parser("grievance", help=_("acknowledgement slip of a complaint"))
    p.add_argument("grievance_id", metavar="ID")
    p.add_argument("--public", action="store_true",
                   help=_("public copy: no confidential identity"))
    common(p)
    p.set_defaults(handler=cmd_slip)


def _lang(ctx: CommandContext, args: argparse.Namespace) -> str:
    return str(args.report_lang or ctx.lang)


def _written(path: Path, pages: int) -> None:
    print(_("Written: {path} ({pages} pages)").format(path=path, pages=pages))


def cmd_findings(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.cases.records import case_label
    from pemdesk.storage import cases as cs

    if args.site:
        ctx.store.get(model.Site, args.site)
    rows = cs.findings(ctx.store, cs.FindingFilter(site_id=args.site, open_only=args.open,
                                                    overdue_only=args.overdue))
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    print_table([[short(r.finding.id), r.visit.started_at[:10], r.site.name(ctx.lang)[:28],
                  r.finding.description[:40], case_label(r.status),
                  case_label(r.case.responsible_party) if r.case else "",
                  (r.due_on or "") + (" !" if r.overdue else "")] for r in rows],
                [_("Id"), _("Found"), _("Site"), _("Finding"), _("Status"), _("Responsible"),
                 _("Due")])
    return 0


def cmd_grievances(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.cases.records import case_label
    from pemdesk.storage import cases as cs

    if args.site:
        ctx.store.get(model.Site, args.site)
    rows = cs.grievances(ctx.store, site_id=args.site)
    if args.json:
        print_json([r.as_json(public=not args.reveal) for r in rows])
        return 0
    print_table([[r.grievance.ref_no, r.grievance.received_at[:10], r.site.name(ctx.lang)[:28],
                  case_label(r.grievance.category), case_label(r.grievance.status),
                  str(r.days_open), r.complainant_name(ctx.lang, public=not args.reveal)]
                 for r in rows],
                [_("Reference"), _("Received"), _("Site"), _("Category"), _("Status"),
                 _("Days open"), _("Complainant")])
    return 0


def cmd_commitments(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.cases.records import case_label
    from pemdesk.storage import cases as cs

    ctx.store.get(model.Site, args.site)
    items = cs.assessed_commitments(ctx.store, site_id=args.site)
    if args.json:
        print_json([{
            "id": i.commitment.id, "year": i.commitment.year, "text": i.commitment.text,
            "target": i.commitment.target, "due_on": i.commitment.due_on,
            "source": i.commitment.source,
            "latest": str(i.latest.result) if i.latest else None,
            "assessments": [{"visit_id": v.id, "date": v.started_at[:10],
                             "result": str(a.result), "note": a.note}
                            for a, v in i.assessments],
        } for i in items])
        return 0
    print_table([[str(i.commitment.year), i.commitment.text[:50], i.commitment.target[:20],
                  i.commitment.due_on or "",
                  case_label(i.latest.result) if i.latest else _("Not assessed")]
                 for i in items],
                [_("Year"), _("Commitment"), _("Target"), _("Due"), _("Latest result")])
    return 0


def cmd_followup(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.cases import write_followup

    built = write_followup(ctx.store, args.site, Path(args.output), lang=_lang(ctx, args),
                           public=args.public)
    _written(Path(args.output), built.pages)
    return 0


def cmd_compliance(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.reports.cases import write_compliance

    aimag_code = None
    if args.aimag:
        from pemdesk.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        aimag_code = args.aimag if args.aimag.upper().startswith("MN-") else \
            gaz.find_aimag(args.aimag).code
        gaz.aimag(aimag_code)
    else:
        ctx.store.get(model.Site, args.site)
    built = write_compliance(ctx.store, Path(args.output), site_id=args.site,
                             aimag_code=aimag_code, lang=_lang(ctx, args))
    _written(Path(args.output), built.pages)
    return 0


def cmd_slip(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.cases import write_grievance_slip

    built = write_grievance_slip(ctx.store, args.grievance_id, Path(args.output),
                                 lang=_lang(ctx, args), public=args.public)
    _written(Path(args.output), built.pages)
    return 0
