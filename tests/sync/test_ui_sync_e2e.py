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


def test_photo_viewer_downloads_another_monitors_original(qtbot, live_server,
                                                           tmp_path: Path) -> None:
    """Another monitor's photo: the viewer offers "Download the original", fetches it through
    the sync client (progress dialog) and shows it; the file is the one the owner took."""
    import hashlib
    import io

    from PIL import Image
    from synchelp import new_visit

    from pemdesk.photos.files import PhotoFiles
    from pemdesk.storage import photos as q
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.photos.viewer import PhotoViewer

    bat = enrolled(live_server, tmp_path / "bat", "Бат")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    rel = f"photos/{sha[:2]}/{sha}"
    (bat.data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
    (bat.data_dir / rel).write_bytes(data)
    q.add_blob(bat, q.BlobRow(sha, len(data), rel, "image/jpeg", "original"))
    site = new_site(bat)
    photo = bat.save(model.Photo(sha256=sha, visit_id=new_visit(bat, site.id).id,
                                 width=64, height=48))
    with client_for(bat) as c:
        c.sync()
    bat.close()
    dorj_dir = tmp_path / "dorj"
    dorj = enrolled(live_server, dorj_dir, "Дорж")
    with client_for(dorj) as c:
        c.sync()
    dorj.close()
    original = PhotoFiles(dorj_dir).original_path(sha)
    assert not original.exists()

    window = MainWindow(dorj_dir)
    qtbot.addWidget(window)
    viewer = PhotoViewer(window.ops, photo, window)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: not viewer.download_button.isHidden(), timeout=10_000)
    assert not viewer.original_button.isEnabled()
    dialog = viewer.download_original()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.job.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: viewer.image.width() == 64, timeout=10_000)
    assert hashlib.sha256(original.read_bytes()).hexdigest() == sha
    assert viewer.download_button.isHidden() and viewer.original_button.isEnabled()
    window.ops.shutdown()
