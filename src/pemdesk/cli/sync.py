"""``pemdesk enroll`` and ``pemdesk sync [status]``."""

from __future__ import annotations

import argparse
from typing import Any

from pemdesk.cli.common import CommandContext, print_json, print_table
from pemdesk.i18n import _


def register(sub: Any, groups: dict[str, Any]) -> None:
    enroll = sub.add_parser("enroll", help=_("connect this computer to a sync server"))
    enroll.add_argument("--server", required=True, help=_("server address, e.g. http://10.0.0.5:8470"))
    enroll.add_argument("--code", required=True, help=_("one-time code from the coordinator"))
    enroll.add_argument("--name", default="", help=_("a name for this computer"))
    enroll.add_argument("--again", action="store_true",
                        help=_("enrol a copied or restored data folder as a new device"))
    enroll.set_defaults(handler=run_enroll)

    sync = sub.add_parser("sync", help=_("send and receive changes and photos"))
    sync.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    sync.add_argument("--no-originals", action="store_true",
                      help=_("send photo originals later (by USB bundle)"))
    sync.set_defaults(handler=run_sync)
    ssub = sync.add_subparsers(dest="sync_command", metavar="WHAT")
    status = ssub.add_parser("status", help=_("what is waiting to be sent"))
    status.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    status.set_defaults(handler=run_status)


def run_enroll(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.sync.client import enroll

    result = enroll(ctx.store, args.server, args.code, args.name, again=args.again)
    print(_("Enrolled as {monitor} ({role}); device {device}.").format(
        monitor=result.get("monitor_name", ""), role=result.get("role", ""),
        device=result["device_id"]))
    return 0


def run_sync(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.errors import Offline
    from pemdesk.sync.client import SyncClient

    with SyncClient.for_store(ctx.store) as client:
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
        "conflicts": _("Open conflicts"), "last_sync": _("Last sync"),
    }
    print_table([[labels[k], str(info.get(k) if info.get(k) is not None else "—")]
                 for k in labels], [_("Item"), _("Value")])
    return 0
