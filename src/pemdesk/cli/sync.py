"""``pemdesk enroll`` and ``pemdesk sync [status]``."""

from __future__ import annotations

import argparse
from typing import Any

from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.i18n import _
from pemdesk.ids import short


def register(sub: Any, groups: dict[str, Any]) -> None:
    enroll = sub.add_parser("enroll", help=_("connect this computer to a sync server"))
    enroll.add_argument("--server", required=True, help=_("server address, e.g. http://10.0.0.5:8470"))
    enroll.add_argument("--code", required=True, help=_("one-time code from the coordinator"))
    enroll.add_argument("--name", default="", help=_("a name for this computer"))
    enroll.add_argument("--again", action="store_true",
                        help=_("enrol a copied or restored data folder as a new device"))
    enroll.add_argument("--fingerprint", default=None,
                        help=_("the server certificate's SHA-256 fingerprint (printed with the "
                               "code and in its QR)"))
    enroll.add_argument("--insecure", action="store_true",
                        help=_("allow plain http:// to a server that is not this computer"))
    enroll.set_defaults(handler=run_enroll)

    sync = sub.add_parser("sync", help=_("send and receive changes and photos"))
    sync.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    sync.add_argument("--no-originals", action="store_true",
                      help=_("send photo originals later (by USB bundle)"))
    sync.add_argument("--insecure", action="store_true",
                      help=_("allow plain http:// to a server that is not this computer"))
    sync.set_defaults(handler=run_sync)
    ssub = sync.add_subparsers(dest="sync_command", metavar="WHAT")
    status = ssub.add_parser("status", help=_("what is waiting to be sent"))
    status.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    status.set_defaults(handler=run_status)
    problems = ssub.add_parser("problems", help=_("refused edits and received changes that could "
                                                   "not be applied"))
    problems.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    problems.set_defaults(handler=run_problems)
    fetch = ssub.add_parser("fetch", help=_("download another monitor's photo file on request"))
    fetch.add_argument("photo", help=_("the photo's id or SHA-256"))
    fetch.add_argument("--variant", choices=["original", "preview", "thumb"], default="original")
    fetch.add_argument("--insecure", action="store_true",
                       help=_("allow plain http:// to a server that is not this computer"))
    fetch.set_defaults(handler=run_fetch)


def run_enroll(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.sync.client import enroll

    result = enroll(ctx.store, args.server, args.code, args.name, again=args.again,
                    fingerprint=args.fingerprint, insecure=args.insecure)
    print(_("Enrolled as {monitor} ({role}); device {device}.").format(
        monitor=result.get("monitor_name", ""), role=result.get("role", ""),
        device=result["device_id"]))
    if args.fingerprint or args.code.strip().startswith("{"):
        print(_("The server's certificate is pinned: this computer will talk to no other."))
    return 0


def run_sync(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.errors import Offline
    from pemdesk.sync.client import SyncClient

    with SyncClient.for_store(ctx.store, insecure=args.insecure) as client:
        try:
            report = client.sync(originals=not args.no_originals)
        except Offline as exc:
            if args.json:
                print_json({"offline": True, "message": exc.message(ctx.lang)})
            else:
                print(exc.message(ctx.lang))
            return 2
    if args.json:
        print_json(report.as_dict())
        return 0
    print(_("Sent {pushed} changes ({rejected} refused, {conflicts} conflicts), received "
            "{pulled}, photos sent {blobs}.").format(
        pushed=report.pushed, rejected=report.rejected, conflicts=report.conflicts,
        pulled=report.pulled, blobs=report.blobs_uploaded))
    from pemdesk.sync.refusals import explain

    for r in report.refused:
        print(_("Refused: {kind} {record}: {why}").format(
            kind=r["entity"], record=short(r["entity_id"]),
            why=explain(r["reason"]).message(ctx.lang)))
    if report.photos_downloaded:
        print(_("Photos of other monitors received: {n}.").format(n=report.photos_downloaded))
    if report.quarantined:
        print(_("{n} received changes could not be applied here and were set aside: "
                "pemdesk sync problems").format(n=report.quarantined))
    return 0


def run_status(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage.sync_client import summary

    info = summary(ctx.store)
    if args.json:
        print_json(info)
        return 0
    labels = {
        "server": _("Server"), "device_id": _("Device"), "pending_ops": _("Changes to send"),
        "sent_unconfirmed": _("Sent, not yet confirmed"), "rejected": _("Refused by the server"),
        "conflicts": _("Open conflicts"), "quarantined": _("Received changes set aside"),
        "last_sync": _("Last sync"), "server_restored_at": _("Server restored (sent again)"),
    }
    print_table([[labels[k], str(info.get(k) if info.get(k) is not None else "—")]
                 for k in labels], [_("Item"), _("Value")])
    if info.get("rejected") or info.get("quarantined"):
        print(_("See why: pemdesk sync problems"))
    return 0


def run_problems(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.storage import sync_client as sc
    from pemdesk.sync.refusals import explain

    refused = sc.refusals(ctx.store)
    held = sc.quarantined(ctx.store)
    if args.json:
        print_json({
            "refused": [{**r, "why": explain(r["reason"]).message(ctx.lang)} for r in refused],
            "quarantined": [{k: v for k, v in q.items() if k != "change"} for q in held],
        })
        return 0
    if not refused and not held:
        print(_("No sync problems."))
        return 0
    if refused:
        print(_("Edits the server refused (kept here as evidence; the server's copy is shown):"))
        print_table([[r["refused_at"][:19], r["entity"], short(r["entity_id"]),
                      ", ".join(sorted(r["fields"])) if isinstance(r["fields"], dict) else "",
                      explain(r["reason"]).message(ctx.lang)] for r in refused],
                    [_("When"), _("Kind"), _("Record"), _("Fields"), _("Why")])
    if held:
        print(_("Received changes this computer could not apply (kept; syncing goes on):"))
        print_table([[q["received_at"][:19], q["entity"], short(q["entity_id"]),
                      str(q["version"] or ""), q["error"][:80]] for q in held],
                    [_("When"), _("Kind"), _("Record"), _("Version"), _("Problem")])
    return 1


def run_fetch(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.errors import NotFound
    from pemdesk.sync.client import SyncClient

    row = ctx.store.conn.execute("SELECT sha256 FROM photo WHERE id = ? OR sha256 = ? LIMIT 1",
                                 [args.photo, args.photo]).fetchone()
    if row is None:
        raise NotFound(f"Зураг олдсонгүй: {args.photo}", f"No photo {args.photo}.")
    with SyncClient.for_store(ctx.store, insecure=args.insecure) as client:
        path = client.download_blob(row[0], args.variant)
    print(path)
    return 0
