"""Placing photos without a position on a GPS track, by time, with a camera clock offset.

A camera's clock is often minutes (or a time zone) off. The offset is what must be added to the
camera's time to get the true (GPS) time; it is typed by the user or worked out from a photo of a
GPS screen (``offset_from_gps_photo``). The photo's recorded time is left as the camera gave it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pemdesk.ids import parse_iso

# A photo more than this far in time from the nearest track point (or inside a gap in the track
# longer than twice this) is not placed: the guess would be a guess.
DEFAULT_MAX_GAP = timedelta(minutes=5)


@dataclass(frozen=True)
class TrackPoint:
    time: datetime  # timezone-aware
    lon: float
    lat: float
    ele: float | None = None


class Track:
    """Time-sorted track points with interpolation."""

    def __init__(self, points: Iterable[TrackPoint]) -> None:
        pts = sorted((p for p in points if p.time.tzinfo is not None), key=lambda p: p.time)
        self.points = pts
        self._times = [p.time.timestamp() for p in pts]

    def __len__(self) -> int:
        return len(self.points)

    @classmethod
    def from_gpx(cls, path: Path | str) -> Track:
        """Every timed track and route point of a GPX file (the map module's reader)."""
        from pemdesk.importers.gpx import read_gpx

        data = read_gpx(Path(path))
        return cls(TrackPoint(p.time, p.lon, p.lat, p.ele) for p in data.timed_points() if p.time)

    def position_at(
        self, moment: datetime, max_gap: timedelta = DEFAULT_MAX_GAP
    ) -> tuple[float, float, float | None] | None:
        """(lon, lat, ele) at ``moment`` by linear interpolation, or None when off the track."""
        if not self.points:
            return None
        t = moment.timestamp()
        gap = max_gap.total_seconds()
        i = bisect.bisect_left(self._times, t)
        if i < len(self._times) and self._times[i] == t:
            p = self.points[i]
            return p.lon, p.lat, p.ele
        if i == 0:
            p = self.points[0]
            return (p.lon, p.lat, p.ele) if self._times[0] - t <= gap else None
        if i == len(self._times):
            p = self.points[-1]
            return (p.lon, p.lat, p.ele) if t - self._times[-1] <= gap else None
        a, b = self.points[i - 1], self.points[i]
        ta, tb = self._times[i - 1], self._times[i]
        if tb - ta > 2 * gap and min(t - ta, tb - t) > gap:
            return None  # inside a long gap (the receiver was off)
        f = (t - ta) / (tb - ta)
        ele = None if a.ele is None or b.ele is None else a.ele + f * (b.ele - a.ele)
        return a.lon + f * (b.lon - a.lon), a.lat + f * (b.lat - a.lat), ele


def offset_from_gps_photo(camera_time: datetime | str, gps_time: datetime | str) -> timedelta:
    """The clock offset from a photo of a GPS screen: the time the screen shows minus the time
    the camera recorded for that photo (both aware, or both naive in the same zone)."""
    if isinstance(camera_time, str):
        camera_time = parse_iso(camera_time)
    if isinstance(gps_time, str):
        gps_time = parse_iso(gps_time)
    return gps_time - camera_time


@dataclass(frozen=True)
class Placement:
    photo_id: str
    lon: float
    lat: float
    altitude_m: float | None


def place(
    photos: Sequence[tuple[str, str | None]],
    track: Track,
    clock_offset: timedelta = timedelta(0),
    max_gap: timedelta = DEFAULT_MAX_GAP,
) -> list[Placement]:
    """Positions for (photo id, taken_at) pairs that fall on the track."""
    out = []
    for photo_id, taken_at in photos:
        if not taken_at:
            continue
        found = track.position_at(parse_iso(taken_at) + clock_offset, max_gap)
        if found:
            lon, lat, ele = found
            out.append(Placement(photo_id, round(lon, 7), round(lat, 7), ele))
    return out


def offset_from_screen_photo(path: Path | str, shown: str) -> timedelta:
    """The clock offset from a photo of a GPS (or phone) screen showing the time ``shown``
    (``HH:MM[:SS]``, in the same time zone as the camera's clock)."""
    from datetime import time as clock_time

    from PIL import Image

    from pemdesk.errors import InvalidInput
    from pemdesk.photos.exif import camera_clock_time
    from pemdesk.photos.files import register_heif

    register_heif()
    try:
        with Image.open(path) as image:
            camera = camera_clock_time(image)
    except (OSError, ValueError) as exc:
        camera = None
        detail = str(exc)
    else:
        detail = str(path)
    if camera is None:
        raise InvalidInput(
            "Энэ зурагт камерын цаг алга: GPS дэлгэцийн зургийг өөр зургаар сонгоно уу.",
            "This photo has no camera time: choose another photo of the GPS screen.",
            detail=detail,
        )
    try:
        on_screen = clock_time.fromisoformat(shown.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"Цагийг ЦЦ:ММ:СС хэлбэрээр бичнэ үү: {shown}",
            f"Type the time as HH:MM:SS: {shown}",
        ) from exc
    delta = datetime.combine(camera.date(), on_screen) - camera
    # The screen and the camera may be either side of midnight.
    if delta > timedelta(hours=12):
        delta -= timedelta(days=1)
    elif delta < -timedelta(hours=12):
        delta += timedelta(days=1)
    return delta
