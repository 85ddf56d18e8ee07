"""Small painted charts for the rehabilitation views: hectares by stage over the years, and
vegetation cover over time (Qt only; the numbers come from the core)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from pemdesk import model
from pemdesk.geo import symbology as sym
from pemdesk.labels import label


class StageHistoryChart(QWidget):
    """Stacked bars: hectares at each stage at the end of each year."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.years: list[tuple[int, dict[model.PlotStage, float]]] = []
        self.unit = "ha"
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_data(self, years: Sequence[tuple[int, dict[model.PlotStage, float]]], unit: str) -> None:
        self.years = list(years)
        self.unit = unit
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self.years:
            p.end()
            return
        legend_h, left, bottom = 18.0, 56.0, 16.0
        w, h = float(self.width()), float(self.height())
        top = legend_h + 4
        x = left
        for stage in sym.STAGES_FINISHED_FIRST:
            p.fillRect(QRectF(x, 4, 10, 10), QColor(sym.PLOT_STAGE_COLOURS[stage]))
            text = label(stage)
            p.setPen(QColor("#333333"))
            p.drawText(QPointF(x + 13, 13), text)
            x += 20 + p.fontMetrics().horizontalAdvance(text)
        peak = max((sum(v.values()) for _y, v in self.years), default=1.0) or 1.0
        n = len(self.years)
        slot = (w - left - 6) / n
        for i, (year, ha) in enumerate(self.years):
            base = h - bottom
            bx = left + i * slot + slot * 0.15
            for stage in reversed(sym.STAGES_FINISHED_FIRST):
                height = (h - bottom - top) * ha.get(stage, 0.0) / peak
                if height > 0:
                    p.fillRect(QRectF(bx, base - height, slot * 0.7, height),
                               QColor(sym.PLOT_STAGE_COLOURS[stage]))
                    base -= height
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(left + i * slot, h - bottom, slot, bottom),
                       Qt.AlignmentFlag.AlignCenter, str(year))
        p.drawText(QRectF(0, top - 6, left - 4, 14), Qt.AlignmentFlag.AlignRight,
                   f"{peak:,.0f} {self.unit}")
        p.setPen(QPen(QColor("#999999"), 1))
        p.drawLine(QPointF(left, h - bottom), QPointF(w - 4, h - bottom))
        p.end()


class TrendChart(QWidget):
    """Lines of values (0–100 %) over dates; one line per series."""

    COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: list[tuple[str, list[tuple[str, float]]]] = []
        self.title = ""
        self.empty_text = ""
        self.setMinimumHeight(110)

    def set_series(self, title: str, series: Sequence[tuple[str, Sequence[tuple[str, float]]]],
                   empty_text: str = "") -> None:
        self.title = title
        self.empty_text = empty_text
        self.series = [(name, sorted(points)) for name, points in series if points]
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        from datetime import date

        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        p.setPen(QColor("#333333"))
        p.drawText(QPointF(6, 14), self.title)
        days = [date.fromisoformat(d[:10]).toordinal() for _n, pts in self.series for d, _v in pts]
        if not days:
            if self.empty_text:
                p.setPen(QColor("#777777"))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            p.end()
            return
        lo, hi = min(days), max(days)
        hi = hi if hi > lo else lo + 1
        left, right, top, bottom = 34.0, 8.0, 22.0, 18.0
        w, h = float(self.width()), float(self.height())

        def pt(day: str, value: float) -> QPointF:
            x = left + (date.fromisoformat(day[:10]).toordinal() - lo) / (hi - lo) * (w - left - right)
            y = h - bottom - value / 100 * (h - top - bottom)
            return QPointF(x, y)

        p.setPen(QPen(QColor("#dddddd"), 1))
        for v in (0, 25, 50, 75, 100):
            y = h - bottom - v / 100 * (h - top - bottom)
            p.drawLine(QPointF(left, y), QPointF(w - right, y))
            p.setPen(QColor("#666666"))
            p.drawText(QRectF(0, y - 7, left - 4, 14), Qt.AlignmentFlag.AlignRight, f"{v}%")
            p.setPen(QPen(QColor("#dddddd"), 1))
        p.setPen(QColor("#666666"))
        p.drawText(QRectF(left, h - bottom, 90, bottom), Qt.AlignmentFlag.AlignLeft,
                   date.fromordinal(lo).isoformat())
        p.drawText(QRectF(w - right - 90, h - bottom, 90, bottom), Qt.AlignmentFlag.AlignRight,
                   date.fromordinal(hi).isoformat())
        legend_x = w - right - sum(16 + p.fontMetrics().horizontalAdvance(n) for n, _p in self.series)
        legend_x = max(legend_x, left + p.fontMetrics().horizontalAdvance(self.title) + 12)
        for i, (name, points) in enumerate(self.series):
            colour = QColor(self.COLOURS[i % len(self.COLOURS)])
            p.setPen(QPen(colour, 2))
            pts = [pt(d, v) for d, v in points]
            for a, b in zip(pts, pts[1:], strict=False):
                p.drawLine(a, b)
            for q in pts:
                p.drawEllipse(q, 3, 3)
            p.drawText(QPointF(legend_x, 14), name)
            legend_x += 16 + p.fontMetrics().horizontalAdvance(name)
        p.end()
