"""Every reader with fixtures the tests make themselves (a fresh clone tests every path)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.importers.geofile import read_geo
from pemdesk.importers.shapefile import CrsRequired

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>d</name>
<Folder><name>Талбайнууд</name>
 <Placemark><name>Овоолго</name><ExtendedData><Data name="stage"><value>technical</value></Data>
  </ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
   104.0,43.0,0 104.01,43.0,0 104.01,43.01,0 104.0,43.01,0 104.0,43.0,0</coordinates></LinearRing>
  </outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>
   104.002,43.002 104.004,43.002 104.004,43.004 104.002,43.004 104.002,43.002
  </coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>
 <Folder><name>Дотор</name>
  <Placemark><name>Хоёр хэсэг</name><MultiGeometry>
   <Polygon><outerBoundaryIs><LinearRing><coordinates>104.1,43.1 104.11,43.1 104.11,43.11
    104.1,43.1</coordinates></LinearRing></outerBoundaryIs></Polygon>
   <Polygon><outerBoundaryIs><LinearRing><coordinates>104.2,43.1 104.21,43.1 104.21,43.11
    104.2,43.1</coordinates></LinearRing></outerBoundaryIs></Polygon>
  </MultiGeometry></Placemark>
 </Folder>
</Folder>
<Placemark><name>Зам</name><LineString><coordinates>104,43 104.5,43.5</coordinates></LineString>
</Placemark>
<Placemark><name>Хаяг</name><address>Даланзадгад</address></Placemark>
<Placemark><name>Цэг</name><Point><coordinates>104.3,43.3,1200</coordinates></Point></Placemark>
</Document></kml>
"""


def test_kml_folders_holes_multigeometry(tmp_path: Path) -> None:
    path = tmp_path / "plots.kml"
    path.write_text(KML, encoding="utf-8")
    g = read_geo(path)
    by_name = {f.name: f for f in g.features}  # fastkml groups folders before placemarks
    assert sorted(by_name) == sorted(["Овоолго", "Хоёр хэсэг", "Зам", "Цэг"])
    assert g.skipped == 1  # the address-only placemark
    first = by_name["Овоолго"]
    assert first.geometry["type"] == "Polygon" and len(first.geometry["coordinates"]) == 2
    assert first.properties["stage"] == "technical"
    assert first.folder == "d/Талбайнууд"
    assert by_name["Хоёр хэсэг"].geometry["type"] == "MultiPolygon"
    assert by_name["Хоёр хэсэг"].folder == "d/Талбайнууд/Дотор"
    assert by_name["Цэг"].geometry == {"type": "Point", "coordinates": [104.3, 43.3]}


def test_kmz_and_kml_without_namespace(tmp_path: Path) -> None:
    path = tmp_path / "x.kmz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("doc.kml", KML.replace(' xmlns="http://www.opengis.net/kml/2.2"', ""))
    g = read_geo(path)
    assert g.format == "kmz" and len(g.features) == 4


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "a.kml",
            b"<kml><Document><Placemark><Point><coordinates>1,95</coordinates></Point>"
            b"</Placemark></Document></kml>",
        ),
        ("b.kml", b"<LinearRing><coordinates>1,2 3,4</coordinates></LinearRing>"),
        ("c.kml", b"\x00\x01garbage"),
        ("d.kmz", b"PK\x03\x04 not really a zip"),
        (
            "e.geojson",
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
            b'"geometry": {"type": "Point", "coordinates": "x"}}]}',
        ),
        ("f.geojson", b"{not json"),
        ("g.geojson", b"[1, 2]"),
        ("h.csv", b"a,b\n1,2\n"),
        ("i.csv", b"name,lat,lon\nx,43.1,abc\n"),
        ("j.zip", b""),
        ("k.docx", b"whatever"),
        ("l.gpx", b"<gpx><wpt lat='1' lon='200'/></gpx>"),
    ],
)
def test_bad_files_are_refused_naming_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        read_geo(path)
    assert name in info.value.message("en") and name in info.value.message("mn")


