"""Painting the map's layers with QPainter for a Mercator box: the whole view, a print image.

The stack is a list of named layers painted bottom to top (``LayerPainter.order``); each name
has a painter function (``LAYER_PAINTERS``, extended with ``register_layer``), a visibility and
an opacity. Styles are decided per layer and per view — never per tile — so nothing changes
along an image's edges. The painter works in Mercator metres with cosmetic pens; paths are built
once per feature and level of detail; points are blitted from pre-rendered sprites, or drawn in
bulk (one per device pixel) where they are many.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from pemdesk.geo import symbology as sym
from pemdesk.geo.mapdata import TILE, MapModel, ShapeLayer, Viewport, lod_for, tile_bounds
from pemdesk.geo.mbtiles import MBTiles
from pemdesk.model import PlotStage
from pemdesk.ui.map.qtgeom import path_from_geometry, polygon_from_xy

PX_PER_MM = 96 / 25.4  # screen pixels per millimetre of symbology
PHOTO_POINTS_FROM = 8.0  # zoom from which photo points are drawn (about 1:2,000,000)
PHOTOS_FROM = 9.0  # and single photos
PATH_CACHE = 40_000  # QPainterPaths kept (least recently used dropped first)
SPRITE_CACHE = 512

# Bottom to top. "basemap" is an MBTiles file; "water", "relief" and "places" are the shipped
# Natural Earth basemap. Registered layers go where their ``above`` says.
LAYER_ORDER = [
    "basemap",
    "water",
    "soums",
    "aimags",
    "site_boundaries",
    "plots",
    "tracks",
    "relief",
    "places",
    "waypoints",
    "visits",
    "photo_points",
    "photos",
    "sites",
]


@dataclass
class RenderContext:
    """One paint pass: the box in Mercator metres, its margin-grown query box, metres per pixel,
    the level of detail, the world→device transform and the (screen) zoom."""

    box: tuple[float, float, float, float]
    qbox: tuple[float, float, float, float]
    res: float
    lod: int
    world_to_device: QTransform
    zoom: float


LayerPaintFn = Callable[["LayerPainter", QPainter, RenderContext], None]


@dataclass
class LayerType:
    name: str
    title: str  # English; translated with _() where shown (mark it with N_)
    paint: LayerPaintFn
    visible: bool = True


# name -> painter; filled below and by register_layer()
LAYER_PAINTERS: dict[str, LayerType] = {}
LAYER_POSITIONS: dict[str, str] = {}  # registered name -> the layer it is drawn above


def register_layer(
    name: str, title: str, paint: LayerPaintFn, *, above: str = "sites", visible: bool = True
) -> None:
    """Add a layer to every map: drawn by ``paint(layer_painter, painter, ctx)`` just above
    ``above`` and listed in the layer list as ``title``. See ``pemdesk.ui.map`` (its docstring)."""
    LAYER_PAINTERS[name] = LayerType(name, title, paint, visible)
    LAYER_POSITIONS[name] = above


def default_order() -> list[str]:
    order = list(LAYER_ORDER)
    for name, above in LAYER_POSITIONS.items():
        if name in order:
            continue
        order.insert(order.index(above) + 1 if above in order else len(order), name)
    return order


def qcolor(hex_colour: str, opacity: float = 1.0) -> QColor:
    c = QColor(hex_colour)
    c.setAlphaF(opacity)
    return c


def cosmetic_pen(
    hex_colour: str,
    width_mm: float,
    dash: tuple[float, ...] = (),
    scale: float = 1.0,
    max_px: float | None = None,
) -> QPen:
    """A pen ``width_mm`` wide. On screen (``max_px``) lines stay ≤ 1 px where Qt's antialiased
    fast path draws them ten times faster than wider ones; print keeps the true width."""
    pen = QPen(qcolor(hex_colour))
    pen.setCosmetic(True)
    width = max(1.0, width_mm * PX_PER_MM * scale)
    if max_px is not None and scale == 1.0:
        width = min(width, max_px)
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
            self.stage_pen.append(
                cosmetic_pen(st.stroke, st.stroke_width_mm, scale=self.scale, max_px=1.0)
            )
            self.stage_colour.append(qcolor(st.fill))
        s = self.scale
        sb = sym.SOUM_BOUNDARY
        self.soum_pen = cosmetic_pen(sb.stroke, sb.stroke_width_mm, sb.dash, s, max_px=1.0)
        # at small scales soum lines are solid and lighter: dashes there are noise (and slow)
        self.soum_pen_small = cosmetic_pen("#b4b4b4", sb.stroke_width_mm, (), s, max_px=1.0)
        self.aimag_pen = cosmetic_pen(
            sym.AIMAG_BOUNDARY.stroke, sym.AIMAG_BOUNDARY.stroke_width_mm, scale=s, max_px=1.0
        )
        self.country_pen = cosmetic_pen(
            sym.COUNTRY_BOUNDARY.stroke, sym.COUNTRY_BOUNDARY.stroke_width_mm, scale=s, max_px=1.0
        )
        self.site_pen = cosmetic_pen(
            sym.SITE_BOUNDARY.stroke,
            sym.SITE_BOUNDARY.stroke_width_mm,
            sym.SITE_BOUNDARY.dash,
            s,
            max_px=1.0,
        )
        self.site_brush = QBrush(qcolor(sym.SITE_BOUNDARY.fill, sym.SITE_BOUNDARY.fill_opacity))
        self.track_halo = cosmetic_pen(
            sym.TRACK.halo or "#ffffff", sym.TRACK.stroke_width_mm * 2.2, scale=s
        )
        self.track_pen = cosmetic_pen(sym.TRACK.stroke, sym.TRACK.stroke_width_mm, scale=s)
        self.land = QBrush(QColor(sym.LAND_FILL))
        self.background = QColor(sym.BACKGROUND)
        self.water = QBrush(QColor(sym.WATER_FILL))
        self.water_pen = cosmetic_pen(sym.WATER_STROKE, 0.2, scale=s, max_px=1.0)
        self.river_pens = [  # by Natural Earth scalerank: big rivers darker and wider (print)
            cosmetic_pen(sym.RIVER.stroke, sym.RIVER.stroke_width_mm * f, scale=s, max_px=1.0)
            for f in (1.6, 1.2, 1.0)
        ]

    def point_pens(self, style: sym.PointStyle, big: bool) -> tuple[QPen, QPen]:
        size = style.size_mm * PX_PER_MM * self.scale
        outer = QPen(QColor(style.stroke))
        outer.setWidthF(size + 2 * max(1.0, style.stroke_width_mm * PX_PER_MM * self.scale))
        inner = QPen(QColor(style.fill))
        inner.setWidthF(size)
        cap = (
            Qt.PenCapStyle.RoundCap if big and style.shape == "circle" else Qt.PenCapStyle.SquareCap
        )
        outer.setCapStyle(cap)
        inner.setCapStyle(cap)
        return outer, inner


def _shape_path(shape: str, r: float) -> QPainterPath:
    path = QPainterPath()
    if shape == "circle":
        path.addEllipse(QPointF(0, 0), r, r)
    elif shape == "square":
        path.addRect(QRectF(-r, -r, 2 * r, 2 * r))
    elif shape == "diamond":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(0, -r * 1.3),
                    QPointF(r * 1.3, 0),
                    QPointF(0, r * 1.3),
                    QPointF(-r * 1.3, 0),
                ]
            )
        )
        path.closeSubpath()
    elif shape == "triangle":
        path.addPolygon(
            QPolygonF([QPointF(0, -r * 1.2), QPointF(r * 1.1, r * 0.8), QPointF(-r * 1.1, r * 0.8)])
        )
        path.closeSubpath()
    else:
        path.addEllipse(QPointF(0, 0), r, r)
    return path


class LayerPainter:
    """Draws the model's static layers for a Mercator box onto a painter."""

    def __init__(self, model: MapModel, styles: Styles | None = None) -> None:
        self.model = model
        self.styles = styles or Styles()
        self.order: list[str] = default_order()
        self.visible: dict[str, bool] = {name: True for name in self.order}
        for name, lt in LAYER_PAINTERS.items():
            self.visible[name] = lt.visible
        self.opacity: dict[str, float] = {}  # 0..1, 1 when absent
        # ids a layer may show (the tree's filters); None or absent: all
        self.filters: dict[str, set[str] | None] = {}
        # plot id -> stage index to draw instead of the stored one (issue 15's as-of date)
        self.stage_override: dict[str, int] = {}
        self.basemap: MBTiles | None = None
        self._paths: OrderedDict[tuple[str, int, int], QPainterPath] = OrderedDict()
        self._basemap_cache: OrderedDict[tuple[int, int, int], QImage | None] = OrderedDict()
        self._sprites: OrderedDict[tuple[object, ...], QImage] = OrderedDict()
        # the last few joined boundary paths (a pan inside the same pieces reuses them)
        self._joined: dict[tuple[object, ...], QPainterPath] = {}

    def clear(self) -> None:
        self._paths.clear()
        self._joined.clear()

    def set_basemap(self, basemap: MBTiles | None) -> None:
        self.basemap = basemap
        self._basemap_cache.clear()

    def cache_sizes(self) -> dict[str, int]:
        return {
            "paths": len(self._paths),
            "basemap_tiles": len(self._basemap_cache),
            "sprites": len(self._sprites),
        }

    def path(self, layer: ShapeLayer, i: int, lod: int) -> QPainterPath:
        key = (layer.name, i, lod)
        p = self._paths.get(key)
        if p is None:
            p = path_from_geometry(layer.at_lod(i, lod))
            self._paths[key] = p
            if len(self._paths) > PATH_CACHE:
                self._paths.popitem(last=False)
        else:
            self._paths.move_to_end(key)
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
        """Paint every visible layer for a Mercator ``box`` at ``res`` metres/pixel."""
        minx, miny, maxx, maxy = box
        margin = res * 12 * self.styles.scale  # symbols that straddle the edge
        qbox = (minx - margin, miny - margin, maxx + margin, maxy + margin)
        ctx = RenderContext(box, qbox, res, lod, world_to_device, zoom)
        painter.setTransform(world_to_device)
        if not (self.basemap is not None and self.visible.get("basemap")):
            self._land(painter, qbox, lod)
        for name in self.order:
            if not self.visible.get(name):
                continue
            fn = self._painter_for(name)
            opacity = self.opacity.get(name, 1.0)
            if fn is None or opacity <= 0.001:
                continue
            painter.save()
            painter.setOpacity(opacity)
            painter.setTransform(world_to_device)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            try:
                fn(self, painter, ctx)
            finally:
                painter.restore()
        painter.resetTransform()

    def _painter_for(self, name: str) -> LayerPaintFn | None:
        fn = _BUILTIN.get(name)
        if fn is not None:
            return fn
        lt = LAYER_PAINTERS.get(name)
        if lt is not None:
            return lt.paint
        if name in self.model.user_layers:
            return partial(_user_layer, name=name)
        return None

    def _filtered(self, layer: str, ids: list[str], idx: np.ndarray) -> np.ndarray:
        allowed = self.filters.get(layer)
        if allowed is None or not len(idx):
            return idx
        keep = np.fromiter((ids[int(i)] in allowed for i in idx), dtype=bool, count=len(idx))
        return idx[keep]

    # --- MBTiles ---------------------------------------------------------------------------
    def _paint_basemap(self, painter: QPainter, ctx: RenderContext) -> None:
        if self.basemap is None:
            return
        from pemdesk.geo.mapdata import WORLD

        z = int(max(self.basemap.min_zoom, min(self.basemap.max_zoom, round(ctx.zoom))))
        size = WORLD / 2**z
        n = 2**z
        minx, miny, maxx, maxy = ctx.box
        x0 = max(0, int(math.floor((minx + WORLD / 2) / size)))
        x1 = min(n - 1, int(math.floor((maxx + WORLD / 2) / size - 1e-9)))
        y0 = max(0, int(math.floor((WORLD / 2 - maxy) / size)))
        y1 = min(n - 1, int(math.floor((WORLD / 2 - miny) / size - 1e-9)))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
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

    def _basemap_image(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        if key not in self._basemap_cache:
            data = self.basemap.tile(z, x, y) if self.basemap else None
            img = QImage.fromData(data) if data else None
            self._basemap_cache[key] = img if img is not None and not img.isNull() else None
            if len(self._basemap_cache) > 256:
                self._basemap_cache.popitem(last=False)
        else:
            self._basemap_cache.move_to_end(key)
        return self._basemap_cache[key]

    # --- lines and areas -------------------------------------------------------------------
    def _lines(
        self,
        painter: QPainter,
        name: str,
        box: tuple[float, float, float, float],
        lod: int,
        pen: QPen,
    ) -> None:
        """Boundary lines: pieces of ≤ 128 vertices (``mapdata.chunked_lines``) picked by the
        index, their cached paths joined into one (one stroke call, no clipping per frame)."""
        lay = self.model.layers.get(name)
        if lay is None:
            return
        idx = lay.query(*box)
        if not len(idx):
            return
        key = (name, lod, tuple(idx.tolist()))
        joined = self._joined.get(key)
        if joined is None:
            joined = QPainterPath()
            for i in idx:
                joined.addPath(self.path(lay, int(i), lod))
            self._joined = {key: joined, **dict(list(self._joined.items())[-7:])}
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(joined)

    def _land(self, painter: QPainter, box: tuple[float, float, float, float], lod: int) -> None:
        import shapely

        country = self.model.layers.get("country")
        if country is None or not len(country.query(*box)):
            return
        if _inside(country, box):  # a view inside Mongolia: one fill, no clipping
            painter.fillRect(
                QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1]), self.styles.land
            )
            return
        clipped = shapely.clip_by_rect(country.at_lod(0, max(0, lod - 1)), *box)
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
        idx = self._filtered(name, lay.ids, lay.query(*box))
        if not len(idx):
            return
        b = lay.bounds[idx]
        # an area a few pixels across says nothing a site marker does not
        big = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / res >= 4 * self.styles.scale
        for i in idx[big]:
            painter.drawPath(self.path(lay, int(i), lod))

    def _plots(self, painter: QPainter, ctx: RenderContext) -> None:
        lay = self.model.layers.get("plots")
        if lay is None or not len(lay):
            return
        st = self.styles
        idx = self._filtered("plots", lay.ids, lay.query(*ctx.qbox))
        if not len(idx):
            return
        res, lod = ctx.res, ctx.lod
        b = lay.bounds[idx]
        size_px = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / res
        small = size_px < 4 * st.scale
        over = self.stage_override
        stages = np.array([over.get(lay.ids[i], lay.attrs[i]["stage"]) for i in idx], dtype=int)
        # hatch patterns in device pixels, one phase for the whole view
        inverse, _ok = ctx.world_to_device.inverted()
        hatches = []
        for brush in st.stage_hatch:
            hatch = QBrush(brush)
            hatch.setTransform(inverse)
            hatches.append(hatch)
        for stage in range(len(st.stage_fill)):  # one stage at a time: fewer state changes
            sel = idx[~small & (stages == stage)]
            if not len(sel):
                continue
            painter.setPen(st.stage_pen[stage])
            painter.setBrush(st.stage_fill[stage])
            paths = [self.path(lay, int(i), lod) for i in sel]
            for path in paths:
                painter.drawPath(path)
            # hatching tells stages apart in grey-scale print; on screen colour does, and the
            # hatch comes in once a plot is big enough to show it (zoom 15)
            hatch_res = 12.0 if st.scale != 1.0 else 5.0
            if res < hatch_res and st.stage_hatch[stage].style() != Qt.BrushStyle.NoBrush:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(hatches[stage])
                for path in paths:
                    painter.drawPath(path)
        if small.any():
            # too small to see as a shape: one stage-coloured dot each, drawn in bulk
            cx = (b[small, 0] + b[small, 2]) / 2
            cy = (b[small, 1] + b[small, 3]) / 2
            painter.save()
            painter.resetTransform()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            sx, sy = _device(ctx.world_to_device, cx, cy)
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

    # --- points ----------------------------------------------------------------------------
    def sprite(self, style: sym.PointStyle) -> QImage:
        """A point symbol pre-rendered once (antialiased, outlined): blitting it is far cheaper
        than stroking a round-capped wide pen per point."""
        key = ("pt", style, self.styles.scale)
        img = self._sprites.get(key)
        if img is not None:
            return img
        s = self.styles.scale
        r = style.size_mm * PX_PER_MM * s / 2
        outline = max(1.0, style.stroke_width_mm * PX_PER_MM * s)
        half = math.ceil(r * 1.4 + outline + 1)
        img = QImage(2 * half, 2 * half, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.translate(half, half)
        pen = QPen(QColor(style.stroke), outline)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(QColor(style.fill))
        p.drawPath(_shape_path(style.shape, r))
        p.end()
        self._remember_sprite(key, img)
        return img

    def _arrow_sprite(self, bucket: int, length: float, colour: str) -> QImage:
        key = ("arrow", bucket, round(length, 2), colour)
        img = self._sprites.get(key)
        if img is not None:
            return img
        s = self.styles.scale
        half = math.ceil(length + 4 * s)
        img = QImage(2 * half, 2 * half, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.translate(half, half)
        t = math.radians(bucket * 5)
        ex, ey = math.sin(t) * length, -math.cos(t) * length
        head = length * 0.35
        path = QPainterPath(QPointF(0, 0))
        path.lineTo(ex, ey)
        path.moveTo(ex - math.sin(t - 0.45) * head, ey + math.cos(t - 0.45) * head)
        path.lineTo(ex, ey)
        path.lineTo(ex - math.sin(t + 0.45) * head, ey + math.cos(t + 0.45) * head)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("#ffffff"), 3.2 * s))
        p.drawPath(path)
        p.setPen(QPen(QColor(colour), 1.6 * s))
        p.drawPath(path)
        p.end()
        self._remember_sprite(key, img)
        return img

    def warm_sprites(self) -> None:
        """Make the bearing arrows of photos and photo points in every direction ahead of time
        (about 20 ms, done while the map is idle)."""
        for style in (sym.PHOTO_POINT, sym.PHOTO):
            length = style.arrow_length_mm * PX_PER_MM * self.styles.scale
            for bucket in range(72):
                self._arrow_sprite(bucket, length, style.fill)
        for style in (
            sym.VISIT_POINT,
            sym.VISIT_POINT_DRAFT,
            sym.PHOTO_POINT,
            sym.PHOTO,
            sym.WAYPOINT,
            sym.site_style(),
            sym.PLACE,
            sym.CAPITAL,
            sym.TOWN,
            sym.PEAK,
        ):
            self.sprite(style)

    def _remember_sprite(self, key: tuple[object, ...], img: QImage) -> None:
        self._sprites[key] = img
        if len(self._sprites) > SPRITE_CACHE:
            self._sprites.popitem(last=False)

    def _blit(self, painter: QPainter, img: QImage, sx: np.ndarray, sy: np.ndarray) -> None:
        hw, hh = img.width() / 2, img.height() / 2
        for x, y in zip(sx.tolist(), sy.tolist(), strict=True):
            painter.drawImage(QPointF(x - hw, y - hh), img)

    def points(
        self,
        painter: QPainter,
        ctx: RenderContext,
        name: str,
        style: sym.PointStyle,
        group_styles: dict[int, sym.PointStyle] | None = None,
    ) -> None:
        """A point layer of ``model.points``: sprites where few, one dot per pixel where many.
        Public: a registered point layer (issue 14's deployments) calls this with its style."""
        layer = self.model.points.get(name)
        if layer is None or not len(layer):
            return
        idx = self._filtered(name, layer.ids, layer.within(*ctx.qbox))
        if not len(idx):
            return
        painter.resetTransform()
        sx, sy = _device(ctx.world_to_device, layer.x[idx], layer.y[idx])
        groups = layer.groups[idx] if layer.groups is not None else np.zeros(len(idx), int)
        big = len(idx) < 600
        for g in np.unique(groups):
            m = groups == g
            st = (group_styles or {}).get(int(g), style)
            if big:
                self._blit(painter, self.sprite(st), sx[m], sy[m])
                continue
            ux, uy = _unique_px(sx[m], sy[m])
            _outer, inner = self.styles.point_pens(st, False)
            # where points are many the view is small-scale: smaller dots read better there
            inner.setWidthF(min(inner.widthF(), max(3.0, ctx.zoom - 2.0) * self.styles.scale))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(inner)
            painter.drawPoints(polygon_from_xy(ux, uy))
        if style.arrow_length_mm and layer.bearing is not None and ctx.zoom >= 11:
            b = layer.bearing[idx]
            ok = ~np.isnan(b)
            if ok.any():
                length = style.arrow_length_mm * PX_PER_MM * self.styles.scale
                buckets = np.round(b[ok] / 5).astype(int) % 72
                for bucket in np.unique(buckets):
                    m = buckets == bucket
                    img = self._arrow_sprite(int(bucket), length, style.fill)
                    self._blit(painter, img, sx[ok][m], sy[ok][m])

    def _sites(self, painter: QPainter, ctx: RenderContext) -> None:
        layer = self.model.points.get("sites")
        if layer is None or not len(layer):
            return
        idx = self._filtered("sites", layer.ids, layer.within(*ctx.qbox))
        if not len(idx):
            return
        painter.resetTransform()
        sx, sy = _device(ctx.world_to_device, layer.x[idx], layer.y[idx])
        style = sym.site_style()
        self._blit(painter, self.sprite(style), sx, sy)

    def _water(self, painter: QPainter, ctx: RenderContext) -> None:
        st = self.styles
        lakes = self.model.layers.get("lakes")
        if lakes is not None and len(lakes):
            idx = lakes.query(*ctx.qbox)
            if len(idx):
                # at small scales only the big lakes (Natural Earth's scalerank), like any atlas
                ranks = np.array([lakes.attrs[i]["rank"] for i in idx])
                idx = idx[ranks <= _max_rank(ctx.zoom)]
                b = lakes.bounds[idx]
                idx = idx[np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / ctx.res >= 2]
                painter.setPen(st.water_pen)
                painter.setBrush(st.water)
                for i in idx:
                    painter.drawPath(self.path(lakes, int(i), ctx.lod))
        rivers = self.model.layers.get("rivers")
        if rivers is not None and len(rivers):
            idx = rivers.query(*ctx.qbox)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            limit = _max_rank(ctx.zoom) + 1
            for i in idx:
                rank = rivers.attrs[int(i)]["rank"]
                if rank > limit:
                    continue
                painter.setPen(st.river_pens[0 if rank <= 3 else 1 if rank <= 6 else 2])
                painter.drawPath(self.path(rivers, int(i), ctx.lod))


