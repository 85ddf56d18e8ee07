"""Reading what a photo says about itself: time, position, altitude, bearing, orientation.

Pillow reads the EXIF; every value is checked, because cameras, phones and editing programs
write odd, empty and broken tags. A bad value never stops an import: it becomes a ``Note``
(a sentence in both languages) and the value is left empty.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import ExifTags, Image

from pemdesk.ids import to_iso

# Mongolia is UTC+8 all year; a camera without a zone tag is taken to show this time by default.
DEFAULT_CAMERA_TZ = timezone(timedelta(hours=8))
LARGE_IMAGE_PX = 40_000_000

_DTO, _DTD, _DATETIME = 0x9003, 0x9004, 0x0132
_OFFSET_ORIGINAL, _OFFSET, _SUBSEC_ORIGINAL = 0x9011, 0x9010, 0x9291
_ORIENTATION = 0x0112


def _xmp_date(image: Image.Image) -> str | None:
    """exif:DateTimeOriginal from the XMP packet, parsed as XML by Pillow (``getxmp``, through
    defusedxml), as an attribute or an element, wherever it sits in the RDF."""
    getxmp = getattr(image, "getxmp", None)
    if getxmp is None:
        return None
    try:
        tree = getxmp()
    except Exception:  # noqa: BLE001 - a broken XMP packet is no date, not a failed import
        return None

    def find(node: Any) -> str | None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "DateTimeOriginal":
                    text = value.get("text") if isinstance(value, dict) else value
                    return str(text).strip() if text else None
                found = find(value)
                if found:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = find(item)
                if found:
                    return found
        return None

    return find(tree)


@dataclass(frozen=True)
class Note:
    """Something worth telling the user about one file, in both languages."""

    code: str
    mn: str
    en: str

    def message(self, lang: str = "mn") -> str:
        return self.mn if lang == "mn" else self.en


@dataclass
class PhotoMeta:
    mime: str
    width: int
    height: int
    taken_at: str | None = None  # UTC ISO-8601
    time_source: str | None = None  # exif-offset | camera-tz | xmp | digitized | datetime
    lon: float | None = None
    lat: float | None = None
    altitude_m: float | None = None
    bearing: float | None = None
    bearing_ref: str | None = None  # T (true north) | M (magnetic)
    orientation: int = 1
    notes: list[Note] = field(default_factory=list)


def mime_of(image: Image.Image, name: str = "") -> str | None:
    fmt = (image.format or "").upper()
    if fmt in ("JPEG", "MPO"):
        return "image/jpeg"
    if fmt == "PNG":
        return "image/png"
    if fmt in ("HEIF", "HEIC", "AVIF"):
        return "image/heif" if name.lower().endswith(".heif") else "image/heic"
    return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).replace("\x00", "").strip() if value is not None else ""


def _float(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # raw (num, den)
        value = value[0] / value[1]
    result = float(value)
    if not math.isfinite(result):
        raise ValueError("not a finite number")
    return result


def _dms(value: Any) -> float:
    if isinstance(value, tuple | list):
        parts = [_float(v) for v in value]
        if not parts or len(parts) > 3:
            raise ValueError("bad degrees/minutes/seconds")
        parts += [0.0] * (3 - len(parts))
        return parts[0] + parts[1] / 60 + parts[2] / 3600
    return _float(value)


def parse_exif_time(text: str, offset: str = "") -> datetime | None:
    """An EXIF ``YYYY:MM:DD HH:MM:SS`` (or ISO) time; aware when an offset is given."""
    text = _text(text)
    if not text or text.startswith("0000") or set(text) <= {" ", ":", "0"}:
        return None
    norm = text.replace("T", " ")
    if len(norm) >= 10 and norm[4] in ":-" and norm[7] in ":-":
        norm = f"{norm[:4]}-{norm[5:7]}-{norm[8:]}"
    norm = norm.replace("Z", "+00:00")
    moment = datetime.fromisoformat(norm)
    offset = _text(offset)
    if moment.tzinfo is None and offset and re.fullmatch(r"[+-]\d\d:\d\d", offset):
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        moment = moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment


def read_meta(
    image: Image.Image, name: str = "", camera_tz: tzinfo | None = None, *, broken: bool = False
) -> PhotoMeta:
    """Metadata of an opened image (its pixels are not decoded here); ``broken``: Pillow already
    warned about the EXIF while opening the file."""
    camera_tz = camera_tz or DEFAULT_CAMERA_TZ
    meta = PhotoMeta(mime=mime_of(image, name) or "", width=image.width, height=image.height)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exif = image.getexif()
            ifd = exif.get_ifd(ExifTags.IFD.Exif)
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        except Exception as exc:  # noqa: BLE001 - any broken EXIF is a note, never a crash
            meta.notes.append(_broken_exif(exc))
            exif, ifd, gps = Image.Exif(), {}, {}
    raw = image.info.get("exif")
    broken = broken or bool(caught) or (isinstance(raw, bytes) and len(raw) > 14 and not exif)
    if broken and not any(n.code == "broken-exif" for n in meta.notes):
        meta.notes.append(_broken_exif(caught[0].message if caught else "EXIF unreadable"))
    elif not exif and not ifd and not gps:
        meta.notes.append(
            Note(
                "no-exif",
                "Зурагт EXIF мэдээлэл алга: цаг, байршлыг гараар оруулна уу.",
                "The photo has no EXIF data: set its time and position by hand.",
            )
        )
    _read_time(meta, exif, ifd, image, camera_tz)
    _read_orientation(meta, exif)
    if gps:
        _read_gps(meta, gps)
    if any(n.code == "no-exif" for n in meta.notes):
        meta.notes = [n for n in meta.notes if n.code != "no-time"]
    pixels = image.width * image.height
    if pixels >= LARGE_IMAGE_PX:
        mp = round(pixels / 1e6)
        meta.notes.append(
            Note(
                "large",
                f"Маш том зураг ({mp} MP): эх хувь нь хадгалагдсан, жижиг хувилбарыг багасгаж хийсэн.",
                f"Very large image ({mp} MP): the original is kept; smaller copies were made from it.",
            )
        )
    return meta


def _broken_exif(exc: object) -> Note:
    return Note(
        "broken-exif",
        "EXIF мэдээлэл эвдэрсэн: уншиж болох хэсгийг ашиглав.",
        "The EXIF data is broken: what could be read was used.",
    )


def _read_time(
    meta: PhotoMeta, exif: Image.Exif, ifd: Any, image: Image.Image, camera_tz: tzinfo
) -> None:
    candidates: list[tuple[str, Any, str]] = [
        ("exif", ifd.get(_DTO), _text(ifd.get(_OFFSET_ORIGINAL)) or _text(ifd.get(_OFFSET))),
    ]
    xmp_date = _xmp_date(image) if image.info.get("xmp") else None
    if xmp_date:
        candidates.append(("xmp", xmp_date, ""))
    candidates += [("digitized", ifd.get(_DTD), ""), ("datetime", exif.get(_DATETIME), "")]
    bad = False
    for source, value, offset in candidates:
        if value is None or not _text(value):
            continue
        try:
            moment = parse_exif_time(value, offset)
        except (ValueError, TypeError):
            bad = True
            continue
        if moment is None:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=camera_tz)
            meta.time_source = "camera-tz" if source == "exif" else source
        else:
            meta.time_source = "exif-offset" if source == "exif" else source
        subsec = _text(ifd.get(_SUBSEC_ORIGINAL)) if source == "exif" else ""
        if subsec.isdigit() and not moment.microsecond:
            moment = moment.replace(microsecond=int((subsec + "000000")[:6]))
        meta.taken_at = to_iso(moment)
        if source in ("digitized", "datetime"):
            meta.notes.append(
                Note(
                    "time-fallback",
                    "Зураг авсан цаг алга: файлын EXIF-ийн өөр цагийг ашиглав, шалгана уу.",
                    "No time the photo was taken: another EXIF time was used; check it.",
                )
            )
        if moment.astimezone(UTC) > datetime.now(UTC) + timedelta(hours=14):
            meta.notes.append(
                Note(
                    "future",
                    "Зургийн цаг ирээдүйд байна: камерын цагийг шалгана уу.",
                    "The photo's time is in the future: check the camera's clock.",
                )
            )
        return
    if bad:
        meta.notes.append(
            Note(
                "bad-time",
                "Зургийн цагийг уншиж чадсангүй (буруу бичигдсэн).",
                "The photo's time could not be read (badly written).",
            )
        )
    meta.notes.append(
        Note(
            "no-time",
            "Зурагт цаг алга: замаар байршил тогтоох, үзлэгт автоматаар холбох боломжгүй.",
            "The photo has no time: it cannot be placed on a track or matched to a visit by time.",
        )
    )


def _read_orientation(meta: PhotoMeta, exif: Image.Exif) -> None:
    try:
        value = int(exif.get(_ORIENTATION) or 1)
    except (TypeError, ValueError):
        value = 1
    meta.orientation = value if 1 <= value <= 8 else 1


def _read_gps(meta: PhotoMeta, gps: Any) -> None:
    lat_ref, lon_ref = _text(gps.get(1)).upper(), _text(gps.get(3)).upper()
    if gps.get(2) is not None and gps.get(4) is not None:
        try:
            lat, lon = _dms(gps[2]), _dms(gps[4])
            if lat_ref == "S":
                lat = -lat
            if lon_ref == "W":
                lon = -lon
        except (ValueError, TypeError, ZeroDivisionError, IndexError):
            meta.notes.append(
                Note(
                    "bad-position",
                    "GPS байршлыг уншиж чадсангүй: байршлыг гараар эсвэл замаар тогтооно уу.",
                    "The GPS position could not be read: place the photo by hand or from a track.",
                )
            )
        else:
            if abs(lat) < 1e-9 and abs(lon) < 1e-9:
                meta.notes.append(
                    Note(
                        "zero-position",
                        "GPS байршил 0,0 байна (хиймэл дагуулын дохиогүй): байршилгүй гэж үзэв.",
                        "The GPS position is 0, 0 (no satellite fix): treated as no position.",
                    )
                )
            elif not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat_ref not in ("N", "S", ""):
                meta.notes.append(
                    Note(
                        "impossible-position",
                        f"Боломжгүй координат ({lat:.5f}, {lon:.5f}): байршлыг хасч, зургийг хадгалав.",
                        f"Impossible coordinates ({lat:.5f}, {lon:.5f}): the position was "
                        "dropped, the photo kept.",
                    )
                )
            else:
                meta.lat, meta.lon = round(lat, 7), round(lon, 7)
    if meta.lat is not None and gps.get(6) is not None:
        try:
            alt = _float(gps[6])
            if _text(gps.get(5)) in ("1", "\x01") or gps.get(5) in (b"\x01", 1):
                alt = -alt
            if -500 <= alt <= 9000:
                meta.altitude_m = round(alt, 2)
        except (ValueError, TypeError, ZeroDivisionError):
            pass
    if gps.get(17) is not None:
        try:
            bearing = _float(gps[17])
        except (ValueError, TypeError, ZeroDivisionError):
            bearing = math.nan
        if 0 <= bearing <= 360:
            meta.bearing = round(bearing % 360, 2)
            meta.bearing_ref = _text(gps.get(16)).upper() or None
        else:
            meta.notes.append(
                Note(
                    "bad-bearing",
                    "Зургийн чиглэл (азимут) буруу утгатай тул хассан.",
                    "The photo's direction (bearing) had an impossible value and was dropped.",
                )
            )


def camera_clock_time(image: Image.Image) -> datetime | None:
    """The time the camera's clock showed for this photo (naive, as written; no zone applied)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exif = image.getexif()
            ifd = exif.get_ifd(ExifTags.IFD.Exif)
        except Exception:  # noqa: BLE001 - unreadable EXIF: no time
            return None
    for value in (ifd.get(_DTO), ifd.get(_DTD), exif.get(_DATETIME)):
        try:
            moment = parse_exif_time(value) if value else None
        except (ValueError, TypeError):
            continue
        if moment is not None:
            return moment.replace(tzinfo=None)
    return None
