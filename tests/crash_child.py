"""The desktop program driven in a child process for tests/test_crash_draft.py.

python tests/crash_child.py edit DATA_DIR     # opens a new visit, edits it, prints EDITED, runs on
python tests/crash_child.py reopen DATA_DIR   # starts again, prints what the reopened editor shows
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    mode, data_dir = sys.argv[1], Path(sys.argv[2])
    from PySide6.QtCore import QTimer

    from pemdesk.ui.app import make_app
    from pemdesk.ui.errors import install_excepthooks
    from pemdesk.ui.main_window import MainWindow

    app = make_app()
    window = MainWindow(data_dir)
    install_excepthooks(window)
    window.show()
    state: dict = {"step": 0}

    def say(text: str) -> None:
        print(text, flush=True)

    def edit_tick() -> None:
        if state["step"] == 0 and window.loaded:
            window.select_site(window._site_rows[0].site.id)
            window.new_visit()
            state["step"] = 1
        elif state["step"] == 1 and window.editors:
            editor = next(iter(window.editors.values()))
            if editor.detail is None:
                return
            editor.purpose.setText("Тоосны хяналт — осол")
            editor.weather.setText("салхитай")
            editor.notes.setPlainText("Унтрахаас өмнө бичсэн тэмдэглэл")
            row = editor.add_observation_row()
            editor.set_observation(row, "air.pm10", "123.4")
            state["step"] = 2
            say(f"EDITED {editor.visit_id}")

    def reopen_tick() -> None:
        if window.loaded and window.editors:
            editor = next(iter(window.editors.values()))
            if editor.detail is None:
                return
            timer.stop()
            rows = [
                (
                    editor.observations.cellWidget(r, 0).currentData(),
                    editor.observations.item(r, 1).text(),
                )
                for r in range(editor.observations.rowCount())
            ]
            say(
                "REOPENED "
                + json.dumps(
                    {
                        "visit_id": editor.visit_id,
                        "notice": editor.notice.text() if not editor.notice.isHidden() else "",
                        "purpose": editor.purpose.text(),
                        "weather": editor.weather.text(),
                        "notes": editor.notes.toPlainText(),
                        "observations": rows,
                        "status": str(editor.detail.visit.status),
                    },
                    ensure_ascii=False,
                )
            )
            editor.close()
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(edit_tick if mode == "edit" else reopen_tick)
    timer.start(20)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
