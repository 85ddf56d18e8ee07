"""Signatures as vector strokes: checked, normalised and made small, without Qt.

A signature is a list of strokes; a stroke is a list of ``[x, y]`` points in the pad's own frame
(``WIDTH`` × ``HEIGHT`` units, origin top left), rounded to 0.1. The pad widget maps its pixels
into this frame, so the same signature looks the same in the report whatever the window size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pemdesk.errors import InvalidInput

WIDTH = 300.0
HEIGHT = 100.0
MAX_POINTS = 20_000  # a long signature has a few thousand


def normalise(strokes: Sequence[Sequence[Sequence[float]]]) -> list[list[list[float]]]:
    """Clean strokes: finite points inside the frame, rounded, without repeated points."""
    out: list[list[list[float]]] = []
    total = 0
    for stroke in strokes:
        points: list[list[float]] = []
        for point in stroke:
            if len(point) < 2:
                continue
            x, y = float(point[0]), float(point[1])
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            p = [round(min(max(x, 0.0), WIDTH), 1), round(min(max(y, 0.0), HEIGHT), 1)]
            if not points or points[-1] != p:
                points.append(p)
        if points:
            out.append(points)
            total += len(points)
    if total > MAX_POINTS:
        raise InvalidInput("Гарын үсэг хэт урт байна; арилгаад дахин зурна уу.",
                           "The signature is too long; clear it and sign again.",
                           detail=f"{total} points")
    return out


def has_ink(strokes: Sequence[Sequence[Sequence[float]]]) -> bool:
    """At least one stroke with some length (a single click is not a signature)."""
    for stroke in strokes:
        if len(stroke) >= 2:
            xs = [p[0] for p in stroke]
            ys = [p[1] for p in stroke]
            if max(xs) - min(xs) + max(ys) - min(ys) >= 3:
                return True
    return False


def svg_path(strokes: Sequence[Sequence[Sequence[float]]]) -> str:
    """The strokes as an SVG path ``d`` (for previews and exports)."""
    parts = []
    for stroke in strokes:
        if not stroke:
            continue
        head, *rest = stroke
        parts.append(f"M{head[0]:g} {head[1]:g}" + "".join(f"L{p[0]:g} {p[1]:g}" for p in rest))
    return " ".join(parts)
