"""Geotagging by time on a GPX track, camera clock offsets, photo points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.cli import main
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.photos.geotag import Track, TrackPoint, offset_from_gps_photo
from pemdesk.photos.library import (
    create_photo_point_from,
    geotag,
    link_to_photo_point,
    photo_point_series,
    suggest_photo_point,
)
from photos_fixtures import make_jpeg

T0 = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Mongolia


def _track() -> Track:
    # Walking east along 43.5 N, one point a minute, with a 30 minute gap after 10 minutes.
    pts = [
        TrackPoint(T0 + timedelta(minutes=i), 106.0 + i * 0.001, 43.5, 1200.0 + i)
        for i in range(11)
    ]
    pts += [
        TrackPoint(T0 + timedelta(minutes=40 + i), 106.02 + i * 0.001, 43.5, 1300.0)
        for i in range(5)
    ]
    return Track(pts)


def _gpx(path: Path) -> Path:
    rows = "".join(
        f'<trkpt lat="{p.lat}" lon="{p.lon}"><ele>{p.ele}</ele>'
        f"<time>{p.time.strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for p in _track().points
    )
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>walk</name><trkseg>{rows}</trkseg></trk></gpx>",
        encoding="utf-8",
    )
    return path


def test_interpolation_and_gaps() -> None:
    track = _track()
    lon, lat, ele = track.position_at(T0 + timedelta(minutes=2, seconds=30))
    assert lon == pytest.approx(106.0025) and lat == 43.5 and ele == pytest.approx(1202.5)
    assert track.position_at(T0 + timedelta(minutes=3))[0] == pytest.approx(106.003)
    assert track.position_at(T0 - timedelta(minutes=4))[0] == 106.0  # just before the start
    assert track.position_at(T0 - timedelta(minutes=6)) is None  # too long before
    assert track.position_at(T0 + timedelta(minutes=25)) is None  # inside the 30 min gap
    assert track.position_at(T0 + timedelta(minutes=12)) is not None  # near the gap's edge
    assert track.position_at(T0 + timedelta(hours=3)) is None
    assert Track([]).position_at(T0) is None


def test_offset_from_a_photo_of_a_gps_screen() -> None:
    camera = datetime(2025, 6, 1, 10, 3, 0, tzinfo=UTC)
    screen = datetime(2025, 6, 1, 10, 1, 30, tzinfo=UTC)
    assert offset_from_gps_photo(camera, screen) == timedelta(seconds=-90)
    assert offset_from_gps_photo("2025-06-01T10:00:00Z", "2025-06-01T10:00:10Z") == timedelta(
        seconds=10
    )


def test_import_places_photos_on_the_gpx_track_with_a_clock_offset(store, tmp_path: Path) -> None:
    gpx = _gpx(tmp_path / "walk.gpx")
    track = Track.from_gpx(gpx)
    assert len(track) == 16
    # The camera runs 90 s fast: it says 10:05:30 local when the GPS said 10:04:00.
    photo = make_jpeg(tmp_path / "a.jpg", taken="2025:06:01 10:05:30")
    has_gps = make_jpeg(
        tmp_path / "b.jpg", taken="2025:06:01 10:05:30", lat=47.0, lon=100.0, color=(1, 2, 3)
    )
    options = ImportOptions(track=track, clock_offset=timedelta(seconds=-90))
    summary = import_photos(store, [photo, has_gps], options)
    a, b = summary.files
    assert a.lon == pytest.approx(106.004) and a.lat == pytest.approx(43.5)
    assert a.position_source == "track" and "track" in a.message("en")
    assert store.get(model.Photo, a.photo_id).altitude_m == pytest.approx(1204.0)
    assert (b.lat, b.lon, b.position_source) == (47.0, 100.0, "gps")  # its own GPS wins
    assert a.taken_at == "2025-06-01T02:05:30.000Z"  # the recorded time is left as the camera said


def test_geotag_after_import_and_cli(store, tmp_path: Path, capsys) -> None:
    gpx = _gpx(tmp_path / "walk.gpx")
    srcs = [
        make_jpeg(tmp_path / f"p{i}.jpg", taken=f"2025:06:01 10:0{i}:00", color=(i, 9, 9))
        for i in range(3)
    ]
    srcs.append(make_jpeg(tmp_path / "late.jpg", taken="2025:06:01 10:25:00", color=(99, 9, 9)))
    summary = import_photos(store, srcs)
    ids = [f.photo_id for f in summary.files]
    result = geotag(store, ids, gpx, timedelta(0))
    assert (result.placed, result.not_on_track, result.already_placed) == (3, 1, 0)
    assert store.get(model.Photo, ids[2]).lon == pytest.approx(106.002)
    assert store.get(model.Photo, ids[2]).position_source == "track"
    again = geotag(store, ids, gpx, timedelta(minutes=1), overwrite=False)
    assert again.already_placed == 3
    assert main(["--data-dir", str(store.data_dir), "photos", "geotag", "--track", str(gpx),
                 "--clock-offset", "+00:01:00", "--overwrite", "--json"]) == 0  # fmt: skip
    capsys.readouterr()
    store.close()


def test_shared_gpx_files_load_as_tracks(shared_data: Path) -> None:
    from pemdesk.errors import PemdeskError

    loaded = 0
    for path in sorted((shared_data / "gpx").rglob("*.gpx")):
        try:
            track = Track.from_gpx(path)
        except PemdeskError:  # a broken GPX is refused with a message; anything else is a bug
            continue
        loaded += 1
        if len(track) >= 2:
            mid = track.points[len(track) // 2]
            same_time = {(p.lon, p.lat) for p in track.points if p.time == mid.time}
            assert track.position_at(mid.time)[:2] in same_time
    assert loaded > 0


def test_photo_points_by_year(demo_store, tmp_path: Path) -> None:
    site = demo_store.list_sites()[0]
    lat, lon = site.lat, site.lon
    srcs = [
        make_jpeg(tmp_path / f"y{year}.jpg", taken=f"{year}:07:01 11:00:00", lat=lat + 0.0001, lon=lon,
                  bearing=92.0, color=(year % 255, 50, 50))
        for year in (2023, 2024, 2025)
    ]  # fmt: skip
    srcs.append(make_jpeg(tmp_path / "y2025b.jpg", taken="2025:07:02 11:00:00", lat=lat, lon=lon,
                          bearing=88.0, color=(1, 50, 50)))  # fmt: skip
    summary = import_photos(demo_store, srcs, ImportOptions(auto_assign=False))
    first = summary.files[0].photo_id
    point = create_photo_point_from(demo_store, first, site.id, "P1 north slope")
    assert point.bearing == 92.0 and point.lat == pytest.approx(lat + 0.0001)
    for f in summary.files[1:]:
        photo = demo_store.get(model.Photo, f.photo_id)
        assert suggest_photo_point(demo_store, photo, site.id).id == point.id
        link_to_photo_point(demo_store, photo.id, point.id)
    series = photo_point_series(demo_store, point.id)
    assert [year for year, _ in series] == [2023, 2024, 2025]
    assert [len(photos) for _, photos in series] == [1, 1, 2]
    # Facing the other way is not the same photo point.
    away = make_jpeg(tmp_path / "away.jpg", lat=lat, lon=lon, bearing=270.0, color=(5, 5, 5))
    other = import_photos(demo_store, [away], ImportOptions(auto_assign=False)).files[0]
    assert (
        suggest_photo_point(demo_store, demo_store.get(model.Photo, other.photo_id), site.id)
        is None
    )


def test_offset_worked_out_from_a_photo_of_a_gps_screen(store, tmp_path: Path) -> None:
    from pemdesk.errors import InvalidInput
    from pemdesk.photos.geotag import offset_from_screen_photo

    screen = make_jpeg(tmp_path / "screen.jpg", taken="2025:06:01 10:05:30")
    assert offset_from_screen_photo(screen, "10:04:00") == timedelta(seconds=-90)
    late = make_jpeg(tmp_path / "late.jpg", taken="2025:06:01 23:59:50", color=(3, 3, 3))
    assert offset_from_screen_photo(late, "00:00:20") == timedelta(seconds=30)  # past midnight
    with pytest.raises(InvalidInput):
        offset_from_screen_photo(make_jpeg(tmp_path / "none.jpg", color=(4, 4, 4)), "10:00:00")
    with pytest.raises(InvalidInput):
        offset_from_screen_photo(screen, "ten past")
    # The CLI takes the same pair and places the photos on the track with it.
    gpx = _gpx(tmp_path / "walk.gpx")
    photo = make_jpeg(tmp_path / "a.jpg", taken="2025:06:01 10:05:30", color=(5, 5, 5))
    data = str(store.data_dir)
    store.close()
    assert main(["--data-dir", data, "import", "photos", str(photo), "--track", str(gpx),
                 "--gps-photo", str(screen), "10:04:00"]) == 0  # fmt: skip
    from pemdesk.storage import Store
    from pemdesk.storage import photos as q

    with Store.open(data) as s:
        (placed,) = q.photos(s)
        assert placed.lon == pytest.approx(106.004) and placed.position_source == "track"


def test_cli_assign_and_purge(demo_dir: Path, tmp_path: Path, capsys) -> None:
    from pemdesk.storage import Store, VisitFilter
    from pemdesk.storage import photos as q

    data = str(demo_dir)
    with Store.open(demo_dir) as s:
        draft = s.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
        r = import_photos(s, [make_jpeg(tmp_path / "a.jpg")], ImportOptions(auto_assign=False))
    pid = r.files[0].photo_id
    assert main(["--data-dir", data, "photos", "assign", pid, "--visit", draft.id]) == 0
    with Store.open(demo_dir) as s:
        assert s.get(model.Photo, pid).visit_id == draft.id
    assert main(["--data-dir", data, "photos", "assign", pid, "--none"]) == 0
    assert main(["--data-dir", data, "photos", "assign", "--auto"]) == 0
    with Store.open(demo_dir) as s:
        assert q.photos(s, unassigned=True)[0].id == pid
        s.delete(model.Photo, pid)
    assert main(["--data-dir", data, "--lang", "en", "photos", "purge"]) == 0
    assert "1 photo files removed" in capsys.readouterr().out
