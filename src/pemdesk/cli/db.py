"""Database maintenance: integrity check and online backup."""

from __future__ import annotations

import argparse
from typing import Any

from pemdesk.cli.common import CommandContext, print_json
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    db = sub.add_parser("db", help=_("database maintenance")).add_subparsers(
        dest="subcommand", metavar="ACTION", required=True
    )
    p = db.add_parser("check", help=_("check integrity, foreign keys and migrations"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_check)
    p = db.add_parser("backup", help=_("write a consistent copy of the database"))
    p.add_argument("path", metavar="PATH")
    p.set_defaults(handler=cmd_backup)


def cmd_check(ctx: CommandContext, args: argparse.Namespace) -> int:
    problems = ctx.store.check()
    if args.json:
        print_json({"ok": not problems, "problems": problems, "path": str(ctx.store.path)})
    elif problems:
        print(_("Problems found in {path}:").format(path=ctx.store.path))
        for p in problems:
            print(f"  {p}")
    else:
        print(_("The database is healthy: {path}").format(path=ctx.store.path))
    return 1 if problems else 0


def cmd_backup(ctx: CommandContext, args: argparse.Namespace) -> int:
    target = ctx.store.backup(args.path)
    print(_("Backup written to {path}").format(path=target))
    return 0
