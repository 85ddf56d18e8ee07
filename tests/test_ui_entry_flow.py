"""Item 5, the entry flow: "pH" typed into a new row chooses the indicator (it gave "pH—" and was
dropped), "Add finding" leaves the keyboard in the new row, the editor opens on the screen, roles
are not cut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox

from pemdesk import model
from pemdesk.storage import Store

pytestmark = pytest.mark.ui


def _type(widget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


@pytest.fixture
def editor(qtbot, demo_dir):
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=10_000)
    with Store.open(demo_dir) as s:
        draft = next(v for v in s.list_visits() if v.status == model.VisitStatus.DRAFT)
    e = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: e.detail is not None, timeout=10_000)
    yield e
    import shiboken6

    if shiboken6.isValid(e):
        e.close()
    w.close()


def test_typing_ph_into_a_new_row_chooses_it(editor) -> None:
    row = editor.add_observation_row()
    combo = editor.observations.cellWidget(row, 0)
    assert isinstance(combo, QComboBox)
    line = combo.lineEdit()
    assert line.text() == ""  # an empty field to type into, not "—"
    _type(line, "pH")
    assert line.text() == "pH"
    line.editingFinished.emit()  # the field is left without picking from the list
    assert combo.currentData() == "water.ph"


def test_add_finding_puts_the_keyboard_in_the_new_row(editor) -> None:
    editor.activateWindow()
    editor.findings_page.add_button.setFocus()
    row = editor.findings_page.add_button.click() or editor.findings.rowCount() - 1
    assert editor.findings.currentRow() == row
    assert editor.findings.hasFocus() or not editor.isActiveWindow()


def test_editor_fits_on_the_screen_and_roles_are_whole(editor) -> None:
    area = editor.screen().availableGeometry()
    assert area.contains(editor.frameGeometry().topLeft())
    least = editor.minimumSizeHint()
    assert editor.width() <= max(area.width(), least.width())
    assert editor.height() <= max(area.height(), least.height())
    editor.tabs.setCurrentWidget(editor.participants_page)
    table = editor.participants
    for r in range(table.rowCount()):
        combo = table.cellWidget(r, 1)
        assert table.columnWidth(1) >= combo.sizeHint().width() - 2  # "Нутгийн иргэн", not "Нутгийн ир"
