"""Help > About (version, data folder, licences) and the installer's window plug-in."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from pemdesk import __version__
from pemdesk.ui import about

pytestmark = pytest.mark.ui


def test_about_lists_every_licence_and_shows_it(qtbot, tmp_path: Path) -> None:
    dialog = about.AboutDialog(tmp_path)
    qtbot.addWidget(dialog)
    titles = [dialog.licences.item(i).text() for i in range(dialog.licences.count())]
    assert len(titles) == 6, titles
    assert __version__ in dialog.version_label.text()
    assert str(tmp_path) in dialog.folder_label.text()
    # The first entry is the generated third-party file: Qt's LGPL notice is in it.
    assert "LGPL" in dialog.text.toPlainText() and "PySide6" in dialog.text.toPlainText()
    texts = {}
    for row in range(len(titles)):
        dialog.licences.setCurrentRow(row)
        texts[row] = dialog.text.toPlainText()
    joined = "\n".join(texts.values())
    assert "Bitstream Vera" in joined  # fonts
    assert "ODbL" in joined  # boundaries
    assert "MNS 4585" in joined  # catalogue sources
    assert "own work" in joined  # icons
    assert "Natural Earth" in joined  # basemap


def test_licence_files_come_from_resources() -> None:
    files = about.licence_files()
    assert all(f.path.is_file() for f in files)
    assert files[0].path.name == "THIRD_PARTY_LICENSES.md"


def test_plugin_wires_about_and_opens_a_launch_bundle(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    window.data_dir = tmp_path
    window.action_about = QAction("About", window)
    old = mock.Mock()
    window.action_about.triggered.connect(old)
    window.sync_area = mock.Mock()
    bundle = tmp_path / "x.pemsync"
    monkeypatch.setenv("PEMDESK_OPEN_BUNDLE", str(bundle))

    about.install(window)
    qtbot.waitUntil(lambda: window.sync_area.import_bundle.called, timeout=2000)
    window.sync_area.import_bundle.assert_called_once_with(bundle)
    assert "PEMDESK_OPEN_BUNDLE" not in __import__("os").environ

    window.action_about.trigger()
    old.assert_not_called()  # replaced by the full dialog
    dialog = window._about_dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    dialog.close()


def test_main_window_loads_the_plugin(qtbot, tmp_path: Path) -> None:
    from pemdesk.ui.main_window import PLUGINS, MainWindow

    assert "pemdesk.ui.about:install" in PLUGINS
    window = MainWindow(tmp_path / "data")
    qtbot.addWidget(window)
    try:
        window.action_about.trigger()
        dialog = window._about_dialog
        qtbot.addWidget(dialog)
        assert dialog.isVisible()
        assert str(tmp_path / "data") in dialog.folder_label.text()
        dialog.close()
    finally:
        window.ops.shutdown()
