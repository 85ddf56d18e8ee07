"""CSV of points: a longitude and a latitude column (decimal degrees or DMS), any delimiter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pemdesk.errors import InvalidInput
from pemdesk.importers.common import GeoFeature, GeoFile, refuse

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "уртраг", "easting_deg")
LAT_NAMES = ("lat", "latitude", "y", "өргөрөг")
NAME_NAMES = ("name", "нэр", "title", "label", "id", "point", "цэг")


def parse_angle(text: str) -> float:
    """Decimal degrees or DMS (43°02'15.3"N) in one cell."""
    import re

    from pemdesk.geo.coords import _angle

    t = text.strip().replace(",", ".")
    numbers = [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?", t)]
    if not 1 <= len(numbers) <= 3:
        raise ValueError(text)
    value = _angle(numbers)
    if re.search(r"[SWӨБ]\s*$|^\s*[SWӨБ]", t, re.IGNORECASE) and value > 0:
        value = -value
    return value


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in headers]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def read_csv(path: Path | str) -> GeoFile:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise refuse(path, "файлыг уншиж чадсангүй.", "the file cannot be read.", str(exc)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")  # older Mongolian Excel exports
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise refuse(path, "файл хоосон байна.", "the file is empty.")
    headers = rows[0]
    lon_i, lat_i = _column(headers, LON_NAMES), _column(headers, LAT_NAMES)
    if lon_i is None or lat_i is None:
        raise refuse(
            path,
            "уртраг (lon) ба өргөрөг (lat) баганыг олсонгүй.",
            "no longitude (lon) and latitude (lat) columns found.",
            f"headers: {headers}",
        )
    name_i = _column(headers, NAME_NAMES)
    out = GeoFile(path=path, format="csv")
    for n, row in enumerate(rows[1:], 2):
        try:
            lon, lat = parse_angle(row[lon_i]), parse_angle(row[lat_i])
        except (ValueError, IndexError) as exc:
            raise InvalidInput(
                f"{path.name}: {n}-р мөрийн солбицлыг уншиж чадсангүй.",
                f"{path.name}: cannot read the coordinates on line {n}.",
                detail=str(row),
            ) from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(
                f"{path.name}: {n}-р мөрийн солбицол хүчинтэй мужаас гадуур байна.",
                f"{path.name}: the coordinates on line {n} are out of range.",
                detail=str(row),
            )
        props = {h: v for h, v in zip(headers, row, strict=False)}
        name = row[name_i].strip() if name_i is not None and name_i < len(row) else ""
        out.features.append(GeoFeature({"type": "Point", "coordinates": [lon, lat]}, name, props))
    return out
