"""Screenshots that show the translation is complete, in Mongolian and English, for
docs/screenshots/: the review page before sealing, the help page, Qt's own file dialog (as the
photo import opens it) and the sync conflicts dialog (with a conflict, and empty: its column
titles were "1 2 3" then).

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/screenshots_i18n.py docs/screenshots

Writes desktop-review-{mn,en}.png, desktop-help-{mn,en}.png, desktop-file-dialog-{mn,en}.png,
sync-conflicts-{mn,en}.png and sync-conflicts-empty-{mn,en}.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="pemdesk-"))
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    from PIL import Image
    from PySide6.QtCore import QCoreApplication, QUrl
    from PySide6.QtWidgets import QFileDialog, QTreeView

    from pemdesk import i18n, model
    from pemdesk.demo import load_demo
    from pemdesk.storage import Store
    from pemdesk.sync.conflicts import list_conflicts, resolve_conflict
    from pemdesk.ui.app import make_app
    from pemdesk.ui.file_dialog import make_dialog
    from pemdesk.ui.help import show_help
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.photos.import_dialog import photo_filter
    from pemdesk.ui.sync.conflicts_view import ConflictsDialog

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots_sync import conflict_store

    data = home / "data"
    with Store.open(data) as store:
        load_demo(store)
    conflicts, empty = home / "conflicts", home / "empty"
    conflict_store(conflicts)
    Store.open(empty).close()
    card = home / "DCIM"  # what the file dialog shows: a camera card's folder
    (card / "100CANON").mkdir(parents=True)
    for i, colour in enumerate(("#7a6", "#a96", "#69a")):
        Image.new("RGB", (64, 48), colour).save(card / "100CANON" / f"IMG_04{i + 1:02d}.jpg")
    app = make_app()  # noqa: F841 - kept alive for the whole run

    def wait(condition, seconds: float = 10) -> None:  # noqa: ANN001 - a callable
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)

    def settle(seconds: float = 0.5) -> None:
        wait(lambda: False, seconds)

    i18n.set_language("mn")
    w = MainWindow(data)
    w.resize(1240, 720)
    w.show()
    wait(lambda: w.loaded and w.plugins_ready)
    row = next(r for r in w._site_rows if r.site.name_mn.startswith("Цагаан овоо"))
    w.select_site(row.site.id)
    wait(lambda: w.visits_model.rowCount() > 0)
    visits = [w.visits_model.visit(i) for i in range(w.visits_model.rowCount())]
    draft = next(v for v in visits if v.status == model.VisitStatus.DRAFT)
    editor = w.open_visit(draft.id)
    editor.resize(1350, 740)  # every tab title shows in both languages at this width
    editor.move(8, 4)
    wait(lambda: editor.detail is not None)
    editor.finish()
    wait(lambda: editor.review_page.review is not None)

    for lang in ("mn", "en"):
        w.set_language(lang)
        settle()
        editor.review_page.refresh()
        settle(1.0)
        editor.review_page.splitter.setSizes([300, 230])  # the sign-off's first lines show whole
        settle(0.3)
        editor.raise_()
        editor.grab().save(str(out / f"desktop-review-{lang}.png"))

        help_dialog = show_help(w)
        help_dialog.resize(900, 700)
        settle()
        help_dialog.grab().save(str(out / f"desktop-help-{lang}.png"))
        help_dialog.close()

        # as "Add photos…" of the photo import opens it (QFileDialog.getOpenFileNames)
        files = make_dialog(w, i18n._("Add photos…"), str(card / "100CANON"), photo_filter(), None)
        files.setFileMode(QFileDialog.FileMode.ExistingFiles)
        files.setSidebarUrls([QUrl.fromLocalFile(str(home)), QUrl.fromLocalFile(str(card))])
        files.resize(900, 520)
        files.show()
        view = files.findChild(QTreeView)
        wait(lambda v=view: v is not None and v.model().rowCount(v.rootIndex()) >= 3)
        settle()
        for column in range(4):  # the whole of every column title
            view.resizeColumnToContents(column)
        settle(0.2)
        files.grab().save(str(out / f"desktop-file-dialog-{lang}.png"))
        files.close()

        for folder, name in ((conflicts, "sync-conflicts"), (empty, "sync-conflicts-empty")):
            ops = Operations(lambda folder=folder: Store.open(folder))
            dialog = ConflictsDialog(ops, list_conflicts, resolve_conflict, can_resolve=True)
            dialog.resize(1000, 620)
            dialog.show()
            settle(0.8)
            dialog.grab().save(str(out / f"{name}-{lang}.png"))
            dialog.close()
            ops.shutdown()
    for e in list(w.editors.values()):
        e.close()
    w.close()
    print("written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
