"""``pemdesk verify [VISIT_ID] [--json]`` and ``pemdesk verify --qr TEXT``."""

from __future__ import annotations

import argparse
from typing import Any

from pemdesk.cli.common import CommandContext, print_json
from pemdesk.i18n import _


def register(sub: argparse._SubParsersAction, groups: dict[str, Any]) -> None:
    p = sub.add_parser(
        "verify", help=_("check that sealed visits and their photos are unchanged since sealing")
    )
    p.add_argument("visit_id", nargs="?", metavar="VISIT_ID", help=_("one visit (default: all)"))
    p.add_argument("--qr", metavar="TEXT", help=_("check the code printed on a report"))
    p.add_argument("--no-files", action="store_true", help=_("do not re-hash the photo files"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_verify)


def cmd_verify(ctx: CommandContext, args: argparse.Namespace) -> int:
    from pemdesk.verify import verify, verify_qr

    if args.qr:
        report = verify_qr(ctx.store, args.qr, check_files=not args.no_files)
    else:
        report = verify(ctx.store, args.visit_id, check_files=not args.no_files)
    if args.json:
        print_json(report.as_json(ctx.lang))
        return 0 if report.ok else 1
    for check in report.visits:
        head = _("OK") if check.ok else _("CHANGED")
        print(f"{head}  {check.visit_id}  rev {check.revision}  {(check.digest or '-')[:16]}")
        for problem in check.problems:
            print(f"    - {problem.message(ctx.lang)}")
        for note in check.notes:
            print(f"    · {note.message(ctx.lang)}")
    failed = sum(1 for v in report.visits if not v.ok)
    if failed:
        print(
            _("{failed} of {n} visits no longer match their seal.").format(
                failed=failed, n=len(report.visits)
            )
        )
    else:
        print(_("All {n} visits match their seals.").format(n=len(report.visits)))
    return 0 if report.ok else 1
