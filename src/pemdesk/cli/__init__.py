"""The ``pemdesk`` command: the GUI with no subcommand, scripting commands otherwise.

Each command module under ``pemdesk.cli`` has ``register(subparsers, groups)``; shared command
groups (``import``, ``export``) are made here so several modules can add to them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pemdesk import __version__, i18n
from pemdesk.cli.common import CommandContext, fail
from pemdesk.errors import PemdeskError
from pemdesk.i18n import _
from pemdesk.labels import N_

# Modules that add subcommands; each must define register(subparsers, groups).
COMMAND_MODULES = ["data", "db", "geo", "tables", "photos", "verify", "sync", "bundle", "report", "rehab",
                   "cases", "readings"]
SHARED_GROUPS = {
    "import": N_("Import files (photos, GPX, KML, GeoJSON, Shapefile, CSV, instrument readings)"),
    "export": N_("Export data for other programs"),
}


def build_parser() -> argparse.ArgumentParser:
    from pemdesk.cli.argparse_mn import install as argparse_in_our_language

    argparse_in_our_language()
    parser = argparse.ArgumentParser(
        prog="pemdesk",
        description=_("Participatory environmental monitoring of mining: records, maps, reports."),
    )
    parser.add_argument(  # help given: Python 3.11's default for it is never translated
        "--version",
        action="version",
        version=f"pemdesk {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument("--data-dir", metavar="DIR", help=_("data folder (default: per user)"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language: mn or en"))
    parser.add_argument(
        "--demo", action="store_true", help=_("open the built-in demo data in its own folder")
    )
    parser.add_argument(  # nargs="?": a desktop entry's "--open %f" started with no file
        "--open",
        nargs="?",
        metavar="FILE",
        help=_("open a USB sync bundle (.pemsync) in the program"),
    )
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="all",
        choices=("all", "core", "startup"),
        help=_("check that the installed program works (in a temporary folder) and exit"),
    )
    parser.add_argument("--self-test-out", metavar="DIR", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, help_text in SHARED_GROUPS.items():
        group_parser = sub.add_parser(name, help=_(help_text))
        groups[name] = group_parser.add_subparsers(dest="subcommand", metavar="WHAT", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"pemdesk.cli.{module_name}")
        module.register(sub, groups)
    return parser


def _language_from_argv(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The language must be known before help texts are built.
    lang = _language_from_argv(argv)
    if lang in i18n.LANGUAGES:
        i18n.set_language(lang)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from pemdesk.selftest import main as self_test

        return self_test(args.self_test, args.self_test_out, args.data_dir)
    if args.command is None:
        if args.open:  # the installer's file association for sync bundles
            os.environ["PEMDESK_OPEN_BUNDLE"] = os.path.abspath(args.open)
        from pemdesk.cli.gui import run_gui

        return run_gui(args)
    ctx = CommandContext.from_args(args)
    try:
        return int(args.handler(ctx, args) or 0)
    except PemdeskError as exc:
        return fail(exc, ctx)
    except KeyboardInterrupt:
        print(_("Cancelled."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `pemdesk visits list | head`: the reader left; no traceback (Python's documented way)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
