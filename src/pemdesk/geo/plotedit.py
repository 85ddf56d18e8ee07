"""Plot geometry while it is being drawn or edited (Qt-free): parts, rings, vertices.

Coordinates are WGS84 [lon, lat]; rings are kept open (the first vertex is not repeated).
Area and perimeter are geodesic; validity is checked with shapely and a repair is only ever
*proposed* (``repair_proposal``), never applied without the user's consent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

Ring = list[list[float]]
Part = list[Ring]  # exterior, then holes


@dataclass
class EditGeometry:
    parts: list[Part] = field(default_factory=list)

    @classmethod
    def from_geojson(cls, geometry: dict[str, Any] | None) -> EditGeometry:
        if not geometry:
            return cls()
        polys = (
            [geometry["coordinates"]]
            if geometry["type"] == "Polygon"
            else (geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [])
        )
        parts = []
        for poly in polys:
            rings = []
            for ring in poly:
                r = [[float(c[0]), float(c[1])] for c in ring]
                if len(r) > 1 and r[0] == r[-1]:
                    r.pop()
                rings.append(r)
            parts.append(rings)
        return cls(parts)

    def copy(self) -> EditGeometry:
        return EditGeometry(copy.deepcopy(self.parts))

    def is_empty(self) -> bool:
        return not any(len(p[0]) >= 3 for p in self.parts if p)

    def vertex_count(self) -> int:
        return sum(len(r) for p in self.parts for r in p)

    def to_geojson(self) -> dict[str, Any] | None:
        polys = []
        for part in self.parts:
            if not part or len(part[0]) < 3:
                continue
            rings = [r + [r[0]] for r in part if len(r) >= 3]
            polys.append(rings)
        if not polys:
            return None
        if len(polys) == 1:
            return {"type": "Polygon", "coordinates": polys[0]}
        return {"type": "MultiPolygon", "coordinates": polys}

    # --- edits (each returns nothing; the caller snapshots for undo) --------------------------
    def add_part(self, ring: Ring) -> None:
        self.parts.append([[list(v) for v in ring]])

    def add_hole(self, part: int, ring: Ring) -> None:
        self.parts[part].append([list(v) for v in ring])

    def move_vertex(self, part: int, ring: int, index: int, lon: float, lat: float) -> None:
        self.parts[part][ring][index] = [lon, lat]

    def insert_vertex(self, part: int, ring: int, index: int, lon: float, lat: float) -> None:
        self.parts[part][ring].insert(index, [lon, lat])

    def delete_vertex(self, part: int, ring: int, index: int) -> None:
        """Remove a vertex; a ring left with fewer than 3 goes (a part when it is the exterior)."""
        r = self.parts[part][ring]
        del r[index]
        if len(r) < 3:
            if ring == 0:
                del self.parts[part]
            else:
                del self.parts[part][ring]

    def part_containing(self, lon: float, lat: float) -> int | None:
        from shapely.geometry import Point, Polygon

        for i, part in enumerate(self.parts):
            if part and len(part[0]) >= 3 and Polygon(part[0]).contains(Point(lon, lat)):
                return i
        return None

    # --- measures and checks --------------------------------------------------------------------
    def area_ha(self) -> float:
        from pemdesk.geo.area import geodesic_area_ha

        g = self.to_geojson()
        return geodesic_area_ha(g) if g else 0.0

    def perimeter_m(self) -> float:
        from pemdesk.geo.area import geodesic_perimeter_m

        g = self.to_geojson()
        return geodesic_perimeter_m(g) if g else 0.0

    def problem(self) -> str | None:
        """None when valid, else shapely's reason (e.g. "Self-intersection[105.1 45.2]")."""
        import shapely
        from shapely.geometry import shape

        g = self.to_geojson()
        if g is None:
            return None
        geom = shape(g)
        return None if geom.is_valid else shapely.is_valid_reason(geom)

    def repair_proposal(self) -> EditGeometry | None:
        """A valid version (shapely.make_valid, polygonal parts kept) to show the user first."""
        import shapely
        from shapely.geometry import mapping, shape

        g = self.to_geojson()
        if g is None:
            return None
        fixed = shapely.make_valid(shape(g))
        polys = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            return None
        union = shapely.union_all(polys)
        return EditGeometry.from_geojson(dict(mapping(union)))

    def outside_of(self, boundary: dict[str, Any] | None) -> float:
        """Hectares of the plot outside a site's licence boundary (0 when inside or unknown)."""
        from shapely.geometry import shape

        from pemdesk.geo.area import geodesic_area_ha

        g = self.to_geojson()
        if g is None or not boundary:
            return 0.0
        plot = shape(g)
        if not plot.is_valid:
            return 0.0
        outside = plot.difference(shape(boundary))
        return 0.0 if outside.is_empty else geodesic_area_ha(outside)