def test_geojson_forms(tmp_path: Path) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "A"},
                "geometry": {"type": "Point", "coordinates": [105.0, 45.0, 1000.0]},
            },
            {"type": "Feature", "properties": None, "geometry": None},
            {
                "type": "Feature",
                "properties": {"title": "B"},
                "geometry": {
                    "type": "GeometryCollection",
                    "geometries": [
                        {"type": "Point", "coordinates": [105.1, 45.1]},
                        {"type": "LineString", "coordinates": [[105, 45], [105.2, 45.2]]},
                    ],
                },
            },
        ],
    }
    p = tmp_path / "a.geojson"
    p.write_text(json.dumps(fc), encoding="utf-8")
    g = read_geo(p)
    assert len(g.features) == 2 and g.skipped == 1
    assert g.features[0].geometry["coordinates"] == [105.0, 45.0]
    assert g.features[1].name == "B" and g.features[1].kind == "collection"
    bare = tmp_path / "b.json"
    bare.write_text(
        json.dumps({"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 1]]]})
    )
    assert read_geo(bare).features[0].kind == "polygon"
    # the pre-RFC "crs" member is honoured: UTM 48N
    legacy = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [642002.543, 5306933.018]},
            }
        ],
    }
    lp = tmp_path / "c.geojson"
    lp.write_text(json.dumps(legacy))
    lon, lat = read_geo(lp).features[0].geometry["coordinates"]
    assert lon == pytest.approx(106.9, abs=1e-7) and lat == pytest.approx(47.9, abs=1e-7)


def _write_shapefile(base: Path, utm: bool, prj: bool = True, encoding: str = "utf-8") -> None:
    import shapefile

    from pemdesk.geo.coords import to_utm

    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding=encoding) as w:
        w.field("NAME", "C", 40)
        w.field("STAGE", "C", 20)
        ring = [(106.0, 47.0), (106.0, 47.01), (106.01, 47.01), (106.01, 47.0), (106.0, 47.0)]
        if utm:
            ring = [to_utm(x, y, 48)[1:] for x, y in ring]
        w.poly([ring])
        w.record("Хаягдлын овоолго", "biological")
        w.null()
        w.record("хоосон", "")
    if prj:
        import pyproj

        crs = pyproj.CRS.from_epsg(32648 if utm else 4326)
        base.with_suffix(".prj").write_text(crs.to_wkt("WKT1_ESRI"))


def test_shapefile_with_prj_is_reprojected(tmp_path: Path) -> None:
    base = tmp_path / "plots"
    _write_shapefile(base, utm=True)
    g = read_geo(base.with_suffix(".shp"))
    assert len(g.features) == 1 and g.skipped == 1
    f = g.features[0]
    assert f.name == "Хаягдлын овоолго" and f.properties["STAGE"] == "biological"
    xs = sorted({round(c[0], 6) for c in f.geometry["coordinates"][0]})
    assert xs == [106.0, 106.01]
    assert "32648" in g.crs or "UTM" in g.crs


def test_zipped_shapefile_and_missing_prj(tmp_path: Path) -> None:
    base = tmp_path / "src" / "lines"
    base.parent.mkdir()
    _write_shapefile(base, utm=False, prj=False, encoding="cp1251")
    with pytest.raises(CrsRequired) as info:
        read_geo(base.with_suffix(".shp"))
    assert "lines.shp" in info.value.message("mn") and ".prj" in info.value.message("en")
    g = read_geo(base.with_suffix(".shp"), crs="EPSG:4326")
    assert g.features[0].geometry["coordinates"][0][0] == [106.0, 47.0]
    zpath = tmp_path / "lines.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for p in base.parent.iterdir():
            z.write(p, f"folder/{p.name}")
    with pytest.raises(CrsRequired):
        read_geo(zpath)
    assert len(read_geo(zpath, crs="EPSG:4326").features) == 1


def test_corrupt_shapefile(tmp_path: Path) -> None:
    base = tmp_path / "bad"
    _write_shapefile(base, utm=False)
    shp = base.with_suffix(".shp")
    shp.write_bytes(shp.read_bytes()[:120])
    with pytest.raises(InvalidInput) as info:
        read_geo(shp)
    assert "bad.shp" in info.value.message("en")


def test_csv_points_decimal_and_dms(tmp_path: Path) -> None:
    p = tmp_path / "points.csv"
    p.write_text(
        "Нэр;Өргөрөг;Уртраг\nХудаг 1;43,5;104,25\nХудаг 2;43°30'00\"N;104°15'00\"E\n",
        encoding="utf-8",
    )
    g = read_geo(p)
    assert [f.name for f in g.features] == ["Худаг 1", "Худаг 2"]
    for f in g.features:
        assert f.geometry["coordinates"] == pytest.approx([104.25, 43.5])
