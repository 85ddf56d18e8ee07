"""Importing geo files into the store: all or nothing, duplicates, the CLI's JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.cli import main
from pemdesk.errors import InvalidInput
from pemdesk.importers.geofile import read_geo
from pemdesk.storage.geo import import_geofile, list_tracks, map_data

SQUARE = [[105.0, 45.0], [105.01, 45.0], [105.01, 45.01], [105.0, 45.01], [105.0, 45.0]]
BOWTIE = [[105.0, 45.0], [105.01, 45.01], [105.01, 45.0], [105.0, 45.01], [105.0, 45.0]]


def _fc(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _poly(name: str, ring: list, **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _site(store) -> model.Site:
    from pemdesk.gazetteer import Gazetteer

    soum = Gazetteer.load().locate(105.0, 45.0)
    assert soum is not None
    site = model.Site(name_mn="Туршилт", aimag_code=soum.aimag_code, soum_code=soum.code)
    return store.save(site)


def _counts(store) -> dict[str, int]:
    return {
        t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("site", "plot", "track", "photo_point", "sync_outbox", "sync_meta")
    }


def test_plots_tracks_points_in_one_file(store, tmp_path: Path) -> None:
    site = _site(store)
    path = tmp_path / "mixed.geojson"
    path.write_text(
        json.dumps(
            _fc(
                _poly("Овоолго", SQUARE, stage="biological"),
                {
                    "type": "Feature",
                    "properties": {"name": "Зам"},
                    "geometry": {"type": "LineString", "coordinates": [[105, 45], [105.1, 45.1]]},
                },
                {
                    "type": "Feature",
                    "properties": {"name": "Зургийн цэг", "bearing": 370},
                    "geometry": {"type": "Point", "coordinates": [105.005, 45.005]},
                },
            )
        ),
        encoding="utf-8",
    )
    result = import_geofile(store, read_geo(path), None, site.id)
    assert result.status == "imported" and result.features == 3
    plots = store.list_plots(site.id)
    assert plots[0].name == "Овоолго" and plots[0].stage == model.PlotStage.BIOLOGICAL
    assert plots[0].area_ha == pytest.approx(87.4, rel=0.01)
    assert list_tracks(store)[0].name == "Зам"
    pp = store.list_photo_points(site.id)[0]
    assert pp.bearing == 10 and pp.lon == 105.005
    data = map_data(store, site.id)
    assert len(data.plots) == 1 and len(data.tracks) == 1 and len(data.photo_points) == 1
    # the same file the same way again is a duplicate, nothing added
    before = _counts(store)
    assert import_geofile(store, read_geo(path), None, site.id).status == "duplicate"
    assert _counts(store) == before


def test_a_failure_half_way_leaves_the_store_as_it_was(store, tmp_path: Path) -> None:
    site = _site(store)
    path = tmp_path / "half.geojson"
    path.write_text(json.dumps(_fc(_poly("good", SQUARE), _poly("crossed", BOWTIE))))
    before = _counts(store)
    with pytest.raises(InvalidInput) as info:
        import_geofile(store, read_geo(path), "plots", site.id)
    assert "half.geojson" in info.value.message("en") and "crossed" in info.value.message("en")
    assert _counts(store) == before


def test_sites_from_polygons_located_in_their_soum(store, tmp_path: Path) -> None:
    path = tmp_path / "licences.geojson"
    path.write_text(json.dumps(_fc(_poly("MV-000123", SQUARE))))
    result = import_geofile(store, read_geo(path))
    assert result.created["sites"]
    site = store.get(model.Site, result.created["sites"][0])
    assert site.boundary is not None and site.kind == model.SiteKind.LICENCE_AREA
    assert site.soum_code and site.aimag_code
    outside = tmp_path / "paris.geojson"
    outside.write_text(
        json.dumps(_fc(_poly("Paris", [[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]])))
    )
    with pytest.raises(InvalidInput) as info:
        import_geofile(store, read_geo(outside))
    assert "outside Mongolia" in info.value.message("en")


def test_plots_need_a_site_and_a_polygon(store, tmp_path: Path) -> None:
    path = tmp_path / "line.geojson"
    path.write_text(
        json.dumps(
            _fc(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "LineString", "coordinates": [[105, 45], [105.1, 45.1]]},
                }
            )
        )
    )
    site = _site(store)
    with pytest.raises(InvalidInput) as info:
        import_geofile(store, read_geo(path), "plots", site.id)
    assert "nothing to import" in info.value.message("en")
    with pytest.raises(InvalidInput):
        import_geofile(store, read_geo(tmp_path / "line.geojson"), "points")


def test_cli_import_geo_json_and_exit_codes(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    good = tmp_path / "walk.gpx"
    good.write_text(
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Алхалт'
        '</name><trkseg><trkpt lat="45" lon="105"><time>2025-06-01T02:00:00Z</time></trkpt>'
        '<trkpt lat="45.01" lon="105.01"><time>2025-06-01T02:10:00Z</time></trkpt></trkseg>'
        "</trk></gpx>",
        encoding="utf-8",
    )
    bad = tmp_path / "broken.kml"
    bad.write_text("<kml><oops")
    rc = main(
        ["--data-dir", str(data), "--lang", "en", "import", "geo", str(good), str(bad), "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert [f["status"] for f in out["files"]] == ["imported", "error"]
    assert out["files"][0]["features"] == 1
    assert "broken.kml" in out["files"][1]["message"]
    assert set(out["files"][0]) >= {"path", "status", "message", "features"}
    rc = main(["--data-dir", str(data), "import", "geo", str(bad)])
    assert rc == 1
    capsys.readouterr()
    rc = main(["--data-dir", str(data), "--lang", "en", "import", "geo", str(good), "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["files"][0]["status"] == "duplicate"


def test_cli_shapefile_without_prj_needs_crs(tmp_path: Path, capsys) -> None:
    import shapefile

    base = tmp_path / "noprj"
    with shapefile.Writer(str(base), shapeType=shapefile.POINT) as w:
        w.field("name", "C")
        w.point(105.0, 45.0)
        w.record("Худаг")
    data = str(tmp_path / "data")
    assert (
        main(
            [
                "--data-dir",
                data,
                "--lang",
                "en",
                "import",
                "geo",
                str(base) + ".shp",
                "--as",
                "sites",
            ]
        )
        == 1
    )
    assert ".prj" in capsys.readouterr().out
    assert (
        main(
            [
                "--data-dir",
                data,
                "import",
                "geo",
                str(base) + ".shp",
                "--as",
                "sites",
                "--crs",
                "EPSG:4326",
            ]
        )
        == 0
    )
