"""Start the desktop program (kept apart so the rest of the CLI never imports Qt)."""

from __future__ import annotations

import argparse

from pemdesk.paths import resolve_data_dir


def run_gui(args: argparse.Namespace) -> int:
    from pemdesk.ui.app import run

    return run(resolve_data_dir(args.data_dir, demo=args.demo), demo=args.demo, lang=args.lang)
