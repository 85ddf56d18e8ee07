"""Areas and lengths a commission would accept: geodesic on the WGS84 ellipsoid."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pemdesk.errors import InvalidInput

if TYPE_CHECKING:
    from pyproj import Geod
    from shapely.geometry.base import BaseGeometry


@cache
def _geod() -> Geod:
    import pyproj

    pyproj.network.set_network_enabled(False)
    return pyproj.Geod(ellps="WGS84")


def as_shape(geometry: dict[str, Any] | BaseGeometry) -> BaseGeometry:
    from shapely.geometry import shape
    from shapely.geometry.base import BaseGeometry

    if isinstance(geometry, BaseGeometry):
        return geometry
    try:
        return shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise InvalidInput(
            "Геометр буруу бүтэцтэй байна.", "The geometry is malformed.", detail=str(exc)
        ) from exc


def _oriented(geometry: dict[str, Any] | BaseGeometry) -> BaseGeometry:
    """Exteriors counter-clockwise, holes clockwise: pyproj sums *signed* ring areas, so a hole
    drawn the same way round as its exterior (or a part drawn the other way) would add."""
    import shapely

    return shapely.orient_polygons(as_shape(geometry), exterior_cw=False)


def geodesic_area_ha(geometry: dict[str, Any] | BaseGeometry) -> float:
    """Area in hectares on the WGS84 ellipsoid (holes subtracted, multipolygons summed)."""
    area_m2, _ = _geod().geometry_area_perimeter(_oriented(geometry))
    return abs(area_m2) / 10_000.0


def geodesic_perimeter_m(geometry: dict[str, Any] | BaseGeometry) -> float:
    _, perimeter = _geod().geometry_area_perimeter(_oriented(geometry))
    return float(perimeter)


def geodesic_length_m(geometry: dict[str, Any] | BaseGeometry) -> float:
    return float(_geod().geometry_length(as_shape(geometry)))


def validate_polygon(geometry: dict[str, Any] | BaseGeometry) -> None:
    """Refuse a plot boundary that is not a valid (multi)polygon inside WGS84 bounds."""
    import shapely

    shp = as_shape(geometry)
    if shp.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(
            "Талбайн хил олон өнцөгт байх ёстой.",
            "A plot boundary must be a polygon.",
            detail=shp.geom_type,
        )
    minx, miny, maxx, maxy = shp.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(
            "Солбицол хүчинтэй мужаас гадуур байна (уртраг ±180, өргөрөг ±90).",
            "Coordinates are out of range (longitude ±180, latitude ±90).",
            detail=str(shp.bounds),
        )
    if not shp.is_valid:
        raise InvalidInput(
            "Талбайн хил өөрөө өөртэйгөө огтлолцож байна. Засах уу гэдгийг газрын зураг дээр "
            "шийднэ үү.",
            "The plot boundary crosses itself. Repair it on the map before saving.",
            detail=shapely.is_valid_reason(shp),
        )
