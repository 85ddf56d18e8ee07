"""Small charts drawn with reportlab shapes (so every label uses the embedded fonts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pemdesk.catalogue import format_number
from pemdesk.geo import symbology as sym
from pemdesk.reports.base import MM
from pemdesk.reports.fonts import FONT, FONT_BOLD


def _c(hex_colour: str, alpha: float = 1.0) -> Any:
    from reportlab.lib import colors

    r, g, b = sym.hex_to_rgb(hex_colour)
    return colors.Color(r, g, b, alpha=alpha)


def _nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    import math

    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < hi - step * 0.001:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks if len(ticks) > 1 else [ticks[0], round(ticks[0] + step, 10)]


def time_series(
    title: str,
    points: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    limit: float | None = None,
    limit_label: str = "",
    width_mm: float = 84,
    height_mm: float = 46,
    colour: str = "#0072b2",
) -> Any:
    """A line of values over time (ISO dates), with the limit as a dashed line when given."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String

    width, height = width_mm * MM, height_mm * MM
    d = Drawing(width, height)
    d.add(
        String(
            0, height - 9, title + (f", {unit}" if unit else ""), fontName=FONT_BOLD, fontSize=7.5
        )
    )
    left, right, bottom, top = 11 * MM, width - 3 * MM, 7 * MM, height - 5 * MM
    d.add(
        Rect(
            left,
            bottom,
            right - left,
            top - bottom,
            fillColor=_c("#fafafa"),
            strokeColor=_c("#bbbbbb"),
            strokeWidth=0.4,
        )
    )
    if not points:
        return d
    times = [datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t, _v in points]
    values = [v for _t, v in points]
    lo_v = min(values + ([limit] if limit is not None else []))
    hi_v = max(values + ([limit] if limit is not None else []))
    ticks = _nice_ticks(min(lo_v, 0) if lo_v >= 0 else lo_v, hi_v)
    y0, y1 = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1
    t0, t1 = min(times), max(times)
    if t1 - t0 < 86400:
        t0, t1 = t0 - 86400 * 30, t1 + 86400 * 30
    pad = (t1 - t0) * 0.05

    def px(t: float) -> float:
        return left + (t - t0 + pad) / (t1 - t0 + 2 * pad) * (right - left)

    def py(v: float) -> float:
        return bottom + (v - y0) / (y1 - y0) * (top - bottom)

    for tick in ticks:
        y = py(tick)
        d.add(Line(left, y, right, y, strokeColor=_c("#e2e2e2"), strokeWidth=0.3))
        d.add(
            String(
                left - 1.2 * MM,
                y - 2.2,
                format_number(tick),
                fontName=FONT,
                fontSize=6,
                textAnchor="end",
            )
        )
    years = sorted({datetime.fromtimestamp(t).year for t in times})
    for year in years:
        t = datetime(year, 7, 1).timestamp()
        if t0 - pad <= t <= t1 + pad:
            d.add(
                String(px(t), bottom - 6, str(year), fontName=FONT, fontSize=6, textAnchor="middle")
            )
    if limit is not None:
        d.add(
            Line(
                left,
                py(limit),
                right,
                py(limit),
                strokeColor=_c("#b00020"),
                strokeWidth=0.7,
                strokeDashArray=[2, 1.5],
            )
        )
        d.add(
            String(
                right - 1,
                py(limit) + 1.5,
                limit_label,
                fontName=FONT,
                fontSize=5.5,
                textAnchor="end",
                fillColor=_c("#b00020"),
            )
        )
    flat: list[float] = []
    for t, v in zip(times, values, strict=True):
        flat += [px(t), py(v)]
    if len(points) > 1:
        d.add(PolyLine(flat, strokeColor=_c(colour), strokeWidth=1))
    for i in range(0, len(flat), 2):
        over = limit is not None and values[i // 2] > limit
        d.add(
            Circle(
                flat[i],
                flat[i + 1],
                1.1 * MM / 2 * 1.6,
                fillColor=_c("#b00020" if over else colour),
                strokeColor=_c("#ffffff"),
                strokeWidth=0.3,
            )
        )
    return d


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[float], float | None]],
    series: Sequence[tuple[str, str]],
    *,
    unit: str,
    target_label: str = "",
    width_mm: float = 178,
    bar_mm: float = 5.5,
) -> Any:
    """Horizontal stacked bars: one per row (label, values per series, target or None).

    ``series`` is (label, colour). A target is drawn as a black tick on the bar.
    """
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    label_w = min(62 * MM, max([stringWidth(r[0], FONT, 7) for r in rows] + [10]) + 3 * MM)
    legend_h = 8 * MM
    axis_h = 6 * MM
    height = len(rows) * (bar_mm + 2) * MM + legend_h + axis_h
    width = width_mm * MM
    d = Drawing(width, height)
    left, right = label_w, width - 4 * MM
    total_max = max([sum(v) for _l, v, _t in rows] + [t or 0 for _l, _v, t in rows] + [1e-9])
    ticks = _nice_ticks(0, total_max)

    def px(v: float) -> float:
        return left + v / ticks[-1] * (right - left)

    top = height - legend_h
    for tick in ticks:
        d.add(Line(px(tick), axis_h, px(tick), top, strokeColor=_c("#e2e2e2"), strokeWidth=0.3))
        d.add(
            String(
                px(tick),
                axis_h - 7,
                format_number(tick),
                fontName=FONT,
                fontSize=6,
                textAnchor="middle",
            )
        )
    d.add(String(right, 1, unit, fontName=FONT, fontSize=6, textAnchor="end"))
    for i, (name, values, target) in enumerate(rows):
        y = top - (i + 1) * (bar_mm + 2) * MM + 1 * MM
        d.add(
            String(
                left - 2 * MM,
                y + bar_mm * MM / 2 - 2.4,
                name,
                fontName=FONT,
                fontSize=7,
                textAnchor="end",
            )
        )
        x = 0.0
        for value, (_label, colour) in zip(values, series, strict=True):
            if value > 0:
                d.add(
                    Rect(
                        px(x),
                        y,
                        px(x + value) - px(x),
                        bar_mm * MM,
                        fillColor=_c(colour, 0.85),
                        strokeColor=_c(sym.darker(colour)),
                        strokeWidth=0.3,
                    )
                )
            x += value
        if target:
            tx = px(target)
            d.add(
                Line(tx, y - 1, tx, y + bar_mm * MM + 1, strokeColor=_c("#000000"), strokeWidth=1.4)
            )
    lx = 0.0
    for text, colour in series:
        d.add(
            Rect(
                lx,
                height - 5 * MM,
                4 * MM,
                3 * MM,
                fillColor=_c(colour, 0.85),
                strokeColor=_c(sym.darker(colour)),
                strokeWidth=0.3,
            )
        )
        d.add(String(lx + 5 * MM, height - 4.4 * MM, text, fontName=FONT, fontSize=6.5))
        lx += 5 * MM + stringWidth(text, FONT, 6.5) + 4 * MM
    if target_label:
        d.add(
            Line(
                lx + 2 * MM,
                height - 5.5 * MM,
                lx + 2 * MM,
                height - 1.5 * MM,
                strokeColor=_c("#000000"),
                strokeWidth=1.4,
            )
        )
        d.add(String(lx + 4 * MM, height - 4.4 * MM, target_label, fontName=FONT, fontSize=6.5))
    return d
