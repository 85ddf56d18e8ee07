"""GeoJSON (RFC 7946), KML 2.2 and GPX 1.1 out; read back by our readers and checked by schema rules."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from pemdesk import model
from pemdesk.cli import main
from pemdesk.importers.geofile import read_geo


def _add_extras(store) -> model.Site:
    site = store.list_sites()[0]
    store.save(
        model.Track(
            name="Замын бичлэг",
            site_id=site.id,
            started_at="2025-06-01T02:00:00.000Z",
            geometry={"type": "LineString", "coordinates": [[105, 45], [105.1, 45.1]]},
        )
    )
    store.save(model.PhotoPoint(site_id=site.id, name="ЗЦ-1", lon=105.0, lat=45.0, bearing=90))
    return site


def test_geojson_is_rfc7946(demo_store, tmp_path: Path) -> None:
    from shapely.geometry import shape

    from pemdesk.exporters.geo import export_geojson

    _add_extras(demo_store)
    path = tmp_path / "all.geojson"
    n = export_geojson(demo_store, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc and len(doc["features"]) == n
    layers = {f["properties"]["layer"] for f in doc["features"]}
    assert layers == {"site", "plot", "visit", "photo_point", "track"}
    for f in doc["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            ext = shape({"type": "LineString", "coordinates": g["coordinates"][0]})
            from shapely.geometry import LinearRing

            assert LinearRing(ext.coords).is_ccw  # right-hand rule
    plots = [f for f in doc["features"] if f["properties"]["layer"] == "plot"]
    assert len(plots) == len(demo_store.list_plots())
    back = read_geo(path)
    assert len(back.features) == n


def test_kml_is_kml22_and_reads_back(demo_store, tmp_path: Path) -> None:
    from pemdesk.exporters.geo import export_kml

    site = _add_extras(demo_store)
    path = tmp_path / "site.kml"
    n = export_kml(demo_store, path, site.id, "mn")
    root = etree.parse(str(path)).getroot()
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = [f.findtext("k:name", namespaces=ns) for f in root.iterfind(".//k:Folder", ns)]
    assert "Талбайнууд" in folders or "Plots" in folders
    for colour in root.iterfind(".//k:color", ns):
        assert len(colour.text) == 8
    back = read_geo(path)
    assert len(back.features) == n
    plots = [f for f in back.features if f.kind == "polygon" and "stage" in f.properties]
    assert len(plots) == len(demo_store.list_plots(site.id))


def test_gpx_is_11_and_reads_back(demo_store, tmp_path: Path) -> None:
    from pemdesk.exporters.geo import export_gpx

    site = _add_extras(demo_store)
    path = tmp_path / "tracks.gpx"
    assert export_gpx(demo_store, path, site.id) == 2
    root = etree.parse(str(path)).getroot()
    assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx" and root.get("version") == "1.1"
    from pemdesk.importers.gpx import read_gpx

    d = read_gpx(path)
    assert d.tracks[0].name == "Замын бичлэг" and len(d.tracks[0].points) == 2
    assert d.waypoints[0].name == "ЗЦ-1"


def test_cli_export(demo_dir: Path, tmp_path: Path, capsys) -> None:
    for fmt in ("geojson", "kml", "gpx"):
        out = tmp_path / f"x.{fmt}"
        assert main(["--data-dir", str(demo_dir), "export", fmt, "-o", str(out)]) == 0
        assert out.exists() and out.stat().st_size > 100
    assert (
        main(
            [
                "--data-dir",
                str(demo_dir),
                "export",
                "kml",
                "-o",
                str(tmp_path / "y.kml"),
                "--site",
                "nope",
            ]
        )
        == 1
    )
