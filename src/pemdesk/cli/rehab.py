"""Rehabilitation commands: ``plots history``, ``targets import|list``, ``photos cover``,
``report progress --national`` and ``report act``.

``plots``, ``photos`` and ``report`` are command groups of other modules; this module adds its
subcommands to them (it is registered after them).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk import i18n
from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.i18n import _


def _group(sub: argparse._SubParsersAction, name: str) -> argparse._SubParsersAction:
    """The subcommands of an existing command group (``plots``, ``photos``, ``report``)."""
    parser = sub.choices[name]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(name)  # pragma: no cover - a programming error


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    p = _group(sub, "plots").add_parser("history", help=_("a plot's stage history"))
    p.add_argument("plot_id", metavar="ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_history)

    targets = sub.add_parser("targets", help=_("rehabilitation targets")).add_subparsers(
        dest="subcommand", metavar="WHAT", required=True
    )
    p = targets.add_parser("import", help=_("import targets from a CSV or XLSX file"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_targets_import)
    p = targets.add_parser("list", help=_("targets with actual hectares"))
    p.add_argument("--year", type=int, help=_("only the targets of this year"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_targets_list)

    p = _group(sub, "photos").add_parser(
        "cover", help=_("green vegetation cover of photos (Canopeo method)")
    )
    p.add_argument("photo_ids", nargs="*", metavar="PHOTO_ID",
                   help=_("photos to measure (default: every photo of a photo point)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_cover)

    report = _group(sub, "report")
    progress = report.choices["progress"]
    for action in progress._actions:
        if action.dest == "aimag":
            action.required = False
            action.help = _("aimag name or code (or --national)")
    progress.add_argument("--national", action="store_true",
                          help=_("the national summary for a coordinator"))
    area_handler = progress.get_default("handler")
    progress.set_defaults(handler=lambda ctx, args: cmd_progress(ctx, args, area_handler))

    p = report.add_parser("act", help=_("the acceptance act of a plot as PDF"))
    p.add_argument("act_id", metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=_("PDF file to write"))
    p.add_argument("--lang", dest="report_lang", choices=i18n.LANGUAGES,
                   help=_("language of the report (default: the program's)"))
    p.set_defaults(handler=cmd_act)


def cmd_history(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk import model
    from pemdesk.labels import label
    from pemdesk.rehab import stages as st
    from pemdesk.storage import rehab as rs

    plot = ctx.store.get(model.Plot, args.plot_id)
    changes = rs.history(ctx.store, plot.id)
    acts = rs.acceptances(ctx.store, plot.id)
    current = st.current_stage(changes)
    if args.json:
        print_json({
            "plot_id": plot.id, "name": plot.name, "area_ha": plot.area_ha,
            "current_stage": str(current) if current else None,
            "history": [
                {"id": c.id, "date": c.changed_on,
                 "from": str(c.from_stage) if c.from_stage else None, "to": str(c.to_stage),
                 "visit_id": c.visit_id, "person_id": c.person_id, "by": c.recorded_by,
                 "photo_ids": c.photo_ids, "note": c.note}
                for c in changes
            ],
            "acceptances": [
                {"id": a.id, "date": a.accepted_on, "kind": str(a.kind),
                 "decision": str(a.decision), "act_no": a.act_no,
                 "members": a.members, "criteria": a.criteria}
                for a in acts
            ],
        })
        return 0
    lang = ctx.lang
    print(f"{plot.name} — {label(current, lang) if current else '—'}, "
          f"{i18n.format_number(plot.area_ha or 0, 2)} {_('ha')}")
    print_table(
        [[i18n.format_date(c.changed_on, lang),
          label(c.from_stage, lang) if c.from_stage else "—", label(c.to_stage, lang),
          c.recorded_by, c.note] for c in changes],
        [_("Date"), _("From"), _("To"), _("By"), _("Note")],
    )
    from pemdesk.reports.rehab import _decision, _kind

    for a in acts:
        print(_("Acceptance {date}: {kind}, {decision} ({act})").format(
            date=i18n.format_date(a.accepted_on, lang), kind=_kind(a.kind, lang),
            decision=_decision(a.decision, lang), act=a.act_no or a.id))
    return 0


def cmd_targets_import(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import rehab as rs

    result = rs.import_targets_file(ctx.store, Path(args.file))
    if args.json:
        print_json({"added": result.added, "updated": result.updated,
                    "unchanged": result.unchanged})
    else:
        print(_("Targets: {added} added, {updated} updated, {unchanged} unchanged.").format(
            added=result.added, updated=result.updated, unchanged=result.unchanged))
    return 0


def cmd_targets_list(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.labels import label
    from pemdesk.model import PlotStage
    from pemdesk.reports.rehab import target_name
    from pemdesk.storage import rehab as rs

    years = [args.year] if args.year else sorted({t.year for t in rs.list_targets(ctx.store)})
    rows = [p for year in years for p in rs.target_progress(ctx.store, year)]
    if args.json:
        print_json([
            {"id": p.target.id, "level": str(p.target.level), "aimag_code": p.target.aimag_code,
             "soum_code": p.target.soum_code, "year": p.target.year,
             "stage": str(p.target.stage), "basis": str(p.target.basis),
             "target_ha": p.target.area_ha, "actual_ha": round(p.actual_ha, 4),
             "plots": p.plots, "name": p.target.name, "source": p.target.source,
             "builtin": p.target.id.startswith("builtin-")}
            for p in rows
        ])
        return 0
    print_table(
        [[target_name(p.target, ctx.lang), str(p.target.year),
          label(PlotStage(p.target.stage), ctx.lang), i18n.format_number(p.target.area_ha, 1),
          i18n.format_number(p.actual_ha, 1), f"{100 * p.share:.1f} %"] for p in rows],
        [_("Target"), _("Year"), _("Stage"), _("Target, ha"), _("Actual, ha"), _("Share")],
    )
    return 0


def cmd_cover(ctx: CommandContext, args: argparse.Namespace) -> int:
    import sys

    from pemdesk.errors import InvalidInput
    from pemdesk.progress import Progress
    from pemdesk.storage import rehab as rs

    ids = list(args.photo_ids) or [
        r["id"] for r in ctx.store._query(
            "SELECT id FROM photo WHERE _deleted = 0 AND photo_point_id IS NOT NULL "
            "ORDER BY taken_at, id")
    ]
    results = rs.measure_many(ctx.store, ids, Progress())
    failed = [(pid, r) for pid, r in results if isinstance(r, InvalidInput)]
    if args.json:
        print_json([
            {"photo_id": pid, "error": r.message(ctx.lang)} if isinstance(r, InvalidInput) else
            {"photo_id": pid, "cover_pct": r.cover_pct, "manual_pct": r.manual_pct,
             "value": r.value, "method": r.method, "mask_sha256": r.mask_sha256,
             "mask": str(rs.mask_path(ctx.store, r) or "")}
            for pid, r in results
        ])
    else:
        for pid, r in results:
            if isinstance(r, InvalidInput):
                print(f"{pid}  {r.message(ctx.lang)}", file=sys.stderr)
            else:
                extra = (f"  ({_('corrected')}: {r.manual_pct:.1f} %)"
                         if r.manual_pct is not None else "")
                print(f"{pid}  {r.cover_pct:5.1f} %{extra}")
    return 1 if failed and len(failed) == len(results) else 0


def cmd_progress(ctx: CommandContext, args: argparse.Namespace, area_handler: Any) -> int:
    from pemdesk.errors import InvalidInput

    if not args.national:
        if not args.aimag:
            raise InvalidInput("--aimag эсвэл --national-ийг өгнө үү.",
                               "Give --aimag or --national.")
        return int(area_handler(ctx, args) or 0)
    from pemdesk.reports.rehab import write_national_report

    built = write_national_report(ctx.store, Path(args.output),
                                  lang=str(args.report_lang or ctx.lang), year=args.year)
    print(_("Written: {path} ({pages} pages)").format(path=args.output, pages=built.pages))
    return 0


def cmd_act(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.rehab import render_act

    built = render_act(ctx.store, args.act_id, Path(args.output),
                       lang=str(args.report_lang or ctx.lang))
    print(_("Written: {path} ({pages} pages)").format(path=args.output, pages=built.pages))
    return 0
