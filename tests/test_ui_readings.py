"""The readings tab and the import dialog, offscreen on the demo data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pemdesk.storage import Store

pytestmark = pytest.mark.ui
TIMEOUT = 15_000


def _csv(path: Path) -> Path:
    lines = ["Logger DX;;", "Datum;PM10 [µg/m³];Temp [°C]"]
    for d in range(1, 4):
        for h in range(24):
            lines.append(f"0{d}.02.2025 {h:02d}:00;{(130 if d == 2 else 40) + h % 5};{h % 7}")
    lines.append("03.02.2025 12:30;2000;3")  # a spike
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_dialog_maps_imports_and_the_view_shows_limits(qtbot, demo_dir: Path,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.readings.import_dialog import ImportDialog

    with Store.open(demo_dir) as store:
        site_id = store.list_sites()[0].id
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.select_site(site_id)
    view = w.readings_view
    dialog = ImportDialog(w.ops, demo_dir, site_id, "en", view)
    qtbot.addWidget(dialog)
    dialog.open_file(str(_csv(tmp_path / "dx.csv")))
    qtbot.waitUntil(lambda: dialog.parsed is not None, timeout=TIMEOUT)
    assert "line" not in dialog.status.text()
    assert dialog.result_table.rowCount() == 2  # PM10 and air temperature found by name
    assert dialog.preview.toPlainText().splitlines()[1].endswith("Datum;PM10 [µg/m³];Temp [°C]")
    # Map the temperature column away and apply: only PM10 remains.
    for r in range(dialog.columns.rowCount()):
        item = dialog.columns.item(r, 0)
        combo = dialog.columns.cellWidget(r, 1)
        if item is not None and item.text().startswith("Temp"):
            combo.setCurrentIndex(0)  # type: ignore[union-attr]
        if item is not None and item.text().startswith("PM10"):
            combo.setCurrentIndex(combo.findData("air.pm10"))  # type: ignore[union-attr]
    dialog.time_combo.setCurrentIndex(dialog.time_combo.findData("Datum"))
    dialog.apply_mapping()
    qtbot.waitUntil(lambda: dialog.result_table.rowCount() == 1, timeout=TIMEOUT)
    dialog.serial_edit.setText("DX-1")
    dialog.deployment_combo.setCurrentIndex(dialog.deployment_combo.count() - 1)  # new
    results: list[object] = []
    dialog.imported.connect(results.append)
    dialog.start_import()
    qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT)
    assert results[0].readings == 73  # type: ignore[attr-defined]
    w.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.deployments.count() == 1 and view.table.rowCount() > 0,
                    timeout=TIMEOUT)
    assert view.indicator.currentData() == "air.pm10"
    x, y = view.chart.curve.getData()
    assert len(x) == 73 and float(np.max(y)) == 2000.0
    assert len(view.chart.flagged.data) >= 1  # the spike is marked
    assert [round(li.value()) for li in view.chart.limit_items] == [100, 50, 45, 15]
    # 2 Feb (local) is above the MNS 24-h limit of 100; 1 and 3 Feb are not.
    mns = view.table.item(0, 3)
    assert mns is not None and mns.text() == "1"
    # The deployment is on the map (at its site: it has no position of its own).
    from pemdesk.ui.readings import MAP_LAYER

    model = w.map_widget.canvas.model
    qtbot.waitUntil(lambda: MAP_LAYER in model.user_layers, timeout=TIMEOUT)
    assert len(model.user_layers[MAP_LAYER].geoms) == 1


def test_deployment_dialog_sets_corrections_and_calibration(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from factories import make_site
    from pemdesk.storage import readings as rs
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.readings.deployment_dialog import DeploymentDialog

    data = tmp_path / "d"
    with Store.open(data) as st:
        site = make_site(st)
        iid = rs.add_instrument(st, "PA-1", kind="purpleair")
        dep = rs.add_deployment(st, iid, site.id, "2025-01-01T00:00:00Z")
        row = rs.get_deployment(st, dep)
    ops = Operations(lambda: Store.open(data))
    try:
        dialog = DeploymentDialog(ops, row)
        qtbot.addWidget(dialog)
        dialog.epa.setChecked(True)
        dialog.coloc.setChecked(True)
        dialog.factor.setText("1,25")
        dialog.height_edit.setText("3")
        dialog.save()
        qtbot.waitUntil(lambda: dialog.result() == 1, timeout=TIMEOUT)
        dialog2 = DeploymentDialog(ops, row)
        qtbot.addWidget(dialog2)
        dialog2.tz.setText("Mars/Olympus")
        dialog2.save()
        qtbot.waitUntil(lambda: "Mars/Olympus" in dialog2.error.text(), timeout=TIMEOUT)
    finally:
        ops.shutdown()
    with Store.open(data) as st:
        got = rs.get_deployment(st, dep)
        assert got["corrections"] == ["epa2021_purpleair", "colocation"]
        assert (got["factor"], got["height_m"], got["tz"]) == (1.25, 3.0, "+08:00")


def test_visit_editor_records_serviced_deployments(qtbot, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from pemdesk import model
    from pemdesk.storage import readings as rs
    from pemdesk.ui.main_window import MainWindow

    with Store.open(demo_dir) as st:
        site = st.list_sites()[0]
        iid = rs.add_instrument(st, "HOBO-9", kind="hobo")
        dep = rs.add_deployment(st, iid, site.id, "2026-05-01T00:00:00Z")
        visit = st.save(model.Visit(site_id=site.id, started_at="2026-06-01T02:00:00.000Z"))
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.open_visit(visit.id)
    qtbot.waitUntil(lambda: visit.id in w.editors, timeout=TIMEOUT)
    tab = w.editors[visit.id].instruments_tab
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=TIMEOUT)
    combo = tab.table.cellWidget(0, 2)
    combo.setCurrentIndex(combo.findData("downloaded"))  # type: ignore[union-attr]
    with Store.open(demo_dir) as st:
        qtbot.waitUntil(lambda: [r["action"] for r in rs.visit_deployments(st, visit.id)]
                        == ["downloaded"], timeout=TIMEOUT)
        assert rs.visit_deployments(st, visit.id)[0]["deployment_id"] == dep
