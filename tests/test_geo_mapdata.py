"""The Qt-free side of the map: projection, view, tiles, layers, plot editing, MBTiles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.geo import mapdata as md
from pemdesk.geo.mbtiles import MBTiles, write_mbtiles
from pemdesk.geo.plotedit import EditGeometry


def test_mercator_round_trip_and_known_value() -> None:
    from pemdesk.geo.coords import transformer

    x, y = md.merc_point(106.9, 47.9)
    # pyproj's Web Mercator as the independent reference
    assert (x, y) == pytest.approx(
        transformer("EPSG:4326", "EPSG:3857").transform(106.9, 47.9), abs=1e-3
    )
    lon, lat = md.lonlat_point(x, y)
    assert (lon, lat) == pytest.approx((106.9, 47.9), abs=1e-9)


def test_viewport_fit_and_screen_round_trip() -> None:
    v = md.Viewport(0, 0, 5, 1000, 600)
    box = (10_000_000.0, 5_000_000.0, 13_000_000.0, 6_800_000.0)
    v.fit(*box)
    minx, miny, maxx, maxy = v.extent()
    assert minx <= box[0] and maxx >= box[2] and miny <= box[1] and maxy >= box[3]
    sx, sy = v.to_screen(11_000_000.0, 6_000_000.0)
    assert v.to_world(float(sx), float(sy)) == pytest.approx((11_000_000.0, 6_000_000.0))
    assert md.resolution(0) == pytest.approx(156_543.03, abs=0.01)


def test_tiles_cover_the_view_centre_first() -> None:
    v = md.Viewport(*md.merc_point(105, 46), 7.25, 1280, 800)
    tiles = md.tiles_for(v, v.zoom)
    size = md.WORLD / 2**v.zoom
    covered_x = {tx for tx, _ in tiles}
    assert (max(covered_x) - min(covered_x) + 1) * size >= 1280 * v.res
    first = md.tile_bounds(v.zoom, *tiles[0])
    assert first[0] <= v.cx <= first[2] + size and first[1] - size <= v.cy <= first[3]
    # integer zooms are the XYZ grid used by MBTiles
    assert md.tile_bounds(0, 0, 0) == pytest.approx(
        (-md.WORLD / 2, -md.WORLD / 2, md.WORLD / 2, md.WORLD / 2)
    )


def test_shape_layer_query_pick_and_simplification() -> None:
    from shapely.geometry import Point

    circle = md.project_geometry(Point(105, 45).buffer(0.1, quad_segs=64))
    layer = md.ShapeLayer("t", [circle], ["a"])
    assert list(layer.query(*circle.bounds)) == [0]
    assert layer.query(0, 0, 1, 1).size == 0
    cx, cy = md.merc_point(105, 45)
    assert layer.pick(cx, cy, 0) == 0
    coarse = layer.at_lod(0, 5)
    fine = layer.at_lod(0, 15)
    assert len(coarse.exterior.coords) < len(fine.exterior.coords) <= 258
    assert layer.pixel_size(0, md.resolution(10)) > 100


def test_map_model_with_demo_records(demo_store) -> None:
    from pemdesk.storage.geo import map_data

    base = md.MapModel()
    base.load_boundaries()
    assert len(base.soum_polygons) == 329 and len(base.aimag_polygons) >= 21
    # boundary lines: every shared edge once, in short pieces a large-scale view can pick
    import shapely

    pieces = base.layers["soums"].geoms
    assert max(len(g.coords) for g in pieces) <= 129
    whole = sum(g.boundary.length for g in base.soum_polygons.geoms)
    assert whole * 0.45 < sum(g.length for g in pieces) < whole * 0.75
    assert shapely.union_all(pieces).length == pytest.approx(sum(g.length for g in pieces))
    model = base.with_records(map_data(demo_store))
    assert len(model.layers["plots"]) == len(demo_store.list_plots())
    assert model.layers["soums"] is base.layers["soums"]  # shared, not rebuilt
    site = demo_store.list_sites()[0]
    box = model.site_extent(site.id)
    assert box is not None and box[0] <= box[2]
    kinds = {lb.kind for lb in model.labels}
    assert {"aimag", "soum", "site", "plot"} <= kinds
    assert model.points["visits"].within(*model.country_extent()).size > 0


def test_edit_geometry_parts_holes_and_checks() -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[105, 45], [105.01, 45], [105.01, 45.01], [105, 45.01], [105, 45]]],
    }
    e = EditGeometry.from_geojson(square)
    assert e.to_geojson() == {"type": "Polygon", "coordinates": square["coordinates"]}
    full = e.area_ha()
    e.add_hole(0, [[105.002, 45.002], [105.004, 45.002], [105.004, 45.004]])
    assert e.area_ha() < full and e.problem() is None
    e.add_part([[105.02, 45], [105.03, 45], [105.03, 45.01]])
    assert e.to_geojson()["type"] == "MultiPolygon"
    e.delete_vertex(1, 0, 0)  # a part left with two corners goes
    assert len(e.parts) == 1
    assert e.perimeter_m() > 0
    # outside the licence boundary
    half = {
        "type": "Polygon",
        "coordinates": [[[105, 45], [105.005, 45], [105.005, 45.01], [105, 45.01], [105, 45]]],
    }
    assert e.outside_of(half) == pytest.approx(full / 2, rel=0.01)
    assert e.outside_of(None) == 0
    # a bow tie: a problem, and a repair proposal that is valid, never applied by itself
    bow = EditGeometry([[[[105, 45], [105.01, 45.01], [105.01, 45], [105, 45.01]]]])
    assert "Self-intersection" in bow.problem()
    fixed = bow.repair_proposal()
    assert fixed is not None and fixed.problem() is None and fixed.area_ha() > 0
    assert bow.problem() is not None


def test_mbtiles_reader(tmp_path: Path) -> None:
    path = write_mbtiles(
        tmp_path / "a.mbtiles",
        {(3, 5, 2): b"PNGDATA"},
        {"bounds": "87.7,41.5,119.9,52.2", "attribution": "Аймгийн төв"},
    )
    mb = MBTiles(path)
    assert mb.tile(3, 5, 2) == b"PNGDATA"  # XYZ in, TMS row in the file
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT tile_row FROM tiles").fetchone()[0] == 5
    assert mb.tile(3, 5, 3) is None
    assert mb.bounds() == (87.7, 41.5, 119.9, 52.2)
    assert mb.attribution == "Аймгийн төв" and mb.name == "a"
    mb.close()
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InvalidInput) as info:
        MBTiles(bad)
    assert "bad.mbtiles" in info.value.message("mn")
    vector = write_mbtiles(tmp_path / "v.mbtiles", {}, {"format": "pbf"})
    with pytest.raises(InvalidInput):
        MBTiles(vector)


def test_levels_of_detail_are_bounded() -> None:
    from shapely.geometry import Point

    layer = md.ShapeLayer("x", [Point(0, 0).buffer(1000, 64)], ["a"])
    for lod in range(23):  # every level, as 1,000 fractional zoom steps would visit
        layer.at_lod(0, lod)
    assert len({k[1] for k in layer._simplified}) <= md.MAX_LODS_HELD
    assert md.lod_for(7.49) == 7 and md.lod_for(7.5) == 8  # fractional zooms snap to levels
