"""Painting map layers with QPainter: one 256-px XYZ tile at a time, or a whole view offscreen.

Static layers (boundaries, plots, tracks, points, basemap) are painted into tiles that the canvas
caches, so a pan or zoom step only composites images; the painter works in Mercator metres with
cosmetic pens, paths are built once per feature and level of detail, points are drawn in bulk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QTransform

from pemdesk.geo import symbology as sym
from pemdesk.geo.mapdata import TILE, MapModel, ShapeLayer, Viewport, lod_for, tile_bounds
from pemdesk.geo.mbtiles import MBTiles
from pemdesk.model import PlotStage
from pemdesk.ui.map.qtgeom import path_from_geometry, polygon_from_xy

PX_PER_MM = 96 / 25.4  # screen pixels per millimetre of symbology
LAYER_ORDER = (
    "basemap",
    "soums",
    "aimags",
    "site_boundaries",
    "plots",
    "tracks",
    "visits",
    "photo_points",
    "photos",
    "sites",
)


def qcolor(hex_colour: str, opacity: float = 1.0) -> QColor:
    c = QColor(hex_colour)
    c.setAlphaF(opacity)
    return c


def cosmetic_pen(
    hex_colour: str, width_mm: float, dash: tuple[float, ...] = (), scale: float = 1.0
) -> QPen:
    pen = QPen(qcolor(hex_colour))
    pen.setCosmetic(True)
    width = max(1.0, width_mm * PX_PER_MM * scale)
    pen.setWidthF(width)
    if dash:
        pen.setDashPattern([d * PX_PER_MM * scale / width for d in dash])
    return pen


_HATCH = {
    "cross": Qt.BrushStyle.DiagCrossPattern,
    "diagonal": Qt.BrushStyle.BDiagPattern,
    "dots": Qt.BrushStyle.Dense6Pattern,
    "none": Qt.BrushStyle.NoBrush,
}


@dataclass
class Styles:
    scale: float = 1.0  # 1 on screen; dpi/96 for print
    stage_fill: list[QBrush] = field(default_factory=list)
    stage_hatch: list[QBrush] = field(default_factory=list)
    stage_pen: list[QPen] = field(default_factory=list)
    stage_colour: list[QColor] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stage in PlotStage:
            st = sym.plot_style(stage)
            self.stage_fill.append(QBrush(qcolor(st.fill, st.fill_opacity)))
            hatch = QBrush(qcolor(sym.darker(st.fill), 0.6), _HATCH[st.hatch])
            self.stage_hatch.append(hatch)
            self.stage_pen.append(cosmetic_pen(st.stroke, st.stroke_width_mm, scale=self.scale))
            self.stage_colour.append(qcolor(st.fill))
        s = self.scale
        self.soum_pen = cosmetic_pen(
            sym.SOUM_BOUNDARY.stroke, sym.SOUM_BOUNDARY.stroke_width_mm, sym.SOUM_BOUNDARY.dash, s
        )
        self.aimag_pen = cosmetic_pen(
            sym.AIMAG_BOUNDARY.stroke, sym.AIMAG_BOUNDARY.stroke_width_mm, scale=s
        )
        self.country_pen = cosmetic_pen(
            sym.COUNTRY_BOUNDARY.stroke, sym.COUNTRY_BOUNDARY.stroke_width_mm, scale=s
        )
        self.site_pen = cosmetic_pen(
            sym.SITE_BOUNDARY.stroke, sym.SITE_BOUNDARY.stroke_width_mm, sym.SITE_BOUNDARY.dash, s
        )
        self.site_brush = QBrush(qcolor(sym.SITE_BOUNDARY.fill, sym.SITE_BOUNDARY.fill_opacity))
        self.track_halo = cosmetic_pen(
            sym.TRACK.halo or "#ffffff", sym.TRACK.stroke_width_mm * 2.2, scale=s
        )
        self.track_pen = cosmetic_pen(sym.TRACK.stroke, sym.TRACK.stroke_width_mm, scale=s)
        self.land = QBrush(QColor(sym.LAND_FILL))
        self.background = QColor(sym.BACKGROUND)

    def point_pens(self, style: sym.PointStyle, big: bool) -> tuple[QPen, QPen]:
        size = style.size_mm * PX_PER_MM * self.scale
        outer = QPen(QColor(style.stroke))
        outer.setWidthF(size + 2 * max(1.0, style.stroke_width_mm * PX_PER_MM * self.scale))
        inner = QPen(QColor(style.fill))
        inner.setWidthF(size)
        cap = (
            Qt.PenCapStyle.RoundCap
            if big and style.shape == "circle"
            else (Qt.PenCapStyle.SquareCap)
        )
        outer.setCapStyle(cap)
        inner.setCapStyle(cap)
        return outer, inner


class LayerPainter:
    """Draws the model's static layers for a Mercator box onto a painter."""

    def __init__(self, model: MapModel, styles: Styles | None = None) -> None:
        self.model = model
        self.styles = styles or Styles()
        self.visible: dict[str, bool] = {name: True for name in LAYER_ORDER}
        self.basemap: MBTiles | None = None
        self._paths: dict[tuple[str, int, int], QPainterPath] = {}
        self._basemap_cache: dict[tuple[int, int, int], QImage | None] = {}

    def clear(self) -> None:
        self._paths.clear()

    def set_basemap(self, basemap: MBTiles | None) -> None:
        self.basemap = basemap
        self._basemap_cache.clear()

    def path(self, layer: ShapeLayer, i: int, lod: int) -> QPainterPath:
        key = (layer.name, i, lod)
        p = self._paths.get(key)
        if p is None:
            p = path_from_geometry(layer.at_lod(i, lod))
            if len(self._paths) > 60_000:
                self._paths.clear()
            self._paths[key] = p
        return p

    # --- the whole stack ----------------------------------------------------------------------
    def paint(
        self,
        painter: QPainter,
        box: tuple[float, float, float, float],
        res: float,
        lod: int,
        world_to_device: QTransform,
        zoom: float,
    ) -> None:
        """Paint every visible static layer for a Mercator ``box`` at ``res`` metres/pixel."""
        st = self.styles
        minx, miny, maxx, maxy = box
        margin = res * 12 * st.scale  # symbols that straddle the edge
        qbox = (minx - margin, miny - margin, maxx + margin, maxy + margin)
        painter.setTransform(world_to_device)
        if not self._paint_basemap(painter, box, zoom):
            self._land(painter, qbox, lod)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.visible.get("soums") and zoom >= 5.5:
            self._lines(painter, "soums", qbox, lod, st.soum_pen)
        if self.visible.get("aimags"):
            self._lines(painter, "aimags", qbox, lod, st.aimag_pen)
            self._lines(painter, "country", qbox, lod, st.country_pen)
        if self.visible.get("site_boundaries"):
            self._polygons(painter, "site_boundaries", qbox, lod, res, st.site_pen, st.site_brush)
        if self.visible.get("plots"):
            self._plots(painter, qbox, lod, res, world_to_device)
        if self.visible.get("tracks"):
            lay = self.model.layers.get("tracks")
            if lay is not None and len(lay):
                idx = lay.query(*qbox)
                for pen in (st.track_halo, st.track_pen):
                    painter.setPen(pen)
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    for i in idx:
                        painter.drawPath(self.path(lay, int(i), lod))
        painter.resetTransform()
        for name, style, groups in (
            ("visits", sym.VISIT_POINT, {1: sym.VISIT_POINT_DRAFT}),
            ("photos", sym.PHOTO, {}),
            ("photo_points", sym.PHOTO_POINT, {}),
        ):
            if self.visible.get(name):
                self._points(painter, name, qbox, world_to_device, style, groups, zoom)
        if self.visible.get("sites"):
            self._sites(painter, qbox, world_to_device)

    def _paint_basemap(
        self, painter: QPainter, box: tuple[float, float, float, float], zoom: float
    ) -> bool:
        if self.basemap is None or not self.visible.get("basemap"):
            return False
        from pemdesk.geo.mapdata import WORLD

        z = int(max(self.basemap.min_zoom, min(self.basemap.max_zoom, round(zoom))))
        size = WORLD / 2**z
        n = 2**z
        minx, miny, maxx, maxy = box
        x0 = max(0, int(math.floor((minx + WORLD / 2) / size)))
        x1 = min(n - 1, int(math.floor((maxx + WORLD / 2) / size - 1e-9)))
        y0 = max(0, int(math.floor((WORLD / 2 - maxy) / size)))
        y1 = min(n - 1, int(math.floor((WORLD / 2 - miny) / size - 1e-9)))
        drew = False
        for tx in range(x0, x1 + 1):
            for ty in range(y0, y1 + 1):
                img = self._basemap_image(z, tx, ty)
                if img is None:
                    continue
                bx0, by0, bx1, by1 = tile_bounds(z, tx, ty)
                # y is flipped by the world transform: draw the image upside up
                painter.save()
                painter.translate(bx0, by1)
                painter.scale((bx1 - bx0) / img.width(), -(by1 - by0) / img.height())
                painter.drawImage(QPointF(0, 0), img)
                painter.restore()
                drew = True
        return drew

    def _basemap_image(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        if key not in self._basemap_cache:
            data = self.basemap.tile(z, x, y) if self.basemap else None
            img = QImage.fromData(data) if data else None
            self._basemap_cache[key] = img if img is not None and not img.isNull() else None
            if len(self._basemap_cache) > 512:
                self._basemap_cache.pop(next(iter(self._basemap_cache)))
        return self._basemap_cache[key]

    def _lines(
        self,
        painter: QPainter,
        name: str,
        box: tuple[float, float, float, float],
        lod: int,
        pen: QPen,
    ) -> None:
        """Boundary lines clipped to the box first: Qt would otherwise stroke (and dash) whole
        soum outlines far outside the tile at large scales."""
        import shapely

        from pemdesk.ui.map.qtgeom import path_from_rings, rings_of

        lay = self.model.layers.get(name)
        if lay is None:
            return
        idx = lay.query(*box)
        if not len(idx):
            return
        geoms = np.array([lay.at_lod(int(i), lod) for i in idx], dtype=object)
        clipped = shapely.clip_by_rect(geoms, *box)
        rings = [r for g in clipped if not g.is_empty for r in rings_of(g)]
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path_from_rings(rings))

    def _land(self, painter: QPainter, box: tuple[float, float, float, float], lod: int) -> None:
        import shapely

        from pemdesk.ui.map.qtgeom import path_from_geometry

        country = self.model.layers.get("country")
        if country is None or not len(country.query(*box)):
            return
        clipped = shapely.clip_by_rect(country.at_lod(0, lod), *box)
        if clipped.is_empty:
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.styles.land)
        painter.drawPath(path_from_geometry(clipped))

    def _polygons(
        self,
        painter: QPainter,
        name: str,
        box: tuple[float, float, float, float],
        lod: int,
        res: float,
        pen: QPen,
        brush: QBrush,
    ) -> None:
        lay = self.model.layers.get(name)
        if lay is None or not len(lay):
            return
        painter.setPen(pen)
        painter.setBrush(brush)
        idx = lay.query(*box)
        if not len(idx):
            return
        b = lay.bounds[idx]
        # an area a few pixels across says nothing a site marker does not
        big = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / res >= 4 * self.styles.scale
        for i in idx[big]:
            painter.drawPath(self.path(lay, int(i), lod))

    def _plots(
        self,
        painter: QPainter,
        box: tuple[float, float, float, float],
        lod: int,
        res: float,
        world_to_device: QTransform,
    ) -> None:
        lay = self.model.layers.get("plots")
        if lay is None or not len(lay):
            return
        st = self.styles
        idx = lay.query(*box)
        if not len(idx):
            return
        b = lay.bounds[idx]
        size_px = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / res
        small = size_px < 4 * st.scale
        stages = np.array([lay.attrs[i]["stage"] for i in idx], dtype=int)
        # hatch patterns in device pixels (the world transform would shift their phase per
        # tile and leave seams)
        inverse, _ok = world_to_device.inverted()
        hatches = []
        for brush in st.stage_hatch:
            hatch = QBrush(brush)
            hatch.setTransform(inverse)
            hatches.append(hatch)
        for i, stage in zip(idx[~small], stages[~small], strict=True):
            path = self.path(lay, int(i), lod)
            painter.setPen(st.stage_pen[stage])
            painter.setBrush(st.stage_fill[stage])
            painter.drawPath(path)
            if res < 12:  # hatching from about zoom 14 (a few hectares fill the screen)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(hatches[stage])
                painter.drawPath(path)
        if small.any():
            # too small to see as a shape: one stage-coloured dot each, drawn in bulk
            cx = (b[small, 0] + b[small, 2]) / 2
            cy = (b[small, 1] + b[small, 3]) / 2
            painter.save()
            painter.resetTransform()
            sx, sy = _device(world_to_device, cx, cy)
            for stage in range(len(st.stage_colour)):
                m = stages[small] == stage
                if not m.any():
                    continue
                pen = QPen(st.stage_colour[stage])
                pen.setWidthF(4 * st.scale)
                pen.setCapStyle(Qt.PenCapStyle.SquareCap)
                painter.setPen(pen)
                ux, uy = _unique_px(sx[m], sy[m])
                painter.drawPoints(polygon_from_xy(ux, uy))
            painter.restore()

    def _points(
        self,
        painter: QPainter,
        name: str,
        box: tuple[float, float, float, float],
        world_to_device: QTransform,
        style: sym.PointStyle,
        group_styles: dict[int, sym.PointStyle],
        zoom: float,
    ) -> None:
        layer = self.model.points.get(name)
        if layer is None or not len(layer):
            return
        idx = layer.within(*box)
        if not len(idx):
            return
        sx, sy = _device(world_to_device, layer.x[idx], layer.y[idx])
        groups = layer.groups[idx] if layer.groups is not None else np.zeros(len(idx), int)
        big = len(idx) < 400
        for g in np.unique(groups):
            m = groups == g
            st = group_styles.get(int(g), style)
            ux, uy = (sx[m], sy[m]) if big else _unique_px(sx[m], sy[m])
            pts = polygon_from_xy(ux, uy)
            outer, inner = self.styles.point_pens(st, big)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, big)
            if big:  # outlines only where points are few enough to tell apart
                painter.setPen(outer)
                painter.drawPoints(pts)
            painter.setPen(inner)
            painter.drawPoints(pts)
        if style.arrow_length_mm and layer.bearing is not None and zoom >= 11:
            b = layer.bearing[idx]
            ok = ~np.isnan(b)
            if ok.any():
                length = style.arrow_length_mm * PX_PER_MM * self.styles.scale
                self._arrows(painter, sx[ok], sy[ok], np.radians(b[ok]), length, style.fill)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def _arrows(
        self,
        painter: QPainter,
        x: np.ndarray,
        y: np.ndarray,
        bearing: np.ndarray,
        length: float,
        colour: str,
    ) -> None:
        from pemdesk.ui.map.qtgeom import path_from_rings

        ex = x + np.sin(bearing) * length
        ey = y - np.cos(bearing) * length
        head = length * 0.35
        rings = []
        for a, b_, c, d, t in zip(x, y, ex, ey, bearing, strict=True):
            lx, ly = c - math.sin(t - 0.45) * head, d + math.cos(t - 0.45) * head
            rx, ry = c - math.sin(t + 0.45) * head, d + math.cos(t + 0.45) * head
            rings.append(np.array([[a, b_], [c, d]]))
            rings.append(np.array([[lx, ly], [c, d], [rx, ry]]))
        path = path_from_rings(rings)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        halo = QPen(QColor("#ffffff"), 3.2 * self.styles.scale)
        painter.setPen(halo)
        painter.drawPath(path)
        painter.setPen(QPen(QColor(colour), 1.6 * self.styles.scale))
        painter.drawPath(path)

    def _sites(
        self, painter: QPainter, box: tuple[float, float, float, float], world_to_device: QTransform
    ) -> None:
        layer = self.model.points.get("sites")
        if layer is None or not len(layer):
            return
        idx = layer.within(*box)
        if not len(idx):
            return
        sx, sy = _device(world_to_device, layer.x[idx], layer.y[idx])
        style = sym.site_style()
        size = style.size_mm * PX_PER_MM * self.styles.scale
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(style.stroke), 1.5 * self.styles.scale))
        painter.setBrush(QColor(style.fill))
        for x, y in zip(sx, sy, strict=True):
            painter.drawRect(QRectF(x - size / 2, y - size / 2, size, size))


