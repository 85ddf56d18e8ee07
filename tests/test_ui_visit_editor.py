"""The real widgets, driven end to end: create a site, record a whole visit, finish it, reopen it
read-only, amend it, and switch language in the middle of editing without losing anything.

Cyrillic is entered with setText / QKeyEvent (qtbot.keyClicks with Cyrillic kills pytest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox

from pemdesk import i18n, model
from pemdesk.storage import Store

pytestmark = pytest.mark.ui

TIMEOUT = 5000


def type_text(widget, text: str) -> None:
    """Type text as key events carrying the characters (works for Cyrillic, unlike keyClicks)."""
    for ch in text:
        QApplication.sendEvent(
            widget, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch)
        )
        QApplication.sendEvent(
            widget, QKeyEvent(QEvent.Type.KeyRelease, 0, Qt.KeyboardModifier.NoModifier, ch)
        )


def read_store(data_dir: Path, fn):
    """Read what is really on disk, through a second connection."""
    with Store.open(data_dir) as s:
        return fn(s)


@pytest.fixture
def window(qtbot, tmp_path):
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.settings_dialog import profile, save_profile

    me = profile()
    me.name, me.organisation = "Д. Батболд", "Ханбогд сумын иргэдийн хяналтын бүлэг"
    save_profile(me)
    w = MainWindow(tmp_path / "data")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    offer = getattr(w, "_demo_offer", None)
    assert offer is not None and offer.isVisible(), "an empty store offers the demo"
    offer.reject()
    yield w
    for editor in list(w.editors.values()):
        editor.close()
    w.close()


def create_site(qtbot, w) -> str:
    from pemdesk.ui.site_dialog import SiteDialog

    w.new_site()
    dialog = w.findChild(SiteDialog)
    assert dialog is not None
    dialog.name_mn.setText("Тест зэсийн уурхай")
    dialog.name_en.setText("Test copper mine")
    dialog.licence.setText("MV-000123")
    dialog.holder.setText("Туршилт ХХК")
    dialog.mineral.setText("зэс")
    dialog.aimag.setCurrentIndex(dialog.aimag.findData("MN-053"))
    dialog.soum.setCurrentIndex(dialog.soum.findText("Ханбогд"))
    dialog.position.setText("43.2, 107.2")
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT) as saved:
        dialog.save()
    site_id = saved.args[0]
    qtbot.waitUntil(lambda: any(r.site.id == site_id for r in w._site_rows), timeout=TIMEOUT)
    return site_id


def test_record_finish_reopen_amend_a_visit(qtbot, window, tmp_path) -> None:
    from pemdesk.ui.people import PersonDialog
    from pemdesk.ui.visit import VisitEditor

    w = window
    data_dir = tmp_path / "data"
    site_id = create_site(qtbot, w)
    site = read_store(data_dir, lambda s: s.get(model.Site, site_id))
    assert (site.name_mn, site.licence_no, site.aimag_code) == (
        "Тест зэсийн уурхай",
        "MV-000123",
        "MN-053",
    )

    # search finds it by a Latin spelling of its Cyrillic soum
    w.search.setText("khanbogd")
    assert w.tree_model.rowCount() == 1
    w.search.setText("")

    # --- start a visit
    w.select_site(site_id)
    w.new_visit()
    qtbot.waitUntil(lambda: len(w.editors) == 1, timeout=TIMEOUT)
    editor: VisitEditor = next(iter(w.editors.values()))
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    assert not editor.read_only
    assert editor.participants.rowCount() == 1  # the monitor from the profile
    visit_id = editor.visit_id

    # general: purpose typed as key events (Cyrillic), weather, a DMS position
    editor.purpose.setFocus()
    type_text(editor.purpose, "Тоосны хяналт")
    assert editor.purpose.text() == "Тоосны хяналт"
    editor.weather.setText("нартай, салхи 5 м/с")
    editor.position.setText("43°12'00\"N 107°12'36\"E")
    editor.general_page.position_edited(editor.position.text())
    assert editor.general_page.position_value[:2] == pytest.approx((107.21, 43.2))

    # --- participants: a new person made on the spot, and one from the list
    editor.participants_page.new_person()
    person_dialog = editor.findChild(PersonDialog)
    person_dialog.name.setText("Л. Төмөрбаатар")
    person_dialog.role.setCurrentIndex(person_dialog.role.findData("herder"))
    person_dialog.save()
    qtbot.waitUntil(lambda: editor.participants.rowCount() == 2, timeout=TIMEOUT)

    # --- five observations; Enter on the last row adds a row
    editor.tabs.setCurrentWidget(editor.observations_tab)
    values = [
        ("air.pm10", "180"),  # over the MNS 4585:2016 24-h limit of 100
        ("water.ph", "19"),  # outside the valid range 0-14: refused
        ("noise.laeq", "40"),
        ("veg.cover_pct", "40"),
        ("soil.erosion_class", "none"),
    ]
    row = editor.add_observation_row()
    for i, (code, value) in enumerate(values):
        if i:
            editor.observations.setFocus()
            editor.observations.setCurrentCell(editor.observations.rowCount() - 1, 1)
            qtbot.keyClick(editor.observations, Qt.Key.Key_Return)
            row = editor.observations.rowCount() - 1
            assert row == i
        editor.set_observation(row, code, value)
    states = [editor.observation_check(r)[0] for r in range(5)]
    assert states[0] == "over" and states[1] == "invalid"
    assert "MNS 4585:2016" in editor.observation_check(0)[1]
    assert "0–14" in editor.obs_message.text() or "0–14" in editor.observation_check(1)[1]
    assert states[2:] == ["ok", "ok", "ok"]

    # --- a finding (category and description in Cyrillic), notes
    r = editor.add_finding_row()
    editor.findings.item(r, 0).setText("тоос")
    editor.findings.item(r, 1).setText("Замын тоос бэлчээр рүү хийсч байна")
    sev = editor.findings.cellWidget(r, 2)
    assert isinstance(sev, QComboBox)
    sev.setCurrentIndex(sev.findData("high"))

    # --- switch language in the middle of editing: nothing typed is lost
    editor.notes.setPlainText("Малчид гомдол гаргасан")
    assert i18n.get_language() == "mn"
    w.set_language("en")
    assert editor.tabs.tabText(0) == "General"
    assert editor.observations.horizontalHeaderItem(0).text() == "Indicator"
    assert editor.purpose.text() == "Тоосны хяналт"
    assert editor.notes.toPlainText() == "Малчид гомдол гаргасан"
    assert editor.findings.item(r, 0).text() == "тоос"
    assert editor.observations.item(0, 1).text() == "180"
    assert "above the 24-h limit value of MNS 4585:2016" in editor.observations.item(0, 5).text()
    w.set_language("mn")
    assert editor.tabs.tabText(0) != "General"
    assert editor.notes.toPlainText() == "Малчид гомдол гаргасан"

    # --- autosave: within about a second everything valid is on disk; the invalid value is not
    def saved_state():
        return read_store(data_dir, lambda s: s.visit_detail(visit_id))

    qtbot.waitUntil(lambda: len(saved_state().observations) == 4, timeout=TIMEOUT)
    detail = saved_state()
    assert detail.visit.purpose == "Тоосны хяналт"
    assert detail.visit.notes == "Малчид гомдол гаргасан"
    assert detail.visit.position_source == model.PositionSource.TYPED
    assert len(detail.participants) == 2
    assert [f.severity for f in detail.findings] == [model.Severity.HIGH]
    assert "water.ph" not in {o.indicator for o in detail.observations}

    # --- undo / redo inside the editor
    editor.add_observation_row()
    assert editor.observations.rowCount() == 6
    editor.undo()
    assert editor.observations.rowCount() == 5
    editor.redo()
    assert editor.observations.rowCount() == 6
    editor.undo()

    # --- finishing opens the review; it refuses to seal while a value is invalid
    editor.review_page.confirm = lambda: True
    editor.finish()
    assert editor.tabs.currentWidget() is editor.review_page
    qtbot.waitUntil(lambda: editor.review_page.review is not None, timeout=TIMEOUT)
    assert not editor.review_page.can_seal and not editor.review_page.seal_button.isEnabled()
    editor.review_page.seal()
    assert not editor.read_only
    exceed = editor.review_page.review.section("exceedances").items
    assert exceed and "MNS 4585:2016" in exceed[0].en
    editor.set_observation(1, value="7.1")
    assert editor.observation_check(1)[0] == "ok"
    editor.review_page.review = None
    editor.review_page.refresh()
    qtbot.waitUntil(lambda: editor.review_page.can_seal, timeout=TIMEOUT)
    editor.review_page.seal_button.click()
    qtbot.waitUntil(lambda: editor.read_only, timeout=TIMEOUT)
    detail = saved_state()
    assert detail.visit.status == model.VisitStatus.FINISHED
    assert len(detail.observations) == 5

    # --- reopen read-only
    editor.close()
    qtbot.waitUntil(lambda: visit_id not in w.editors, timeout=TIMEOUT)
    editor = w.open_visit(visit_id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    assert editor.read_only
    assert editor.purpose.isReadOnly() and editor.notes.isReadOnly()
    assert not editor.add_obs_button.isVisible()
    assert not editor.action_finish.isEnabled() and editor.action_amend.isEnabled()
    assert editor.add_observation_row() == -1
    assert editor.banner.isVisible()

    # --- amend as a new revision; the earlier one stays visible
    editor.amend()
    qtbot.waitUntil(lambda: len(w.editors) == 2, timeout=TIMEOUT)
    new_editor = next(e for vid, e in w.editors.items() if vid != visit_id)
    qtbot.waitUntil(lambda: new_editor.detail is not None, timeout=TIMEOUT)
    assert not new_editor.read_only
    assert new_editor.detail.visit.revision == 2
    assert new_editor.detail.visit.supersedes == visit_id
    assert new_editor.observations.rowCount() == 5
    assert new_editor.open_older_button.isVisibleTo(new_editor)
    qtbot.waitUntil(lambda: editor.open_newer_button.isVisibleTo(editor), timeout=TIMEOUT)
    old = read_store(data_dir, lambda s: s.get(model.Visit, visit_id))
    assert old.status == model.VisitStatus.FINISHED
    w.show_revisions.setChecked(True)
    qtbot.waitUntil(lambda: w.visits_model.total == 2, timeout=TIMEOUT)


def test_main_window_filters_and_search(qtbot, demo_dir) -> None:
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    aimags = w.tree_model.rowCount()
    assert aimags >= 3
    w.search.setText("Umnugovi")
    assert w.tree_model.rowCount() == 1
    w.search.setText("Өмнөговь Ханбогд")
    assert w.tree_model.rowCount() == 1
    w.search.setText("Amsterdam")
    assert w.tree_model.rowCount() == 0
    w.search.setText("")
    w.stage_filter.setCurrentIndex(w.stage_filter.findData(model.PlotStage.HANDED_OVER))
    assert 0 < w.tree_model.rowCount() <= aimags
    w.stage_filter.setCurrentIndex(0)
    site_id = w._site_rows[0].site.id
    w.select_site(site_id)
    qtbot.waitUntil(lambda: w.visits_model.total > 0, timeout=TIMEOUT)
    total = w.visits_model.total
    w.status_filter.setCurrentIndex(w.status_filter.findData(model.VisitStatus.DRAFT))
    qtbot.waitUntil(lambda: w.visits_model.total < total, timeout=TIMEOUT)
    w.status_filter.setCurrentIndex(0)
    from PySide6.QtCore import QDate

    w.date_from.setDate(QDate(2030, 1, 1))
    qtbot.waitUntil(lambda: w.visits_model.total == 0, timeout=TIMEOUT)
    w.date_from.setDate(w.date_from.minimumDate())
    qtbot.waitUntil(lambda: w.visits_model.total == total, timeout=TIMEOUT)
    assert "pemdesk" in w.status_dir.text() or str(demo_dir) in w.status_dir.text()
    assert w.status_sync.text()
    w.close()


def test_plugins_and_tabs_extension_points(qtbot, demo_dir, monkeypatch) -> None:
    from PySide6.QtWidgets import QLabel

    from pemdesk.ui import main_window
    from pemdesk.ui.visit import editor as visit_editor

    installed = []

    def install(w):
        w.add_tab(QLabel("map"), "Map")
        w.add_action(w.menu_reports, "Print visit report", lambda: None)
        installed.append(w)

    import types

    plugin = types.ModuleType("pemdesk_test_plugin")
    plugin.install = install
    plugin.install_editor = lambda e: e.add_tab(QLabel("photos"), "Photos")
    monkeypatch.setitem(__import__("sys").modules, "pemdesk_test_plugin", plugin)
    monkeypatch.setattr(main_window, "PLUGINS", ["pemdesk_test_plugin:install"])
    monkeypatch.setattr(visit_editor, "EDITOR_PLUGINS", ["pemdesk_test_plugin:install_editor"])
    w = main_window.MainWindow(demo_dir)
    qtbot.addWidget(w)
    assert installed == [w]
    assert w.tabs.count() == 2
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.select_site(w._site_rows[0].site.id)
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    editor = w.open_visit(w.visits_model.visit(0).id)
    assert editor.tabs.count() == 7  # five pages, the plug-in's, the review last
    w.set_language("en")
    assert w.tabs.tabText(1) == "Map" and editor.tabs.tabText(5) == "Photos"
    assert editor.tabs.tabText(6) == "Review and seal"
    editor.close()
    w.close()


def test_values_are_checked_at_every_keystroke(qtbot, demo_dir) -> None:
    from PySide6.QtWidgets import QLineEdit

    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.select_site(w._site_rows[0].site.id)
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    draft = next(
        w.visits_model.visit(i)
        for i in range(w.visits_model.rowCount())
        if w.visits_model.visit(i).status == model.VisitStatus.DRAFT
    )
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    row = editor.add_observation_row("water.ph")
    editor.observations.editItem(editor.observations.item(row, 1))
    line = editor.observations.findChild(QLineEdit)
    assert line is not None
    type_text(line, "19")  # outside 0-14: flagged before the cell is even committed
    assert line.text() == "19"
    assert "0–14" in editor.observations.item(row, 5).toolTip()
    assert editor.observations.item(row, 1).text() == ""  # nothing committed yet

    # the indicator is chosen by typing part of its name and picking the match
    row = editor.add_observation_row()
    combo = editor.observations.cellWidget(row, 0)
    combo.lineEdit().selectAll()
    type_text(combo.lineEdit(), "PM10")
    popup = combo.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=TIMEOUT)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert combo.currentData() == "air.pm10"
    assert editor.observations.item(row, 2).text() == "µg/m³"
    editor.close()
    w.close()


def test_text_still_being_typed_in_a_cell_is_autosaved(qtbot, demo_dir) -> None:
    from PySide6.QtWidgets import QLineEdit

    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.select_site(w._site_rows[0].site.id)
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    draft = next(
        w.visits_model.visit(i)
        for i in range(w.visits_model.rowCount())
        if w.visits_model.visit(i).status == model.VisitStatus.DRAFT
    )
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    row = editor.add_finding_row()
    editor.findings.item(row, 0).setText("ус")
    editor.findings.editItem(editor.findings.item(row, 1))
    line = editor.findings.findChild(QLineEdit)
    type_text(line, "Худгийн ус булингартсан")  # Cyrillic as key events; the cell stays open

    def stored() -> list[str]:
        return read_store(demo_dir, lambda s: [f.description for f in s.findings_of(draft.id)])

    qtbot.waitUntil(lambda: "Худгийн ус булингартсан" in stored(), timeout=TIMEOUT)
    assert editor.findings.state() == editor.findings.State.EditingState  # still typing
    editor.close()
    w.close()
