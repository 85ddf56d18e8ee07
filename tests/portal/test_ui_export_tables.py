"""File → Export tables or GeoPackage…: the dialog's choices reach the exporter off the UI thread."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

pytestmark = pytest.mark.ui


def test_file_menu_exports_a_geopackage(qtbot, demo_dir, tmp_path, monkeypatch) -> None:
    from pemdesk.ui import export_tables
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=8000)
    texts = [a.text() for a in w.menu_file.actions()]
    assert any("GeoPackage" in t for t in texts)
    index = next(i for i, a in enumerate(w.menu_file.actions()) if "GeoPackage" in a.text())
    assert index < texts.index(w.action_settings.text())

    def fake_exec(dialog: QDialog) -> int:
        dialog.format.setCurrentIndex(dialog.format.findData("gpkg"))
        return QDialog.DialogCode.Accepted

    target = tmp_path / "out"
    monkeypatch.setattr(export_tables.ExportDialog, "exec", fake_exec)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    w.menu_file.actions()[index].trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=15000)
    gpkg = tmp_path / "out.gpkg"
    assert gpkg.is_file() and "plots" in shown[0]
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(gpkg)) as db:  # the GeoPackage's own table of contents
        layers = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]
    assert layers == ["sites", "plots", "visits", "photo_points"]
    w.close()