def _device(t: QTransform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply an axis-aligned QTransform to arrays."""
    return x * t.m11() + t.dx(), y * t.m22() + t.dy()


def _unique_px(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point per device pixel: at small scales thousands of points share pixels."""
    ix = np.round(x).astype(np.int64)
    iy = np.round(y).astype(np.int64)
    key = np.unique((iy << 32) + (ix & 0xFFFFFFFF))
    return (key & 0xFFFFFFFF).astype(np.int32).astype(float), (key >> 32).astype(float)


def world_transform(
    minx: float, maxy: float, res: float, ox: float = 0.0, oy: float = 0.0
) -> QTransform:
    """Mercator metres to device pixels with (minx, maxy) at (ox, oy)."""
    s = 1.0 / res
    return QTransform(s, 0, 0, -s, ox - minx * s, oy + maxy * s)


def render_tile(lp: LayerPainter, z: float, tx: int, ty: int) -> QImage:
    img = QImage(TILE, TILE, QImage.Format.Format_RGB32)  # opaque: blits without blending
    img.fill(lp.styles.background)
    minx, miny, maxx, maxy = tile_bounds(z, tx, ty)
    res = (maxx - minx) / TILE
    painter = QPainter(img)
    try:
        lp.paint(
            painter, (minx, miny, maxx, maxy), res, z, world_transform(minx, maxy, res), float(z)
        )
    finally:
        painter.end()
    return img


def render_view(lp: LayerPainter, view: Viewport, painter: QPainter) -> None:
    """Paint a whole view directly (print images, and the benchmark's uncached baseline)."""

    minx, miny, maxx, maxy = view.extent()
    painter.fillRect(QRectF(0, 0, view.width, view.height), lp.styles.background)
    lp.paint(
        painter,
        (minx, miny, maxx, maxy),
        view.res,
        lod_for(view.zoom),
        world_transform(minx, maxy, view.res),
        view.zoom,
    )


def render_image(
    model: MapModel,
    box: tuple[float, float, float, float],
    width_mm: float,
    height_mm: float,
    dpi: float = 300,
    visible: dict[str, bool] | None = None,
) -> QImage:
    """The map of a Mercator box at print resolution (symbol sizes scaled to the dpi), e.g. for
    a report that wants the screen map's look rather than reportlab vectors."""
    import math as _math

    w = max(1, round(width_mm / 25.4 * dpi))
    h = max(1, round(height_mm / 25.4 * dpi))
    view = Viewport(0, 0, 0, w, h)
    view.fit(*box, margin=0.05)
    # keep symbols the printed size: zoom as if the page were a 96-dpi screen
    lp = LayerPainter(model, Styles(scale=dpi / 96))
    if visible:
        lp.visible.update(visible)
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.setDotsPerMeterX(round(dpi / 0.0254))
    img.setDotsPerMeterY(round(dpi / 0.0254))
    painter = QPainter(img)
    try:
        screen_zoom = view.zoom - _math.log2(dpi / 96)
        minx, miny, maxx, maxy = view.extent()
        painter.fillRect(QRectF(0, 0, w, h), lp.styles.background)
        lp.paint(
            painter,
            (minx, miny, maxx, maxy),
            view.res,
            int(max(0, min(22, _math.floor(view.zoom + 0.5)))),
            world_transform(minx, maxy, view.res),
            screen_zoom,
        )
    finally:
        painter.end()
    return img
