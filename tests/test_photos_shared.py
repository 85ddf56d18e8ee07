"""Every real camera and phone photo in ../shared/data/photos, read in place, checked against an
independent reader (exifread) for time, position, bearing and orientation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import exifread
import pytest
from PIL import Image

from pemdesk import model
from pemdesk.photos import import_photos
from pemdesk.photos.exif import DEFAULT_CAMERA_TZ
from pemdesk.photos.files import PhotoFiles, register_heif


def _ratio(v) -> float:
    return float(Fraction(v.num, v.den)) if v.den else float("nan")


def _exifread(path: Path) -> dict:
    with open(path, "rb") as f:
        tags = exifread.process_file(f, details=False)
    out: dict = {}
    dto = tags.get("EXIF DateTimeOriginal")
    if dto and str(dto).strip() and not str(dto).startswith("0000"):
        moment = datetime.strptime(str(dto).strip()[:19], "%Y:%m:%d %H:%M:%S")
        offset = tags.get("EXIF OffsetTimeOriginal")
        if offset and str(offset).strip():
            sign = -1 if str(offset)[0] == "-" else 1
            h, m = str(offset)[1:].split(":")
            tz = timezone(sign * timedelta(hours=int(h), minutes=int(m)))
        else:
            tz = DEFAULT_CAMERA_TZ
        out["taken_at"] = moment.replace(tzinfo=tz).astimezone(UTC)
    lat, lon = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
    if lat and lon and len(lat.values) == 3 and len(lon.values) == 3:
        la = sum(_ratio(v) / 60**i for i, v in enumerate(lat.values))
        lo = sum(_ratio(v) / 60**i for i, v in enumerate(lon.values))
        if str(tags.get("GPS GPSLatitudeRef", "N")).strip().upper().startswith("S"):
            la = -la
        if str(tags.get("GPS GPSLongitudeRef", "E")).strip().upper().startswith("W"):
            lo = -lo
        out["lat"], out["lon"] = la, lo
    direction = tags.get("GPS GPSImgDirection")
    if direction:
        out["bearing"] = _ratio(direction.values[0])
    orientation = tags.get("Image Orientation")
    if orientation:
        out["orientation"] = int(orientation.values[0])
    return out


def _all_photos(root: Path) -> list[Path]:
    return sorted(
        p for p in (root / "photos").rglob("*") if p.is_file() and p.suffix.lower() != ".md"
    )


def test_every_shared_photo_imports_with_the_right_metadata(store, shared_data: Path) -> None:
    paths = _all_photos(shared_data)
    assert len(paths) >= 50
    summary = import_photos(store, [shared_data / "photos"])
    results = {
        Path(f.path).relative_to(shared_data / "photos").as_posix(): f for f in summary.files
    }
    assert len(results) == len(paths)
    errors = {k: f.message("en") for k, f in results.items() if f.status == "error"}
    # Every file here is a readable image (their EXIF may be broken): all import.
    assert errors == {}
    checked = {"taken_at": 0, "position": 0, "bearing": 0, "orientation": 0}
    for rel, f in results.items():
        photo = store.get(model.Photo, f.photo_id)
        ref = _exifread(shared_data / "photos" / rel)
        if "taken_at" in ref:
            assert photo.taken_at is not None, rel
            ours = datetime.fromisoformat(photo.taken_at.replace("Z", "+00:00"))
            assert abs((ours - ref["taken_at"]).total_seconds()) < 1, rel
            checked["taken_at"] += 1
        if "lat" in ref and not (ref["lat"] == 0 and ref["lon"] == 0):
            assert photo.lat == pytest.approx(ref["lat"], abs=1e-6), rel
            assert photo.lon == pytest.approx(ref["lon"], abs=1e-6), rel
            checked["position"] += 1
        elif photo.lat is not None:
            pytest.fail(f"{rel}: position {photo.lat},{photo.lon} that exifread does not see")
        if "bearing" in ref:
            assert photo.bearing == pytest.approx(ref["bearing"], abs=0.01), rel
            checked["bearing"] += 1
        if "orientation" in ref and not rel.startswith("heic/"):
            expected = ref["orientation"] if 1 <= ref["orientation"] <= 8 else 1
            assert photo.orientation == expected, rel
            checked["orientation"] += 1
    assert checked["taken_at"] >= 25 and checked["position"] >= 12
    assert checked["bearing"] >= 4 and checked["orientation"] >= 30


def test_known_facts_of_the_shared_photos(store, shared_data: Path) -> None:
    root = shared_data / "photos"
    summary = import_photos(
        store,
        [root / "gps" / "Kodak_CX7530.jpg", root / "phones" / "iphone_hdr_NO.jpg",
         root / "heic" / "IMG_5195.HEIC", root / "phones" / "canon_hdr_NO.jpg",
         root / "broken" / "30-type_error.jpg", root / "phones" / "HMD_Nokia_8.3_5G.jpg"],
    )  # fmt: skip
    kodak, iphone, heic, canon, xmp, nokia = summary.files
    assert kodak.lat == pytest.approx(-0.3713, abs=1e-4)  # south latitude
    assert iphone.lon == pytest.approx(-3.72475, abs=1e-4)  # west longitude
    assert heic.lat == pytest.approx(39.0513, abs=1e-3) and heic.lon == pytest.approx(
        -94.2888, abs=1e-3
    )
    assert heic.taken_at == "2021-04-11T20:47:53.054Z"  # -05:00 offset tag, sub-seconds
    assert nokia.taken_at == "2022-08-14T11:12:31.000Z"  # +03:00 offset tag
    assert store.get(model.Photo, canon.photo_id).orientation == 6
    assert xmp.taken_at == "2013-07-05T03:18:27.000Z"  # DateTimeOriginal only in XMP, with Z
    with Image.open(PhotoFiles(store.data_dir).thumb_path(canon.sha256)) as thumb:
        assert thumb.height > thumb.width  # rotated upright


def test_shared_batch_again_changes_nothing(store, shared_data: Path) -> None:
    first = import_photos(store, [shared_data / "photos"])
    outbox = len(store.outbox())
    second = import_photos(store, [shared_data / "photos"])
    assert second.imported == 0 and second.count("duplicate") == first.imported
    assert len(store.outbox()) == outbox


def test_heic_decodes_upright(shared_data: Path) -> None:
    register_heif()
    with Image.open(shared_data / "photos" / "heic" / "IMG_5195.HEIC") as im:
        assert im.height > im.width  # libheif applies the rotation itself
