"""GPX 1.0/1.1 (Garmin, phones, OsmAnd, GPSBabel…) read with gpxpy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pemdesk.errors import InvalidInput


@dataclass(frozen=True)
class GpxPoint:
    lon: float
    lat: float
    ele: float | None = None
    time: datetime | None = None  # UTC, timezone-aware
    name: str = ""
    description: str = ""
    symbol: str = ""  # <sym> of a waypoint (Garmin symbol names: "Flag, Blue"…)


@dataclass
class GpxTrack:
    """A track (its segments kept apart) or a route (one segment)."""

    name: str
    segments: list[list[GpxPoint]] = field(default_factory=list)
    kind: str = "track"  # track | route

    @property
    def points(self) -> list[GpxPoint]:
        return [p for seg in self.segments for p in seg]

    @property
    def started_at(self) -> datetime | None:
        times = [p.time for p in self.points if p.time is not None]
        return min(times) if times else None

    @property
    def ended_at(self) -> datetime | None:
        times = [p.time for p in self.points if p.time is not None]
        return max(times) if times else None


@dataclass
class GpxData:
    path: Path
    tracks: list[GpxTrack] = field(default_factory=list)
    routes: list[GpxTrack] = field(default_factory=list)
    waypoints: list[GpxPoint] = field(default_factory=list)
    creator: str = ""

    def timed_points(self) -> list[GpxPoint]:
        """Every track and route point that has a time, sorted by time (for geotagging photos)."""
        pts = [p for t in (*self.tracks, *self.routes) for p in t.points if p.time is not None]
        pts.sort(key=lambda p: p.time)  # type: ignore[arg-type, return-value]
        return pts

    @property
    def is_empty(self) -> bool:
        return not self.waypoints and not any(t.points for t in (*self.tracks, *self.routes))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # GPX times are UTC by the standard; a time without a zone is taken as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _point(p: object) -> GpxPoint:
    ele = getattr(p, "elevation", None)
    return GpxPoint(
        lon=float(p.longitude),  # type: ignore[attr-defined]
        lat=float(p.latitude),  # type: ignore[attr-defined]
        ele=float(ele) if ele is not None else None,
        time=_utc(getattr(p, "time", None)),
        name=(getattr(p, "name", None) or "").strip(),
        description=(getattr(p, "description", None) or getattr(p, "comment", None) or "").strip(),
        symbol=(getattr(p, "symbol", None) or "").strip(),
    )


def _refuse(path: Path, mn: str, en: str, detail: str = "") -> InvalidInput:
    return InvalidInput(f"{path.name}: {mn}", f"{path.name}: {en}", detail=detail or str(path))


def read_gpx(path: Path | str) -> GpxData:
    """Tracks (segments kept), routes and waypoints of a GPX file, times in UTC.

    Raises InvalidInput naming the file when it is not readable GPX.
    """
    import gpxpy
    import gpxpy.gpx

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refuse(
            path, "файлыг уншиж чадсангүй.", "the file cannot be read.", str(exc)
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # old OziExplorer files say ISO-8859-1
    if not re.search(r"<(\w+:)?gpx[\s>/]", text[:4096]):
        raise _refuse(path, "GPX файл биш байна.", "this is not a GPX file.", str(path))
    try:
        parsed = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError, TypeError, AttributeError) as exc:
        raise _refuse(
            path,
            "GPX файл биш эсвэл эвдэрсэн байна.",
            "this is not a GPX file or it is damaged.",
            f"{path}: {exc}",
        ) from exc
    data = GpxData(path=path, creator=parsed.creator or "")
    for i, trk in enumerate(parsed.tracks, 1):
        segments = [[_point(p) for p in seg.points] for seg in trk.segments]
        segments = [s for s in segments if s]
        data.tracks.append(
            GpxTrack(name=(trk.name or "").strip() or f"{path.stem} {i}", segments=segments)
        )
    for i, rte in enumerate(parsed.routes, 1):
        pts = [_point(p) for p in rte.points]
        data.routes.append(
            GpxTrack(
                name=(rte.name or "").strip() or f"{path.stem} route {i}",
                segments=[pts] if pts else [],
                kind="route",
            )
        )
    data.waypoints = [_point(w) for w in parsed.waypoints]
    for p in (*data.waypoints, *(q for t in (*data.tracks, *data.routes) for q in t.points)):
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
            raise _refuse(
                path,
                "солбицол хүчинтэй мужаас гадуур байна.",
                "a coordinate is out of range.",
                f"{path}: lon={p.lon} lat={p.lat}",
            )
    return data
