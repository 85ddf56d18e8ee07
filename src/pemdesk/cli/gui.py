"""Start the desktop program (kept apart so the rest of the CLI never imports Qt)."""

from __future__ import annotations

import argparse
import os

from pemdesk.paths import resolve_data_dir


def run_gui(args: argparse.Namespace) -> int:
    from pemdesk.ui.app import run

    data_dir = resolve_data_dir(args.data_dir, demo=args.demo)
    if not args.data_dir and not args.demo and not os.environ.get("PEMDESK_DATA_DIR"):
        from pemdesk.ui.settings_dialog import configured_data_dir

        data_dir = configured_data_dir() or data_dir  # chosen in Settings
    return run(data_dir, demo=args.demo, lang=args.lang)
