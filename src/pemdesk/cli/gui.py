"""Start the desktop program (kept apart so the rest of the CLI never imports Qt)."""

from __future__ import annotations

import argparse
import os

from pemdesk.paths import resolve_data_dir


def run_gui(args: argparse.Namespace) -> int:
    from pemdesk.ui.app import run

    # Without --data-dir, --demo or PEMDESK_DATA_DIR the folder chosen in Settings (if any) is used.
    chosen = bool(args.data_dir or args.demo or os.environ.get("PEMDESK_DATA_DIR"))
    return run(
        resolve_data_dir(args.data_dir, demo=args.demo),
        demo=args.demo,
        lang=args.lang,
        settings_may_choose_dir=not chosen,
    )
