"""``pemdesk-server bundle import FILE`` and ``pemdesk-server seals``: USB bundles and receipts.

pemdesk-server --data-dir DIR bundle import FILE [--out DIR] [--pull] [--json]
pemdesk-server --data-dir DIR seals [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pemdesk.errors import PemdeskError


def register(sub: Any) -> None:
    bundle = sub.add_parser("bundle", help="USB sync bundles")
    bsub = bundle.add_subparsers(dest="bundle_command", required=True, metavar="WHAT")
    imp = bsub.add_parser(
        "import", help="verify and apply a device's push bundle; write its ack bundle"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--out", type=Path, help="folder for the ack (and pull) bundle (default: beside FILE)"
    )
    imp.add_argument(
        "--pull", action="store_true", help="also write a pull bundle with every change the "
        "device has not got yet",
    )  # fmt: skip
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)
    seals = sub.add_parser("seals", help="check sealed visits now and list their receipts")
    seals.add_argument("--json", action="store_true")
    seals.set_defaults(handler=cmd_seals)


def _open(args: argparse.Namespace) -> Any:
    from pemdesk.sync.server.store import ServerStore

    return ServerStore.open(args.data_dir, args.database_url)


def cmd_import(args: argparse.Namespace) -> int:
    from pemdesk.sync.server.bundles import import_push_bundle

    store = _open(args)
    try:
        out = args.out or args.file.resolve().parent
        report = import_push_bundle(store, args.file, out_dir=out, with_pull=args.pull)
    except PemdeskError as exc:
        print(f"error: {exc.en}", file=sys.stderr)
        if exc.detail:
            print(f"  ({exc.detail})", file=sys.stderr)
        return 1
    finally:
        store.close()
    summary = report.summary()
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if report.replay:
        print(f"Bundle {report.bundle_id} was imported before: nothing new applied.")
    print(
        f"Device {report.device_id}: {report.ops} changes in the bundle, {report.applied} new, "
        f"{report.duplicates} already here, {report.conflicts} conflicts, {report.rejected} "
        f"refused; {report.blobs_added} photo files added; high water {report.high_water}."
    )
    for r in report.receipts:
        print(f"Seal of visit {r['visit_id']}: {r['status']}")
    print(f"Acknowledgement for the laptop: {report.ack_path}")
    if report.pull_path:
        print(f"Changes for the laptop: {report.pull_path}")
    return 0


def cmd_seals(args: argparse.Namespace) -> int:
    from pemdesk.sync.server import seal_receipts

    store = _open(args)
    try:
        seal_receipts.check_seals(store, via="admin")
        rows = seal_receipts.all_receipts(store)
    finally:
        store.close()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for r in rows:
        missing = len(r.get("photos_missing") or [])
        print(f"{r['visit_id']}  rev {r['revision']}  {r['status']}  {r['checked_at']}"
              + (f"  ({missing} photos not yet here)" if missing else ""))  # fmt: skip
    if not rows:
        print("(no sealed visits)")
    return 0
