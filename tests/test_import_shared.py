"""Every real file in ../shared/data/{gpx,kml,shapefiles,geojson}: read right or refused clearly.

Counts and coordinates are compared with an independent reading: lxml for KML/GPX, pyshp's own
records for shapefiles, plain json for GeoJSON and togeojson's reference conversions for KML.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pemdesk.errors import InvalidInput
from pemdesk.importers.geofile import read_geo
from pemdesk.importers.shapefile import CrsRequired

# Files that must be refused, and a word the message must contain.
REFUSED = {
    "LinearRingWith1DTuple.kml": "not a KML document",
    "LinearRingWithInvalidLat.kml": "not a KML document",
    "corrupt_too_long.shp": "damaged",
    "empty_zipfile.zip": "no shapefile",
}
NO_PRJ = {"blockgroups.shp", "blockgroups.zip", "latin1.shp", "corrupt_too_long.shp"}


def _files(root: Path, *patterns: str) -> list[Path]:
    return sorted(p for pat in patterns for p in root.rglob(pat))


def _flat(coords: object) -> list[tuple[float, float]]:
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], int | float):
        return [(float(coords[0]), float(coords[1]))]
    return [p for c in coords if c is not None for p in _flat(c)]  # type: ignore[union-attr]


def _all_points(geometry: dict) -> list[tuple[float, float]]:
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _all_points(g)]
    return _flat(geometry["coordinates"])


def test_gpx_files_as_features(shared_data: Path) -> None:
    for path in _files(shared_data / "gpx", "*.gpx"):
        g = read_geo(path)
        tree = etree.parse(str(path))
        wpts = tree.xpath("//*[local-name()='wpt']")
        assert sum(1 for f in g.features if f.kind == "point") == len(wpts), path
        lines = [f for f in g.features if f.kind == "line"]
        n_pts = sum(len(_flat(f.geometry["coordinates"])) for f in lines)
        long_segs = [
            s
            for s in tree.xpath("//*[local-name()='trkseg']")
            if len(s.xpath("./*[local-name()='trkpt']")) >= 2
        ]
        routes = [
            r
            for r in tree.xpath("//*[local-name()='rte']")
            if len(r.xpath("./*[local-name()='rtept']")) >= 2
        ]
        expected = sum(len(s.xpath("./*[local-name()='trkpt']")) for s in long_segs) + sum(
            len(r.xpath("./*[local-name()='rtept']")) for r in routes
        )
        assert n_pts == expected, path


def _kml_members(path: Path) -> list[bytes]:
    if path.suffix == ".kmz":
        with zipfile.ZipFile(path) as z:
            return [z.read(n) for n in z.namelist() if n.endswith(".kml")]
    return [path.read_bytes()]


def test_kml_files(shared_data: Path) -> None:
    files = _files(shared_data / "kml", "*.kml", "*.kmz")
    assert len(files) >= 30
    for path in files:
        if path.name in REFUSED:
            with pytest.raises(InvalidInput) as info:
                read_geo(path)
            assert path.name in info.value.message("en")
            assert REFUSED[path.name] in info.value.message("en")
            continue
        g = read_geo(path)
        placemarks = sum(
            len(etree.fromstring(data).xpath("//*[local-name()='Placemark']"))
            for data in _kml_members(path)
        )
        assert len(g.features) + g.skipped == placemarks, path


@pytest.mark.parametrize(
    "name", ["polygon.kml", "multigeometry.kml", "extended_data.kml", "gxmultitrack.kml"]
)
def test_kml_matches_togeojson_reference(shared_data: Path, name: str) -> None:
    ours = read_geo(shared_data / "kml" / "togeojson" / name)
    ref = json.loads((shared_data / "geojson" / "togeojson" / f"{name}.geojson").read_text())
    ref_feats = [f for f in ref["features"] if f.get("geometry")]
    assert len(ours.features) == len(ref_feats)
    for mine, theirs in zip(
        sorted(ours.features, key=lambda f: f.name),
        sorted(ref_feats, key=lambda f: f["properties"].get("name", "")),
        strict=True,
    ):
        a = _all_points(mine.geometry)
        b = _all_points(theirs["geometry"])
        assert len(a) == len(b)
        for (x1, y1), (x2, y2) in zip(a, b, strict=True):
            assert abs(x1 - x2) < 1e-9 and abs(y1 - y2) < 1e-9
    if name == "gxmultitrack.kml":  # times of a gx:MultiTrack, as togeojson's coordTimes
        line = next(f for f in ours.features if f.kind == "line")
        ref_line = next(f for f in ref_feats if "coordTimes" in f["properties"])
        times = [
            t
            for part in ref_line["properties"]["coordTimes"]
            for t in (part if isinstance(part, list) else [part])
        ]
        assert line.started_at[:19] == min(times)[:19] and line.ended_at[:19] == max(times)[:19]
    if name == "extended_data.kml":
        assert ours.features[0].properties["foo"] == "bar"


def test_geojson_files(shared_data: Path) -> None:
    for path in _files(shared_data / "geojson", "*.geojson"):
        g = read_geo(path)
        doc = json.loads(path.read_text())
        assert len(g.features) + g.skipped == len(doc["features"]), path
        with_geometry = [f for f in doc["features"] if f["geometry"] and _all_points(f["geometry"])]
        assert len(with_geometry) == len(g.features)
        for mine, theirs in zip(g.features, with_geometry, strict=True):
            assert _all_points(mine.geometry) == _all_points(theirs["geometry"]), path


def test_shapefiles(shared_data: Path) -> None:
    import shapefile

    for path in _files(shared_data / "shapefiles", "*.shp", "*.zip"):
        if path.name in NO_PRJ:
            with pytest.raises(CrsRequired) as info:
                read_geo(path)
            assert path.name in info.value.message("mn")
        if path.name in REFUSED:
            with pytest.raises(InvalidInput) as info:
                read_geo(path, crs="EPSG:4326")
            assert path.name in info.value.message("en")
            assert REFUSED[path.name] in info.value.message("en")
            continue
        g = read_geo(path, crs="EPSG:4326")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = shapefile.Reader(str(path), encoding="latin-1")
        with r:
            shapes = [s for s in r.shapes() if s.shapeType]
            assert len(g.features) == len(shapes), path
            for f, s in zip(g.features, shapes, strict=True):
                assert _all_points(f.geometry)[0] == pytest.approx(
                    tuple(s.points[0][:2]), abs=1e-7
                ), path


def test_natural_earth_mongolia(shared_data: Path) -> None:
    from pemdesk.geo.area import geodesic_area_ha

    g = read_geo(
        shared_data / "shapefiles" / "naturalearth_110m_admin0" / "ne_110m_admin_0_countries.shp"
    )
    mongolia = [f for f in g.features if f.properties.get("ADMIN") == "Mongolia"]
    assert len(mongolia) == 1
    assert mongolia[0].properties["NAME_RU"] == "Монголия"
    # 1:110m outline: within 3 % of the 1,564,116 km² official area
    assert geodesic_area_ha(mongolia[0].geometry) / 100 == pytest.approx(1_564_116, rel=0.03)


def test_cli_imports_every_shared_file_or_says_why(
    shared_data: Path, tmp_path: Path, capsys
) -> None:
    from pemdesk.cli import main
    from pemdesk.storage.geo import explode

    files = [
        p
        for p in _files(shared_data / "gpx", "*.gpx")
        + _files(shared_data / "kml", "*.kml", "*.kmz")
        + _files(shared_data / "geojson", "*.geojson")
        + _files(shared_data / "shapefiles", "*.shp", "*.zip")
    ]
    rc = main(
        [
            "--data-dir",
            str(tmp_path / "d"),
            "--lang",
            "en",
            "import",
            "geo",
            *map(str, files),
            "--as",
            "tracks",
            "--crs",
            "EPSG:4326",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert len(out["files"]) == len(files)
    for entry, path in zip(out["files"], files, strict=True):
        assert entry["status"] in ("imported", "error"), entry
        assert path.name in entry["message"], entry
        if entry["status"] == "imported":
            lines = [
                part
                for f in read_geo(path, crs="EPSG:4326").features
                for part in explode(f)
                if part.kind == "line"
            ]
            assert entry["features"] == len(lines), path
    imported = [e for e in out["files"] if e["status"] == "imported"]
    assert len(imported) >= 25
