"""``pemdesk bundle export -o FILE`` and ``pemdesk bundle import FILE``: sync by USB stick."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pemdesk.cli.common import CommandContext, print_json
from pemdesk.i18n import _


def register(sub: Any, groups: dict[str, Any]) -> None:
    bundle = sub.add_parser("bundle", help=_("sync by USB stick: export and import bundles"))
    bsub = bundle.add_subparsers(dest="subcommand", metavar="ACTION", required=True)
    export = bsub.add_parser(
        "export", help=_("write every change the server has not confirmed to a bundle file")
    )
    export.add_argument(
        "-o", "--output", required=True, type=Path, help=_("bundle file, or a folder for it")
    )
    export.add_argument("--no-photos", action="store_true", help=_("leave photo files out"))
    export.add_argument(
        "--photo-budget-mb",
        type=float,
        metavar="MB",
        help=_("carry at most this many MB of photos"),
    )
    export.add_argument(
        "--from-seq", type=int, metavar="N",
        help=_("start at change number N (when the server says it lacks changes from N)"),
    )  # fmt: skip
    export.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    export.set_defaults(handler=run_export)
    imp = bsub.add_parser(
        "import", help=_("apply an acknowledgement or pull bundle from the server")
    )
    imp.add_argument("file", type=Path, metavar="FILE", help=_("the .pemsync bundle"))
    imp.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    imp.set_defaults(handler=run_import)


def run_export(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.sync.bundle_client import export_push_bundle

    budget = int(args.photo_budget_mb * 1024 * 1024) if args.photo_budget_mb is not None else None
    report = export_push_bundle(
        ctx.store,
        args.output,
        photos=not args.no_photos,
        photo_budget_bytes=budget,
        from_seq=args.from_seq,
    )
    if args.json:
        print_json(report.as_dict())
        return 0
    print(
        _("Bundle written and checked: {path} ({changes} changes, {photos} photo files, {mb} MB).")
        .format(path=report.path, changes=report.ops, photos=report.blobs,
                mb=f"{report.size / 1048576:.1f}")
    )  # fmt: skip
    if report.blobs_left_out:
        print(_("{n} photo files did not fit and stay for the next bundle.").format(
            n=report.blobs_left_out))  # fmt: skip
    print(_("It is safe to remove the USB stick."))
    return 0


def run_import(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.sync.bundle_client import import_bundle

    report = import_bundle(ctx.store, args.file)
    if args.json:
        print_json(report.as_dict())
        return 0
    if report.kind == "ack":
        print(
            _("The server confirmed {acked} changes ({rejected} refused, {conflicts} conflicts); "
              "{receipts} seal receipts stored.")
            .format(acked=report.acked, rejected=report.rejected, conflicts=report.conflicts,
                    receipts=report.receipts)
        )  # fmt: skip
    elif report.already_had:
        print(_("This bundle holds nothing new for this computer."))
    else:
        print(_("Received {n} changes from the server.").format(n=report.pulled))
    return 0
