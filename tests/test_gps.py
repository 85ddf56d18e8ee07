"""Live GPS (issue 17): NMEA parsed without Qt, read from a pseudo-terminal, a track recorded."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from nmea_pty import WALK, NmeaPty
from pemdesk.gps.nmea import NmeaParser
from pemdesk.gps.track import TrackRecorder

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def test_parser_reads_the_log() -> None:
    parser = NmeaParser()
    fixes = [f for line in WALK.read_text("ascii").splitlines() if (f := parser.feed(line))]
    assert len(fixes) == 40  # no fix at the cold start; the bad and the cut line are errors
    assert parser.errors == 2
    first, last = fixes[0], fixes[-1]
    assert first.lat == pytest.approx(47.9123, abs=1e-6)
    assert first.lon == pytest.approx(106.915, abs=1e-6)
    assert first.time is not None and first.time.isoformat() == "2026-06-01T03:16:00+00:00"
    assert first.accuracy_m == pytest.approx(4.5)  # HDOP 0.9 × 5 m before any GST
    assert fixes[1].accuracy_m == pytest.approx(3.0)  # from GST: hypot(2.4, 1.8)
    assert first.ele == 1351.0 and first.satellites == 9
    assert last.lon > first.lon and last.lat > first.lat
    assert first.speed_kmh == pytest.approx(10.7 * 1.852)


@posix_only
def test_serial_gps_through_a_pty_records_a_track(store) -> None:
    from factories import make_site, make_visit
    from pemdesk.gps.source import SerialGps
    from pemdesk.storage.geo import list_tracks

    with NmeaPty(WALK) as pty:
        fixes = []
        recorder = TrackRecorder("Хил тойрсон")
        got_all = threading.Event()

        def on_fix(fix) -> None:  # type: ignore[no-untyped-def]
            fixes.append(fix)
            recorder.add(fix)
            if len(fixes) == 40:
                got_all.set()

        gps = SerialGps(pty.port, 9600, on_fix=on_fix)
        gps.start()
        pty.start()
        assert got_all.wait(20), f"only {len(fixes)} fixes arrived"
        gps.stop()
    assert fixes[-1].lon > fixes[0].lon  # the position moved
    assert len(recorder) == 40 and 150 < recorder.length_m() < 260
    gpx = recorder.to_gpx()
    import gpxpy

    parsed = gpxpy.parse(gpx)
    assert len(parsed.tracks[0].segments[0].points) == 40
    site = make_site(store)
    visit = make_visit(store, site)
    track = recorder.save(store, visit_id=visit.id)
    assert track is not None and track.visit_id == visit.id and track.site_id == site.id
    saved = list_tracks(store)
    assert [t.name for t in saved] == ["Хил тойрсон"]
    assert len(saved[0].geometry["coordinates"]) == 40
    assert saved[0].started_at == "2026-06-01T03:16:00.000Z"


def test_a_missing_port_is_a_clear_error() -> None:
    from pemdesk.errors import InvalidInput
    from pemdesk.gps.source import SerialGps

    with pytest.raises(InvalidInput) as info:
        SerialGps("/dev/does-not-exist-gps").open()
    assert "GPS" in info.value.message("en") and "GPS" in info.value.message("mn")


def test_recorder_drops_jitter_and_poor_fixes_but_counts_them() -> None:
    from pemdesk.gps.nmea import Fix

    r = TrackRecorder()
    assert r.add(Fix(106.9, 47.9, accuracy_m=3))
    assert not r.add(Fix(106.90001, 47.9, accuracy_m=3))  # under a metre away
    assert not r.add(Fix(106.91, 47.9, accuracy_m=120))  # far too inaccurate
    assert r.add(Fix(106.9001, 47.9, accuracy_m=3))
    assert len(r) == 2 and r.left_out == 2


@posix_only
def test_a_port_opened_as_descriptor_1024_or_more_still_reads() -> None:
    """A long-running program may hold many files: pyserial's select() fails past fd 1023."""
    import resource

    from pemdesk.gps.source import SerialGps

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1100:
        pytest.skip(f"the open-file limit here is {soft}; this check needs more than 1100")
    fillers = []
    try:
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            fillers.append(fd)
            if fd >= 1030:
                break
        with NmeaPty(WALK) as pty:
            got = threading.Event()
            gps = SerialGps(pty.port, 9600, on_fix=lambda _f: got.set())
            gps.start()
            assert gps._serial.fileno() >= 1024
            pty.start()
            assert got.wait(20), "no fix read from a port numbered past 1023"
            gps.stop()
    finally:
        for fd in fillers:
            os.close(fd)
