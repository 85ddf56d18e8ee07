"""NMEA 0183 sentences to fixes: GGA (position, height, quality, HDOP), RMC (date, validity,
speed, course) and GST (error estimates). Any talker (GP, GN, GL, GA, BD) is accepted."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

UERE_M = 5.0  # typical user range error of a consumer receiver: accuracy ≈ HDOP × this


@dataclass(frozen=True)
class Fix:
    lon: float
    lat: float
    time: datetime | None = None  # UTC
    ele: float | None = None  # metres above mean sea level
    accuracy_m: float | None = None  # horizontal, about one standard deviation
    hdop: float | None = None
    satellites: int | None = None
    quality: int = 1  # GGA fix quality: 1 GPS, 2 DGPS, 4/5 RTK…
    speed_kmh: float | None = None
    course: float | None = None


def _float(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class NmeaParser:
    """Feed it lines; it returns a Fix at each GGA with a valid position (RMC and GST seen
    before it in the same second add the date, speed and error estimate)."""

    def __init__(self) -> None:
        self.day: date | None = None
        self._rmc: dict[str, float | None] = {}
        self._gst_m: float | None = None
        self.sentences = 0
        self.errors = 0  # lines that were not valid NMEA (bad checksum, truncated…)
        self.last: Fix | None = None

    def feed(self, line: str) -> Fix | None:
        import pynmea2

        line = line.strip()
        if not line.startswith("$"):
            return None
        try:
            msg = pynmea2.parse(line, check=True)
        except (pynmea2.ParseError, ValueError, AttributeError, TypeError):
            self.errors += 1
            return None
        self.sentences += 1
        kind = getattr(msg, "sentence_type", "")
        try:
            if kind == "RMC":
                return self._rmc_sentence(msg)
            if kind == "GST":
                lat_err, lon_err = _float(msg.std_dev_latitude), _float(msg.std_dev_longitude)
                if lat_err is not None and lon_err is not None:
                    self._gst_m = math.hypot(lat_err, lon_err)
                return None
            if kind == "GGA":
                return self._gga(msg)
        except (ValueError, TypeError, AttributeError):
            self.errors += 1
        return None

    def _rmc_sentence(self, msg: object) -> Fix | None:
        if getattr(msg, "status", "V") != "A":
            return None
        d = getattr(msg, "datestamp", None)
        if isinstance(d, date):
            self.day = d
        knots = _float(getattr(msg, "spd_over_grnd", None))
        self._rmc = {
            "speed_kmh": knots * 1.852 if knots is not None else None,
            "course": _float(getattr(msg, "true_course", None)),
        }
        return None

    def _gga(self, msg: object) -> Fix | None:
        quality = int(getattr(msg, "gps_qual", 0) or 0)
        if quality <= 0:
            return None
        lat, lon = float(msg.latitude), float(msg.longitude)  # type: ignore[attr-defined]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        hdop = _float(getattr(msg, "horizontal_dil", None))
        stamp = getattr(msg, "timestamp", None)
        when = None
        if isinstance(stamp, time) and self.day is not None:
            when = datetime.combine(self.day, stamp.replace(tzinfo=None), tzinfo=UTC)
        accuracy = self._gst_m if self._gst_m is not None else (hdop * UERE_M if hdop else None)
        sats = _float(getattr(msg, "num_sats", None))
        fix = Fix(
            lon=lon,
            lat=lat,
            time=when,
            ele=_float(getattr(msg, "altitude", None)),
            accuracy_m=accuracy,
            hdop=hdop,
            satellites=int(sats) if sats is not None else None,
            quality=quality,
        )
        if self._rmc:
            fix = replace(fix, speed_kmh=self._rmc.get("speed_kmh"), course=self._rmc.get("course"))
        self._gst_m = None
        self.last = fix
        return fix
