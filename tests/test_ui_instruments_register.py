"""Tools → Instruments…: the register window, adding (and a refused duplicate), moving an
instrument to another site, and removing an import, offscreen on the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pemdesk.storage import Store

pytestmark = pytest.mark.ui
TIMEOUT = 15_000


def _deployment_with_readings(folder: Path, tmp_path: Path) -> tuple[str, str, str]:
    from pemdesk.instruments.formats import read_file
    from pemdesk.instruments.register import save_instrument
    from pemdesk.storage import readings as rs

    f = tmp_path / "dust.csv"
    f.write_text("time,pm10\n" + "".join(f"2025-03-01 {h:02d}:00,{20 + h}\n" for h in range(10)),
                 encoding="utf-8")
    with Store.open(folder) as store:
        sites = store.list_sites()
        iid = save_instrument(store, {"serial": "DT-42", "make": "TSI", "model": "DustTrak"})
        dep = rs.add_deployment(store, iid, sites[0].id, "2025-03-01T00:00:00Z")
        rs.import_parsed(store, dep, read_file(f, tz="+08:00"))
        return dep, sites[0].id, sites[1].id


def test_register_add_move_and_remove_an_import(qtbot, demo_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.readings import open_register
    from pemdesk.ui.readings.register import ImportsDialog, InstrumentDialog, MoveDialog

    dep, first_site, other_site = _deployment_with_readings(demo_dir, tmp_path)
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    assert any(a.text() == "Instruments…" or a.text() == "Багаж…"
               for a in w.menu_tools.actions())
    open_register(w)
    reg = w.instrument_register
    with Store.open(demo_dir) as store:
        expected = store._query("SELECT count(*) AS n FROM instrument WHERE _deleted = 0")[0]["n"]
    qtbot.waitUntil(lambda: reg.table.rowCount() == expected, timeout=TIMEOUT)
    # add one, then try its serial again: refused with a message, nothing added
    reg.add()
    dialog = reg.dialog
    assert isinstance(dialog, InstrumentDialog)
    dialog.serial.setText("AQ-500")
    dialog.make.setText("Aeroqual")
    dialog.calibrated.setText("2026-01-10")
    dialog.due.setText("2027-01-10")
    dialog.save()
    qtbot.waitUntil(lambda: reg.table.rowCount() == expected + 1, timeout=TIMEOUT)
    reg.add()
    again = reg.dialog
    assert isinstance(again, InstrumentDialog)
    again.serial.setText("AQ-500")
    again.save()
    qtbot.waitUntil(lambda: "AQ-500" in again.error.text(), timeout=TIMEOUT)
    again.reject()
    # move DT-42 to the other site
    row = next(r for r in range(reg.table.rowCount()) if reg.table.item(r, 2).text() == "DT-42")
    reg.table.selectRow(row)
    reg.relocate()
    move = reg.dialog
    assert isinstance(move, MoveDialog)
    qtbot.waitUntil(lambda: move.site.count() > 1, timeout=TIMEOUT)
    move.site.setCurrentIndex(move.site.findData(other_site))
    move.at.setText("2025-04-01T00:00:00Z")
    move.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not move.isVisible(), timeout=TIMEOUT)
    with Store.open(demo_dir) as store:
        deps = store._query("SELECT site_id, ended_at FROM deployment d JOIN instrument i ON "
                            "i.id = d.instrument_id WHERE i.serial = 'DT-42' ORDER BY started_at")
    assert [(d["site_id"], d["ended_at"]) for d in deps] == [
        (first_site, "2025-04-01T00:00:00Z"), (other_site, None)]
    # the imports of the old deployment: remove the only one, after saying yes
    imports = ImportsDialog(w.ops, None, dep, reg)
    qtbot.addWidget(imports)
    qtbot.waitUntil(lambda: imports.table.rowCount() == 1, timeout=TIMEOUT)
    assert imports.table.item(0, 1).text() == "dust.csv" and imports.table.item(0, 3).text() == "10"
    imports.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    imports.remove()
    qtbot.waitUntil(lambda: imports.table.rowCount() == 0, timeout=TIMEOUT)
    assert "10" in imports.status.text()
    with Store.open(demo_dir) as store:
        left = store._query("SELECT count(*) AS n FROM reading_batch WHERE deployment_id = ? "
                            "AND _deleted = 0", [dep])[0]["n"]
    assert left == 0
