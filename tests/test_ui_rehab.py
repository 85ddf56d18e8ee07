"""The rehabilitation tab, its dialogs and the map's time slider, offscreen on the demo data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pemdesk.storage import Store
from pemdesk.storage import rehab as rs

pytestmark = pytest.mark.ui
TIMEOUT = 10_000


def _window(qtbot, demo_dir: Path):  # type: ignore[no-untyped-def]
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    return w


def test_history_cover_correction_and_stage_change(qtbot, demo_dir: Path) -> None:
    from pemdesk.ui.rehab.dialogs import AcceptanceDialog, StageChangeDialog

    with Store.open(demo_dir) as store:
        site_id = store.list_photo_points()[0].site_id
    w = _window(qtbot, demo_dir)
    panel = w.rehab_panel
    w.tabs.setCurrentWidget(panel)
    w.select_site(site_id)
    qtbot.waitUntil(lambda: panel.data is not None and panel.data.site_id == site_id,
                    timeout=TIMEOUT)
    assert panel.plot.count() == 3 and panel.history.rowCount() >= 1
    assert panel.photos.count() == 3
    assert not panel.cover_view.photo_label.pixmap().isNull()
    assert not panel.cover_view.mask_label.pixmap().isNull()
    # A correction is kept beside the computed value.
    photo_id = panel.cover_view.cover.photo_id
    computed = panel.cover_view.cover.cover_pct
    panel.cover_view.manual.setValue(55.0)
    panel.cover_view.note.setText("сүүдэр")
    panel.cover_view.save_correction()
    with Store.open(demo_dir) as store:
        qtbot.waitUntil(lambda: (rs.cover_of(store, photo_id) or computed).manual_pct == 55.0,
                        timeout=TIMEOUT)
        assert rs.cover_of(store, photo_id).cover_pct == computed  # type: ignore[union-attr]
    # A stage change through the dialog.
    panel.plot.setCurrentIndex(0)
    pv = panel._plot_view()
    assert pv is not None
    before = len(pv.changes)
    dialog = StageChangeDialog(panel.ops, pv.plot, panel.data.visits, panel.data.photos,
                               panel.data.people, panel)
    qtbot.addWidget(dialog)
    dialog.stage.setCurrentIndex(0)
    chosen = dialog.stage.currentData()
    dialog.photos.item(0).setCheckState(dialog.photos.item(0).checkState().Checked)
    dialog.accept()
    qtbot.waitUntil(lambda: len(panel._plot_view().changes) == before + 1, timeout=TIMEOUT)  # type: ignore[union-attr]
    last = panel._plot_view().changes[-1]  # type: ignore[union-attr]
    assert last.to_stage == chosen and len(last.photo_ids) == 1
    # ... and removed again (recorded by mistake): the stage is derived again.
    from PySide6.QtWidgets import QMessageBox as Box

    undo = pytest.MonkeyPatch()
    undo.setattr(Box, "question", lambda *a, **k: Box.StandardButton.Yes)
    panel.history.selectRow(panel.history.rowCount() - 1)
    panel.remove_selected_change()
    qtbot.waitUntil(lambda: len(panel._plot_view().changes) == before, timeout=TIMEOUT)  # type: ignore[union-attr]
    undo.undo()
    assert panel._plot_view().plot.stage == pv.plot.stage  # type: ignore[union-attr]
    # A bad acceptance act (no members) is refused with a message; nothing saved.
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    qtbot_patch = pytest.MonkeyPatch()
    qtbot_patch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    act = AcceptanceDialog(panel.ops, pv.plot, panel.data.visits, panel)
    qtbot.addWidget(act)
    act.accept()
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    act.set_member(0, "Б. Болд", "inspector", "Сумын ЗДТГ")
    act.set_answer("stage.technical_done", "yes")
    act.accept()
    qtbot.waitUntil(lambda: act.saved is not None, timeout=TIMEOUT)
    qtbot_patch.undo()
    with Store.open(demo_dir) as store:
        acts = rs.acceptances(store, pv.plot.id)
        assert acts[-1].members[0]["name"] == "Б. Болд"
        assert acts[-1].criteria["stage.technical_done"] == "yes"


def test_time_slider_shows_the_plots_as_they_were(qtbot, demo_dir: Path) -> None:
    w = _window(qtbot, demo_dir)
    mw = w.map_widget
    slider = w.rehab_time_slider
    qtbot.waitUntil(lambda: mw._data is not None and bool(mw._data.plots), timeout=TIMEOUT)
    now = {p["id"]: p["stage"] for p in mw._data.plots}
    slider.set_day(date(2018, 12, 31))
    qtbot.waitUntil(lambda: mw.as_of == "2018-12-31"
                    and {p["id"] for p in mw._data.plots} != set(now), timeout=TIMEOUT)
    past = {p["id"]: p["stage"] for p in mw._data.plots}
    assert set(past) < set(now)  # plots recorded later are not on the map of 2018
    assert set(past.values()) == {"disturbed"}
    slider.now.setChecked(True)
    qtbot.waitUntil(lambda: mw.as_of is None and mw._data is not None
                    and {p["id"]: p["stage"] for p in mw._data.plots} == now, timeout=TIMEOUT)


def test_targets_editor_imports_and_shows_progress(qtbot, demo_dir: Path, tmp_path: Path) -> None:
    from pemdesk.ui.rehab.dialogs import TargetsDialog

    w = _window(qtbot, demo_dir)
    dialog = TargetsDialog(w.ops, w)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 3, timeout=TIMEOUT)
    rows = dialog.table.rowCount()
    assert "coordinator" in dialog.role.text() or "зохицуулагч" in dialog.role.text().lower()
    f = tmp_path / "t.csv"
    f.write_text("level,aimag,year,stage,area_ha,name\naimag,Төв,2025,technical,25,Төв 2025\n",
                 encoding="utf-8")
    from PySide6.QtWidgets import QMessageBox

    mp = pytest.MonkeyPatch()
    mp.setattr(QMessageBox, "information", lambda *a, **k: None)
    dialog.import_file(str(f))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == rows + 1, timeout=TIMEOUT)
    index = next(i for i, t in enumerate(dialog.targets) if t.name == "Төв 2025")
    mp.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.table.selectRow(index)
    dialog.delete_selected()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == rows, timeout=TIMEOUT)
    with Store.open(demo_dir) as store:
        assert not any(t.name == "Төв 2025" for t in rs.list_targets(store, 2025))
    dialog.import_file(str(f))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == rows + 1, timeout=TIMEOUT)
    mp.undo()
    with Store.open(demo_dir) as store:
        assert any(t.name == "Төв 2025" for t in rs.list_targets(store, 2025))
