"""The map canvas: one cached image of the static layers, live overlays, mouse and keyboard.

The static layers are rendered for the whole view at once (a few milliseconds at site scale),
with a margin so that a drag only moves the image; while a new image is due the old one stands
in, moved and scaled, so a frame only blits one image and draws the few live things on top: the
selection, the plot being edited, the GPS position, labels, scale bar, north arrow, attribution.
Rendering happens between frames (an idle timer), never inside one. Memory is bounded: one view
image and one label image, whatever the zooms visited.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from pemdesk import i18n
from pemdesk.geo import symbology as sym
from pemdesk.geo.mapdata import (
    BASE_LABEL_KINDS,
    MAX_ZOOM,
    MIN_ZOOM,
    MapModel,
    Viewport,
    lod_for,
    lonlat_point,
    merc_point,
    resolution,
)
from pemdesk.geo.plotedit import EditGeometry
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.ui.map.render import LayerPainter, render_box, world_transform

TILE_BUDGET_S = 0.008  # label layout between frames, per event-loop turn
MARGIN_PX = 0  # the first image of a view is the view: fastest to a complete view
PREFETCH_MARGIN_PX = 320  # and, when rendering is cheap, this far once the view is complete
PREFETCH_IF_UNDER_S = 0.012  # CPU time of the last view render below which prefetching pays
LABEL_IMAGE_CACHE = 3000
HANDLE_PX = 8
BOUNDARIES_ATTRIBUTION = N_(
    "© OpenStreetMap contributors, via geoBoundaries (wmgeolab), ODbL 1.0"
)
_HALO_OFFSETS = [(dx, dy) for dx in (-1.2, 0, 1.2) for dy in (-1.2, 0, 1.2) if dx or dy]

LABEL_STYLES = {
    "aimag": sym.AIMAG_LABEL,
    "soum": sym.SOUM_LABEL,
    "site": sym.SITE_LABEL,
    "plot": sym.PLOT_LABEL,
    "capital": sym.CAPITAL_LABEL,
    "place": sym.PLACE_LABEL,
    "centre": sym.PLACE_LABEL,
    "town": sym.TOWN_LABEL,
    "lake": sym.WATER_LABEL,
    "river": sym.WATER_LABEL,
    "region": sym.REGION_LABEL,
    "peak": sym.PEAK_LABEL,
    "waypoint": sym.WAYPOINT_LABEL,
}
# a label shows only while its layer does (and, with an id, while the layer's filter keeps it)
LABEL_LAYER = {
    "aimag": "aimags",
    "soum": "soums",
    "site": "sites",
    "plot": "plots",
    "capital": "places",
    "place": "places",
    "centre": "places",
    "town": "places",
    "lake": "water",
    "river": "water",
    "region": "relief",
    "peak": "relief",
    "waypoint": "waypoints",
}
# labels placed beside their symbol rather than centred on a point
POINT_LABELS = {"site", "capital", "place", "centre", "town", "peak", "waypoint"}


class MapCanvas(QWidget):
    cursor_moved = Signal(float, float)  # lon, lat
    feature_clicked = Signal(str, str)  # layer, id ("" when nothing)
    point_picked = Signal(float, float)  # in "pick" mode
    view_changed = Signal()
    sketch_changed = Signal()  # the edited geometry changed (area, validity…)
    sketch_finished = Signal()
    measure_changed = Signal()

    def __init__(self, model: MapModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.model = model or MapModel()
        self.layer_painter = LayerPainter(self.model)
        self.view = Viewport(cx=11_800_000.0, cy=5_900_000.0, zoom=5.0, width=800, height=600)
        # the static layers' image: (pixmap, Mercator box, zoom, generation, margin px)
        self._image: tuple[QPixmap, tuple[float, float, float, float], float, int, int] | None = (
            None
        )
        self._last_render_cpu = 0.0
        self.render_count = 0
        self._warm_index = 0
        self._warm_for: tuple[int, str] | None = None
        self._fonts: dict[str, tuple[QFont, QFontMetricsF]] = {}
        self._sprites_warm = False
        self._generation = 0
        # live position (GPS): lon, lat, accuracy in metres; None when there is none
        self.gps: tuple[float, float, float | None] | None = None
        self.gps_trail: list[tuple[float, float]] = []  # the track being recorded
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(0)
        self._idle.timeout.connect(self._render_pending)
        self._drag_from: QPointF | None = None
        self._drag_view: tuple[float, float] | None = None
        self._moved = False
        self.tool = "pan"  # pan | draw | hole | edit | pick
        self.selection: tuple[str, str] | None = None
        self.edit: EditGeometry | None = None
        self.sketch: list[list[float]] = []  # the ring being drawn
        self.measure: list[list[float]] = []  # points of the measuring line
        self.selected_vertex: tuple[int, int, int] | None = None
        self._vertex_drag: tuple[int, int, int] | None = None
        self._edit_before: EditGeometry | None = None
        self.on_edit: Any = None  # callable(before, after, text) that pushes an undo command
        self.show_labels = True
        self.site_boundary: dict[str, Any] | None = None
        self._label_cache: dict[tuple[str, str], QImage] = {}
        self._labels: tuple[QImage, tuple[float, float, float, float], float, int, bool] | None = (
            None
        )
        self._label_xy: tuple[np.ndarray, ...] | None = None
        self._labels_for = 0
        self.frame_times: list[float] = []
        self._deferred_fit: tuple[tuple[float, float, float, float], float] | None = None
        self.timing = False

    # --- data -----------------------------------------------------------------------------
    def invalidate(self, clear_paths: bool = True) -> None:
        """Static layers changed (data, visibility, opacity, order, basemap): render again. The
        old image stays as the stand-in until then (no blank flash on reload)."""
        self._generation += 1
        if clear_paths:
            self.layer_painter.clear()
        self.update()

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name == "labels":
            self.show_labels = visible
            self.update()
            return
        self.layer_painter.visible[name] = visible
        self.invalidate(clear_paths=False)

    # --- view -------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        self.view.width, self.view.height = self.width(), self.height()
        super().resizeEvent(event)
        if self._deferred_fit is not None and self.isVisible():
            box, max_zoom = self._deferred_fit
            self.fit(box, max_zoom)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self._deferred_fit is not None:
            box, max_zoom = self._deferred_fit
            self.fit(box, max_zoom)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        zoom = float(np.clip(zoom, MIN_ZOOM, MAX_ZOOM))
        if anchor is not None:
            wx, wy = self.view.to_world(anchor.x(), anchor.y())
            self.view.zoom = zoom
            nx, ny = self.view.to_world(anchor.x(), anchor.y())
            self.view.cx += wx - nx
            self.view.cy += wy - ny
        else:
            self.view.zoom = zoom
        self._view_moved()

    def zoom_by(self, steps: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.view.zoom + steps, anchor)

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        r = self.view.res
        self.view.cx += dx_px * r
        self.view.cy -= dy_px * r
        self._view_moved()

    def center_on(self, lon: float, lat: float, zoom: float | None = None) -> None:
        self.view.cx, self.view.cy = merc_point(lon, lat)
        if zoom is not None:
            self.view.zoom = zoom
        self._view_moved()

    def fit(self, box: tuple[float, float, float, float] | None, max_zoom: float = 17.0) -> None:
        if box is None:
            return
        # a hidden map (another tab) has no size yet: fit again once it is shown
        self._deferred_fit = None if self.isVisible() else (box, max_zoom)
        self.view.width, self.view.height = max(self.width(), 1), max(self.height(), 1)
        self.view.fit(*box)
        self.view.zoom = min(self.view.zoom, max_zoom)
        self._view_moved()

    def zoom_to_country(self) -> None:
        if "country" in self.model.layers:
            self.fit(self.model.country_extent(), 12)

    def _view_moved(self) -> None:
        # zoom in steps of 1/1000 so that cached tiles of the same zoom fit exactly
        self.view.zoom = round(self.view.zoom, 3)
        self.view_changed.emit()
        self.update()

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        t0 = time.perf_counter()
        self.view.width, self.view.height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.layer_painter.styles.background)
            self._paint_static(painter)
            self._paint_selection(painter)
            if self.show_labels:
                self._paint_labels(painter)
            self._paint_gps(painter)
            self._paint_edit(painter)
            self._paint_furniture(painter)
        finally:
            painter.end()
        if self.work_left() and not self._idle.isActive():
            self._idle.start()
        if self.timing:
            self.frame_times.append(time.perf_counter() - t0)

    def _box_rect(self, box: tuple[float, float, float, float]) -> QRectF:
        x0, y0 = self.view.to_screen(box[0], box[3])
        x1, y1 = self.view.to_screen(box[2], box[1])
        return QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))

    def _paint_static(self, painter: QPainter) -> None:
        if self._image is None:
            return
        pix, box, z, _gen, _margin = self._image
        rect = self._box_rect(box)
        if abs(z - self.view.zoom) < 1e-9:
            # same zoom: whole pixels, unscaled
            painter.drawPixmap(QPointF(round(rect.left()), round(rect.top())), pix)
        else:  # a stand-in while the new zoom is rendered
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawPixmap(rect, pix, QRectF(pix.rect()))

    def view_complete(self) -> bool:
        """The static image is current and covers the view."""
        if self._image is None:
            return False
        _pix, box, z, gen, _margin = self._image
        minx, miny, maxx, maxy = self.view.extent()
        tol = self.view.res * 0.5
        return (
            gen == self._generation
            and abs(z - self.view.zoom) < 1e-9
            and box[0] <= minx + tol
            and box[1] <= miny + tol
            and box[2] >= maxx - tol
            and box[3] >= maxy - tol
        )

    def _wants_prefetch(self) -> bool:
        return (
            self._image is not None
            and self._image[4] < PREFETCH_MARGIN_PX
            and self._last_render_cpu < PREFETCH_IF_UNDER_S
            and self.view_complete()
        )

    def render_view_image(self, margin: int = MARGIN_PX) -> None:
        """Render the static layers for the view and ``margin`` pixels around it, now."""
        v = self.view
        v.width, v.height = max(self.width(), 1), max(self.height(), 1)
        r = v.res
        minx, miny, maxx, maxy = v.extent()
        # the image's corner on the view's pixel grid, so same-zoom blits are unscaled
        box = (minx - margin * r, miny - margin * r, maxx + margin * r, maxy + margin * r)
        w, h = v.width + 2 * margin, v.height + 2 * margin
        c = time.thread_time()
        img = render_box(self.layer_painter, box, v.zoom, w, h)
        self._last_render_cpu = time.thread_time() - c
        self._image = (QPixmap.fromImage(img), box, v.zoom, self._generation, margin)
        self.render_count += 1

    def _render_pending(self) -> None:
        if not self.view_complete():
            self.render_view_image()
            if not (self._last_render_cpu < PREFETCH_IF_UNDER_S and self.show_labels):
                self.update()
                return
            # a cheap view: its labels in the same turn, so one frame shows it complete
        if self.show_labels and self._labels_stale():
            self._layout_labels()
            self.update()
            return
        if self._wants_prefetch():
            self.render_view_image(PREFETCH_MARGIN_PX)
            return
        self._warm_labels()

    def _warm_labels(self) -> None:
        """While idle, make the label images of the boundaries and the basemap (a few hundred)
        so that the first view of another scale does not wait for them."""
        started = time.perf_counter()
        if not self._sprites_warm:
            self._sprites_warm = True
            self.layer_painter.warm_sprites()
            return
        lang = i18n.get_language()
        labels = self.model.labels
        while self._warm_index < len(labels) and time.perf_counter() - started < TILE_BUDGET_S:
            lb = labels[self._warm_index]
            self._warm_index += 1
            if lb.kind in BASE_LABEL_KINDS or lb.kind == "site":
                self._label_image(lb.text(lang), lb.kind)

    def _warm_left(self) -> bool:
        if self._warm_for != (id(self.model), i18n.get_language()):
            self._warm_for = (id(self.model), i18n.get_language())
            self._warm_index = 0
        return self.show_labels and self._warm_index < len(self.model.labels)

    def work_left(self) -> bool:
        """Rendering or labels still to do between frames (prefetch and label warm-up are idle
        work, not needed for the view)."""
        return (
            not self.view_complete()
            or (self.show_labels and self._labels_stale())
            or self._wants_prefetch()
            or self._warm_left()
        )

    def complete(self) -> bool:
        """The view is fully drawn: static image and labels current."""
        return self.view_complete() and not (self.show_labels and self._labels_stale())

    def render_all_pending(self) -> int:
        """Draw the view completely now (tests, screenshots, print). Caches stay bounded: one
        view image replaces the last one."""
        self.view.width, self.view.height = self.width(), self.height()
        n = 0
        if not self.view_complete():
            self.render_view_image()
            n = 1
        for _step in range(100):  # label images are made a slice at a time
            if not (self.show_labels and self._labels_stale()):
                break
            self._layout_labels()
        if len(self._label_cache) > LABEL_IMAGE_CACHE:
            self._label_cache.clear()
        self.update()
        return n

    def memory_estimate(self) -> int:
        """Bytes held by the canvas's images (view, labels, label sprites)."""
        total = 0
        if self._image is not None:
            total += self._image[0].width() * self._image[0].height() * 4
        if self._labels is not None:
            total += self._labels[0].sizeInBytes()
        total += sum(img.sizeInBytes() for img in self._label_cache.values())
        return total

    def _paint_selection(self, painter: QPainter) -> None:
        if not self.selection:
            return
        layer_name, fid = self.selection
        lay = self.model.layers.get(layer_name)
        minx, miny, maxx, maxy = self.view.extent()
        if lay is not None and fid in lay.index:
            path = self.layer_painter.path(lay, lay.index[fid], lod_for(self.view.zoom))
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setTransform(world_transform(minx, maxy, self.view.res))
            pen = QPen(QColor("#ffff00"), 3)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.restore()
            return
        pts = self.model.points.get(layer_name)
        if pts is not None and fid in pts.ids:
            i = pts.ids.index(fid)
            x, y = self.view.to_screen(pts.x[i], pts.y[i])
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(QColor("#ffff00"), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(float(x), float(y)), 9, 9)

    # labels: greedy placement by priority, cached images, no overlaps
    def _label_image(self, text: str, kind: str) -> QImage:
        key = (text, kind)
        img = self._label_cache.get(key)
        if img is not None:
            return img
        style = LABEL_STYLES.get(kind, sym.SOUM_LABEL)
        font, fm = self._label_font(kind, style)
        w, h = math.ceil(fm.horizontalAdvance(text)) + 4, math.ceil(fm.height()) + 2
        at = QPointF(2, fm.ascent() + 1)
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        if style.halo:
            # the halo: the text drawn once in the halo colour, blitted around (drawing the
            # glyphs eight times, or stroking their outlines, costs several times more)
            halo = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
            halo.fill(Qt.GlobalColor.transparent)
            hp = QPainter(halo)
            hp.setFont(font)
            hp.setPen(QColor(style.halo))
            hp.drawText(at, text)
            hp.end()
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.setFont(font)
        if style.halo:
            for dx, dy in _HALO_OFFSETS:
                p.drawImage(QPointF(dx, dy), halo)
        p.setPen(QColor(style.colour))
        p.drawText(at, text)
        p.end()
        if len(self._label_cache) > LABEL_IMAGE_CACHE:
            self._label_cache.clear()
        self._label_cache[key] = img
        return img

    def _label_font(self, kind: str, style: sym.LabelStyle) -> tuple[QFont, QFontMetricsF]:
        key = kind  # (fonts are dropped when the widget's font changes)
        got = self._fonts.get(key)
        if got is None:
            font = QFont(self.font())
            font.setPointSizeF(style.size_pt)
            font.setBold(style.bold)
            font.setItalic(style.italic)
            if style.spacing:
                font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, style.spacing)
            got = (font, QFontMetricsF(font))
            self._fonts[key] = got
        return got

    def _label_arrays(self) -> tuple[np.ndarray, ...]:
        if self._labels_for != id(self.model) or self._label_xy is None:
            lbs = self.model.labels
            self._label_xy = (
                np.array([lb.x for lb in lbs], dtype=float),
                np.array([lb.y for lb in lbs], dtype=float),
                np.array([lb.min_zoom for lb in lbs], dtype=float),
                np.array([lb.max_zoom for lb in lbs], dtype=float),
                np.array([-lb.priority for lb in lbs], dtype=float),
            )
            self._labels_for = id(self.model)
        return self._label_xy

    def _layout_labels(self) -> None:
        """Place labels for the view and half a screen around it, into one overlay image.

        Done between frames: a frame only draws the overlay, moved and scaled to the view.
        """
        v = self.view
        z = v.zoom
        mw, mh = v.width // 8, v.height // 8
        w, h = v.width + 2 * mw, v.height + 2 * mh
        minx, miny, maxx, maxy = v.extent()
        r = v.res
        box = (minx - mw * r, miny - mh * r, maxx + mw * r, maxy + mh * r)
        img = QImage(max(w, 1), max(h, 1), QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        x, y, zmin, zmax, prio = self._label_arrays()
        complete = True
        vis = self.layer_painter.visible
        if len(x):
            m = (
                (zmin <= z)
                & (z < zmax)
                & (x >= box[0])
                & (x <= box[2])
                & (y >= box[1])
                & (y <= box[3])
            )
            idx = np.nonzero(m)[0]
            idx = idx[np.argsort(prio[idx], kind="stable")][:600]
            lang = i18n.get_language()
            painter = QPainter(img)
            cells: dict[tuple[int, int], list[QRectF]] = {}
            placed = 0
            making = 0.0  # time spent making new label images (placing cached ones is cheap)
            for i in idx:
                if making > TILE_BUDGET_S:
                    complete = False  # new label images take time; go on in the next slice
                    break
                lb = self.model.labels[int(i)]
                layer = LABEL_LAYER.get(lb.kind)
                if layer is not None and not vis.get(layer):
                    continue
                if lb.fid and layer is not None:
                    allowed = self.layer_painter.filters.get(layer)
                    if allowed is not None and lb.fid not in allowed:
                        continue
                text = lb.text(lang)
                if (text, lb.kind) in self._label_cache:
                    label_img = self._label_cache[(text, lb.kind)]
                else:
                    t_make = time.perf_counter()
                    label_img = self._label_image(text, lb.kind)
                    making += time.perf_counter() - t_make
                sx = (lb.x - box[0]) / r
                sy = (box[3] - lb.y) / r
                beside = lb.kind in POINT_LABELS
                dx = 5 if beside else -label_img.width() / 2
                dy = -label_img.height() / 2 if beside else -label_img.height() / 2
                if lb.kind == "site":
                    dy = 6
                rect = QRectF(sx + dx, sy + dy, label_img.width(), label_img.height())
                keys = [
                    (cx, cy)
                    for cx in range(int(rect.left()) // 64, int(rect.right()) // 64 + 1)
                    for cy in range(int(rect.top()) // 64, int(rect.bottom()) // 64 + 1)
                ]
                if any(rect.intersects(o) for k in keys for o in cells.get(k, ())):
                    continue
                padded = rect.adjusted(-2, -1, 2, 1)
                for k in keys:
                    cells.setdefault(k, []).append(padded)
                painter.drawImage(rect.topLeft(), label_img)
                placed += 1
                if placed >= 150:
                    break
            painter.end()
        self._labels = (img, box, z, self._generation, complete)

    def _labels_stale(self) -> bool:
        if self._labels is None:
            return True
        _img, box, z, gen, complete = self._labels
        minx, miny, maxx, maxy = self.view.extent()
        return (
            not complete
            or gen != self._generation
            or abs(z - self.view.zoom) > 1e-9
            or minx < box[0]
            or miny < box[1]
            or maxx > box[2]
            or maxy > box[3]
        )

    def _paint_labels(self, painter: QPainter) -> None:
        if self._labels is None:
            return
        img, box, z, gen, _complete = self._labels
        if gen != self._generation or abs(z - self.view.zoom) > 1e-9:
            return  # labels come back once laid out for the new zoom (scaling them costs)
        x0, y0 = self.view.to_screen(box[0], box[3])
        x1, y1 = self.view.to_screen(box[2], box[1])
        painter.drawImage(QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0)), img)

    def _screen(self, lon: float, lat: float) -> QPointF:
        x, y = merc_point(lon, lat)
        sx, sy = self.view.to_screen(x, y)
        return QPointF(float(sx), float(sy))

    def _paint_edit(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.site_boundary and self.edit is not None:
            from shapely.geometry import shape

            from pemdesk.geo.mapdata import project_geometry
            from pemdesk.ui.map.qtgeom import path_from_geometry

            minx, miny, maxx, maxy = self.view.extent()
            painter.save()
            painter.setTransform(world_transform(minx, maxy, self.view.res))
            pen = QPen(QColor(sym.SITE_BOUNDARY.stroke), 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path_from_geometry(project_geometry(shape(self.site_boundary))))
            painter.restore()
        if self.edit is not None:
            invalid = self.edit.problem() is not None
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            for part in self.edit.parts:
                for ring in part:
                    if len(ring) >= 2:
                        path.addPolygon(QPolygonF([self._screen(*v) for v in ring]))
                        path.closeSubpath()
            painter.setPen(QPen(QColor("#ff0000" if invalid else "#ffff00"), 2.5))
            painter.setBrush(QColor(255, 0, 0, 60) if invalid else QColor(255, 255, 0, 50))
            painter.drawPath(path)
            for pi, part in enumerate(self.edit.parts):
                for ri, ring in enumerate(part):
                    for vi, v in enumerate(ring):
                        selected = self.selected_vertex == (pi, ri, vi)
                        painter.setPen(QPen(QColor("#000000"), 1))
                        painter.setBrush(QColor("#ff00ff") if selected else QColor("#ffffff"))
                        p = self._screen(*v)
                        painter.drawRect(QRectF(p.x() - 4, p.y() - 4, 8, 8))
        if self.measure:
            pts = [self._screen(*v) for v in self.measure]
            for pen in (
                QPen(QColor(sym.MEASURE_LINE.halo or "#ffffff"), 4),
                QPen(QColor(sym.MEASURE_LINE.stroke), 2, Qt.PenStyle.DashLine),
            ):
                painter.setPen(pen)
                painter.drawPolyline(QPolygonF(pts))
            painter.setPen(QPen(QColor("#000000"), 1))
            painter.setBrush(QColor("#ffffff"))
            for p in pts:
                painter.drawEllipse(p, 3, 3)
        if self.sketch:
            pts = [self._screen(*v) for v in self.sketch]
            painter.setPen(QPen(QColor("#00ffff"), 2, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(0, 255, 255, 40))
            painter.drawPolygon(QPolygonF(pts))
            painter.setPen(QPen(QColor("#000000"), 1))
            painter.setBrush(QColor("#00ffff"))
            for p in pts:
                painter.drawEllipse(p, 4, 4)

    def set_gps(
        self,
        lon: float | None,
        lat: float | None,
        accuracy_m: float | None = None,
        follow: bool = False,
    ) -> None:
        """Show (or, with None, hide) the live position; ``follow`` keeps it in view."""
        if lon is None or lat is None:
            self.gps = None
        else:
            self.gps = (lon, lat, accuracy_m)
            if follow:
                x, y = merc_point(lon, lat)
                sx, sy = self.view.to_screen(x, y)
                w, h = self.width(), self.height()
                if not (w * 0.2 <= float(sx) <= w * 0.8 and h * 0.2 <= float(sy) <= h * 0.8):
                    self.view.cx, self.view.cy = x, y
                    self._view_moved()
        self.update()

    def _paint_gps(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if len(self.gps_trail) >= 2:
            pts = [self._screen(lon, lat) for lon, lat in self.gps_trail]
            for pen in (QPen(QColor("#ffffff"), 5), QPen(QColor("#1a73e8"), 2.5)):
                painter.setPen(pen)
                painter.drawPolyline(QPolygonF(pts))
        if self.gps is None:
            return
        lon, lat, acc = self.gps
        p = self._screen(lon, lat)
        if acc:
            m_per_px = resolution(self.view.zoom) * math.cos(math.radians(lat))
            r = acc / m_per_px
            if r > 6:
                painter.setPen(QPen(QColor(26, 115, 232, 160), 1))
                painter.setBrush(QColor(26, 115, 232, 40))
                painter.drawEllipse(p, r, r)
        painter.setPen(QPen(QColor("#ffffff"), 2.5))
        painter.setBrush(QColor(sym.GPS_POSITION.fill))
        painter.drawEllipse(p, 6.5, 6.5)

    def _paint_furniture(self, painter: QPainter) -> None:
        """Scale bar (true metres at the view's latitude), north arrow, attribution."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        lon, lat = lonlat_point(self.view.cx, self.view.cy)
        m_per_px = resolution(self.view.zoom) * math.cos(math.radians(lat))
        target = m_per_px * 120
        exp = 10 ** math.floor(math.log10(target))
        nice = max(s * exp for s in (1, 2, 5) if s * exp <= target)
        px = nice / m_per_px
        x0, y0 = 14.0, self.height() - 22.0
        painter.setPen(QPen(QColor("#ffffff"), 5))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        painter.setPen(QPen(QColor("#000000"), 2))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        painter.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0 + 3))
        painter.drawLine(QPointF(x0 + px, y0 - 5), QPointF(x0 + px, y0 + 3))
        text = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
        if i18n.get_language() == "mn":
            text = text.replace("km", "км").replace(" m", " м")
        self._halo_text(painter, QPointF(x0, y0 - 8), text)
        # north arrow (Web Mercator: north is up everywhere)
        ax, ay = self.width() - 30.0, 20.0
        arrow = QPolygonF(
            [
                QPointF(ax, ay),
                QPointF(ax - 8, ay + 22),
                QPointF(ax, ay + 17),
                QPointF(ax + 8, ay + 22),
            ]
        )
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        painter.setBrush(QColor("#202020"))
        painter.drawPolygon(arrow)
        self._halo_text(
            painter, QPointF(ax - 5, ay + 36), "N" if i18n.get_language() == "en" else "Х"
        )
        attribution = _(BOUNDARIES_ATTRIBUTION)
        if self.model.points.get("places") is not None:
            from pemdesk.geo.basemap import ATTRIBUTION

            attribution = f"{_(ATTRIBUTION)} · {attribution}"
        bm = self.layer_painter.basemap
        if bm is not None and bm.attribution:
            attribution = f"{bm.attribution} · {attribution}"
        font = QFont(self.font())
        font.setPointSizeF(7)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        self._halo_text(
            painter,
            QPointF(self.width() - fm.horizontalAdvance(attribution) - 6, self.height() - 6),
            attribution,
        )

    def _halo_text(self, painter: QPainter, at: QPointF, text: str) -> None:
        painter.setPen(QColor("#ffffff"))
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            painter.drawText(at + QPointF(dx, dy), text)
        painter.setPen(QColor("#000000"))
        painter.drawText(at, text)

    # --- picking ----------------------------------------------------------------------------
    def pick(self, sx: float, sy: float) -> tuple[str, str] | None:
        """The feature under a screen position: points first, then plots, sites, tracks."""
        x, y = self.view.to_world(sx, sy)
        tol = self.view.res * 7
        vis = self.layer_painter.visible
        for name in ("photos", "photo_points", "visits", "waypoints", "sites"):
            layer = self.model.points.get(name)
            if layer is not None and vis.get(name):
                i = layer.pick(x, y, tol)
                if i is not None:
                    return name, layer.ids[i]
        for name in ("plots", "site_boundaries", "tracks"):
            lay = self.model.layers.get(name)
            if lay is not None and vis.get(name):
                i = lay.pick(x, y, tol if name != "site_boundaries" else 0.0)
                if i is not None:
                    return name, lay.ids[i]
        return None

    def lonlat_at(self, sx: float, sy: float) -> tuple[float, float]:
        return lonlat_point(*self.view.to_world(sx, sy))

    # --- editing helpers ------------------------------------------------------------------
    def vertex_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        if self.edit is None:
            return None
        best, best_d = None, float(HANDLE_PX**2)
        for pi, part in enumerate(self.edit.parts):
            for ri, ring in enumerate(part):
                for vi, v in enumerate(ring):
                    p = self._screen(*v)
                    d = (p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2
                    if d <= best_d:
                        best, best_d = (pi, ri, vi), d
        return best

    def edge_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        """(part, ring, index to insert at) of the edge under the cursor."""
        if self.edit is None:
            return None
        for pi, part in enumerate(self.edit.parts):
            for ri, ring in enumerate(part):
                n = len(ring)
                for vi in range(n):
                    a, b = self._screen(*ring[vi]), self._screen(*ring[(vi + 1) % n])
                    if _segment_distance(pos, a, b) <= 6:
                        return pi, ri, vi + 1
        return None

    def _commit(self, before: EditGeometry, text: str) -> None:
        if self.edit is None:
            return
        after = self.edit.copy()
        if self.on_edit is not None:
            self.on_edit(before, after, text)
        self.sketch_changed.emit()
        self.update()

    def finish_sketch(self) -> bool:
        """Turn the ring being drawn into a new part (draw) or a hole (hole)."""
        if len(self.sketch) < 3:
            return False
        before = self.edit.copy() if self.edit is not None else EditGeometry()
        if self.edit is None:
            self.edit = EditGeometry()
        ring = self.sketch
        self.sketch = []
        part = None
        if self.tool == "hole":
            cx = sum(v[0] for v in ring) / len(ring)
            cy = sum(v[1] for v in ring) / len(ring)
            part = self.edit.part_containing(cx, cy)
        if part is not None:
            self.edit.add_hole(part, ring)
            self._commit(before, "hole")
        else:
            self.edit.add_part(ring)
            self._commit(before, "part")
        self.sketch_finished.emit()
        return True

    def delete_selected_vertex(self) -> bool:
        if self.edit is None or self.selected_vertex is None:
            return False
        before = self.edit.copy()
        self.edit.delete_vertex(*self.selected_vertex)
        self.selected_vertex = None
        self._commit(before, "delete vertex")
        return True

    # --- input ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        self._moved = False
        if event.button() == Qt.MouseButton.LeftButton:
            if self.tool == "edit" and self.edit is not None:
                hit = self.vertex_at(pos)
                if hit is not None:
                    self.selected_vertex = hit
                    self._vertex_drag = hit
                    self._edit_before = self.edit.copy()
                    self.update()
                    return
            self._drag_from = pos
            self._drag_view = (self.view.cx, self.view.cy)
        elif event.button() == Qt.MouseButton.RightButton and self.tool == "edit":
            hit = self.vertex_at(pos)
            if hit is not None:
                self.selected_vertex = hit
                self.delete_selected_vertex()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        lon, lat = self.lonlat_at(pos.x(), pos.y())
        self.cursor_moved.emit(lon, lat)
        if self._vertex_drag is not None and self.edit is not None:
            self.edit.move_vertex(*self._vertex_drag, lon, lat)
            self._moved = True
            self.sketch_changed.emit()
            self.update()
            return
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            d = pos - self._drag_from
            if abs(d.x()) + abs(d.y()) > 3:
                self._moved = True
            if self._moved and self._drag_view is not None:
                r = self.view.res
                self.view.cx = self._drag_view[0] - d.x() * r
                self.view.cy = self._drag_view[1] + d.y() * r
                self._view_moved()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._vertex_drag is not None:
            if self._moved and self._edit_before is not None:
                self._commit(self._edit_before, "move vertex")
            self._vertex_drag = None
            self._edit_before = None
            return
        was_drag = self._moved
        self._drag_from = None
        if event.button() != Qt.MouseButton.LeftButton or was_drag:
            return
        lon, lat = self.lonlat_at(pos.x(), pos.y())
        if self.tool in ("draw", "hole"):
            self.sketch.append([lon, lat])
            self.sketch_changed.emit()
            self.update()
        elif self.tool == "measure":
            self.measure.append([lon, lat])
            self.measure_changed.emit()
            self.update()
        elif self.tool == "pick":
            self.point_picked.emit(lon, lat)
        elif self.tool == "edit":
            self.selected_vertex = None
            self.update()
        else:
            hit = self.pick(pos.x(), pos.y())
            self.selection = hit
            self.feature_clicked.emit(*(hit or ("", "")))
            self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self.tool in ("draw", "hole"):
            # the first click of the double-click already added a vertex
            self.finish_sketch()
        elif self.tool == "measure":
            pass  # the click already added the point; a double-click does not zoom here
        elif self.tool == "edit" and self.edit is not None:
            edge = self.edge_at(pos)
            if edge is not None:
                before = self.edit.copy()
                lon, lat = self.lonlat_at(pos.x(), pos.y())
                self.edit.insert_vertex(*edge, lon, lat)
                self.selected_vertex = edge
                self._commit(before, "insert vertex")
        else:
            self.zoom_by(1, pos)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 240.0  # half a zoom level per notch
        if steps:
            self.zoom_by(steps, event.position())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        step_x, step_y = self.width() / 4, self.height() / 4
        if key == Qt.Key.Key_Left:
            self.pan_by(-step_x, 0)
        elif key == Qt.Key.Key_Right:
            self.pan_by(step_x, 0)
        elif key == Qt.Key.Key_Up:
            self.pan_by(0, -step_y)
        elif key == Qt.Key.Key_Down:
            self.pan_by(0, step_y)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(-1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.tool in ("draw", "hole"):
            self.finish_sketch()
        elif key == Qt.Key.Key_Escape and self.sketch:
            self.sketch = []
            self.sketch_changed.emit()
            self.update()
        elif key == Qt.Key.Key_Escape and self.measure:
            self.measure = []
            self.measure_changed.emit()
            self.update()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.tool == "edit":
            self.delete_selected_vertex()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.FontChange:
            self._fonts.clear()
            self._label_cache.clear()
        super().changeEvent(event)

    def event(self, event: QEvent) -> bool:
        # pinch: touchpads send native zoom gestures, touch screens QPinchGesture
        if (
            event.type() == QEvent.Type.NativeGesture
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture  # type: ignore[attr-defined]
        ):
            self.zoom_by(event.value() * 2, event.position())  # type: ignore[attr-defined]
            return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)  # type: ignore[attr-defined]
            if pinch is not None:
                factor = pinch.scaleFactor()
                if factor > 0:
                    self.zoom_by(math.log2(factor), pinch.centerPoint())
                return True
        return super().event(event)


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by, px, py = a.x(), a.y(), b.x(), b.y(), p.x(), p.y()
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))
