"""Sites, plots, visits and photo points as one OGC GeoPackage (QGIS, ArcGIS, GDAL open it).

Written with fudgeo (a small, maintained, pure-Python GeoPackage library over sqlite3; MIT) as the
OGC specification and QGIS expect: EPSG:4326, one layer per kind with a spatial index, plots as
MultiPolygons with their stage and the desktop's stage colour, text in UTF-8; GDAL's ``ogrinfo``
reads it in the tests. (GDAL itself, through pyogrio, did this before and weighed 80 MB in the
installed program.) Qt-free.
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
    from fudgeo import Field, GeoPackage, SpatialReferenceSystem

    path = Path(path)
    partial = path.with_name(path.name + ".partial.gpkg")
    partial.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    gpkg = GeoPackage.create(partial, flavor="EPSG")
    try:
        # fudgeo writes GeoPackage 1.4; this file uses nothing newer than 1.3, and GDAL before
        # 3.7 (Debian 12's QGIS) warns on 1.4 ("may only be partially supported").
        gpkg.connection.execute(f"PRAGMA user_version = {GPKG_1_3}")
        srs = SpatialReferenceSystem(name="WGS 84", organization="EPSG", org_coord_sys_id=WGS84,
                                     definition=WGS84_WKT, srs_id=WGS84)
        for name, (gtype, rows) in layers(store, f).items():
            columns = [k for k in (rows[0] if rows else _empty_columns(name)) if k != "_geom"]
            types = [_field_type(rows, c) for c in columns]
            fc = gpkg.create_feature_class(
                name, srs=srs, shape_type=_SHAPES[gtype], geom_name="geom",
                fields=tuple(Field(c, t) for c, t in zip(columns, types, strict=True)))
            quoted = ", ".join(f'"{c}"' for c in ["geom", *columns])
            marks = ", ".join("?" * (len(columns) + 1))
            with gpkg.connection as conn:
                conn.executemany(
                    f"INSERT INTO {fc.escaped_name} ({quoted}) VALUES ({marks})",
                    ([_geometry(r["_geom"]), *(_value(r.get(c), t) for c, t in
                                               zip(columns, types, strict=True))] for r in rows))
            counts[name] = len(rows)
    finally:
        gpkg.connection.close()
    partial.replace(path)
    return counts


WGS84 = 4326
GPKG_1_3 = 10300
WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
_SHAPES = {"Point": "POINT", "MultiPolygon": "MULTIPOLYGON"}


def _geometry(geom: Any) -> Any:
    from fudgeo.geometry import MultiPolygon, Point

    if geom.geom_type == "Point":
        return Point(x=geom.x, y=geom.y, srs_id=WGS84)
    return MultiPolygon([[list(p.exterior.coords), *(list(i.coords) for i in p.interiors)]
                         for p in geom.geoms], srs_id=WGS84)


def _empty_columns(layer: str) -> list[str]:
    return ["id", "site_id", "name"] if layer != "sites" else ["id", "name_mn"]


def _field_type(rows: list[dict[str, Any]], column: str) -> str:
    """INTEGER when every value is a whole number, DOUBLE for other numbers, else TEXT."""
    present = [r.get(column) for r in rows if r.get(column) is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "INTEGER" if all(isinstance(v, int) for v in present) else "DOUBLE"
    return "TEXT"


def _value(value: Any, field_type: str) -> Any:
    if value is None:
        return None  # NULL: an unknown number stays unknown (was 0 or NaN through GDAL)
    return str(value) if field_type == "TEXT" else value
