"""The Qt half of ``pemdesk --self-test`` (see ``pemdesk.selftest``) and the start-up probe.

Steps: Qt starts and has the shipped fonts (Өө Үү drawable); Mongolian sorting (ICU); the map of the demo data renders to
an image; the main window opens on the demo folder, fills its sites tree and is grabbed to a PNG
(under X also the whole screen). Images are checked to be more than a blank fill.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QTimer
from PySide6.QtGui import QFontDatabase, QFontInfo, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication

from pemdesk.selftest import Runner, Skip, check

TIMEOUT_MS = 30_000


def _process_until(done: Callable[[], bool], timeout_ms: int = TIMEOUT_MS) -> bool:
    timer = QElapsedTimer()
    timer.start()
    while not done():
        if timer.elapsed() > timeout_ms:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    return True


def distinct_colours(image: QImage, step: int = 7) -> int:
    """How many different colours a sample of the pixels has (a blank image has one)."""
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
            if len(seen) > 64:
                return len(seen)
    return len(seen)


class QtChecks:
    def __init__(self, data_dir: Path, work: Path) -> None:
        self.data_dir = data_dir
        self.work = work
        self.app: QApplication | None = None

    def start(self) -> str:
        from pemdesk.ui.app import make_app

        self.app = make_app()
        return f"platform {QApplication.platformName()}, Qt {_qt_version()}"

    def fonts(self) -> str:
        from pemdesk.selftest import CYRILLIC_SAMPLE

        app = self.app
        check(app is not None, "no QApplication")
        families = QFontDatabase.families()
        check(any("DejaVu Sans" in f for f in families), "DejaVu Sans is not registered in Qt")
        assert app is not None
        font = app.font()
        actual = QFontInfo(font).family()
        check("DejaVu" in actual, f"the default font resolves to {actual!r}")
        metrics = QFontMetrics(font)
        # inFontUcs4: PySide passes a str to inFont() as Latin-1, so Cyrillic would never match.
        missing = [ch for ch in "ӨөҮү₮" if not metrics.inFontUcs4(ord(ch))]
        check(not missing, f"the default font cannot draw {missing}")
        width = metrics.horizontalAdvance(CYRILLIC_SAMPLE)
        return f"default font {actual}, Өө Үү ₮ present, sample {width} px wide"

    def text_services(self) -> str:
        """Qt's ICU services the bundle keeps (its ICU data is trimmed to mn/ru/en): Mongolian
        sorting through QCollator (ө after о, ү after у; code-point order would put them last),
        Mongolian upper case and the Cyrillic legacy encoding windows-1251."""
        from PySide6.QtCore import QCollator, QLocale, QStringDecoder

        words = ["үүл", "пүрэв", "өндөр", "уул", "оюу", "ёс", "ес", "алт"]
        collator = QCollator(QLocale("mn_MN"))
        order = sorted(words, key=collator.sortKey)
        expected = ["алт", "ес", "ёс", "оюу", "өндөр", "пүрэв", "уул", "үүл"]
        check(order == expected, f"Mongolian sorting through Qt is {order}")
        upper = QLocale("mn_MN").toUpper("өвөл үүл")
        check(upper == "ӨВӨЛ ҮҮЛ", f"Mongolian upper case through Qt is {upper!r}")
        check(QStringDecoder("windows-1251").isValid(), "Qt cannot decode windows-1251")
        return "Mongolian sorting and upper case, windows-1251"

    def map_image(self) -> str:
        try:
            from pemdesk.geo.mapdata import MapModel, Viewport, merc_point
            from pemdesk.storage.geo import map_data
            from pemdesk.ui.map.render import LayerPainter, render_view
        except ImportError as exc:
            raise Skip(f"no map renderer: {exc}") from exc
        from pemdesk.storage import Store

        with Store.open(self.data_dir) as store:
            data = map_data(store)
        base = MapModel()
        base.load_boundaries()
        model = base.with_records(data)
        view = Viewport(0.0, 0.0, 5.0, 900, 560)
        minx, miny = merc_point(87.7, 41.5)
        maxx, maxy = merc_point(119.9, 52.2)
        view.fit(minx, miny, maxx, maxy, margin=0.02)
        image = QImage(view.width, view.height, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:
            render_view(LayerPainter(model), view, painter)
        finally:
            painter.end()
        path = self.work / "map.png"
        check(image.save(str(path)), "the map image could not be saved")
        colours = distinct_colours(image)
        check(colours >= 4, f"the map image is nearly blank ({colours} colours)")
        return f"{path.name} {image.width()}x{image.height()}, {colours}+ colours"

    def window(self) -> str:
        from pemdesk.ui.main_window import MainWindow

        window = MainWindow(self.data_dir)
        try:
            window.resize(1180, 760)
            window.show()
            ok = _process_until(lambda: _window_ready(window))
            check(ok, "the main window did not load its sites within 30 s")
            check(not window.plugin_failures,
                  "plug-ins failed to install: " + "; ".join(window.plugin_failures))
            QCoreApplication.processEvents()
            path = self.work / "window.png"
            image = window.grab().toImage()
            check(image.save(str(path)), "the window image could not be saved")
            colours = distinct_colours(image)
            check(colours >= 4, f"the window image is nearly blank ({colours} colours)")
            detail = f"{path.name} {image.width()}x{image.height()}, {_tree_rows(window)} aimags"
            if QApplication.platformName() == "xcb":
                screen = QApplication.primaryScreen()
                if screen is not None:
                    shot = screen.grabWindow(0)
                    if shot.save(str(self.work / "screen.png")):
                        detail += ", screen.png"
            return detail
        finally:
            window.close()
            window.ops.shutdown()
            window.deleteLater()
            QCoreApplication.processEvents()

    def licences(self) -> str:
        """The licences are shipped and the About dialog shows them (Qt's LGPL notice first)."""
        from pemdesk.ui.about import AboutDialog, licence_files

        files = licence_files()
        check(len(files) >= 5, f"licence files missing: {[f.path.name for f in files]}")
        check(files[0].path.name == "THIRD_PARTY_LICENSES.md", "no THIRD_PARTY_LICENSES.md")
        dialog = AboutDialog(self.data_dir)
        try:
            text = dialog.text.toPlainText()
            check("LGPL" in text and "PySide6" in text, "the Qt licence notice is not shown")
        finally:
            dialog.deleteLater()
        return f"{len(files)} licence files, {files[0].path.stat().st_size // 1024} KiB third-party"


def _qt_version() -> str:
    from PySide6 import __version__ as pyside_version

    return str(pyside_version)


def _tree_rows(window: Any) -> int:
    model = getattr(window, "tree_model", None)
    return int(model.rowCount()) if model is not None else 0


def _window_ready(window: Any) -> bool:
    """Shown, the first load done and the sites tree filled (what a user sees as ready)."""
    return bool(getattr(window, "loaded", True)) and _tree_rows(window) > 0


def run_steps(runner: Runner, data_dir: Path, work: Path) -> None:
    checks = QtChecks(data_dir, work)
    if not runner.step("qt start", checks.start):
        return
    runner.step("qt fonts", checks.fonts)
    runner.step("qt text services", checks.text_services)
    runner.step("map image", checks.map_image)
    runner.step("main window", checks.window)
    runner.step("licences", checks.licences)


# --- start-up probe --------------------------------------------------------------------------------
def process_start_time() -> float | None:
    """When this process started (epoch seconds), from the OS where that is cheap to ask."""
    env = os.environ.get("PEMDESK_T0")
    if env:
        try:
            return float(env)
        except ValueError:
            pass
    if sys.platform.startswith("linux"):
        try:
            fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
            ticks = os.sysconf("SC_CLK_TCK")
            started_after_boot = int(fields[19]) / ticks
            uptime = float(Path("/proc/uptime").read_text().split()[0])
            return time.time() - uptime + started_after_boot
        except (OSError, ValueError, IndexError):
            return None
    return None


def startup(
    echo: Callable[[str], None], data_dir: Path | None = None, keep: Path | None = None
) -> int:
    """Start the program the way ``ui.app.run`` does and report when its window is ready.

    On ``data_dir`` as it is (prepare it first, e.g. ``pemdesk --data-dir D demo``), or else on
    a temporary demo folder made before the clock's window part starts (and subtracted).
    """
    import tempfile

    from pemdesk import i18n

    t_enter = time.time()
    start = process_start_time()
    with tempfile.TemporaryDirectory(prefix="pemdesk-startup-") as tmp:
        if data_dir is None:
            from pemdesk.demo import load_demo
            from pemdesk.storage import Store

            data_dir = (keep or Path(tmp)) / "data"
            with Store.open(data_dir) as store:
                load_demo(store)
        t_window = time.time()
        from pemdesk.ui.app import make_app
        from pemdesk.ui.errors import install_excepthooks
        from pemdesk.ui.main_window import MainWindow

        app = make_app()
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
        window = MainWindow(data_dir)
        install_excepthooks(window)
        window.show()
        result: dict[str, float] = {}

        def poll() -> None:
            if _window_ready(window):
                timer.stop()
                QTimer.singleShot(0, ready)  # the event loop is idle again: interactive

        def ready() -> None:
            result["ready"] = time.time()
            if keep is not None:
                window.grab().save(str(keep / "startup-window.png"))
            window.close()
            app.quit()

        timer = QTimer()
        timer.timeout.connect(poll)
        timer.start(1)
        QTimer.singleShot(TIMEOUT_MS, app.quit)
        app.exec()
        window.ops.shutdown()
    if "ready" not in result:
        echo("start-up: the main window did not become ready within 30 s")
        return 1
    window_s = result["ready"] - t_window
    # A demo folder made here is not part of starting the program: subtract it.
    prep_s = t_window - t_enter
    if start is not None:
        total = result["ready"] - start - prep_s
        echo(
            f"start-up: {total:.2f} s from process start to an interactive main window "
            f"(of which {window_s:.2f} s QApplication + window + first load; "
            f"{t_enter - start:.2f} s process start and imports)"
        )
    else:
        echo(f"start-up: {window_s:.2f} s QApplication + main window + first load")
    return 0
