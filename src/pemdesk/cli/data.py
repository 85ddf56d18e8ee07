"""Commands over the records: demo data, sites, plots, visits."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from pemdesk import model
from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.i18n import _, format_date, format_datetime, format_number
from pemdesk.labels import label
from pemdesk.minerals import mineral_text
from pemdesk.storage import VisitFilter


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    demo = sub.add_parser("demo", help=_("load the built-in demo data into the data folder"))
    demo.set_defaults(handler=cmd_demo)

    sites = sub.add_parser("sites", help=_("monitored sites")).add_subparsers(
        dest="subcommand", metavar="ACTION", required=True
    )
    p = sites.add_parser("list", help=_("list sites"))
    p.add_argument("--aimag", help=_("aimag code, e.g. MN-053"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_sites_list)

    plots = sub.add_parser("plots", help=_("rehabilitation plots")).add_subparsers(
        dest="subcommand", metavar="ACTION", required=True
    )
    p = plots.add_parser("list", help=_("list plots"))
    p.add_argument("--site", help=_("only the plots of this site id"))
    p.add_argument("--stage", choices=[s.value for s in model.PlotStage])
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_plots_list)

    visits = sub.add_parser("visits", help=_("site visits")).add_subparsers(
        dest="subcommand", metavar="ACTION", required=True
    )
    p = visits.add_parser("list", help=_("list visits, newest first"))
    p.add_argument("--site", help=_("only the visits of this site id"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--status", choices=[s.value for s in model.VisitStatus])
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_visits_list)
    p = visits.add_parser("show", help=_("show one visit with everything recorded in it"))
    p.add_argument("visit_id", metavar="ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_visits_show)


def cmd_demo(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.demo import load_demo

    summary = load_demo(ctx.store)
    if summary.already_loaded:
        print(_("The demo data is already loaded."))
    else:
        print(
            _("Demo data loaded: {sites} sites, {plots} plots, {visits} visits.").format(
                sites=summary.sites, plots=summary.plots, visits=summary.visits
            )
        )
    return 0


def _place_names(soum_code: str, lang: str) -> tuple[str, str]:
    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    soum = gaz.soum(soum_code)
    aimag = gaz.aimag(soum.aimag_code)
    field = "name_mn" if lang == "mn" else "name_en"
    return getattr(aimag, field), getattr(soum, field)


def cmd_sites_list(ctx: CommandContext, args: argparse.Namespace) -> int:
    sites = ctx.store.list_sites(aimag_code=args.aimag)
    if args.json:
        out = []
        for s in sites:
            aimag_mn, soum_mn = _place_names(s.soum_code, "mn")
            aimag_en, soum_en = _place_names(s.soum_code, "en")
            row = dataclasses.asdict(s)
            row.update(aimag_name_mn=aimag_mn, soum_name_mn=soum_mn, aimag_name_en=aimag_en,
                       soum_name_en=soum_en)
            out.append(row)
        print_json(out)
        return 0
    rows = []
    for s in sites:
        aimag, soum = _place_names(s.soum_code, ctx.lang)
        rows.append([s.name(ctx.lang), aimag, soum, s.licence_no, mineral_text(s.mineral, ctx.lang), s.id])
    print_table(rows, [_("Site"), _("Aimag"), _("Soum"), _("Licence"), _("Mineral"), "ID"])
    return 0


def cmd_plots_list(ctx: CommandContext, args: argparse.Namespace) -> int:
    if args.site:
        ctx.store.get(model.Site, args.site)  # a clear "not found" for a wrong id
    plots = ctx.store.list_plots(site_id=args.site, stage=args.stage)
    if args.json:
        print_json([dataclasses.asdict(p) for p in plots])
        return 0
    rows = [
        [p.name, label(p.stage), format_number(p.area_ha, 2), str(p.target_year or ""), p.id]
        for p in plots
    ]
    print_table(rows, [_("Plot"), _("Stage"), _("Area, ha"), _("Target year"), "ID"])
    return 0


def cmd_visits_list(ctx: CommandContext, args: argparse.Namespace) -> int:
    if args.site:
        ctx.store.get(model.Site, args.site)
    f = VisitFilter(
        site_id=args.site,
        date_from=args.date_from,
        date_to=args.date_to,
        status=model.VisitStatus(args.status) if args.status else None,
    )
    visits = ctx.store.list_visits(f, limit=args.limit)
    if args.json:
        # the list query leaves plot_ids out; each visit's own record carries them
        print_json([dataclasses.asdict(ctx.store.get(model.Visit, v.id)) for v in visits])
        return 0
    names = {s.id: s.name(ctx.lang) for s in ctx.store.list_sites()}
    rows = [
        [format_datetime(v.started_at), label(v.status), str(v.revision),
         names.get(v.site_id, v.site_id), v.id]
        for v in visits
    ]  # fmt: skip
    print_table(rows, [_("Started"), _("Status"), _("Rev."), _("Site"), "ID"])
    return 0


def cmd_visits_show(ctx: CommandContext, args: argparse.Namespace) -> int:
    d = ctx.store.visit_detail(args.visit_id)
    if args.json:
        print_json(
            {
                "visit": dataclasses.asdict(d.visit),
                "site": dataclasses.asdict(d.site),
                "plots": [dataclasses.asdict(p) for p in d.plots],
                "participants": [
                    dataclasses.asdict(part) | {"person": dataclasses.asdict(person)}
                    for part, person in d.participants
                ],
                "observations": [dataclasses.asdict(o) for o in d.observations],
                "findings": [dataclasses.asdict(f) for f in d.findings],
                "photos": [dataclasses.asdict(p) for p in d.photos],
            }
        )
        return 0
    from pemdesk.catalogue import Catalogue

    catalogue = Catalogue.load()
    aimag, soum = _place_names(d.site.soum_code, ctx.lang)
    v = d.visit
    print(f"{d.site.name(ctx.lang)} — {aimag}, {soum}")
    print(f"{_('Started')}: {format_datetime(v.started_at)}   {_('Status')}: {label(v.status)}")
    if v.lat is not None and v.lon is not None:
        print(f"{_('Position')}: {v.lat:.6f}, {v.lon:.6f}")
    if d.plots:
        print(f"{_('Plots')}: " + ", ".join(p.name for p in d.plots))
    print(f"\n{_('Participants')}:")
    for part, person in d.participants:
        print(f"  {person.name} — {label(part.role)}")
    print(f"\n{_('Observations')}:")
    for o in d.observations:
        indicator = catalogue.get(o.indicator)
        raw = o.value_num if o.value_num is not None else o.value_text
        value = indicator.format_value(raw, ctx.lang) if raw is not None else ""  # "бага", not "slight"
        flag = " !" if catalogue.exceedances(o.indicator, o.value_num) else ""
        print(f"  {indicator.name(ctx.lang)}: {value} {o.unit}{flag}")
    if d.findings:
        print(f"\n{_('Findings')}:")
        for f in d.findings:
            print(f"  [{label(f.severity)}] {f.description} ({label(f.follow_up)})")
    if v.notes:
        print(f"\n{_('Notes')}: {v.notes}")
    print(f"\n{_('Date')}: {format_date(v.started_at)}  ID: {v.id}")
    return 0
