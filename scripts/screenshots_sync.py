"""Screenshots of the sync area for docs/screenshots/sync-*.png.

    xvfb-run -a -s "-screen 0 1280x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/screenshots_sync.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def conflict_store(folder: Path) -> None:
    from pemdesk import model
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.storage import Store

    def square(lon: float, lat: float, dx: float, dy: float) -> dict:
        ring = [[lon, lat], [lon + dx, lat], [lon + dx, lat + dy], [lon, lat + dy], [lon, lat]]
        return {"type": "Polygon", "coordinates": [ring]}

    gaz = Gazetteer.load()
    soum = gaz.find_soum("Ханбогд") if hasattr(gaz, "find_soum") else None
    aimag = soum.aimag_code if soum else gaz.aimags()[0].code
    soum_code = soum.code if soum else gaz.soums(aimag)[0].code
    with Store.open(folder) as store:
        site = store.save(model.Site(name_mn="Оюу толгой", aimag_code=aimag, soum_code=soum_code))
        a = square(106.85, 43.0, 0.004, 0.003)
        b = square(106.8515, 43.0008, 0.0045, 0.0032)
        plot = store.save(
            model.Plot(site_id=site.id, name="Хаягдлын сан 2", geometry=a, notes="Шинэ хил")
        )
        with store.capture_suppressed():
            store.conn.execute("UPDATE plot SET _version = 4, _conflict = 1")
            store.conn.execute("UPDATE sync_outbox SET state = 'acked'")
            for cid, fields, server, incoming in (
                ("c-1", ["geometry", "area_ha"],
                 {"geometry": json.dumps(b), "area_ha": 16.7}, {"geometry": json.dumps(a),
                                                               "area_ha": plot.area_ha}),
                ("c-2", ["notes"], {"notes": "Хил зассан (Дулмаа)"}, {"notes": "Шинэ хил"}),
            ):  # fmt: skip
                detail = {"fields": fields, "server_value": server, "incoming_value": incoming,
                          "provisional": "incoming", "server_device": "Дулмаагийн зөөврийн"}  # fmt: skip
                store.conn.execute(
                    "INSERT INTO sync_conflict VALUES (?, 'plot', ?, ?, ?, ?, 'incoming', ?)",
                    [cid, plot.id, json.dumps(fields), json.dumps(server), json.dumps(incoming),
                     json.dumps(detail)],
                )  # fmt: skip


def status_store(folder: Path) -> str:
    """A site whose visits are in every sync state, for the Sync column."""
    from pemdesk import model
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.storage import Store

    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    with Store.open(folder) as store:
        site = store.save(model.Site(name_mn="Цагаан суварга", aimag_code=aimag.code,
                                     soum_code=gaz.soums(aimag.code)[0].code, lon=108.3,
                                     lat=43.9))  # fmt: skip
        ids = []
        for day, purpose in enumerate(("Улирлын үзлэг", "Усны дээж", "Тоосны хэмжилт",
                                       "Нөхөн сэргээлт"), start=1):  # fmt: skip
            visit = store.save(model.Visit(site_id=site.id, purpose=purpose,
                                           started_at=f"2026-06-0{day}T02:00:00.000Z"))  # fmt: skip
            ids.append(visit.id)
        with store.capture_suppressed():
            c = store.conn
            c.execute("UPDATE sync_outbox SET state = 'acked' WHERE entity_id IN (?, ?)",
                      [site.id, ids[0]])  # fmt: skip
            c.execute("UPDATE site SET _version = 1")
            c.execute("UPDATE visit SET _version = 1 WHERE id = ?", [ids[0]])
            c.execute("UPDATE sync_outbox SET sent_at = '2026-06-05T00:00:00Z' WHERE entity_id = ?",
                      [ids[1]])  # fmt: skip
            c.execute("UPDATE sync_outbox SET state = 'acked' WHERE entity_id = ?", [ids[3]])
            c.execute("UPDATE visit SET _version = 2, _conflict = 1 WHERE id = ?", [ids[3]])
        return site.id


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from pemdesk import i18n
    from pemdesk.storage import Store
    from pemdesk.sync.conflicts import list_conflicts, resolve_conflict
    from pemdesk.ui.app import make_app
    from pemdesk.ui.ops import Operations
    from pemdesk.ui.sync.conflicts_view import ConflictsDialog
    from pemdesk.ui.sync.enrol_dialog import EnrolDialog
    from pemdesk.ui.sync.sync_dialog import SyncDialog

    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    conflict_store(tmp / "data")

    def settle(ms: int = 400) -> None:
        end = threading.Event()
        from PySide6.QtCore import QTimer

        QTimer.singleShot(ms, end.set)
        while not end.is_set():
            app.processEvents()

    for lang in ("mn", "en"):
        i18n.set_language(lang)
        ops = Operations(lambda: Store.open(tmp / "data"))
        dialog = ConflictsDialog(ops, list_conflicts, resolve_conflict, can_resolve=True)
        dialog.resize(1000, 620)
        dialog.show()
        settle(800)
        dialog.grab().save(str(OUT / f"sync-conflicts-{lang}.png"))
        dialog.close()
        ops.shutdown()

        release = threading.Event()

        def job(progress, release=release):  # noqa: ANN001 - a progress value
            progress.update(label="records")
            progress.records_total = 412
            progress.step(412)
            progress.update(label="photos", done=0, total=38_000_000)
            progress.photos_total = 57
            progress.photos_done = 12
            for i in range(1, 8):
                threading.Event().wait(0.05)
                progress.update(done=i * 420_000)
            release.wait(10)
            return None

        sync = SyncDialog(i18n._("Sync"), job)
        sync.show()
        sync.start()
        settle(900)
        sync.grab().save(str(OUT / f"sync-progress-{lang}.png"))
        release.set()
        sync.job.wait()
        settle(200)
        sync.close()

        enrol = EnrolDialog(tmp / "data")
        enrol.server.setText("http://10.20.0.5:8470")
        enrol.code.setText("K7QP-M3XD-9RTA")
        enrol.name.setText("Ханбогд-ноутбук-2")
        enrol.show()
        settle(200)
        enrol.grab().save(str(OUT / f"sync-enrol-{lang}.png"))
        enrol.close()
        from pemdesk.ui.main_window import MainWindow

        status_dir = tmp / f"status-{lang}"
        site_id = status_store(status_dir)
        window = MainWindow(status_dir)
        window.resize(1180, 560)
        window.show()
        settle(600)
        window.select_site(site_id)
        settle(900)
        window.grab().save(str(OUT / f"sync-status-column-{lang}.png"))
        window.ops.shutdown()
        window.close()
    QApplication.processEvents()
    print("\n".join(str(p) for p in sorted(OUT.glob("sync-*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
