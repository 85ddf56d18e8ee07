"""Shapely/numpy geometry to Qt paths and polygons in bulk.

Building a QPainterPath or QPolygonF point by point from Python costs microseconds per vertex;
filling a byte buffer in QDataStream's format and streaming it in is one C++ call (the same trick
pyqtgraph uses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream
from PySide6.QtGui import QPainterPath, QPolygonF

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

_ELEMENT = np.dtype([("t", ">i4"), ("x", ">f8"), ("y", ">f8")])


def rings_of(geom: BaseGeometry, close_lines: bool = False) -> list[np.ndarray]:
    """Coordinate arrays of every ring (polygons) or part (lines, points) of a geometry."""
    import shapely

    out: list[np.ndarray] = []
    parts = shapely.get_parts(geom)
    for part in parts:
        t = part.geom_type
        if t == "Polygon":
            out.append(np.asarray(part.exterior.coords)[:, :2])
            out.extend(np.asarray(r.coords)[:, :2] for r in part.interiors)
        elif t in ("LineString", "LinearRing"):
            out.append(np.asarray(part.coords)[:, :2])
        elif t == "GeometryCollection":
            out.extend(rings_of(part, close_lines))
    return out


def path_from_rings(rings: list[np.ndarray]) -> QPainterPath:
    """One QPainterPath (odd-even fill, so holes stay holes) from coordinate arrays."""
    rings = [r for r in rings if len(r) >= 2]
    n = sum(len(r) for r in rings)
    path = QPainterPath()
    if n == 0:
        return path
    arr = np.empty(n, dtype=_ELEMENT)
    arr["t"] = 1
    i = 0
    for r in rings:
        arr["t"][i] = 0
        arr["x"][i : i + len(r)] = r[:, 0]
        arr["y"][i : i + len(r)] = r[:, 1]
        i += len(r)
    data = np.array([n], ">i4").tobytes() + arr.tobytes() + np.array([0, 0], ">i4").tobytes()
    stream = QDataStream(QByteArray(data))
    stream >> path
    return path


def path_from_geometry(geom: BaseGeometry) -> QPainterPath:
    return path_from_rings(rings_of(geom))


def polygon_from_xy(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """A QPolygonF (used as a point list for drawPoints/drawLines) from two arrays."""
    n = len(x)
    buf = np.empty(2 * n, ">f8")
    buf[0::2] = x
    buf[1::2] = y
    poly = QPolygonF()
    stream = QDataStream(QByteArray(np.array([n], ">u4").tobytes() + buf.tobytes()))
    stream >> poly
    return poly
