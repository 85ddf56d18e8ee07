"""Screenshots of the instrument register and an imports list (issue 14), offscreen, on a copy of
the demo data with one logger file imported:

    .venv/bin/python scripts/screenshots_instruments.py mn|en
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(lang: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT / "tests"))
    from pemdesk import i18n

    i18n.set_language(lang)
    from pemdesk.cli import main as cli
    from pemdesk.ui.app import make_app
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.readings import open_register
    from pemdesk.ui.readings.register import ImportsDialog
    from test_ui_instruments_register import _deployment_with_readings

    app = make_app()
    tmp = Path(tempfile.mkdtemp())
    cli(["--data-dir", str(tmp / "d"), "demo"])
    dep, _first, _second = _deployment_with_readings(tmp / "d", tmp)

    def spin(cond: Callable[[], bool], turns: int = 300) -> None:
        for _ in range(turns):
            app.processEvents()
            time.sleep(0.01)
            if cond():
                return

    w = MainWindow(tmp / "d")
    w.resize(1366, 768)
    w.show()
    spin(lambda: w.loaded)
    open_register(w)
    reg = w.instrument_register
    spin(lambda: reg.table.rowCount() > 0)
    reg.table.selectRow(0)
    spin(lambda: False, 30)
    out = ROOT / "docs" / "screenshots"
    reg.grab().save(str(out / f"readings-register-{lang}.png"))
    imports = ImportsDialog(w.ops, None, dep, reg)
    imports.show()
    spin(lambda: imports.table.rowCount() == 1)
    imports.table.selectRow(0)
    spin(lambda: False, 20)
    imports.grab().save(str(out / f"readings-imports-{lang}.png"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mn")
