"""End to end in the GUI against the real server subprocess: a coordinator resolves a conflict
in the conflicts view, syncs from the Sync menu, and the resolution reaches everyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synchelp import client_for, enrolled, new_plot, new_site, square

from pemdesk import model

pytestmark = pytest.mark.ui


def test_coordinator_resolves_plot_conflict_in_the_gui(qtbot, live_server, tmp_path: Path) -> None:
    from pemdesk.ui.main_window import MainWindow

    bat = enrolled(live_server, tmp_path / "bat", "Бат")
    site = new_site(bat)
    plot = new_plot(bat, site.id)
    with client_for(bat) as c:
        c.sync()
    coordinator_dir = tmp_path / "coordinator"
    boss = enrolled(live_server, coordinator_dir, "Дулмаа", "coordinator")
    with client_for(boss) as c:
        c.sync()
    # Both change the outline without seeing each other's edit.
    bat_outline, boss_outline = square(105.01, 44.0, 0.002), square(105.02, 44.0, 0.004)
    p = bat.get(model.Plot, plot.id)
    p.geometry = bat_outline
    bat.save(p)
    p = boss.get(model.Plot, plot.id)
    p.geometry = boss_outline
    boss.save(p)
    with client_for(bat) as c:
        c.sync()
    with client_for(boss) as c:
        c.sync()
    with client_for(bat) as c:
        c.sync()
    assert len(live_server.store.conflicts()) == 1
    boss.close()

    window = MainWindow(coordinator_dir)
    qtbot.addWidget(window)
    area = window.sync_area
    qtbot.waitUntil(lambda: area.overview.get("conflicts") == 1, timeout=10_000)
    dialog = area.open_conflicts()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.current is not None, timeout=10_000)
    unit = dialog.current.units[0]
    assert "geometry" in unit.fields and dialog.geometry_view.has_geometry()
    # Keep Bat's outline, whichever side it is shown on.
    side = "a" if unit.a.get("geometry") == bat_outline else "b"
    assert (unit.a if side == "a" else unit.b)["geometry"] == bat_outline
    dialog.choose(unit.conflict_id, side)
    dialog.button_save.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=10_000)
    sync = area.sync_now()
    qtbot.addWidget(sync)
    with qtbot.waitSignal(sync.job.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: area.overview.get("conflicts") == 0, timeout=10_000)
    window.ops.shutdown()

    assert live_server.store.conflicts() == []
    with client_for(bat) as c:
        c.sync()
    got = bat.get(model.Plot, plot.id)
    assert got.geometry == bat_outline
    row = bat.conn.execute("SELECT _conflict FROM plot WHERE id = ?", [plot.id]).fetchone()
    assert row[0] == 0
    server_plot = live_server.store.dump()["plot"][plot.id]
    assert json.loads(server_plot["geometry"]) == bat_outline
    bat.close()
