"""Coordinates as people write them, and areas a commission would accept."""

from __future__ import annotations

import pytest

from pemdesk.errors import InvalidInput
from pemdesk.geo import coords
from pemdesk.geo.area import geodesic_area_ha, geodesic_perimeter_m


def test_utm_zone_from_longitude_covers_mongolia() -> None:
    assert [coords.utm_zone(x) for x in (87.8, 90.1, 96.5, 102.2, 108.0, 119.9)] == [
        45,
        46,
        47,
        48,
        49,
        50,
    ]


def test_utm_matches_platform_figure() -> None:
    zone, x, y = coords.to_utm(106.9, 47.9)
    assert zone == 48 and abs(x - 642002.543) < 0.01 and abs(y - 5306933.018) < 0.01
    lon, lat = coords.from_utm(48, x, y)
    assert abs(lon - 106.9) < 1e-9 and abs(lat - 47.9) < 1e-9


def test_dms_format_and_describe() -> None:
    assert coords.format_dms(43.037583333, True) == "43°02'15.3\"N"
    assert coords.format_dms(106.850833333, False) == "106°51'03.0\"E"
    assert coords.format_dms(-0.5, True).endswith("S")
    assert coords.format_dms(10.99999999, False) == "11°00'00.0\"E"  # no 60 seconds
    t = coords.describe(106.9, 47.9)
    assert t.utm == "48N 642003 5306933"
    assert t.decimal == "47.900000, 106.900000"


@pytest.mark.parametrize(
    ("line", "lon", "lat"),
    [
        ("43°02'15.3\"N 106°51'03.0\"E", 106.850833, 43.037583),
        ("1  106°51'03.0\"E  43°02'15.3\"N", 106.850833, 43.037583),
        ("2. 106°51'03\" 43°02'15.3\"", 106.850833, 43.037583),  # no letters: Mongolian ranges
        ("43.037583, 106.850833", 106.850833, 43.037583),
        ("106.850833 43.037583", 106.850833, 43.037583),
        ("43 02.2550 N; 106 51.0500 E", 106.850833, 43.037583),
        ("48N 642002.543 5306933.018", 106.9, 47.9),
        ("3 642002.543 5306933.018 48N", 106.9, 47.9),
        ("-33.5 -70.25", -70.25, -33.5),
        ("43°02'15.3\"Х 106°51'03.0\"З", 106.850833, 43.037583),
    ],
)
def test_parse_coordinate_line(line: str, lon: float, lat: float) -> None:
    got = coords.parse_coordinate_line(line)
    assert got == pytest.approx((lon, lat), abs=2e-6)


def test_parse_utm_needs_a_zone() -> None:
    with pytest.raises(InvalidInput) as info:
        coords.parse_coordinate_line("642002 5306933")
    assert "UTM" in info.value.message("en")
    assert coords.parse_coordinate_line(
        "642002.543 5306933.018", utm_zone_hint=48
    ) == pytest.approx((106.9, 47.9), abs=1e-6)


@pytest.mark.parametrize(
    "line", ["hello 1", "43°75'00\"N 106°00'00\"E", "1 2 3 4 5 6 7 8", "200 100"]
)
def test_parse_refuses_nonsense_with_line_number(line: str) -> None:
    with pytest.raises(InvalidInput) as info:
        coords.parse_corners("\n" + line)
    assert "2" in info.value.message("en") and "2-р" in info.value.message("mn")


def test_corners_to_licence_polygon() -> None:
    text = """Цэг  Өргөрөг  Уртраг
    1 43°02'00"N 106°51'00"E
    2 43°02'00"N 106°53'00"E
    3 43°01'00"N 106°53'00"E
    4 43°01'00"N 106°51'00"E
    """
    corners = coords.parse_corners(text)
    assert len(corners) == 4
    poly = coords.corners_to_polygon(corners)
    ring = poly["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert 2.7 < geodesic_area_ha(poly) / 100 < 5.5  # about 2.7 km × 1.85 km = 5 km²
    with pytest.raises(InvalidInput):
        coords.corners_to_polygon(corners[:2])
    bow_tie = [corners[0], corners[2], corners[1], corners[3]]
    with pytest.raises(InvalidInput):
        coords.corners_to_polygon(bow_tie)


def _utm_square(zone: int, x0: float, y0: float, side: float) -> dict:
    pts = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]
    ring = [list(coords.from_utm(zone, x, y)) for x, y in pts]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.mark.parametrize("zone", [45, 46, 47, 48, 49, 50])
def test_geodesic_area_matches_utm_within_a_tenth_of_a_percent(zone: int) -> None:
    import pyproj

    # 12.5 ha squares near each zone's central meridian and near its edge, in Mongolia.
    for x0 in (498_000.0, 320_000.0):
        square = _utm_square(zone, x0, 5_200_000.0, 353.5533906)
        planar = 353.5533906**2 / 10_000
        geodesic = geodesic_area_ha(square)
        assert abs(geodesic - planar) / planar < 0.001, (zone, x0, geodesic, planar)
        # and with pyproj.Geod on the raw ring (independent of shapely) within 0.01 %
        lons, lats = zip(*square["coordinates"][0], strict=True)
        area, perim = pyproj.Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
        assert abs(geodesic - abs(area) / 10_000) / geodesic < 1e-4
        assert abs(geodesic_perimeter_m(square) - perim) < 0.01


def test_platform_reference_square() -> None:
    # PLATFORM.md: a 12.5000 ha square in UTM 48N is 12.5038 ha geodesically.
    square = _utm_square(48, 642_002.543, 5_306_933.018, 353.5533906)
    assert round(geodesic_area_ha(square), 4) == pytest.approx(12.5038, abs=0.002)


def test_real_aimag_polygons_match_pyproj_geod() -> None:
    import pyproj
    from shapely.geometry import MultiPolygon

    from pemdesk.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    geod = pyproj.Geod(ellps="WGS84")
    for aimag in gaz.aimags():
        geom = gaz.aimag_geometry(aimag.code)
        polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        total = 0.0
        for p in polys:
            lons, lats = p.exterior.coords.xy
            total += abs(geod.polygon_area_perimeter(lons, lats)[0])
            for hole in p.interiors:
                lons, lats = hole.coords.xy
                total -= abs(geod.polygon_area_perimeter(lons, lats)[0])
        ours = geodesic_area_ha(geom)
        assert abs(ours - total / 10_000) / ours < 1e-4, aimag.code


def test_area_does_not_depend_on_ring_orientation() -> None:
    outer = [[105.0, 45.0], [105.01, 45.0], [105.01, 45.01], [105.0, 45.01], [105.0, 45.0]]
    hole = [
        [105.002, 45.002],
        [105.004, 45.002],
        [105.004, 45.004],
        [105.002, 45.004],
        [105.002, 45.002],
    ]
    full = geodesic_area_ha({"type": "Polygon", "coordinates": [outer]})
    small = geodesic_area_ha({"type": "Polygon", "coordinates": [hole]})
    for o in (outer, outer[::-1]):
        for h in (hole, hole[::-1]):
            with_hole = geodesic_area_ha({"type": "Polygon", "coordinates": [o, h]})
            assert with_hole == pytest.approx(full - small, rel=1e-9)
    shifted = [[x + 0.02, y] for x, y in outer]
    multi = {"type": "MultiPolygon", "coordinates": [[outer], [shifted[::-1]]]}
    assert geodesic_area_ha(multi) == pytest.approx(2 * full, rel=1e-6)
