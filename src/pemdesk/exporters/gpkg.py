"""Sites, plots, visits and photo points as one OGC GeoPackage (QGIS, ArcGIS, GDAL open it).

Written through GDAL's own GeoPackage driver (pyogrio, whose wheels carry GDAL), so the file is
what the specification and QGIS expect: EPSG:4326, one layer per kind, plots as MultiPolygons
with their stage and the desktop's stage colour, text in UTF-8. Qt-free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk.exporters.filters import RecordFilter

if TYPE_CHECKING:
    from pemdesk.storage import Store

LAYERS = ("sites", "plots", "visits", "photo_points")


def _rows(store: Store, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = store.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def layers(store: Store, f: RecordFilter | None = None) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """layer -> (geometry type, rows with a ``_geom`` shapely geometry)."""
    from shapely.geometry import MultiPolygon, Point, shape

    from pemdesk.geo.symbology import PLOT_STAGE_COLOURS
    from pemdesk.model import PlotStage

    f = f or RecordFilter()
    swhere, sparams = f.site_where()
    out: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    sites = _rows(store, "SELECT s.id, s.name_mn, s.name_en, s.kind, s.aimag_code, s.soum_code, "
                  "s.licence_no, s.holder, s.mineral, s.lon, s.lat FROM site s "
                  f"WHERE {swhere} AND s.lon IS NOT NULL ORDER BY s.name_mn", sparams)
    for r in sites:
        r["_geom"] = Point(r.pop("lon"), r.pop("lat"))
    out["sites"] = ("Point", sites)
    pwhere, pparams = f.plot_where()
    plots = []
    for r in _rows(store, "SELECT p.id, p.site_id, s.name_mn AS site_name, p.name, p.stage, "
                   "p.area_ha, p.target_year, p.target_stage, p.disturbed_on, p.technical_on, "
                   "p.biological_on, p.handed_over_on, p.geometry FROM plot p JOIN site s ON "
                   f"s.id = p.site_id WHERE {pwhere} AND p.geometry IS NOT NULL ORDER BY p.id",
                   pparams):
        try:
            geom = shape(json.loads(r.pop("geometry")))
        except (ValueError, TypeError, AttributeError):
            continue
        if geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        if geom.geom_type != "MultiPolygon" or geom.is_empty:
            continue
        r["colour"] = PLOT_STAGE_COLOURS.get(PlotStage(r["stage"]), "") \
            if r["stage"] in {s.value for s in PlotStage} else ""
        r["_geom"] = geom
        plots.append(r)
    out["plots"] = ("MultiPolygon", plots)
    vwhere, vparams = f.visit_where()
    visits = _rows(store, "SELECT v.id, v.site_id, s.name_mn AS site_name, v.started_at, v.ended_at, "
                   "v.status, v.revision, v.purpose, v.seal_digest, v.lon, v.lat, (SELECT count(*) "
                   "FROM observation o WHERE o.visit_id = v.id AND o._deleted = 0) AS observations, "
                   "(SELECT count(*) FROM finding fi WHERE fi.visit_id = v.id AND fi._deleted = 0) "
                   "AS findings FROM visit v JOIN site s ON s.id = v.site_id WHERE "
                   f"{vwhere} AND v.lon IS NOT NULL ORDER BY v.started_at, v.id", vparams)
    for r in visits:
        r["_geom"] = Point(r.pop("lon"), r.pop("lat"))
    out["visits"] = ("Point", visits)
    points = _rows(store, "SELECT pp.id, pp.site_id, s.name_mn AS site_name, pp.plot_id, pp.name, "
                   "pp.bearing, pp.notes, pp.lon, pp.lat FROM photo_point pp JOIN site s ON "
                   f"s.id = pp.site_id WHERE pp._deleted = 0 AND {swhere} ORDER BY pp.id", sparams)
    for r in points:
        r["_geom"] = Point(r.pop("lon"), r.pop("lat"))
    out["photo_points"] = ("Point", points)
    return out


def write_gpkg(store: Store, path: Path | str, f: RecordFilter | None = None) -> dict[str, int]:
    """Write the GeoPackage (replacing the file only when complete); counts per layer."""
    import numpy as np
    import pyogrio.raw
    import shapely

    path = Path(path)
    partial = path.with_name(path.name + ".partial.gpkg")
    partial.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    first = True
    for name, (gtype, rows) in layers(store, f).items():
        columns = [k for k in (rows[0] if rows else _empty_columns(name)) if k != "_geom"]
        fields = [_column(rows, c) for c in columns]
        geometry = np.array([shapely.to_wkb(r["_geom"]) for r in rows], dtype=object)
        pyogrio.raw.write(str(partial), geometry, fields, columns, layer=name, driver="GPKG",
                          geometry_type=gtype, crs="EPSG:4326", encoding="UTF-8",
                          append=not first, promote_to_multi=False)
        first = False
        counts[name] = len(rows)
    partial.replace(path)
    return counts


def _empty_columns(layer: str) -> list[str]:
    return ["id", "site_id", "name"] if layer != "sites" else ["id", "name_mn"]


def _column(rows: list[dict[str, Any]], column: str) -> Any:
    import numpy as np

    values = [r.get(column) for r in rows]
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return np.array([v if v is not None else 0 for v in values], dtype=np.int64) \
                if len(present) == len(values) else \
                np.array([float(v) if v is not None else np.nan for v in values], dtype=np.float64)
        return np.array([float(v) if v is not None else np.nan for v in values], dtype=np.float64)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)
