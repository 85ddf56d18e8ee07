"""Two versions of an outline drawn over each other, so a coordinator can see how they differ.

Drawn with QPainter in a local equirectangular projection (x scaled by cos(latitude)), which is
plenty for comparing two outlines of one plot; areas shown come from the geodesic computation.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from pemdesk.i18n import _

COLOURS = (QColor(30, 100, 200), QColor(220, 110, 20))


def rings(geometry: Any) -> list[list[tuple[float, float]]]:
    """The rings of a GeoJSON (Multi)Polygon or LineString, as lists of (lon, lat)."""
    if not isinstance(geometry, dict):
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    try:
        if kind == "Polygon":
            return [[(float(x), float(y)) for x, y, *_ in ring] for ring in coords]
        if kind == "MultiPolygon":
            return [[(float(x), float(y)) for x, y, *_ in ring] for poly in coords for ring in poly]
        if kind == "LineString":
            return [[(float(x), float(y)) for x, y, *_ in coords]]
        if kind == "Point":
            return [[(float(coords[0]), float(coords[1]))]]
    except (TypeError, ValueError):
        return []
    return []


class GeometryCompare(QWidget):
    """Version A solid, version B dashed (as the map draws the kept alternative)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._versions: list[tuple[str, list[list[tuple[float, float]]]]] = []
        self.setMinimumSize(260, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_geometries(self, a: Any, b: Any, labels: tuple[str, str] = ("A", "B")) -> None:
        self._versions = [(labels[0], rings(a)), (labels[1], rings(b))]
        self.update()

    def has_geometry(self) -> bool:
        return any(r for _label, r in self._versions)

    def _bounds(self) -> tuple[float, float, float, float] | None:
        points = [p for _label, rs in self._versions for ring in rs for p in ring]
        if not points:
            return None
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(250, 250, 246))
        bounds = self._bounds()
        if bounds is None:
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("No outline"))
            painter.end()
            return
        x0, y0, x1, y1 = bounds
        kx = math.cos(math.radians((y0 + y1) / 2))
        width, height = max((x1 - x0) * kx, 1e-9), max(y1 - y0, 1e-9)
        margin = 16
        legend = 22
        area = QRectF(margin, margin + legend, self.width() - 2 * margin,
                      self.height() - 2 * margin - legend)  # fmt: skip
        scale = min(area.width() / width, area.height() / height)
        ox = area.left() + (area.width() - width * scale) / 2
        oy = area.top() + (area.height() + height * scale) / 2

        def to_screen(lon: float, lat: float) -> QPointF:
            return QPointF(ox + (lon - x0) * kx * scale, oy - (lat - y0) * scale)

        for i, (label, rs) in enumerate(self._versions):
            colour = COLOURS[i % 2]
            pen = QPen(colour, 2.5 if i == 0 else 2.0)
            if i == 1:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            fill = QColor(colour)
            fill.setAlpha(50 if i == 0 else 0)
            painter.setBrush(QBrush(fill))
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            for ring in rs:
                if len(ring) == 1:
                    painter.drawEllipse(to_screen(*ring[0]), 4, 4)
                    continue
                path.addPolygon(QPolygonF([to_screen(x, y) for x, y in ring]))
            painter.drawPath(path)
            # legend
            lx = margin + i * (self.width() - 2 * margin) / 2
            painter.drawLine(QPointF(lx, margin + 8), QPointF(lx + 24, margin + 8))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QPointF(lx + 30, margin + 12), label)
        painter.end()
