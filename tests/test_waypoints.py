"""Waypoints are data (issue 17): every GPX point, track and route becomes a record or is counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import make_site
from pemdesk import model
from pemdesk.importers.geofile import read_geo
from pemdesk.storage.geo import attach_waypoint, import_geofile, list_waypoints, map_data

WPT_ONLY = """<?xml version="1.0"?>
<gpx version="1.1" creator="eTrex 30x" xmlns="http://www.topografix.com/GPX/1/1">
 <wpt lat="47.9186" lon="106.9176"><ele>1350.5</ele><time>2025-06-01T03:04:05Z</time>
  <name>Худаг 1</name><desc>хуучин худаг</desc><sym>Flag, Blue</sym></wpt>
 <wpt lat="47.9200" lon="106.9300"><name>002</name></wpt>
</gpx>
"""


def _gpx_counts(path: Path) -> tuple[int, int, int]:
    import gpxpy

    text = path.read_bytes().decode("utf-8", errors="replace")
    g = gpxpy.parse(text)
    tracks = sum(1 for t in g.tracks if any(len(s.points) >= 2 for s in t.segments))
    routes = sum(1 for r in g.routes if len(r.points) >= 2)
    return len(g.waypoints), tracks, routes


def test_waypoint_only_file_imports_its_points(store, tmp_path: Path) -> None:
    f = tmp_path / "wpts.gpx"
    f.write_text(WPT_ONLY, encoding="utf-8")
    result = import_geofile(store, read_geo(f))
    assert result.created.keys() == {"waypoints"}
    assert result.features == 2 and result.skipped == {}
    wps = sorted(list_waypoints(store), key=lambda w: w.name)
    assert [w.name for w in wps] == ["002", "Худаг 1"]
    w = wps[1]
    assert (w.lon, w.lat, w.ele) == (106.9176, 47.9186, 1350.5)
    assert w.recorded_at is not None and w.recorded_at.startswith("2025-06-01T03:04:05")
    assert (w.description, w.symbol, w.source_file) == ("хуучин худаг", "Flag, Blue", "wpts.gpx")
    # on the map's data, and attachable later to a site
    assert {r["name"] for r in map_data(store).waypoints} == {"002", "Худаг 1"}
    site = make_site(store)
    attach_waypoint(store, w.id, "site", site.id)
    assert store.get(model.Waypoint, w.id).site_id == site.id


def test_as_still_overrides(store, tmp_path: Path) -> None:
    f = tmp_path / "wpts.gpx"
    f.write_text(WPT_ONLY, encoding="utf-8")
    site = make_site(store)
    result = import_geofile(store, read_geo(f), "points", site.id)
    assert result.created.keys() == {"points"}
    assert list_waypoints(store) == []
    # a line file forced to waypoints: every line is counted as skipped with its reason
    line = tmp_path / "line.geojson"
    line.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"LineString","coordinates":[[106,47],[106.1,47.1]]}},'
        '{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[106,47]}},'
        '{"type":"Feature","properties":{},"geometry":null}]}',
        encoding="utf-8",
    )
    result = import_geofile(store, read_geo(line), "waypoints")
    assert result.features == 1
    assert result.skipped == {"line cannot become waypoints": 1, "feature without geometry": 1}


def test_waypoints_are_synced(store, tmp_path: Path) -> None:
    from pemdesk.sync.schema import Policy, entity

    described = entity("waypoint")
    assert described is not None and described.policy == Policy.SHARED
    assert described.fields["lon"].required and described.fields["lat"].max == 90
    f = tmp_path / "wpts.gpx"
    f.write_text(WPT_ONLY, encoding="utf-8")
    import_geofile(store, read_geo(f))
    rows = store._query("SELECT entity FROM sync_outbox WHERE entity = 'waypoint'", [])
    assert len(rows) == 2


@pytest.mark.slow
def test_every_shared_gpx_keeps_waypoints_tracks_and_routes(shared_data: Path, tmp_path: Path) -> None:
    from pemdesk.errors import InvalidInput
    from pemdesk.storage import Store

    files = sorted((shared_data / "gpx").rglob("*.gpx"))
    assert files, "no GPX files in ../shared/data/gpx"
    checked = 0
    with Store.open(tmp_path / "d") as store:
        for path in files:
            try:
                waypoints, tracks, routes = _gpx_counts(path)
            except Exception:  # noqa: BLE001 - gpxpy cannot read it either: ours must refuse it
                with pytest.raises(InvalidInput):
                    import_geofile(store, read_geo(path))
                continue
            geofile = read_geo(path)
            if waypoints + tracks + routes == 0:
                with pytest.raises(InvalidInput):
                    import_geofile(store, geofile)
                continue
            result = import_geofile(store, geofile, check_duplicate=False)
            created = {k: len(v) for k, v in result.created.items()}
            assert created.get("waypoints", 0) == waypoints, path
            assert created.get("tracks", 0) == tracks + routes, path
            # whatever is not a record is counted with its reason
            assert sum(result.skipped.values()) == geofile.skipped, path
            checked += 1
    assert checked >= len(files) // 2


def test_waypoints_go_back_out_as_gpx(store, tmp_path: Path) -> None:
    import gpxpy

    from pemdesk.exporters.geo import export_gpx

    f = tmp_path / "wpts.gpx"
    f.write_text(WPT_ONLY, encoding="utf-8")
    import_geofile(store, read_geo(f))
    out = tmp_path / "out.gpx"
    export_gpx(store, out)
    back = {w.name: w for w in gpxpy.parse(out.read_text("utf-8")).waypoints}
    w = back["Худаг 1"]
    assert (w.latitude, w.longitude, w.elevation) == (47.9186, 106.9176, 1350.5)
    assert (w.symbol, w.description) == ("Flag, Blue", "хуучин худаг")
    assert w.time is not None and w.time.isoformat().startswith("2025-06-01T03:04:05")
    assert "002" in back
