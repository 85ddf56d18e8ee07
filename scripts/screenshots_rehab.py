"""Screenshots of the rehabilitation area for docs/screenshots/rehab-*.png (both languages).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_rehab.py

Makes a demo data folder, then grabs: the map with its time slider (now and in the past), the
Rehabilitation tab (stage history; the cover mask beside the photo with the correction), the
progress report's new pages, and a real photo beside its Canopeo mask (../shared/data/photos).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def wait(app: object, condition: object, timeout_s: float = 20) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise TimeoutError("the window did not get there")


def gui(data: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from pemdesk.storage import Store
    from pemdesk.ui.app import make_app

    app = QApplication.instance() or make_app([])
    with Store.open(data) as store:
        site_id = store.list_photo_points()[0].site_id
    for lang in ("mn", "en"):
        shoot(app, data, site_id, lang)


def shoot(app: object, data: Path, site_id: str, lang: str) -> None:
    from pemdesk import i18n
    from pemdesk.storage import Store
    from pemdesk.ui.main_window import MainWindow

    i18n.set_language(lang)
    w = MainWindow(data)
    w.resize(1280, 860)
    w.show()
    wait(app, lambda: w.loaded)
    mw = w.map_widget
    w.tabs.setCurrentWidget(mw)
    w.select_site(site_id)
    wait(app, lambda: mw._data is not None and bool(mw._data.plots))
    mw.canvas.zoom_to_country()
    for _ in range(20):
        app.processEvents()  # type: ignore[attr-defined]
    from pemdesk.storage import rehab as rs

    with Store.open(data) as store:
        ext = None
        for row in rs.plot_rows(store, site_id=site_id):
            b = mw.canvas.model.bounds_of("plots", row.plot.id)
            if b is not None:
                ext = b if ext is None else (min(ext[0], b[0]), min(ext[1], b[1]),
                                             max(ext[2], b[2]), max(ext[3], b[3]))
    if ext is not None:
        mw.canvas.view.fit(*ext, margin=0.3)
        mw.canvas.invalidate()
    slider = w.rehab_time_slider
    from pemdesk.storage.geo import map_data

    with Store.open(data) as store:
        now = {p["id"]: p["stage"] for p in map_data(store).plots}
        past = {p["id"]: p["stage"]
                for p in rs.map_data_as_of(store, map_data(store), "2022-12-31").plots}

    def shows(expected: dict[str, str]) -> bool:
        return mw._data is not None and {p["id"]: p["stage"] for p in mw._data.plots} == expected

    slider.set_day(date(2022, 12, 31))
    wait(app, lambda: shows(past))
    for _ in range(30):
        app.processEvents()  # type: ignore[attr-defined]
    w.grab().save(str(OUT / f"rehab-map-slider-2022-{lang}.png"))
    slider.now.setChecked(True)
    wait(app, lambda: shows(now))
    for _ in range(30):
        app.processEvents()  # type: ignore[attr-defined]
    w.grab().save(str(OUT / f"rehab-map-slider-now-{lang}.png"))

    panel = w.rehab_panel
    w.tabs.setCurrentWidget(panel)
    wait(app, lambda: panel.data is not None and panel.data.site_id == site_id)
    with_photos = panel.data.covers[0].plot_id  # type: ignore[union-attr]
    handed = next((i for i, pv in enumerate(panel.data.plots)  # type: ignore[union-attr]
                   if pv.plot.id == with_photos), 0)
    panel.plot.setCurrentIndex(handed)
    panel.photos.setCurrentRow(panel.photos.count() - 1)
    for _ in range(30):
        app.processEvents()  # type: ignore[attr-defined]
    w.grab().save(str(OUT / f"rehab-tab-{lang}.png"))
    panel.cover_box.grab().save(str(OUT / f"rehab-cover-mask-{lang}.png"))
    panel.history_box.grab().save(str(OUT / f"rehab-stage-history-{lang}.png"))
    w.close()
    w.deleteLater()
    app.processEvents()  # type: ignore[attr-defined]


def reports(data: Path, tmp: Path) -> None:
    import subprocess

    from pemdesk.reports.area import write_area_report
    from pemdesk.reports.rehab import write_national_report
    from pemdesk.storage import Store

    with Store.open(data) as store:
        aimag = store.list_photo_points()[0].site_id
        aimag = store.list_sites()[0].aimag_code
        from pemdesk.gazetteer import Gazetteer

        omnogovi = Gazetteer.load().find_aimag("Өмнөговь").code
        for lang in ("mn", "en"):
            area = tmp / f"area-{lang}.pdf"
            write_area_report(store, omnogovi, None, area, lang=lang, year=2024)
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "2", "-l", "2", str(area),
                            str(tmp / f"area-{lang}")], check=True)
            page = sorted(tmp.glob(f"area-{lang}-*.png"))[0]
            page.replace(OUT / f"rehab-progress-report-{lang}.png")
            national = tmp / f"national-{lang}.pdf"
            write_national_report(store, national, lang=lang)
            subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(national),
                            str(tmp / f"national-{lang}")], check=True)
            page = sorted(tmp.glob(f"national-{lang}-*.png"))[0]
            page.replace(OUT / f"rehab-national-{lang}.png")
    del aimag


def real_photo() -> None:
    import numpy as np
    from PIL import Image

    from pemdesk.rehab import cover as cv

    path = ROOT.parent / "shared" / "data" / "photos" / "gps" / "DSCN0010.jpg"
    if not path.is_file():
        print(f"skipped the real photo: {path} is absent")
        return
    rgb = cv.load_rgb(path)
    result = cv.cover_of_array(rgb)
    mask = np.stack([result.mask.astype(np.uint8) * 255] * 3, -1)
    Image.fromarray(np.concatenate([rgb, mask], 1)).save(OUT / "rehab-cover-real.png")
    print(f"real photo: {result.cover_pct} % green canopy")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = tmp / "demo"
        from pemdesk.demo import load_demo
        from pemdesk.storage import Store

        with Store.open(data) as store:
            load_demo(store)
        real_photo()
        reports(data, tmp)
        gui(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
