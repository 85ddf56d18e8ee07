"""Signature pad latency (issue 13): how long from a pointer move to the new ink on screen.

A 1280×800 window holds the sign-off step (pad across the window). 3,000 pointer moves along
signature-like strokes are sent as real mouse events; each is timed from the event until the
event loop has painted it (the update request handled, ``processEvents`` returned). The same moves
are timed again with a naive pad that repaints the whole signature on every move, for the ratio.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_signature.py   (or under xvfb-run)
Target: median and 99th percentile under 16 ms (one frame at 60 Hz).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QVBoxLayout, QWidget  # noqa: E402

from pemdesk.ui.cases.signature_pad import SignaturePad  # noqa: E402

MOVES = 3000
TARGET_MS = 16.0


class NaivePad(SignaturePad):
    """The obvious implementation: redraw everything and repaint the whole pad per move."""

    def _add_point(self, pos: QPointF, start: bool) -> None:
        point = self._to_pad(pos)
        if start:
            self._strokes.append([point])
        else:
            self._strokes[-1].append(point)
        self._redraw()


def path(n: int, width: float, height: float) -> list[tuple[float, float, bool]]:
    """Signature-like strokes across the pad: (x, y, starts a stroke)."""
    points = []
    per_stroke = 150
    for i in range(n):
        k, j = divmod(i, per_stroke)
        t = j / per_stroke
        x = width * (0.05 + 0.9 * ((k % 6) / 6 + t / 6))
        y = height * (0.5 + 0.35 * math.sin(t * 17 + k) * math.cos(t * 5))
        points.append((x, y, j == 0))
    return points


def run(pad_class: type[SignaturePad], app: QApplication) -> list[float]:
    window = QMainWindow()
    central = QWidget()
    layout = QVBoxLayout(central)
    pad = pad_class()
    pad.setFixedHeight(400)
    layout.addWidget(pad)
    layout.addStretch(1)
    window.setCentralWidget(central)
    window.resize(1280, 800)
    window.show()
    for _ in range(20):
        app.processEvents()
    times = []
    pressed = False
    for x, y, start in path(MOVES, pad.width(), pad.height()):
        pos = QPointF(x, y)
        if start and pressed:
            app.sendEvent(pad, QMouseEvent(QEvent.Type.MouseButtonRelease, pos, pos,
                                           Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton,
                                           Qt.KeyboardModifier.NoModifier))
        t0 = time.perf_counter()
        if start:
            event = QMouseEvent(QEvent.Type.MouseButtonPress, pos, pos, Qt.MouseButton.LeftButton,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
            pressed = True
        else:
            event = QMouseEvent(QEvent.Type.MouseMove, pos, pos, Qt.MouseButton.NoButton,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        app.sendEvent(pad, event)
        app.processEvents()  # the posted update request: the paint of what changed
        times.append((time.perf_counter() - t0) * 1000)
    window.close()
    return times


def describe(name: str, times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"{name:<28} median {median:6.2f} ms   p99 {p99:6.2f} ms   max {ordered[-1]:6.2f} ms")
    return median, p99


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    print(f"platform {app.platformName()}, window 1280×800, pad 1280×400 px, {MOVES} moves")
    pad_median, pad_p99 = describe("incremental pad (ours)", run(SignaturePad, app))
    naive_median, _naive_p99 = describe("naive full repaint", run(NaivePad, app))
    print(f"target {TARGET_MS:.0f} ms: median {pad_median / TARGET_MS:.2f}× target, "
          f"p99 {pad_p99 / TARGET_MS:.2f}× target; naive / ours (median) "
          f"{naive_median / max(pad_median, 1e-6):.1f}×")
    ok = pad_p99 < TARGET_MS
    print("OK" if ok else "TOO SLOW")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
