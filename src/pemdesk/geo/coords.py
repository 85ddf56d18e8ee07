"""Coordinates as people write them: decimal degrees, DMS, UTM (zones 45–50 N cover Mongolia).

Formatting for the map's status bar and parsing of licence-certificate corner lists. UTM is done
with pyproj (WGS84 / UTM north zones, EPSG:326zz); the zone is chosen from the longitude.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pemdesk.errors import InvalidInput

if TYPE_CHECKING:
    from pyproj import Transformer

# Mongolia's extent, used to tell longitude from latitude when a list gives no N/E letters.
MN_LON = (87.0, 120.5)
MN_LAT = (41.0, 52.5)


def utm_zone(lon: float) -> int:
    return max(1, min(60, int(math.floor((lon + 180.0) / 6.0)) + 1))


def utm_epsg(zone: int, north: bool = True) -> int:
    return (32600 if north else 32700) + zone


@cache
def _transformer(src: str, dst: str) -> Transformer:
    import pyproj

    pyproj.network.set_network_enabled(False)
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def transformer(src: str, dst: str) -> Transformer:
    """A cached always-xy (lon, lat / easting, northing) transformer between two CRS names."""
    return _transformer(src, dst)


def to_utm(lon: float, lat: float, zone: int | None = None) -> tuple[int, float, float]:
    """(zone, easting, northing) in the zone of the longitude unless one is given."""
    zone = zone or utm_zone(lon)
    north = lat >= 0
    x, y = transformer("EPSG:4326", f"EPSG:{utm_epsg(zone, north)}").transform(lon, lat)
    return zone, float(x), float(y)


def from_utm(zone: int, easting: float, northing: float, north: bool = True) -> tuple[float, float]:
    lon, lat = transformer(f"EPSG:{utm_epsg(zone, north)}", "EPSG:4326").transform(
        easting, northing
    )
    return float(lon), float(lat)


def format_dms(value: float, is_lat: bool, decimals: int = 1) -> str:
    """43°02'15.3"N style, as printed on licence certificates."""
    hemi = ("N" if value >= 0 else "S") if is_lat else ("E" if value >= 0 else "W")
    v = abs(value)
    deg = int(v)
    minutes_full = (v - deg) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, decimals)
    if seconds >= 60:
        seconds -= 60
        minutes += 1
    if minutes >= 60:
        minutes -= 60
        deg += 1
    width = 3 + decimals if decimals else 2
    return f"{deg:d}°{minutes:02d}'{seconds:0{width}.{decimals}f}\"{hemi}"


def format_decimal(lon: float, lat: float, decimals: int = 6) -> str:
    return f"{lat:.{decimals}f}, {lon:.{decimals}f}"


def format_utm(lon: float, lat: float) -> str:
    zone, x, y = to_utm(lon, lat)
    return f"{zone}{'N' if lat >= 0 else 'S'} {x:.0f} {y:.0f}"


@dataclass(frozen=True)
class CoordinateTexts:
    decimal: str
    dms: str
    utm: str


def describe(lon: float, lat: float) -> CoordinateTexts:
    """The three forms shown under the cursor."""
    return CoordinateTexts(
        decimal=format_decimal(lon, lat),
        dms=f"{format_dms(lat, True)} {format_dms(lon, False)}",
        utm=format_utm(lon, lat),
    )


# --- parsing ----------------------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
# Latin letters and the Mongolian initials (Хойд north, Өмнөд south, Зүүн east, Баруун west).
_HEMI = re.compile(r"(?<![A-Za-zА-Яа-яЁёӨөҮү])([NSEWХӨЗБ])(?![A-Za-zА-Яа-яЁёӨөҮү])")
_HEMI_SIGN = {
    "N": ("lat", 1),
    "S": ("lat", -1),
    "E": ("lon", 1),
    "W": ("lon", -1),
    "Х": ("lat", 1),
    "Ө": ("lat", -1),
    "З": ("lon", 1),
    "Б": ("lon", -1),
}
_UTM_ZONE = re.compile(r"(?<!\d)(\d{1,2})\s*([C-HJ-NP-Xc-hj-np-x])(?![A-Za-z])")


