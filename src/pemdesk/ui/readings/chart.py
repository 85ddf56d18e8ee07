"""The readings chart: a million points stay fluid (pyqtgraph, peak downsampling, clip to view),
limit lines, flagged readings marked, the 24-hour means drawn over the readings, zoom and pan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from pemdesk.i18n import _

pg.setConfigOptions(antialias=False, background="w", foreground="k")


@dataclass(frozen=True)
class LimitLine:
    value: float
    label: str
    national: bool


class ReadingsChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.axis = pg.DateAxisItem(orientation="bottom", utcOffset=-8 * 3600)
        self.plot = pg.PlotWidget(axisItems={"bottom": self.axis})
        self.plot.showGrid(x=False, y=True, alpha=0.25)  # an x grid is redrawn on every pan
        # The value axis does not change while time pans: keep it as a cached pixmap (its text
        # was a third of every frame).
        left = self.plot.getPlotItem().getAxis("left")
        left.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.setMouseEnabled(x=True, y=False)  # wheel zooms time, drag pans time
        self.plot.addLegend(offset=(10, 10))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(QColor("#1f77b4"), width=1),
                                     name=_("readings"))
        # Our own min/max pyramid instead of pyqtgraph's per-frame downsampling: each pan only
        # slices the level that gives about two points per pixel column (spikes stay visible).
        self.pyramid = Pyramid(np.zeros(0), np.zeros(0))
        self.plot.addItem(self.curve)
        self.plot.getPlotItem().getViewBox().sigXRangeChanged.connect(self._view_changed)
        self.flagged = pg.ScatterPlotItem(size=7, brush=pg.mkBrush("#d62728"),
                                          pen=pg.mkPen("#7f0000"), symbol="x",
                                          name=_("flagged by quality control"))
        self.plot.addItem(self.flagged)
        self.daily = pg.PlotDataItem(pen=pg.mkPen(QColor("#ff7f0e"), width=3), connect="pairs",
                                     name=_("24-hour mean"))
        self.plot.addItem(self.daily)
        self.limit_items: list[pg.InfiniteLine] = []

    def set_zone_offset(self, seconds_east: int) -> None:
        self.axis.utcOffset = -seconds_east

    def set_data(self, times: np.ndarray, values: np.ndarray, flags: np.ndarray,
                 limits: list[LimitLine], daily: list[tuple[int, int, float, bool]],
                 unit: str, title: str) -> None:
        x = times.astype(np.float64)
        self.pyramid = Pyramid(x, values.astype(np.float64))
        bad = flags != 0
        self.flagged.setData(x[bad], values[bad])
        if daily:
            xs = np.asarray([[a, b] for a, b, _m, ok in daily if ok], dtype=np.float64).ravel()
            ys = np.asarray([[m, m] for _a, _b, m, ok in daily if ok], dtype=np.float64).ravel()
            self.daily.setData(xs, ys)
        else:
            self.daily.setData([], [])
        for item in self.limit_items:
            self.plot.removeItem(item)
        self.limit_items = []
        for k, lim in enumerate(limits):
            pen = pg.mkPen(QColor("#c00000" if lim.national else "#7030a0"), width=2,
                           style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(pos=lim.value, angle=0, pen=pen, label=lim.label,
                                   labelOpts={"position": 0.02 + 0.24 * (k % 4), "color": pen.color(),
                                              "anchors": [(0, 1), (0, 1)]})
            self.plot.addItem(line)
            self.limit_items.append(line)
        font = QFont()
        font.setPointSize(10)
        self.plot.setLabel("left", unit)
        self.plot.setTitle(title)
        if x.shape[0]:
            self.plot.setXRange(float(x[0]), float(x[-1]), padding=0.01)
            finite = values[np.isfinite(values)]
            top = max([float(np.percentile(finite, 99.9)) if finite.size else 1.0]
                      + [lim.value * 1.15 for lim in limits])
            bottom = min(0.0, float(finite.min()) if finite.size else 0.0)
            self.plot.setYRange(bottom, top, padding=0.02)

    def _view_changed(self, *_args: object) -> None:
        (x0, x1), _y = self.plot.viewRange()
        width = max(200, self.plot.width())
        xs, ys = self.pyramid.window(x0, x1, width)
        self.curve.setData(xs, ys, skipFiniteCheck=True)

    def pan(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width (keyboard and benchmark)."""
        (x0, x1), _y = self.plot.viewRange()
        step = (x1 - x0) * fraction
        self.plot.setXRange(x0 + step, x1 + step, padding=0)


class Pyramid:
    """Min/max of buckets of 2, 4, 8 … readings (each bucket drawn as its min and max at its
    first and last time), built once per series in a few tens of milliseconds per million."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.levels: list[tuple[np.ndarray, np.ndarray]] = [(x, y)]
        size = x.shape[0]
        while size > 4096:
            px, py = self.levels[-1]
            n = (px.shape[0] // 2) * 2
            if self.levels[-1] is self.levels[0]:
                bx = px[:n].reshape(-1, 2)
                by = py[:n].reshape(-1, 2)
                lo, hi = np.nanmin(by, axis=1), np.nanmax(by, axis=1)
                first, last = bx[:, 0], bx[:, 1]
            else:  # an interleaved level: (x0, lo), (x1, hi) pairs; merge two buckets
                m = (px.shape[0] // 4) * 4
                bx = px[:m].reshape(-1, 4)
                by = py[:m].reshape(-1, 4)
                lo, hi = np.nanmin(by, axis=1), np.nanmax(by, axis=1)
                first, last = bx[:, 0], bx[:, 3]
            nx = np.empty(first.shape[0] * 2)
            ny = np.empty(first.shape[0] * 2)
            nx[0::2], nx[1::2] = first, last
            ny[0::2], ny[1::2] = lo, hi
            self.levels.append((nx, ny))
            size = nx.shape[0]

    def window(self, x0: float, x1: float, pixels: int) -> tuple[np.ndarray, np.ndarray]:
        for lx, ly in self.levels:
            lo = int(np.searchsorted(lx, x0))
            hi = int(np.searchsorted(lx, x1))
            if hi - lo <= 4 * pixels or (lx is self.levels[-1][0]):
                lo, hi = max(0, lo - 2), min(int(lx.shape[0]), hi + 2)
                return lx[lo:hi], ly[lo:hi]
        return np.zeros(0), np.zeros(0)
