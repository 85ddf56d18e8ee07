"""Recording the walked track from live fixes, saved as a track of a visit (GPX-compatible)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from pemdesk.gps.nmea import Fix

if TYPE_CHECKING:
    from pemdesk import model
    from pemdesk.storage.store import Store

MIN_STEP_M = 2.0  # fixes closer than this to the last kept one are jitter, not walking
MAX_ACCURACY_M = 50.0  # fixes worse than this are left out of a track


def distance_m(a: Fix, b: Fix) -> float:
    """Haversine on the WGS84 mean radius; plenty for steps of a few metres."""
    r = 6371008.8
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


class TrackRecorder:
    def __init__(self, name: str = "") -> None:
        self.name = name
        self.points: list[Fix] = []
        self.left_out = 0  # fixes not kept (jitter or poor accuracy), counted

    def add(self, fix: Fix) -> bool:
        if fix.accuracy_m is not None and fix.accuracy_m > MAX_ACCURACY_M:
            self.left_out += 1
            return False
        if self.points and distance_m(self.points[-1], fix) < MIN_STEP_M:
            self.left_out += 1
            return False
        self.points.append(fix)
        return True

    def __len__(self) -> int:
        return len(self.points)

    def length_m(self) -> float:
        return sum(distance_m(a, b) for a, b in zip(self.points, self.points[1:], strict=False))

    def geometry(self) -> dict[str, Any]:
        return {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in self.points]}

    def to_gpx(self, creator: str = "pemdesk") -> str:
        """The track as GPX 1.1 (times and heights per point)."""
        rows = []
        for p in self.points:
            inner = ""
            if p.ele is not None:
                inner += f"<ele>{p.ele:.1f}</ele>"
            if p.time is not None:
                inner += f"<time>{p.time.strftime('%Y-%m-%dT%H:%M:%SZ')}</time>"
            if p.hdop is not None:
                inner += f"<hdop>{p.hdop:.1f}</hdop>"
            rows.append(f'<trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}">{inner}</trkpt>')
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<gpx version="1.1" creator={quoteattr(creator)} '
            'xmlns="http://www.topografix.com/GPX/1/1">\n'
            f"<trk><name>{escape(self.name)}</name><trkseg>\n"
            + "\n".join(rows)
            + "\n</trkseg></trk>\n</gpx>\n"
        )

    def save(
        self, store: Store, visit_id: str | None = None, site_id: str | None = None
    ) -> model.Track | None:
        """The track as a record of the visit (None when fewer than two points were kept)."""
        from pemdesk import model
        from pemdesk.ids import to_iso

        if len(self.points) < 2:
            return None
        times = [p.time for p in self.points if p.time is not None]
        if site_id is None and visit_id is not None:
            site_id = store.get(model.Visit, visit_id).site_id
        track = model.Track(
            name=self.name or (f"GPS {to_iso(times[0])[:16]}" if times else "GPS"),
            geometry=self.geometry(),
            site_id=site_id,
            visit_id=visit_id,
            started_at=to_iso(min(times)) if times else None,
            ended_at=to_iso(max(times)) if times else None,
            source_file="live GPS",
        )
        return store.save(track)
