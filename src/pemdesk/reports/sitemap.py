"""The site map of a report, drawn as vectors with the map's symbology (``pemdesk.geo.symbology``).

Site boundary, plots coloured by stage with their names and hectares, the visit position, photos
and photo points with their bearing, a scale bar and a north arrow. Distances use a local
equirectangular projection about the map's centre: at the few kilometres of a site it is within
a fraction of a percent, and the figure is a picture, not a survey.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pemdesk import model
from pemdesk.geo import symbology as sym
from pemdesk.i18n import format_number
from pemdesk.labels import label
from pemdesk.reports.base import MM, Texts
from pemdesk.reports.fonts import FONT, FONT_BOLD

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0


@dataclass
class MapContent:
    site: model.Site
    plots: Sequence[model.Plot] = ()
    highlight_plot_ids: frozenset[str] = frozenset()
    visit: model.Visit | None = None
    photos: Sequence[model.Photo] = ()
    photo_points: Sequence[model.PhotoPoint] = ()
    extra_points: list[tuple[float, float]] = field(default_factory=list)


def _rings(geometry: dict[str, Any] | None) -> list[list[tuple[float, float]]]:
    """Exterior rings of a Polygon or MultiPolygon (holes are not drawn at report scale)."""
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [[(float(x), float(y)) for x, y, *_ in coords[0]]] if coords else []
    if kind == "MultiPolygon":
        return [[(float(x), float(y)) for x, y, *_ in poly[0]] for poly in coords if poly]
    return []


def _nice_length(max_m: float) -> float:
    """The largest 1-2-5 × 10^n metres not above ``max_m``."""
    if max_m <= 0:
        return 1.0
    exponent = math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        value = step * 10**exponent
        if value <= max_m:
            return float(value)
    return float(10**exponent)


def _color(hex_colour: str, alpha: float = 1.0) -> Any:
    from reportlab.lib import colors

    r, g, b = sym.hex_to_rgb(hex_colour)
    return colors.Color(r, g, b, alpha=alpha)


def site_map(content: MapContent, width_mm: float, height_mm: float, lang: str) -> Any:
    """A reportlab Drawing of the site."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String

    _ = Texts(lang)
    width, height = width_mm * MM, height_mm * MM
    drawing = Drawing(width, height)
    legend_h = 11 * MM
    map_h = height - legend_h

    points: list[tuple[float, float]] = []
    boundary = _rings(content.site.boundary)
    for ring in boundary:
        points += ring
    plot_rings = [(p, _rings(p.geometry)) for p in content.plots]
    for _p, rings in plot_rings:
        for ring in rings:
            points += ring
    if content.site.lon is not None and content.site.lat is not None:
        points.append((content.site.lon, content.site.lat))
    if content.visit and content.visit.lon is not None and content.visit.lat is not None:
        points.append((content.visit.lon, content.visit.lat))
    for photo in content.photos:
        if photo.lon is not None and photo.lat is not None:
            points.append((photo.lon, photo.lat))
    points += [(pp.lon, pp.lat) for pp in content.photo_points]
    points += content.extra_points

    drawing.add(
        Rect(
            0,
            legend_h,
            width,
            map_h,
            fillColor=_color("#f7f5ef"),
            strokeColor=_color("#8a8a8a"),
            strokeWidth=0.5,
        )
    )
    if not points:
        drawing.add(
            String(
                width / 2,
                legend_h + map_h / 2,
                _("No position recorded"),
                fontName=FONT,
                fontSize=9,
                textAnchor="middle",
            )
        )
        return drawing

    lon0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lat0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    kx = M_PER_DEG_LON_EQ * math.cos(math.radians(lat0))

    def metres(lon: float, lat: float) -> tuple[float, float]:
        return (lon - lon0) * kx, (lat - lat0) * M_PER_DEG_LAT

    xy = [metres(*p) for p in points]
    span_x = max(x for x, _y in xy) - min(x for x, _y in xy)
    span_y = max(y for _x, y in xy) - min(y for _x, y in xy)
    span_x, span_y = max(span_x, 300.0), max(span_y, 300.0)
    pad = 8 * MM
    scale = min((width - 2 * pad) / span_x, (map_h - 2 * pad) / span_y)  # points per metre
    cx = (max(x for x, _y in xy) + min(x for x, _y in xy)) / 2
    cy = (max(y for _x, y in xy) + min(y for _x, y in xy)) / 2

    def to_page(lon: float, lat: float) -> tuple[float, float]:
        x, y = metres(lon, lat)
        return width / 2 + (x - cx) * scale, legend_h + map_h / 2 + (y - cy) * scale

    def flat(ring: Iterable[tuple[float, float]]) -> list[float]:
        out: list[float] = []
        for lon, lat in ring:
            out += to_page(lon, lat)
        return out

    style = sym.SITE_BOUNDARY
    for ring in boundary:
        drawing.add(
            Polygon(
                flat(ring),
                fillColor=_color(style.fill, style.fill_opacity),
                strokeColor=_color(style.stroke),
                strokeWidth=style.stroke_width_mm * MM,
                strokeDashArray=[d * MM for d in style.dash] or None,
            )
        )

    labels: list[tuple[float, float, str, str]] = []
    for plot, rings in plot_rings:
        ps = sym.plot_style(plot.stage, selected=plot.id in content.highlight_plot_ids)
        for ring in rings:
            drawing.add(
                Polygon(
                    flat(ring),
                    fillColor=_color(ps.fill, ps.fill_opacity),
                    strokeColor=_color(ps.stroke),
                    strokeWidth=ps.stroke_width_mm * MM,
                )
            )
        if rings:
            xs, ys = flat(rings[0])[0::2], flat(rings[0])[1::2]
            area = f"{format_number(plot.area_ha, 1)} {_('ha')}" if plot.area_ha else ""
            labels.append((sum(xs) / len(xs), sum(ys) / len(ys), plot.name, area))

    def marker(x: float, y: float, ps: sym.PointStyle) -> None:
        r = ps.size_mm * MM / 2
        fill, stroke, sw = _color(ps.fill), _color(ps.stroke), ps.stroke_width_mm * MM
        if ps.shape == "square":
            drawing.add(
                Rect(x - r, y - r, 2 * r, 2 * r, fillColor=fill, strokeColor=stroke, strokeWidth=sw)
            )
        elif ps.shape == "diamond":
            drawing.add(
                Polygon(
                    [x, y - r * 1.3, x + r * 1.3, y, x, y + r * 1.3, x - r * 1.3, y],
                    fillColor=fill,
                    strokeColor=stroke,
                    strokeWidth=sw,
                )
            )
        elif ps.shape == "triangle":
            drawing.add(
                Polygon(
                    [x - r, y - r, x + r, y - r, x, y + r],
                    fillColor=fill,
                    strokeColor=stroke,
                    strokeWidth=sw,
                )
            )
        else:
            drawing.add(Circle(x, y, r, fillColor=fill, strokeColor=stroke, strokeWidth=sw))

    def arrow(x: float, y: float, bearing: float, length_mm: float, colour: str) -> None:
        b = math.radians(bearing)
        length = length_mm * MM
        tx, ty = x + math.sin(b) * length, y + math.cos(b) * length
        drawing.add(Line(x, y, tx, ty, strokeColor=_color(colour), strokeWidth=0.8))
        head = 1.4 * MM
        for side in (-1, 1):
            a = b + math.pi + side * 0.45
            drawing.add(
                Line(
                    tx,
                    ty,
                    tx + math.sin(a) * head,
                    ty + math.cos(a) * head,
                    strokeColor=_color(colour),
                    strokeWidth=0.8,
                )
            )

    for pp in content.photo_points:
        x, y = to_page(pp.lon, pp.lat)
        if pp.bearing is not None:
            arrow(x, y, pp.bearing, sym.PHOTO_POINT.arrow_length_mm, "#000000")
        marker(x, y, sym.PHOTO_POINT)
    for photo in content.photos:
        if photo.lon is None or photo.lat is None:
            continue
        x, y = to_page(photo.lon, photo.lat)
        if photo.bearing is not None:
            arrow(x, y, photo.bearing, sym.PHOTO.arrow_length_mm + 2, "#1f5f8b")
        marker(x, y, sym.PHOTO)
    if content.site.lon is not None and content.site.lat is not None:
        marker(*to_page(content.site.lon, content.site.lat), sym.site_style(content.site.kind))
    if content.visit and content.visit.lon is not None and content.visit.lat is not None:
        vs = (
            sym.VISIT_POINT
            if content.visit.status == model.VisitStatus.FINISHED
            else (sym.VISIT_POINT_DRAFT)
        )
        vx, vy = to_page(content.visit.lon, content.visit.lat)
        drawing.add(
            Circle(
                vx,
                vy,
                2.6 * MM,
                fillColor=None,
                strokeColor=_color(vs.stroke if vs.fill == "#ffffff" else vs.fill),
                strokeWidth=0.8,
            )
        )
        marker(vx, vy, vs)

    for x, y, name, area in labels:
        for text, dy, font in ((name, 1.5, FONT_BOLD), (area, -6.5, FONT)):
            if text:
                drawing.add(
                    String(
                        x,
                        y + dy,
                        text,
                        fontName=font,
                        fontSize=6.5,
                        textAnchor="middle",
                        fillColor=_color("#1a1a1a"),
                    )
                )

    # Scale bar (bottom left of the map) and north arrow (top right).
    bar_m = _nice_length(30 * MM / scale)
    bar = bar_m * scale
    bx, by = 5 * MM, legend_h + 4 * MM
    drawing.add(Rect(bx, by, bar, 1.4 * MM, fillColor=_color("#202020"), strokeWidth=0))
    drawing.add(
        Rect(
            bx + bar / 2,
            by,
            bar / 2,
            1.4 * MM,
            fillColor=_color("#ffffff"),
            strokeColor=_color("#202020"),
            strokeWidth=0.4,
        )
    )
    scale_text = (
        f"{format_number(bar_m / 1000, 1 if bar_m % 1000 else 0)} {_('km')}"
        if bar_m >= 1000
        else f"{int(bar_m)} {_('m')}"
    )
    drawing.add(String(bx + bar + 2 * MM, by, scale_text, fontName=FONT, fontSize=7))
    nx, ny = width - 8 * MM, height - 13 * MM
    drawing.add(
        Polygon(
            [nx, ny + 7 * MM, nx - 2 * MM, ny, nx, ny + 1.5 * MM, nx + 2 * MM, ny],
            fillColor=_color("#202020"),
            strokeWidth=0,
        )
    )
    drawing.add(
        String(nx, ny + 8 * MM, _("N"), fontName=FONT_BOLD, fontSize=8, textAnchor="middle")
    )

    # Legend: the stages, then the point symbols.
    lx, ly = 1 * MM, legend_h - 4.5 * MM
    for text, colour, stage in sym.plot_stage_legend(lang):
        ps = sym.plot_style(stage)
        drawing.add(
            Rect(
                lx,
                ly,
                4 * MM,
                3 * MM,
                fillColor=_color(colour, ps.fill_opacity),
                strokeColor=_color(ps.stroke),
                strokeWidth=0.4,
            )
        )
        drawing.add(String(lx + 5 * MM, ly + 0.6 * MM, text, fontName=FONT, fontSize=6.5))
        lx += 5 * MM + _text_width(text, 6.5) + 4 * MM
    lx, ly = 1 * MM, legend_h - 9.5 * MM
    items = [(sym.site_style(content.site.kind), label(content.site.kind, lang))]
    if content.visit is not None:  # only the symbols this map shows
        items.append((sym.VISIT_POINT, _("Visit position")))
    if content.photos:
        items.append((sym.PHOTO, _("Photo and its direction")))
    if content.photo_points:
        items.append((sym.PHOTO_POINT, _("Photo point")))
    for point_style, text in items:
        marker(lx + 2 * MM, ly + 1.5 * MM, point_style)
        drawing.add(String(lx + 5 * MM, ly + 0.6 * MM, text, fontName=FONT, fontSize=6.5))
        lx += 5 * MM + _text_width(text, 6.5) + 4 * MM
    if boundary:
        drawing.add(
            Rect(
                lx,
                ly,
                4 * MM,
                3 * MM,
                fillColor=_color(style.fill, 0.1),
                strokeColor=_color(style.stroke),
                strokeWidth=0.6,
                strokeDashArray=[d * MM for d in style.dash],
            )
        )
        drawing.add(
            String(lx + 5 * MM, ly + 0.6 * MM, _("Licence boundary"), fontName=FONT, fontSize=6.5)
        )
    return drawing


def _text_width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, FONT, size))
