"""Instrument readings: ``pemdesk import readings FILE...`` and ``pemdesk readings summary``."""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.errors import InvalidInput, PemdeskError
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    p = groups["import"].add_parser(
        "readings", help=_("import instrument or sensor files (loggers, PM sensors, sondes)"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--deployment", metavar="ID", help=_("the deployment the readings belong to"))
    p.add_argument("--site", metavar="ID", help=_("the site the instrument stands at"))
    p.add_argument("--instrument", metavar="SERIAL",
                   help=_("the instrument's serial number (registered if new)"))
    p.add_argument("--profile", metavar="NAME",
                   help=_("a saved column mapping (name or .json file)"))
    p.add_argument("--tz", metavar="ZONE",
                   help=_("time zone of times written without one (+08:00, Asia/Ulaanbaatar)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_import_readings)

    r = sub.add_parser("readings", help=_("instrument readings against the limits"))
    rsub = r.add_subparsers(dest="subcommand", metavar="WHAT", required=True)
    s = rsub.add_parser("summary", help=_("averages, exceedances and completeness of a site"))
    s.add_argument("--site", required=True, metavar="ID")
    s.add_argument("--from", dest="date_from", metavar="DATE")
    s.add_argument("--to", dest="date_to", metavar="DATE")
    s.add_argument("--json", action="store_true", help=_("machine-readable output"))
    s.set_defaults(handler=cmd_summary)
    rp = rsub.add_parser("report", help=_("the site's air and water readings summary as PDF"))
    rp.add_argument("--site", required=True, metavar="ID")
    rp.add_argument("--from", dest="date_from", metavar="DATE")
    rp.add_argument("--to", dest="date_to", metavar="DATE")
    rp.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    rp.set_defaults(handler=cmd_report)
    b = rsub.add_parser("batches", help=_("the imports of a deployment (one batch each)"))
    b.add_argument("--deployment", required=True, metavar="ID")
    b.add_argument("--json", action="store_true", help=_("machine-readable output"))
    b.set_defaults(handler=cmd_batches)
    rm = rsub.add_parser("remove", help=_("undo an import: remove a batch and its readings"))
    rm.add_argument("batch", metavar="BATCH_ID")
    rm.set_defaults(handler=cmd_remove)
    e = rsub.add_parser("export", help=_("readings with their quality flags as CSV"))
    e.add_argument("--deployment", required=True, metavar="ID")
    e.add_argument("-o", "--output", required=True, metavar="FILE")
    e.set_defaults(handler=cmd_export)


def load_profile(ctx: CommandContext, name: str | None) -> Any:
    from pemdesk.instruments.tabular import Profile

    if not name:
        return None
    candidates = [Path(name), ctx.data_dir / "profiles" / f"{name}.json"]
    for path in candidates:
        if path.is_file():
            try:
                return Profile.from_json(path.read_text(encoding="utf-8"))
            except (ValueError, TypeError, KeyError) as exc:
                raise InvalidInput(f"«{name}» загвар эвдэрсэн байна.",
                                   f"The profile “{name}” is damaged.", detail=str(exc)) from exc
    raise InvalidInput(f"«{name}» нэртэй загвар олдсонгүй.", f"No profile named “{name}”.",
                       detail=str(ctx.data_dir / "profiles"))


def resolve_deployment(ctx: CommandContext, args: argparse.Namespace, parsed: Any) -> str:
    from pemdesk.instruments.model import refuse
    from pemdesk.storage import readings as rs

    store = ctx.store
    if args.deployment:
        rs.get_deployment(store, args.deployment)
        return str(args.deployment)
    serial = args.instrument or parsed.serial
    if not args.site:
        inst = rs.instrument_by_serial(store, serial) if serial else None
        deps = [d for d in rs.list_deployments(store) if inst and d["instrument_id"] == inst["id"]
                and not d["ended_at"]]
        if len(deps) == 1:
            return str(deps[0]["id"])
        raise refuse(parsed.path, None,
                     "аль суурилуулалтад хамаарахыг заана уу: --deployment ID, эсвэл --site ID "
                     "--instrument SERIAL.",
                     "say where the readings belong: --deployment ID, or --site ID "
                     "--instrument SERIAL.")
    if not serial:
        raise refuse(parsed.path, None, "файлд серийн дугаар алга: --instrument SERIAL өгнө үү.",
                     "the file names no serial number: give --instrument SERIAL.")
    inst = rs.instrument_by_serial(store, serial)
    iid = inst["id"] if inst else rs.add_instrument(store, serial, model=parsed.model,
                                                    kind=parsed.family)
    for d in rs.list_deployments(store, args.site):
        if d["instrument_id"] == iid and not d["ended_at"]:
            return str(d["id"])
    start = datetime.fromtimestamp(parsed.first or 0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    corrections = ["epa2021_purpleair"] if parsed.family == "purpleair" else []
    return rs.add_deployment(store, iid, args.site, start, corrections=corrections,
                             tz=args.tz or "+08:00")


def cmd_import_readings(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.instruments.formats import read_file
    from pemdesk.instruments.timeparse import to_iso
    from pemdesk.storage import readings as rs

    results: list[dict[str, Any]] = []
    imported = 0
    try:
        profile = load_profile(ctx, args.profile)
    except PemdeskError as exc:
        print(exc.message(ctx.lang))
        return 1
    for name in args.files:
        path = Path(name)
        entry: dict[str, Any] = {"path": str(path), "status": "error", "message": "",
                                 "readings": 0, "first": None, "last": None, "flagged": 0}
        try:
            parsed = read_file(path, tz=args.tz, profile=profile)
            deployment = resolve_deployment(ctx, args, parsed)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            result = rs.import_parsed(ctx.store, deployment, parsed, source_sha256=sha)
            entry.update(status=result.status, readings=result.readings, flagged=result.flagged,
                         first=to_iso(result.first) if result.first is not None else None,
                         last=to_iso(result.last) if result.last is not None else None,
                         deployment=deployment, tz=parsed.tz, tz_source=parsed.tz_source,
                         family=parsed.family,
                         indicators=[s.indicator for s in parsed.series])
            if result.status == "duplicate":
                entry["message"] = _("{name}: already imported").format(name=path.name)
            else:
                imported += 1
                entry["message"] = _("{name}: {n} readings imported, {f} flagged").format(
                    name=path.name, n=result.readings, f=result.flagged)
                if parsed.tz_source == "assumed":
                    entry["message"] += " " + _("(times read as {tz}; give --tz if not)").format(
                        tz=parsed.tz)
        except PemdeskError as exc:
            entry["message"] = exc.message(ctx.lang)
            if exc.detail:
                entry["detail"] = exc.detail
        results.append(entry)
        if not args.json:
            print(entry["message"])
    if args.json:
        print_json({"files": results})
    return 0 if imported or all(r["status"] == "duplicate" for r in results) else 1


def _day(text: str | None, end: bool = False) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"«{text}» огноо биш.", f"“{text}” is not a date.") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp())
    return seconds + 86400 if end and len(text) <= 10 else seconds


def cmd_summary(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.catalogue import Catalogue
    from pemdesk.instruments.summary import deployment_summaries
    from pemdesk.storage import readings as rs

    start, end = _day(args.date_from), _day(args.date_to, end=True)
    deps = rs.list_deployments(ctx.store, args.site)
    out = []
    for dep in deps:
        for s in deployment_summaries(ctx.store, dep["id"], start, end):
            item = s.as_json()
            item["instrument"] = dep["serial"]
            out.append(item)
    if args.json:
        print_json({"site": args.site, "from": args.date_from, "to": args.date_to,
                    "summaries": out})
        return 0
    cat = Catalogue.load()
    rows = []
    for item in out:
        name = cat.get(item["indicator"]).name(ctx.lang) if item["indicator"] in cat else \
            item["indicator"]
        if not item["limits"]:
            rows.append([item["instrument"], name, str(item["readings"]), "", "", "", ""])
        for lim in item["limits"]:
            mean = "—" if lim["mean_of_valid"] is None else f"{lim['mean_of_valid']:.1f}"
            rows.append([item["instrument"], name, str(item["readings"]),
                         f"{lim['averaging']} ≤ {lim['value']:g} ({lim['source']})",
                         f"{lim['valid_periods']}/{lim['periods']}", mean,
                         str(lim["exceedances"])])
    print_table(rows, [_("instrument"), _("indicator"), _("readings"), _("limit"),
                       _("valid periods"), _("mean"), _("exceedances")])
    return 0


def cmd_export(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import readings as rs

    n = rs.export_csv(ctx.store, args.deployment, args.output)
    print(_("{n} readings written to {path}").format(n=n, path=args.output))
    return 0


def cmd_report(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.reports.readings import write_site_readings_report

    built = write_site_readings_report(ctx.store, args.site, args.output, lang=ctx.lang,
                                       start=_day(args.date_from),
                                       end=_day(args.date_to, end=True))
    print(_("{path}: {n} pages").format(path=args.output, n=built.pages))
    return 0


def cmd_batches(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import readings as rs

    rs.get_deployment(ctx.store, args.deployment)
    rows = rs.batches(ctx.store, args.deployment)
    if args.json:
        print_json({"batches": rows})
        return 0
    print_table([[r["id"], r["source_name"], str(r["count"]), str(r["flagged"]),
                  r["first_at"] or "", r["last_at"] or ""] for r in rows],
                ["id", _("file"), _("readings"), _("flagged"), _("first (UTC)"), _("last (UTC)")])
    return 0


def cmd_remove(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import readings as rs

    print(_("{n} readings removed").format(n=rs.remove_import(ctx.store, args.batch)))
    return 0
