"""Sync GUI: progress dialog, calm offline, cancel, conflicts view, the Sync menu and column."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.errors import Offline
from pemdesk.storage import Store

pytestmark = pytest.mark.ui


def _square(lon: float, lat: float, d: float = 0.002) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_sync_dialog_shows_progress_and_result(qtbot) -> None:
    from pemdesk.ui.sync.sync_dialog import SyncDialog

    def job(progress):
        progress.update(label="records")
        progress.records_total = 3
        progress.step(3)
        progress.update(label="photos", done=0, total=2_000_000)
        for i in range(1, 5):
            time.sleep(0.05)
            progress.update(done=i * 500_000)
        return "ok"

    dialog = SyncDialog("Sync", job, summarise=lambda r: f"result {r}")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    with qtbot.waitSignal(dialog.job.finished, timeout=10_000):
        pass
    assert dialog.result == "ok"
    assert dialog.records.text() == "3 / 3"
    assert "MB" in dialog.bytes.text() and dialog.message.text() == "result ok"
    assert dialog.close_button.isVisible() and not dialog.cancel_button.isVisible()


def test_offline_is_calm_and_cancel_stops(qtbot) -> None:
    from pemdesk.ui.sync.sync_dialog import SyncDialog

    def offline(progress):
        raise Offline("Сервертэй холбогдсонгүй.", "The server cannot be reached.")

    dialog = SyncDialog("Sync", offline)
    qtbot.addWidget(dialog)
    dialog.start()
    with qtbot.waitSignal(dialog.job.failed, timeout=10_000):
        pass
    assert dialog.message.text() == "Сервертэй холбогдсонгүй."  # no error box, just the text

    def slow(progress):
        while True:
            time.sleep(0.01)
            progress.check()

    dialog = SyncDialog("Sync", slow)
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.wait(50)
    with qtbot.waitSignal(dialog.job.failed, timeout=10_000):
        dialog.cancel_button.click()
    assert type(dialog.error).__name__ == "Interrupted"


def _store_with_conflict(folder: Path) -> tuple[Store, model.Plot, dict, dict]:
    """A plot whose outline the server reported in conflict (as pull_apply stores it)."""
    from pemdesk.gazetteer import Gazetteer

    store = Store.open(folder)
    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    site = store.save(
        model.Site(name_mn="Уурхай", aimag_code=aimag.code, soum_code=gaz.soums(aimag.code)[0].code)
    )
    a, b = _square(105.0, 44.0), _square(105.0005, 44.0003, 0.003)
    plot = store.save(model.Plot(site_id=site.id, name="Талбай 1", geometry=a))
    with store.capture_suppressed():
        store.conn.execute("UPDATE plot SET _version = 3, _conflict = 1 WHERE id = ?", [plot.id])
        store.conn.execute("UPDATE sync_outbox SET state = 'acked'")
        conflict = {
            "conflict_id": "c-1",
            "fields": ["geometry", "area_ha"],
            "server_value": {"geometry": json.dumps(b), "area_ha": 9.9},
            "incoming_value": {"geometry": json.dumps(a), "area_ha": plot.area_ha},
            "provisional": "incoming",
            "server_device": "device-of-dulmaa",
        }
        store.conn.execute(
            "INSERT INTO sync_conflict VALUES (?, 'plot', ?, ?, ?, ?, ?, ?)",
            ["c-1", plot.id, json.dumps(conflict["fields"]),
             json.dumps(conflict["server_value"]), json.dumps(conflict["incoming_value"]),
             "incoming", json.dumps(conflict)],
        )  # fmt: skip
    return store, plot, a, b


def test_conflicts_view_resolves_with_version_b(qtbot, tmp_path: Path) -> None:
    from pemdesk.sync.conflicts import list_conflicts, resolve_conflict
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.sync.conflicts_view import ConflictsDialog

    store, plot, a, b = _store_with_conflict(tmp_path / "data")
    store.close()
    ops = Operations(lambda: Store.open(tmp_path / "data"))
    try:
        dialog = ConflictsDialog(ops, list_conflicts, resolve_conflict, can_resolve=True)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.current is not None, timeout=10_000)
        assert dialog.list.count() == 1 and "Талбай 1" in dialog.list.item(0).text()
        assert dialog.geometry_view.has_geometry() and dialog.table.rowCount() == 1
        dialog.grab().save(str(tmp_path / "conflicts.png"))
        dialog.choose("c-1", "b")
        dialog.button_save.click()
        qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=10_000)
    finally:
        ops.shutdown()
    with Store.open(tmp_path / "data") as check:
        row = check.conn.execute("SELECT geometry, area_ha, _conflict FROM plot").fetchone()
        assert json.loads(row[0]) == b and row[1] == 9.9 and row[2] == 0
        ops_ = [o for o in check.outbox() if o["op"] == "resolve"]
        assert len(ops_) == 1 and ops_[0]["state"] == "pending"
        fields = json.loads(ops_[0]["fields"])
        assert fields["conflict_id"] == "c-1" and json.loads(fields["values"]["geometry"]) == b
        assert not [o for o in check.outbox() if o["op"] == "patch"]  # no echo of the write


def test_monitor_sees_conflicts_read_only(qtbot, tmp_path: Path) -> None:
    from pemdesk.sync.conflicts import list_conflicts, resolve_conflict
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.sync.conflicts_view import ConflictsDialog

    store, *_ = _store_with_conflict(tmp_path / "data")
    store.close()
    ops = Operations(lambda: Store.open(tmp_path / "data"))
    try:
        dialog = ConflictsDialog(ops, list_conflicts, resolve_conflict, can_resolve=False)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.current is not None, timeout=10_000)
        assert not dialog.button_save.isEnabled()
    finally:
        ops.shutdown()


def test_main_window_sync_menu_and_column(qtbot, demo_dir: Path) -> None:
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.sync import install

    window = MainWindow(demo_dir)
    qtbot.addWidget(window)
    area = getattr(window, "sync_area", None) or install(window)
    qtbot.waitUntil(lambda: "enrolled" in area.state.text() or "бүртг" in area.state.text(),
                    timeout=10_000)  # fmt: skip
    assert not area.action_sync.isEnabled() and area.action_enrol.isEnabled()
    texts = [a.text() for a in window.menu_sync.actions() if a.text()]
    assert len(texts) >= 5
    proxy = window.visits.model()
    assert proxy.columnCount() == window.visits_model.columnCount() + 1
    window.shutdown() if hasattr(window, "shutdown") else window.ops.shutdown()


def test_open_bundle_from_the_file_association(
    qtbot, demo_dir: Path, monkeypatch, tmp_path
) -> None:
    """``pemdesk --open x.pemsync`` starts the import dialog (here: not enrolled, said calmly)."""
    from pemdesk.ui.main_window import MainWindow

    bundle = tmp_path / "x.pemsync"
    bundle.write_bytes(b"not a bundle")
    monkeypatch.setenv("PEMDESK_OPEN_BUNDLE", str(bundle))
    window = MainWindow(demo_dir)
    qtbot.addWidget(window)
    area = window.sync_area
    qtbot.waitUntil(lambda: area.dialog is not None, timeout=10_000)
    qtbot.addWidget(area.dialog)
    qtbot.waitUntil(lambda: area.dialog.error is not None, timeout=10_000)
    assert type(area.dialog.error).__name__ == "NotEnrolled"
    assert area.dialog.message.text()
    window.ops.shutdown()


def test_export_and_import_bundles_from_the_menu(qtbot, tmp_path: Path) -> None:
    from pemdesk.device_key import load_or_create
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.storage import sync_client as sc
    from pemdesk.sync.client import META_DEVICE, META_SERVER_KEY
    from pemdesk.sync.server.bundles import import_push_bundle
    from pemdesk.sync.server.store import ServerStore
    from pemdesk.ui.main_window import MainWindow

    server = ServerStore.open(tmp_path / "server")
    data = tmp_path / "laptop"
    with Store.open(data) as store:
        reply = server.enroll(server.issue_code("Бат"), load_or_create(data).public_hex)
        store.set_meta(META_DEVICE, reply["device_id"])
        store.set_meta(META_SERVER_KEY, reply["server_key"])
        store.set_meta(sc.META_HIGH_WATER, "0")
        gaz = Gazetteer.load()
        aimag = gaz.aimags()[0]
        site = store.save(model.Site(name_mn="Уурхай", aimag_code=aimag.code,
                                     soum_code=gaz.soums(aimag.code)[0].code))  # fmt: skip
    window = MainWindow(data)
    qtbot.addWidget(window)
    area = window.sync_area
    qtbot.waitUntil(lambda: area.action_export.isEnabled(), timeout=10_000)
    target = tmp_path / "usb" / "out.pemsync"
    target.parent.mkdir()
    dialog = area.export_bundle(target)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.job.finished, timeout=20_000):
        pass
    assert dialog.result.ops == 1 and target.exists()
    report = import_push_bundle(server, target, out_dir=tmp_path / "usb")
    dialog = area.import_bundle(report.ack_path)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.job.finished, timeout=20_000):
        pass
    assert dialog.result.acked == 1
    window.ops.shutdown()
    server.close()
    with Store.open(data) as store:
        assert sc.record_sync_status(store, "site", site.id) == "confirmed"


def test_closing_the_window_stops_a_running_sync(qtbot, demo_dir: Path) -> None:
    import threading

    from pemdesk.ui.main_window import MainWindow

    window = MainWindow(demo_dir)
    qtbot.addWidget(window)
    area = window.sync_area
    stopped = threading.Event()

    def endless(progress):
        try:
            while True:
                time.sleep(0.01)
                progress.check()
        finally:
            stopped.set()

    dialog = area._run("Sync", endless, lambda r: "")
    qtbot.addWidget(dialog)
    qtbot.wait(50)
    window.close()
    assert stopped.is_set() and not dialog.job.running


def test_sync_cell_tells_the_seal_receipt(qtbot, tmp_path: Path) -> None:
    from nacl.signing import SigningKey
    from PySide6.QtCore import Qt

    from pemdesk.gazetteer import Gazetteer
    from pemdesk.storage.receipts import store_receipts
    from pemdesk.sync import receipts
    from pemdesk.ui.main_window import MainWindow

    server_key = SigningKey.generate()
    data = tmp_path / "data"
    with Store.open(data) as store:
        gaz = Gazetteer.load()
        aimag = gaz.aimags()[0]
        site = store.save(model.Site(name_mn="Уурхай", aimag_code=aimag.code,
                                     soum_code=gaz.soums(aimag.code)[0].code))  # fmt: skip
        visit = store.save(model.Visit(site_id=site.id, started_at="2026-06-01T02:00:00.000Z"))
        check = {"visit_id": visit.id, "revision": 1, "digest": "d" * 64, "seal_key": "k",
                 "signature_valid": True, "digest_valid": True, "photos": [],
                 "photos_missing": [], "problems": [], "status": receipts.VERIFIED}  # fmt: skip
        receipt = receipts.make_receipt(
            check, server_key=server_key, checked_at="2026-06-05T03:00:00.000Z", receipt_id="r"
        )
        assert store_receipts(store, [receipt], bytes(server_key.verify_key).hex()) == 1
    window = MainWindow(data)
    qtbot.addWidget(window)
    window.select_site(site.id)
    proxy = window.visits.model()
    column = proxy.columnCount() - 1
    qtbot.waitUntil(lambda: proxy.rowCount() == 1 and visit.id in proxy.receipts, timeout=10_000)
    tip = proxy.data(proxy.index(0, column), Qt.ItemDataRole.ToolTipRole)
    assert "2026.06.05" in tip
    window.ops.shutdown()


def test_no_connection_is_a_calm_status(qtbot, tmp_path: Path, monkeypatch) -> None:
    import socket

    from pemdesk.device_key import load_or_create
    from pemdesk.sync.client import META_DEVICE, META_SERVER_KEY, META_URL
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.sync import jobs

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "data"
    with Store.open(data) as store:
        load_or_create(data)
        store.set_meta(META_DEVICE, "0190d6b0-0000-7000-8000-000000000001")
        store.set_meta(META_SERVER_KEY, "00" * 32)
        store.set_meta(META_URL, f"http://127.0.0.1:{port}")
    monkeypatch.setitem(jobs.TRANSPORT_OPTIONS, "retries", 1)
    monkeypatch.setitem(jobs.TRANSPORT_OPTIONS, "backoff_s", 0.01)
    window = MainWindow(data)
    qtbot.addWidget(window)
    area = window.sync_area
    qtbot.waitUntil(area.action_sync.isEnabled, timeout=10_000)
    dialog = area.sync_now()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.job.failed, timeout=30_000):
        pass
    assert isinstance(dialog.error, Offline)
    qtbot.waitUntil(lambda: area.offline and area.state.text() != "", timeout=10_000)
    assert "холболт" in area.state.text()  # said in the status bar, no error box
    window.ops.shutdown()
