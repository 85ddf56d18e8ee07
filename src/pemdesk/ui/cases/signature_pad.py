"""A signature pad: draw with the mouse, a touchpad or a pen; kept as vector strokes.

Painting is incremental so a stroke feels immediate: each new segment is drawn once into a
backing pixmap and only its small rectangle is repainted (``bench/bench_signature.py`` measures
the latency). Points are kept in the pad's own frame (``pemdesk.cases.signature``: 300 × 100
units), so the signature is the same whatever the widget's size.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from pemdesk.cases.signature import HEIGHT, WIDTH

INK = QColor("#0d2c6b")
PEN_PX = 2.4


class SignaturePad(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(300, 100)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[tuple[float, float]]] = []  # in pad units
        self._drawing = False
        self._read_only = False
        self._buffer = QPixmap()
        self._pen = QPen(INK, PEN_PX, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                         Qt.PenJoinStyle.RoundJoin)

    # --- what the pad holds -------------------------------------------------------------------
    def strokes(self) -> list[list[list[float]]]:
        return [[[round(x, 1), round(y, 1)] for x, y in s] for s in self._strokes if s]

    def set_strokes(self, strokes: list[list[list[float]]]) -> None:
        self._strokes = [[(float(p[0]), float(p[1])) for p in s] for s in strokes]
        self._redraw()
        self.changed.emit()

    def clear(self) -> None:
        self.set_strokes([])

    def is_empty(self) -> bool:
        return not any(len(s) > 1 for s in self._strokes)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 150)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return int(width * HEIGHT / WIDTH)

    # --- coordinates -------------------------------------------------------------------------
    def _scale(self) -> float:
        return min(self.width() / WIDTH, self.height() / HEIGHT)

    def _to_pad(self, pos: QPointF) -> tuple[float, float]:
        s = self._scale()
        return (min(max(pos.x() / s, 0.0), WIDTH), min(max(pos.y() / s, 0.0), HEIGHT))

    def _to_widget(self, x: float, y: float) -> QPointF:
        s = self._scale()
        return QPointF(x * s, y * s)

    # --- drawing -----------------------------------------------------------------------------
    def _redraw(self) -> None:
        """Paint the whole signature into the backing pixmap (on resize, load, clear)."""
        if self.width() <= 0 or self.height() <= 0:
            return
        ratio = self.devicePixelRatioF()
        self._buffer = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        self._buffer.setDevicePixelRatio(ratio)
        self._buffer.fill(QColor("white"))
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self._scale()
        painter.setPen(QPen(QColor("#b0bec5"), 1, Qt.PenStyle.DashLine))
        base = int(HEIGHT * 0.78 * s)
        painter.drawLine(int(10 * s), base, int((WIDTH - 10) * s), base)
        painter.setPen(self._pen)
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(self._to_widget(*stroke[0]))
                continue
            path = QPainterPath(self._to_widget(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(self._to_widget(x, y))
            painter.drawPath(path)
        painter.end()
        self.update()

    def _add_point(self, pos: QPointF, start: bool) -> None:
        point = self._to_pad(pos)
        if start:
            self._strokes.append([point])
            return
        stroke = self._strokes[-1]
        if stroke and stroke[-1] == point:
            return
        previous = stroke[-1]
        stroke.append(point)
        a, b = self._to_widget(*previous), self._to_widget(*point)
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen)
        painter.drawLine(a, b)
        painter.end()
        margin = PEN_PX + 2
        dirty = QRectF(a, b).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(dirty.toAlignedRect())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect: QRect = event.rect()
        if self._buffer.isNull():
            painter.fillRect(rect, QColor("white"))
        else:
            painter.drawPixmap(rect, self._buffer, self._source_rect(rect))
        if self._read_only:
            painter.fillRect(rect, QColor(240, 240, 240, 60))
        painter.end()

    def _source_rect(self, rect: QRect) -> QRect:
        ratio = self._buffer.devicePixelRatio()
        return QRect(int(rect.x() * ratio), int(rect.y() * ratio), int(rect.width() * ratio),
                     int(rect.height() * ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._redraw()

    # --- input -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._read_only or event.button() != Qt.MouseButton.LeftButton:
            return
        self._drawing = True
        self._add_point(event.position(), start=True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._drawing:
            self._add_point(event.position(), start=False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._drawing:
            self._drawing = False
            self._add_point(event.position(), start=False)
            self.changed.emit()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt's name
        # A pen: the same strokes as the mouse (pressure is not kept).
        if self._read_only:
            return
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._drawing = True
            self._add_point(event.position(), start=True)
        elif kind == QTabletEvent.Type.TabletMove and self._drawing:
            self._add_point(event.position(), start=False)
        elif kind == QTabletEvent.Type.TabletRelease and self._drawing:
            self._drawing = False
            self.changed.emit()
        event.accept()
