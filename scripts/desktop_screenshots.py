"""Screenshots of the desktop program with the demo data, in Mongolian and English.

    xvfb-run -a -s "-screen 0 1280x900x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/desktop_screenshots.py docs/screenshots

Writes main-window-{mn,en}.png, desktop-editor-{mn,en}.png (a draft being recorded, with one value
over its limit and one refused) and desktop-finished-{mn,en}.png (a finished visit, read-only).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp())
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    from PySide6.QtCore import QCoreApplication

    from pemdesk import i18n, model
    from pemdesk.demo import load_demo
    from pemdesk.storage import Store
    from pemdesk.ui.app import make_app
    from pemdesk.ui.main_window import MainWindow

    data = home / "data"
    with Store.open(data) as store:
        load_demo(store)
    app = make_app()  # noqa: F841 - kept alive for the whole run

    def wait(condition, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)

    def settle(seconds: float = 0.4) -> None:
        wait(lambda: False, seconds)

    i18n.set_language("mn")
    w = MainWindow(data)
    w.resize(1240, 780)
    w.show()
    wait(lambda: w.loaded)
    row = next(r for r in w._site_rows if r.site.name_mn.startswith("Цагаан овоо"))
    w.select_site(row.site.id)
    wait(lambda: w.visits_model.rowCount() > 0)
    w.tabs.setCurrentIndex(0)
    visits = [w.visits_model.visit(i) for i in range(w.visits_model.rowCount())]
    draft = next(v for v in visits if v.status == model.VisitStatus.DRAFT)
    finished = next(v for v in visits if v.status == model.VisitStatus.FINISHED)

    editor = w.open_visit(draft.id)
    editor.resize(1180, 720)
    wait(lambda: editor.detail is not None)
    editor.purpose.setText("Тоос, нөхөн сэргээлтийн улирлын хяналт")
    editor.weather.setText("нартай, салхи 6 м/с, +21 °C")
    r = editor.add_observation_row()
    editor.set_observation(r, "air.pm10", "180")
    r = editor.add_observation_row()
    editor.set_observation(r, "water.ph", "19")
    editor.observations.setCurrentCell(r, 1)
    settle(1.2)  # autosaved
    old = w.open_visit(finished.id)
    old.resize(1180, 720)
    wait(lambda: old.detail is not None)

    for lang in ("mn", "en"):
        w.set_language(lang)
        settle()
        w.raise_()
        settle()
        w.grab().save(str(out / f"main-window-{lang}.png"))
        editor.tabs.setCurrentWidget(editor.observations_tab)
        editor.raise_()
        settle()
        editor.grab().save(str(out / f"desktop-editor-{lang}.png"))
        old.tabs.setCurrentWidget(old.general_tab)
        old.raise_()
        settle()
        old.grab().save(str(out / f"desktop-finished-{lang}.png"))
    for e in list(w.editors.values()):
        e.close()
    w.close()
    print("written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