def _bad_line(line: str, n: int) -> InvalidInput:
    return InvalidInput(
        f"{n}-р мөрийн солбицлыг уншиж чадсангүй: «{line.strip()}». Жишээ: 43°02'15.3\"N "
        "106°51'03.0\"E, 43.0376 106.8508 эсвэл 48N 642002 5306933.",
        f"Line {n}: cannot read the coordinates “{line.strip()}”. Examples: 43°02'15.3\"N "
        "106°51'03.0\"E, 43.0376 106.8508 or 48N 642002 5306933.",
    )


def _angle(parts: Sequence[float]) -> float:
    sign = -1.0 if parts[0] < 0 else 1.0
    deg = abs(parts[0])
    minutes = parts[1] if len(parts) > 1 else 0.0
    seconds = parts[2] if len(parts) > 2 else 0.0
    if minutes >= 60 or seconds >= 60:
        raise ValueError("minutes or seconds ≥ 60")
    return sign * (deg + minutes / 60.0 + seconds / 3600.0)


def parse_coordinate_line(
    line: str, n: int = 1, utm_zone_hint: int | None = None
) -> tuple[float, float]:
    """One corner as (lon, lat) from DMS, degrees-minutes, decimal degrees or UTM."""
    text = line.strip()
    if re.search(r"\d[eE][+-]?\d", text):
        raise _bad_line(line, n)  # "1e-3" is not "1" and "-3"
    if "\t" in text or ";" in text:
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)  # decimal commas in spreadsheet pastes
    numbers = [float(x) for x in _NUMBER.findall(text)]
    # UTM: an easting of six digits and a northing of seven.
    big = [x for x in numbers if abs(x) >= 100_000]
    if len(big) == 2:
        zone_match = _UTM_ZONE.search(text)
        zone = int(zone_match.group(1)) if zone_match else utm_zone_hint
        north = True
        if zone_match:
            north = zone_match.group(2).upper() >= "N"
        if zone is None or not 1 <= zone <= 60:
            raise InvalidInput(
                f"{n}-р мөр: UTM бүсийг заана уу (жишээ нь 48N).",
                f"Line {n}: give the UTM zone (e.g. 48N).",
            )
        easting, northing = big
        if easting > northing:
            easting, northing = northing, easting
        lon, lat = from_utm(zone, easting, northing, north)
        return _checked(lon, lat, line, n)
    if len(numbers) in (3, 5, 7) and float(numbers[0]).is_integer() and numbers[0] >= 0:
        numbers = numbers[1:]  # a leading corner number
    if len(numbers) not in (2, 4, 6):
        raise _bad_line(line, n)
    half = len(numbers) // 2
    try:
        a, b = _angle(numbers[:half]), _angle(numbers[half:])
    except ValueError as exc:
        raise _bad_line(line, n) from exc
    hemis = [_HEMI_SIGN[h.upper()] for h in _HEMI.findall(text)]
    if len(hemis) == 2 and hemis[0][0] != hemis[1][0]:
        values = {hemis[0][0]: a * hemis[0][1], hemis[1][0]: b * hemis[1][1]}
        return _checked(values["lon"], values["lat"], line, n)
    # No letters: Mongolia's longitudes and latitudes do not overlap; otherwise "lat lon".
    if MN_LON[0] <= a <= MN_LON[1] and MN_LAT[0] <= b <= MN_LAT[1]:
        return _checked(a, b, line, n)
    return _checked(b, a, line, n)


def _checked(lon: float, lat: float, line: str, n: int) -> tuple[float, float]:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _bad_line(line, n)
    return lon, lat


def parse_corners(text: str, utm_zone_hint: int | None = None) -> list[tuple[float, float]]:
    """Corner coordinates, one per line (blank lines and lines with no digits are ignored)."""
    corners: list[tuple[float, float]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not re.search(r"\d", line):
            continue
        corners.append(parse_coordinate_line(line, n, utm_zone_hint))
    return corners


def corners_to_polygon(corners: Sequence[tuple[float, float]]) -> dict:
    """A closed GeoJSON polygon from licence corners, refused when it is not a valid area."""
    from pemdesk.geo.area import validate_polygon

    pts = list(corners)
    if len(pts) >= 2 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        raise InvalidInput(
            "Хил үүсгэхэд дор хаяж 3 булангийн цэг хэрэгтэй.",
            "A boundary needs at least 3 corners.",
        )
    ring = [[float(x), float(y)] for x, y in pts] + [[float(pts[0][0]), float(pts[0][1])]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    validate_polygon(geometry)
    return geometry
