"""GPX reading: own fixtures, then every real file in ../shared/data/gpx against an lxml count."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from pemdesk.errors import InvalidInput
from pemdesk.importers.gpx import read_gpx

GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="43.5" lon="104.25"><ele>1500</ele><name>Худаг</name></wpt>
  <rte><name>R</name><rtept lat="43.0" lon="104.0"/><rtept lat="43.1" lon="104.1"/></rte>
  <trk><name>Өглөө</name>
    <trkseg>
      <trkpt lat="43.01" lon="104.01"><ele>1400.5</ele><time>2025-06-01T02:00:00Z</time></trkpt>
      <trkpt lat="43.02" lon="104.02"><time>2025-06-01T02:01:00+08:00</time></trkpt>
    </trkseg>
    <trkseg><trkpt lat="43.03" lon="104.03"><time>2025-06-01T02:02:00</time></trkpt></trkseg>
  </trk>
</gpx>
"""


def test_tracks_routes_waypoints(tmp_path: Path) -> None:
    path = tmp_path / "walk.gpx"
    path.write_text(GPX, encoding="utf-8")
    d = read_gpx(path)
    assert len(d.tracks) == 1 and len(d.tracks[0].segments) == 2
    assert d.tracks[0].name == "Өглөө"
    p0, p1, p2 = d.tracks[0].points
    assert (p0.lon, p0.lat, p0.ele) == (104.01, 43.01, 1400.5)
    assert p0.time == datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
    assert p1.time == datetime(2025, 5, 31, 18, 1, tzinfo=UTC)  # +08:00 converted
    assert p2.time is not None and p2.time.tzinfo is not None  # naive taken as UTC
    assert len(d.routes) == 1 and len(d.routes[0].points) == 2
    assert d.waypoints[0].name == "Худаг" and d.waypoints[0].ele == 1500
    assert [p.time for p in d.timed_points()] == sorted(p.time for p in d.timed_points())


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not xml at all",
        b"<gpx><trk><trkseg><trkpt lat='x' lon='1'/></trkseg></trk></gpx>",
        b"<?xml version='1.0'?><kml/>",
        b'<gpx version="1.1"><wpt lat="95" lon="10"/></gpx>',
    ],
)
def test_refuses_bad_files_naming_them(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken-file.gpx"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        read_gpx(path)
    assert "broken-file.gpx" in info.value.message("en")
    assert "broken-file.gpx" in info.value.message("mn")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        read_gpx(tmp_path / "nope.gpx")


def _count(path: Path, tag: str) -> int:
    tree = etree.parse(str(path), etree.XMLParser(recover=True))
    return len(tree.xpath(f"//*[local-name()='{tag}']"))


def test_every_shared_gpx_file(shared_data: Path) -> None:
    files = sorted((shared_data / "gpx").rglob("*.gpx"))
    assert len(files) >= 20
    for path in files:
        d = read_gpx(path)
        assert sum(len(t.points) for t in d.tracks) == _count(path, "trkpt"), path
        assert sum(len(t.points) for t in d.routes) == _count(path, "rtept"), path
        assert len(d.waypoints) == _count(path, "wpt"), path
        tree = etree.parse(str(path))
        first = tree.xpath("//*[local-name()='trkpt']")
        if first:
            assert d.tracks and any(
                abs(p.lat - float(first[0].get("lat"))) < 1e-9
                and abs(p.lon - float(first[0].get("lon"))) < 1e-9
                for t in d.tracks
                for p in t.points[:1]
            ), path
