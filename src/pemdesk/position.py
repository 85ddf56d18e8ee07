"""A position typed by hand: decimal degrees, degrees-minutes-seconds or UTM (Qt-free).

Accepted (latitude first, as on licence certificates and GPS screens; N/E/S/W letters may follow
or precede the numbers, and a pair whose order is clear from the letters may come either way):

* ``43.5123, 106.8456`` / ``43.5123N 106.8456E``
* ``43°30'44.3"N 106°50'44.2"E`` / ``43 30 44.3 N, 106 50 44.2 E`` / ``43°30.738' 106°50.737'``
* UTM: ``48N 642002 5306933`` or ``48T 642002 5306933`` (zone, easting, northing; Mongolia
  lies in zones 45–50 north)
"""

from __future__ import annotations

import re

from pemdesk.errors import InvalidInput

_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
# Scientific notation is never a coordinate a person types: refused, not split into numbers.
EXPONENT = re.compile(r"\d[eE][+-]?\d")
_UTM = re.compile(
    rf"^\s*(\d{{1,2}})\s*([C-HJ-NP-Xc-hj-np-x])?\s+({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*m?\s*$"
)


def _bad(text: str) -> InvalidInput:
    return InvalidInput(
        f"«{text}» байршлыг уншиж чадсангүй. Жишээ: 43.5123, 106.8456 эсвэл 43°30'44\"N 106°50'44\"E "
        "эсвэл 48N 642002 5306933.",
        f"Cannot read the position “{text}”. Examples: 43.5123, 106.8456 or 43°30'44\"N 106°50'44\"E "
        "or 48N 642002 5306933.",
    )


def parse_position(text: str) -> tuple[float, float]:
    """(lon, lat) in WGS84 from a typed position, or InvalidInput with an example."""
    raw = text.strip()
    if not raw or EXPONENT.search(raw):
        raise _bad(text)  # "1e-3" is not "1 and -3" (it was read as 0.95° before)
    utm = _UTM.match(raw)
    if utm and float(utm.group(3).replace(",", ".")) > 1000:
        zone = int(utm.group(1))
        band = (utm.group(2) or "N").upper()
        easting = float(utm.group(3).replace(",", "."))
        northing = float(utm.group(4).replace(",", "."))
        return _from_utm(zone, band, easting, northing, text)
    lat, lon = _parse_pair(raw, text)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _bad(text)
    return lon, lat


def _from_utm(
    zone: int, band: str, easting: float, northing: float, text: str
) -> tuple[float, float]:
    if not 1 <= zone <= 60:
        raise _bad(text)
    from pyproj import Transformer

    south = band < "N" if len(band) == 1 and band != "N" else False
    epsg = (32700 if south else 32600) + zone
    transformer = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(easting, northing)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lon != lon:
        raise _bad(text)
    return round(lon, 7), round(lat, 7)


def _parse_pair(raw: str, text: str) -> tuple[float, float]:
    # Decimal degrees "lat lon" (decimal comma allowed) or "lat, lon" / "lat; lon"
    spaced = re.fullmatch(rf"\s*({_NUMBER})\s+({_NUMBER})\s*", raw)
    separated = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*[,;]\s*([+-]?\d+(?:\.\d+)?)\s*", raw)
    simple = spaced or separated
    if simple:
        return float(simple.group(1).replace(",", ".")), float(simple.group(2).replace(",", "."))
    # Split into two coordinates: at a separator comma/semicolon, or after a hemisphere letter.
    cleaned = raw.replace("\u2032", "'").replace("\u2033", '"')
    halves = re.split(
        r"\s*;\s*|(?:(?<=[\d\"\'°][NSEWnsew])|(?<=[\d\"\'°] [NSEWnsew]))\s*,?\s*(?=[\dNSEWnsew+-])|(?<=\d)\s+(?=[NSEWnsew]\d)|(?<=[\"'°])\s*,\s*|\s*,\s+",
        cleaned,
        maxsplit=1,
    )
    if len(halves) != 2:
        raise _bad(text)
    values = []
    for half in halves:
        values.append(_parse_one(half.strip(), text))
    (a, ha), (b, hb) = values
    if ha in "EW" and hb in "NS" and ha and hb:
        a, b = b, a
        ha, hb = hb, ha
    lat = -a if ha == "S" else a
    lon = -b if hb == "W" else b
    return lat, lon


def _parse_one(part: str, text: str) -> tuple[float, str]:
    m = re.fullmatch(
        r"([NSEWnsew])?\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:°|º|d)?\s*"
        r"(?:(\d+(?:[.,]\d+)?)\s*(?:'|m)?\s*)?"
        r"(?:(\d+(?:[.,]\d+)?)\s*(?:\"|''|s)?\s*)?([NSEWnsew])?",
        part,
    )
    if not m:
        raise _bad(text)
    hemi = (m.group(1) or m.group(5) or "").upper()
    deg = float(m.group(2).replace(",", "."))
    minutes = float(m.group(3).replace(",", ".")) if m.group(3) else 0.0
    seconds = float(m.group(4).replace(",", ".")) if m.group(4) else 0.0
    if minutes >= 60 or seconds >= 60:
        raise _bad(text)
    sign = -1 if deg < 0 else 1
    return sign * (abs(deg) + minutes / 60 + seconds / 3600), hemi


def format_dd(lon: float, lat: float) -> str:
    return f"{lat:.6f}, {lon:.6f}"


def format_dms(lon: float, lat: float) -> str:
    def dms(value: float, pos: str, neg: str) -> str:
        hemi = pos if value >= 0 else neg
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60) * 3600
        if round(s, 1) >= 60:
            m, s = m + 1, 0.0
        if m >= 60:
            d, m = d + 1, 0
        return f"{d}°{m:02d}'{s:04.1f}\"{hemi}"

    return f"{dms(lat, 'N', 'S')} {dms(lon, 'E', 'W')}"


def format_utm(lon: float, lat: float) -> str:
    from pyproj import Transformer

    zone = int((lon + 180) // 6) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lon, lat)
    return f"{zone}{'N' if lat >= 0 else 'S'} {x:.0f} {y:.0f}"
