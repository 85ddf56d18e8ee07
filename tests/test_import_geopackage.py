"""GeoPackage files (issue 17): a coordinator's protected zones or cadastre licence areas."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.importers.geofile import read_geo


def _blob(geom, srs_id: int) -> bytes:  # type: ignore[no-untyped-def]
    import shapely

    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", srs_id)  # LE, xy envelope
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geom)


def make_gpkg(path: Path) -> None:
    import pyproj
    import shapely
    from shapely.geometry import Point, Polygon

    to_utm = pyproj.Transformer.from_crs(4326, 32648, always_xy=True)
    ring = [(105.50, 47.00), (105.70, 47.00), (105.70, 47.12), (105.50, 47.12)]
    utm = Polygon([to_utm.transform(x, y) for x, y in ring])
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
            organization TEXT, organization_coordsys_id INTEGER, definition TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
            geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, '');
        INSERT INTO gpkg_spatial_ref_sys VALUES ('UTM 48N', 32648, 'EPSG', 32648, '');
        CREATE TABLE zones (fid INTEGER PRIMARY KEY, geom BLOB, name TEXT, kind TEXT);
        CREATE TABLE wells (fid INTEGER PRIMARY KEY, geom BLOB, name TEXT);
        INSERT INTO gpkg_contents VALUES ('zones', 'features'), ('wells', 'features');
        INSERT INTO gpkg_geometry_columns VALUES ('zones', 'geom', 'POLYGON', 32648, 0, 0);
        INSERT INTO gpkg_geometry_columns VALUES ('wells', 'geom', 'POINT', 4326, 0, 0);
        """
    )
    conn.execute("INSERT INTO zones VALUES (1, ?, 'Богдхан уул', 'protected')", (_blob(utm, 32648),))
    conn.execute("INSERT INTO zones VALUES (2, NULL, 'без геометрии', 'x')")
    conn.execute("INSERT INTO wells VALUES (1, ?, 'Худаг 3')", (_blob(Point(106.9, 47.9), 4326),))
    conn.execute("INSERT INTO wells VALUES (2, ?, 'broken')", (b"GP\x00\x01garbage",))
    conn.commit()
    conn.close()
    assert shapely.is_valid(utm)


def test_geopackage_features_reprojected_and_skips_counted(tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    make_gpkg(path)
    geofile = read_geo(path)
    by_name = {f.name: f for f in geofile.features}
    assert set(by_name) == {"Богдхан уул", "Худаг 3"}
    zone = by_name["Богдхан уул"].geometry
    lons = [c[0] for c in zone["coordinates"][0]]
    lats = [c[1] for c in zone["coordinates"][0]]
    assert min(lons) == pytest.approx(105.50, abs=1e-6) and max(lats) == pytest.approx(47.12, abs=1e-6)
    assert by_name["Богдхан уул"].properties["kind"] == "protected"
    assert by_name["Худаг 3"].geometry == {"type": "Point", "coordinates": [106.9, 47.9]}
    assert geofile.skipped_by_reason() == {
        "feature without geometry": 1,
        "geometry that cannot be read": 1,
    }


def test_not_a_geopackage_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.close()
    with pytest.raises(InvalidInput) as info:
        read_geo(path)
    assert "GeoPackage" in info.value.message("en") and "GeoPackage" in info.value.message("mn")


def test_geopackage_points_become_waypoints(store, tmp_path: Path) -> None:
    from pemdesk.storage.geo import import_geofile, list_waypoints

    path = tmp_path / "zones.gpkg"
    make_gpkg(path)
    result = import_geofile(store, read_geo(path))
    assert {k: len(v) for k, v in result.created.items()} == {"sites": 1, "waypoints": 1}
    assert [w.name for w in list_waypoints(store)] == ["Худаг 3"]
    assert sum(result.skipped.values()) == 2
