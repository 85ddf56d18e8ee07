"""``pemdesk-server admin user ...``: web accounts of the portal.

    pemdesk-server --data-dir DIR admin user add NAME --role coordinator|monitor|company \
        [--licence MV-012345 ...] [--password-file FILE]     # asks for the password otherwise
    pemdesk-server --data-dir DIR admin user list | password NAME | disable NAME
    pemdesk-server --data-dir DIR admin user public SITE_ID [--off]
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from pemdesk.errors import PemdeskError
from pemdesk.portal import accounts


def register_admin(asub: Any) -> None:
    user = asub.add_parser("user", help="web portal accounts (coordinators, monitors, companies)")
    usub = user.add_subparsers(dest="user_command", required=True, metavar="WHAT")
    add = usub.add_parser("add", help="create a web account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--licence", action="append", default=[],
                     help="a licence number the company representative may see (repeatable)")
    add.add_argument("--password-file", type=Path,
                     help="read the password from this file (else PEMDESK_PASSWORD or a prompt)")
    pw = usub.add_parser("password", help="set a new password (ends the user's sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-file", type=Path)
    usub.add_parser("list", help="list web accounts").add_argument("--json", action="store_true")
    dis = usub.add_parser("disable", help="disable a web account")
    dis.add_argument("name")
    pub = usub.add_parser("public", help="make a site's finished visits public (or --off)")
    pub.add_argument("site_id")
    pub.add_argument("--off", action="store_true")
    user.set_defaults(admin_handler=run)


def _password(args: argparse.Namespace) -> str:
    if getattr(args, "password_file", None):
        return args.password_file.read_text(encoding="utf-8").strip()
    if os.environ.get("PEMDESK_PASSWORD"):
        return os.environ["PEMDESK_PASSWORD"]
    first = getpass.getpass("Нууц үг / Password: ")
    if getpass.getpass("Дахин / Again: ") != first:
        raise PemdeskError("Нууц үгнүүд таарсангүй.", "The passwords differ.")
    return first


def run(store: Any, args: argparse.Namespace) -> int:
    db = store.db
    accounts.install(db)
    what = args.user_command
    try:
        if what == "add":
            u = accounts.add_user(db, args.name, args.role, _password(args), args.licence)
            print(f"Created {u.role} {u.name}" + (f" (licences {', '.join(u.licences)})"
                                                  if u.licences else ""))
        elif what == "password":
            accounts.set_password(db, args.name, _password(args))
            print(f"Password of {args.name} changed")
        elif what == "list":
            rows = accounts.list_users(db)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for r in rows:
                    print(f"{r['name']}\t{r['role']}\t{r['licences']}\t{r['last_login_at'] or ''}"
                          + ("\tdisabled" if r["disabled"] else ""))
        elif what == "disable":
            if not accounts.disable_user(db, args.name):
                print(f"No user {args.name}", file=sys.stderr)
                return 1
            print(f"Disabled {args.name}")
        elif what == "public":
            accounts.set_public(db, args.site_id, not args.off, "admin")
            print(f"Site {args.site_id} is {'private' if args.off else 'public'}")
    except PemdeskError as exc:
        print(f"error: {exc.mn}\n       {exc.en}", file=sys.stderr)
        return 1
    return 0
