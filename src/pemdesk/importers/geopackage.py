"""GeoPackage (.gpkg, OGC 12-128r18) feature tables read with sqlite3 and shapely: the standard
geometry blob is a small header (magic, flags, SRS id, envelope) followed by WKB."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

from pemdesk.importers.common import GeoFeature, GeoFile, clean_geometry, refuse

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_wkb(blob: bytes) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob (None for an empty geometry)."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    if flags & 0b10000:  # empty geometry
        return None
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope indicator")
    return blob[8 + envelope :]


def read_geopackage(path: Path | str) -> GeoFile:
    """Every feature of every feature table, reprojected to WGS84; ``folder`` is the table."""
    import shapely
    from shapely.geometry import mapping

    from pemdesk.importers.shapefile import reproject_geometry

    path = Path(path)
    out = GeoFile(path=path, format="geopackage")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise refuse(
            path, "файлыг нээж чадсангүй.", "the file cannot be opened.", str(exc)
        ) from exc
    try:
        try:
            tables = conn.execute(
                "SELECT c.table_name, c.column_name, c.srs_id FROM gpkg_geometry_columns c "
                "JOIN gpkg_contents t ON t.table_name = c.table_name"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise refuse(
                path,
                "GeoPackage файл биш байна.",
                "this is not a GeoPackage file.",
                str(exc),
            ) from exc
        for table, column, srs_id in tables:
            crs = _crs(conn, srs_id)
            names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                record: dict[str, Any] = dict(zip(names, row, strict=True))
                blob = record.pop(column, None)
                try:
                    wkb = gpkg_wkb(blob) if blob else None
                    geom = shapely.from_wkb(wkb) if wkb else None
                except (ValueError, struct.error, shapely.errors.GEOSException):
                    out.skip("geometry that cannot be read")
                    continue
                if geom is None or geom.is_empty:
                    out.skip("feature without geometry")
                    continue
                geometry = dict(mapping(shapely.force_2d(geom)))
                if crs:
                    geometry = reproject_geometry(geometry, crs, path)
                props = {k: v for k, v in record.items() if not isinstance(v, bytes)}
                name = str(props.get("name") or props.get("NAME") or props.get("Name") or "")
                out.features.append(
                    GeoFeature(clean_geometry(geometry, path), name, props, folder=table)
                )
    finally:
        conn.close()
    return out


def _crs(conn: sqlite3.Connection, srs_id: int) -> str | None:
    """The table's CRS as text pyproj reads; None for WGS84 lon/lat or undefined."""
    if srs_id in (4326, 0, -1):
        return None
    row = conn.execute(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
        "WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if row is None:
        return f"EPSG:{srs_id}"
    org, code, definition = row
    if str(org).upper() == "EPSG":
        return None if int(code) == 4326 else f"EPSG:{code}"
    return str(definition)
