"""Photos the tests make themselves (Pillow), so a fresh clone tests every import path."""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 1000)
    return IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 1000)


def make_exif(
    *,
    taken: str | None = "2025:06:01 12:34:56",
    offset: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    altitude: float | None = None,
    bearing: float | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "pemdesk-test"
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    if taken:
        ifd[0x9003] = taken
    if offset:
        ifd[0x9011] = offset
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[0] = b"\x02\x03\x00\x00"
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(lon)
        if altitude is not None:
            gps[5] = b"\x00" if altitude >= 0 else b"\x01"
            gps[6] = IFDRational(round(abs(altitude) * 10), 10)
        if bearing is not None:
            gps[16] = "T"
            gps[17] = IFDRational(round(bearing * 100), 100)
    return exif


def make_jpeg(
    path: Path,
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (90, 140, 60),
    exif: Image.Exif | None = None,
    quality: int = 85,
    **exif_args: object,
) -> Path:
    """A JPEG with a bright top-left corner (to check orientation) and the given EXIF."""
    image = Image.new("RGB", size, color)
    w, h = size
    image.paste((255, 255, 255), (0, 0, max(1, w // 4), max(1, h // 4)))
    if exif is None and exif_args:
        exif = make_exif(**exif_args)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    if exif is not None:
        image.save(path, "JPEG", quality=quality, exif=exif)
    else:
        image.save(path, "JPEG", quality=quality)
    return path


def make_heic(path: Path, size: tuple[int, int] = (320, 240), **exif_args: object) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    image = Image.new("RGB", size, (30, 60, 200))
    exif = make_exif(**exif_args)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "HEIF", exif=exif.tobytes())
    return path


def make_png(path: Path, size: tuple[int, int] = (200, 100)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (10, 200, 10)).save(path, "PNG")
    return path


def make_bad_set(folder: Path) -> dict[str, Path]:
    """One file for each kind of bad photo the import must survive."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_jpeg(
        folder / "good.jpg", size=(800, 600), lat=43.5, lon=106.1, bearing=90.0, offset="+08:00"
    )
    files: dict[str, Path] = {"good": good}
    data = good.read_bytes()
    files["truncated"] = folder / "truncated.jpg"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["empty"] = folder / "empty.jpg"
    files["empty"].write_bytes(b"")
    files["not_image"] = folder / "notes.jpg"
    files["not_image"].write_text("this is not a photo\n", encoding="utf-8")
    files["no_exif"] = make_jpeg(folder / "no_exif.jpg")
    # An EXIF segment whose IFD offset points far outside the segment.
    files["broken_exif"] = make_jpeg(folder / "broken_exif.jpg", taken="2025:06:01 10:00:00")
    raw = bytearray(files["broken_exif"].read_bytes())
    i = raw.find(b"Exif\x00\x00")
    raw[i + 6 + 4 : i + 6 + 8] = (
        b"\xff\xff\xff\x7f" if raw[i + 6] == ord("I") else b"\x7f\xff\xff\xff"
    )
    files["broken_exif"].write_bytes(bytes(raw))
    files["zero_gps"] = make_jpeg(folder / "zero_gps.jpg", lat=0.0, lon=0.0)
    files["impossible_gps"] = make_jpeg(folder / "impossible_gps.jpg", lat=95.0, lon=200.0)
    return files
