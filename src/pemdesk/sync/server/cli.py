"""``pemdesk-server``: run the sync server, and administer it.

    pemdesk-server --data-dir DIR --port 8470                       # SQLite in DIR
    pemdesk-server --data-dir DIR --database-url postgresql://...    # PostgreSQL
    pemdesk-server --data-dir DIR admin code --monitor "Бат" [--role coordinator]
    pemdesk-server --data-dir DIR admin devices | admin revoke DEVICE | admin monitors
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pemdesk.sync.protocol import ProtocolError
from pemdesk.sync.server.store import ROLES, ServerStore

# Modules adding subcommands: each defines register(subparsers) (e.g. bundle import).
COMMAND_MODULES: list[str] = ["pemdesk.sync.server.bundle_cli"]
# Modules adding ``admin`` subcommands: each defines register_admin(admin_subparsers), whose
# parsers set ``admin_handler(store, args)`` (e.g. the web portal's ``admin user``).
ADMIN_MODULES: list[str] = ["pemdesk.portal.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pemdesk-server", description="pemdesk sync server")
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="server folder: database (SQLite), photo files, server key")
    parser.add_argument("--database-url", help="postgresql://... to use PostgreSQL instead")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8470)
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with the server's own self-signed certificate (the "
                             "default when --host is not a loopback address)")
    parser.add_argument("--no-tls", action="store_true",
                        help="plain HTTP even on a network address: only behind a TLS reverse "
                             "proxy on the same machine or a trusted network")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="run the server (the default)")
    admin = sub.add_parser("admin", help="monitors, enrolment codes, devices")
    asub = admin.add_subparsers(dest="admin_command", required=True, metavar="WHAT")
    code = asub.add_parser("code", help="issue a one-time enrolment code")
    code.add_argument("--monitor", required=True, help="the monitor's name (created if new)")
    code.add_argument("--role", choices=ROLES, help="monitor (default for new) or coordinator")
    code.add_argument("--days", type=int, default=14, help="valid for this many days")
    code.add_argument("--server-url", default="", help="put this URL into the QR code too")
    code.add_argument("--no-qr", action="store_true")
    add = asub.add_parser("monitor", help="create a monitor or coordinator (or change the role)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="monitor")
    for name, text in (("monitors", "list monitors"), ("devices", "list devices and last sync"),
                       ("conflicts", "list open conflicts; or: conflicts resolve ID --keep "
                                     "server|incoming"),
                       ("codes", "list enrolment codes; --cancel ID|CODE cancels an unused one"),
                       ("seals", "check every sealed visit against the records now on the "
                                 "server (CHANGED when tampered with)")):
        p = asub.add_parser(name, help=text)
        p.add_argument("--json", action="store_true")
        if name == "conflicts":
            p.add_argument("action", nargs="?", choices=["resolve"])
            p.add_argument("conflict_id", nargs="?")
            p.add_argument("--keep", choices=["server", "incoming"])
        if name == "codes":
            p.add_argument("--cancel", metavar="ID", help="cancel this unused code")
    revoke = asub.add_parser("revoke", help="revoke a device (a lost or stolen laptop)")
    revoke.add_argument("device_id")
    unrevoke = asub.add_parser("unrevoke", help="let a revoked device sync again (it was found)")
    unrevoke.add_argument("device_id")
    backup = asub.add_parser("backup", help="consistent online backup of the database and the "
                             "photo files into an empty folder (SQLite and PostgreSQL)")
    backup.add_argument("folder", type=Path)
    restore = asub.add_parser("restore", help="restore a backup into this server (stop the "
                              "server first); it gets a new epoch so every laptop re-syncs")
    restore.add_argument("folder", type=Path)
    for module_name in ADMIN_MODULES:
        importlib.import_module(module_name).register_admin(asub)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return
    if not rows:
        print("(none)")
        return
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k] if r[k] is not None else "")) for r in rows)) for k in keys]
    print("  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[k] if r[k] is not None else "").ljust(w)
                        for k, w in zip(keys, widths, strict=True)))


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_files(args: argparse.Namespace) -> tuple[Path, Path] | None:
    """The certificate and key to serve with, or None for plain HTTP (loopback / --no-tls)."""
    from pemdesk.sync.server import tls

    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("error: --tls-cert and --tls-key go together")
    if args.tls_cert:
        return Path(args.tls_cert), Path(args.tls_key)
    if args.no_tls or (_loopback(args.host) and not args.tls):
        return None
    return tls.self_signed(args.data_dir, [args.host])


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pemdesk.portal import server_app
    from pemdesk.sync.server import tls

    store = ServerStore.open(args.data_dir, args.database_url)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    files = tls_files(args)
    app = server_app(store, warm=True)
    scheme = "https" if files else "http"
    print(f"pemdesk-server on {scheme}://{args.host}:{args.port} ({backend}, epoch {store.epoch})",
          flush=True)
    ssl_args: dict[str, Any] = {}
    if files is not None:
        fingerprint = tls.remember(args.data_dir, files[0])
        app.state.tls_fingerprint = fingerprint
        from pemdesk.sync.tls import display

        print(f"TLS certificate fingerprint (SHA-256): {display(fingerprint)}", flush=True)
        ssl_args = {"ssl_certfile": str(files[0]), "ssl_keyfile": str(files[1])}
    elif not _loopback(args.host):
        print("WARNING: plain HTTP on a network address (--no-tls): use it only behind a TLS "
              "reverse proxy.", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                timeout_keep_alive=30, **ssl_args)
    store.close()
    return 0


def admin(args: argparse.Namespace) -> int:
    from pemdesk.sync.server import admin_ops as ops

    store = ServerStore.open(args.data_dir, args.database_url)
    try:
        what = args.admin_command
        if getattr(args, "admin_handler", None) is not None:
            return int(args.admin_handler(store, args))
        if what == "code":
            from pemdesk.sync.server.tls import served_fingerprint
            from pemdesk.sync.tls import display

            code = store.issue_code(args.monitor, args.role, ttl_days=args.days)
            fingerprint = served_fingerprint(args.data_dir)
            print(f"Enrolment code for {args.monitor}: {code}")
            pin = f" --fingerprint {fingerprint}" if fingerprint else ""
            print(f"On the laptop: pemdesk enroll --server {args.server_url or 'URL'} "
                  f"--code {code}{pin}")
            if fingerprint:
                print(f"Server certificate (SHA-256): {display(fingerprint)}")
            if not args.no_qr:
                import segno

                qr: dict[str, str] = {"server": args.server_url, "code": code}
                if fingerprint:
                    qr["tls"] = fingerprint
                payload = json.dumps(qr, separators=(",", ":"))
                segno.make(payload, error="m").terminal(compact=True)
        elif what == "monitor":
            print(json.dumps(store.ensure_monitor(args.name, args.role), ensure_ascii=False))
        elif what == "monitors":
            _print_rows(store.monitors(), args.json)
        elif what == "devices":
            _print_rows(store.devices(), args.json)
        elif what == "conflicts" and args.action == "resolve":
            if not args.conflict_id or not args.keep:
                print("usage: admin conflicts resolve ID --keep server|incoming", file=sys.stderr)
                return 2
            done = ops.resolve_conflict(store, args.conflict_id, args.keep)
            print(f"Resolved: {done['entity']} {done['id']} keeps the {args.keep} value "
                  f"(version {done['version']})")
        elif what == "conflicts":
            _print_rows(store.conflicts(), args.json)
        elif what == "codes":
            if args.cancel:
                if not ops.cancel_code(store, args.cancel):
                    print(f"No single unused code matches {args.cancel}", file=sys.stderr)
                    return 1
                print(f"Cancelled {args.cancel}")
            else:
                _print_rows(ops.codes(store), args.json)
        elif what == "unrevoke":
            if not ops.unrevoke(store, args.device_id):
                print(f"No revoked device {args.device_id}", file=sys.stderr)
                return 1
            print(f"Device {args.device_id} may sync again")
        elif what == "backup":
            made = ops.backup(store, args.folder)
            print(f"Backup in {args.folder}: {sum(t['rows'] for t in made['tables'].values())} "
                  f"rows, {made['blobs']} photo files, epoch {made['epoch']}, "
                  f"latest change {made['latest_seq']}")
        elif what == "restore":
            done = ops.restore(store, args.folder)
            print(f"Restored from {args.folder}: new epoch {done['epoch']} (was "
                  f"{done['restored_from']}); laptops will re-sync what the backup lacks.")
        elif what == "seals":
            from pemdesk.sync.server import seal_receipts

            seal_receipts.check_seals(store, via="admin")
            status = {r["visit_id"]: r["status"] for r in seal_receipts.all_receipts(store)}
            rows = [{**r, "seal": status.get(r["visit_id"], "?")} for r in ops.seal_changes(store)]
            if args.json:
                _print_rows(rows, True)
            else:
                for r in rows:
                    print(f"{r['visit_id']}  seal {r['seal']}  {r['status']}")
                    for change in r["changes"][:20]:
                        print(f"    {change}")
                if not rows:
                    print("(no sealed visits)")
            if any(r["status"] == ops.CHANGED for r in rows):
                return 3
        elif what == "revoke":
            if not store.revoke(args.device_id):
                print(f"No active device {args.device_id}", file=sys.stderr)
                return 1
            print(f"Revoked {args.device_id}")
        return 0
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in (None, "serve"):
            return serve(args)
        if args.command == "admin":
            return admin(args)
        return int(args.handler(args) or 0)
    except ProtocolError as exc:
        print(f"error: {exc.text or exc.code}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