def _inside(layer: ShapeLayer, box: tuple[float, float, float, float]) -> bool:
    import shapely
    from shapely.geometry import box as make_box

    geom = layer.geoms[0]
    shapely.prepare(geom)
    return bool(geom.contains(make_box(*box)))


def _max_rank(zoom: float) -> int:
    """Natural Earth scalerank shown at a zoom (0 = most important)."""
    return 4 if zoom < 4.5 else 7 if zoom < 5.5 else 10


def _soums(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    if ctx.zoom >= 6:
        pen = lp.styles.soum_pen if ctx.zoom >= 8 else lp.styles.soum_pen_small
        lp._lines(painter, "soums", ctx.qbox, ctx.lod, pen)


def _aimags(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    lp._lines(painter, "aimags", ctx.qbox, ctx.lod, lp.styles.aimag_pen)
    lp._lines(painter, "country_lines", ctx.qbox, ctx.lod, lp.styles.country_pen)
    if lp.styles.scale == 1.0:
        # the border a little bolder than 1 px without leaving Qt's fast thin-line path
        painter.translate(0, ctx.res * 0.6)
        lp._lines(painter, "country_lines", ctx.qbox, ctx.lod, lp.styles.country_pen)


def _site_boundaries(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    st = lp.styles
    lp._polygons(painter, "site_boundaries", ctx.qbox, ctx.lod, ctx.res, st.site_pen, st.site_brush)


def _tracks(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    lay = lp.model.layers.get("tracks")
    if lay is None or not len(lay):
        return
    idx = lp._filtered("tracks", lay.ids, lay.query(*ctx.qbox))
    paths = [lp.path(lay, int(i), ctx.lod) for i in idx]
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for pen in (lp.styles.track_halo, lp.styles.track_pen):
        painter.setPen(pen)
        for path in paths:
            painter.drawPath(path)


def _relief(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    if ctx.zoom >= 6:
        lp.points(painter, ctx, "peaks", sym.PEAK)


def _places(lp: LayerPainter, painter: QPainter, ctx: RenderContext) -> None:
    lp.points(painter, ctx, "places", sym.PLACE, {0: sym.CAPITAL, 1: sym.PLACE, 2: sym.TOWN})
    if ctx.zoom >= 5.5:
        lp.points(painter, ctx, "centres", sym.CENTRE)


def _user_layer(lp: LayerPainter, painter: QPainter, ctx: RenderContext, *, name: str) -> None:
    """A coordinator-added GeoPackage/Shapefile/GeoJSON layer: one colour, outline + light fill,
    lines and points in the same colour."""
    lay = lp.model.user_layers.get(name)
    if lay is None:
        return
    colour = lay.attrs[0].get("_colour", "#b2182b") if lay.attrs else "#b2182b"
    pen = cosmetic_pen(colour, 0.35, scale=lp.styles.scale, max_px=1.0)
    brush = QBrush(qcolor(colour, 0.22))
    idx = lay.query(*ctx.qbox)
    if not len(idx):
        return
    b = lay.bounds[idx]
    tiny = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / ctx.res < 1.5
    painter.setPen(pen)
    for i, is_tiny in zip(idx, tiny, strict=True):
        geom = lay.geoms[int(i)]
        kind = geom.geom_type
        if is_tiny or kind in ("Point", "MultiPoint"):
            continue
        painter.setBrush(brush if kind in ("Polygon", "MultiPolygon") else Qt.BrushStyle.NoBrush)
        painter.drawPath(lp.path(lay, int(i), ctx.lod))
    if tiny.any():
        painter.resetTransform()
        cx, cy = (b[tiny, 0] + b[tiny, 2]) / 2, (b[tiny, 1] + b[tiny, 3]) / 2
        sx, sy = _device(ctx.world_to_device, cx, cy)
        style = sym.PointStyle("circle", 1.6, colour, "#ffffff")
        if len(sx) < 600:
            lp._blit(painter, lp.sprite(style), sx, sy)
        else:
            ux, uy = _unique_px(sx, sy)
            painter.setPen(QPen(QColor(colour), 3))
            painter.drawPoints(polygon_from_xy(ux, uy))


_BUILTIN: dict[str, Callable[..., None]] = {
    "basemap": lambda lp, p, c: lp._paint_basemap(p, c),
    "water": lambda lp, p, c: lp._water(p, c),
    "soums": _soums,
    "aimags": _aimags,
    "site_boundaries": _site_boundaries,
    "plots": lambda lp, p, c: lp._plots(p, c),
    "tracks": _tracks,
    "relief": _relief,
    "places": _places,
    "waypoints": lambda lp, p, c: lp.points(p, c, "waypoints", sym.WAYPOINT),
    "visits": lambda lp, p, c: lp.points(
        p, c, "visits", sym.VISIT_POINT, {1: sym.VISIT_POINT_DRAFT}
    ),
    # scale-dependent, as a QGIS user would set them: thousands of photos and photo points are
    # noise over a whole country; they appear where they can be told apart
    "photo_points": lambda lp, p, c: (
        lp.points(p, c, "photo_points", sym.PHOTO_POINT) if c.zoom >= PHOTO_POINTS_FROM else None
    ),
    "photos": lambda lp, p, c: (
        lp.points(p, c, "photos", sym.PHOTO) if c.zoom >= PHOTOS_FROM else None
    ),
    "sites": lambda lp, p, c: lp._sites(p, c),
}


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


def render_box(
    lp: LayerPainter, box: tuple[float, float, float, float], zoom: float, width: int, height: int
) -> QImage:
    """An opaque image of a Mercator box ``width``×``height`` px at ``zoom`` (the canvas's view
    images; styles are the view's, so there is no seam anywhere)."""
    img = QImage(max(1, width), max(1, height), QImage.Format.Format_RGB32)
    img.fill(lp.styles.background)
    minx, _miny, _maxx, maxy = box
    res = (box[2] - box[0]) / max(1, width)
    painter = QPainter(img)
    try:
        lp.paint(painter, box, res, lod_for(zoom), world_transform(minx, maxy, res), zoom)
    finally:
        painter.end()
    return img


def render_tile(lp: LayerPainter, z: float, tx: int, ty: int) -> QImage:
    """One 256-px XYZ tile (kept for tools that want tiles; the canvas renders whole views)."""
    return render_box(lp, tile_bounds(z, tx, ty), float(z), TILE, TILE)


def render_view(lp: LayerPainter, view: Viewport, painter: QPainter) -> None:
    """Paint a whole view directly (print images, and the benchmark's full render)."""

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
        screen_zoom = view.zoom - math.log2(dpi / 96)
        minx, miny, maxx, maxy = view.extent()
        painter.fillRect(QRectF(0, 0, w, h), lp.styles.background)
        lp.paint(
            painter,
            (minx, miny, maxx, maxy),
            view.res,
            int(max(0, min(22, math.floor(view.zoom + 0.5)))),
            world_transform(minx, maxy, view.res),
            screen_zoom,
        )
    finally:
        painter.end()
    return img
