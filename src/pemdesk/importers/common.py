"""What every geo reader returns: features in WGS84 lon/lat with a name and properties."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pemdesk.errors import InvalidInput

POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")
PUNCTUAL = ("Point", "MultiPoint")


@dataclass
class GeoFeature:
    geometry: dict[str, Any]  # GeoJSON geometry, 2-D lon/lat
    name: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    folder: str = ""  # KML folder path, shapefile layer, GPX kind…
    started_at: str | None = None  # tracks: UTC ISO of the first and last timed point
    ended_at: str | None = None

    @property
    def kind(self) -> str:
        """polygon | line | point | collection."""
        t = self.geometry["type"]
        if t in POLYGONAL:
            return "polygon"
        if t in LINEAR:
            return "line"
        if t in PUNCTUAL:
            return "point"
        return "collection"


@dataclass
class GeoFile:
    path: Path
    format: str  # gpx | kml | kmz | geojson | shapefile | csv
    features: list[GeoFeature] = field(default_factory=list)
    skipped: int = 0  # items without a usable geometry (address-only placemarks…)
    crs: str = "EPSG:4326"  # the source CRS (everything here is already WGS84)
    notes: list[str] = field(default_factory=list)
    # why items were skipped (English reason -> count); ``skipped`` is their total
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str = "no usable geometry", n: int = 1) -> None:
        """Count ``n`` items left out for ``reason`` (nothing is dropped uncounted)."""
        self.skipped += n
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + n

    def skipped_by_reason(self) -> dict[str, int]:
        """Every skipped item under a reason (readers that only counted get the generic one)."""
        out = dict(self.skip_reasons)
        rest = self.skipped - sum(out.values())
        if rest > 0:
            out["no usable geometry"] = out.get("no usable geometry", 0) + rest
        return out

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.features:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out


def refuse(path: Path, mn: str, en: str, detail: str = "") -> InvalidInput:
    """An InvalidInput whose sentence starts with the file's name."""
    return InvalidInput(f"{path.name}: {mn}", f"{path.name}: {en}", detail=detail or str(path))


def _snap(value: float, limit: float) -> float:
    """Reprojection may overshoot the antimeridian or a pole by a rounding error."""
    return max(-limit, min(limit, value)) if abs(value) - limit < 1e-6 else value


def _strip_z(coords: Any) -> Any:
    if isinstance(coords, str | bytes | dict) or coords is None:
        raise TypeError(f"not a coordinate: {coords!r}")
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], int | float):
        return [_snap(float(coords[0]), 180.0), _snap(float(coords[1]), 90.0)]
    return [_strip_z(c) for c in coords]


def clean_geometry(geometry: dict[str, Any], path: Path, what: str = "") -> dict[str, Any]:
    """2-D lists, coordinates checked for range and finiteness; raises naming the file."""
    gtype = geometry.get("type")
    if gtype == "LinearRing":  # KML rings outside a polygon are closed lines
        gtype = "LineString"
    if gtype == "GeometryCollection":
        parts = [g for g in geometry.get("geometries") or [] if isinstance(g, dict)]
        return {
            "type": "GeometryCollection",
            "geometries": [clean_geometry(g, path, what) for g in parts if has_positions(g)],
        }
    if gtype not in (*POLYGONAL, *LINEAR, *PUNCTUAL):
        raise refuse(
            path,
            f"геометрийн төрөл танигдсангүй: {gtype} {what}".strip() + ".",
            f"unknown geometry type: {gtype} {what}".strip() + ".",
        )
    try:
        coords = _strip_z(geometry["coordinates"])
        if gtype == "Polygon":
            coords = [_closed(r) for r in coords]
        elif gtype == "MultiPolygon":
            coords = [[_closed(r) for r in poly] for poly in coords]
        positions = list(_iter_positions(coords))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise refuse(
            path,
            f"геометр буруу бүтэцтэй {what}".strip() + ".",
            f"malformed geometry {what}".strip() + ".",
            str(exc),
        ) from exc
    for lon, lat in positions:
        if not (
            math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            raise refuse(
                path,
                f"солбицол хүчинтэй мужаас гадуур байна {what} (уртраг {lon}, өргөрөг {lat}).",
                f"a coordinate is out of range {what} (longitude {lon}, latitude {lat}).",
            )
    return {"type": gtype, "coordinates": coords}


def _closed(ring: list[list[float]]) -> list[list[float]]:
    """Rings written without repeating the first corner (common in KML) are closed."""
    return ring + [list(ring[0])] if ring and ring[0] != ring[-1] else ring


def _iter_positions(coords: Any):  # type: ignore[no-untyped-def]
    if coords is None:
        return
    if isinstance(coords, str | bytes | dict):
        raise TypeError(f"not a coordinate: {coords!r}")
    if coords and isinstance(coords[0], int | float):
        yield float(coords[0]), float(coords[1])
        return
    for c in coords:
        if c is not None:
            yield from _iter_positions(c)


def has_positions(geometry: dict[str, Any]) -> bool:
    if not isinstance(geometry, dict):
        return False
    if geometry.get("type") == "GeometryCollection":
        parts = geometry.get("geometries") or []
        return any(has_positions(g) for g in parts if isinstance(g, dict))
    try:
        return any(True for _ in _iter_positions(geometry.get("coordinates") or []))
    except (TypeError, IndexError, AttributeError):
        return True  # malformed: clean_geometry says what is wrong
