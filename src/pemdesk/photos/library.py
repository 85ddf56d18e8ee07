"""Working with imported photos: visits, track geotagging, photo points, previews, disk use.

Functions take the store (used from the database worker thread in the GUI).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.ids import parse_iso
from pemdesk.photos.files import PhotoFiles
from pemdesk.photos.geotag import DEFAULT_MAX_GAP, Track, place
from pemdesk.progress import Progress
from pemdesk.storage import photos as q

# A photo belongs to a visit taken within this time of the visit's window...
ASSIGN_MARGIN = timedelta(hours=2)
# ...and (when both have positions) this close to the visit's (or its site's) position.
ASSIGN_RADIUS_M = 10_000.0
# A new photo is suggested for a photo point this close and this well aligned.
POINT_RADIUS_M = 50.0
POINT_BEARING_DEG = 45.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine; metres are plenty precise for matching)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


# --- visits --------------------------------------------------------------------------------------
def suggest_visit(
    store: Any,
    photo: model.Photo,
    margin: timedelta = ASSIGN_MARGIN,
    radius_m: float = ASSIGN_RADIUS_M,
) -> str | None:
    """The draft visit a photo was most likely taken on, or None when none (or several) fit."""
    if not photo.taken_at:
        return None
    taken = parse_iso(photo.taken_at)
    best: list[tuple[float, str]] = []
    for v in q.candidate_visits(store, photo.taken_at, margin.total_seconds()):
        lon, lat = photo.lon, photo.lat
        if (
            lon is not None
            and lat is not None
            and v["lat"] is not None
            and distance_m(lon, lat, v["lon"], v["lat"]) > radius_m
        ):
            continue
        start = parse_iso(v["started_at"])
        end = parse_iso(v["ended_at"]) if v["ended_at"] else start
        gap = (
            0.0
            if start <= taken <= end
            else min(abs((taken - start).total_seconds()), abs((taken - end).total_seconds()))
        )
        best.append((gap, v["id"]))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None  # two visits fit equally: the user decides
    return best[0][1]


def assign_by_time(store: Any, photo_ids: Sequence[str]) -> dict[str, str]:
    """Assign unassigned photos to the draft visit their time and position match."""
    assigned: dict[str, str] = {}
    with store.atomic():
        for photo in q.photos(store, ids=list(photo_ids)):
            if photo.visit_id:
                continue
            visit_id = suggest_visit(store, photo)
            if visit_id:
                photo.visit_id = visit_id
                store.save(photo)
                assigned[photo.id] = visit_id
    return assigned


def assign_to_visit(store: Any, photo_ids: Sequence[str], visit_id: str | None) -> int:
    """Put photos into a (draft) visit by hand, or take them out with ``visit_id=None``."""
    if visit_id:
        q.require_draft_visit(store, visit_id)
    with store.atomic():
        for photo_id in photo_ids:
            q.update_photo(store, photo_id, visit_id=visit_id)
    return len(photo_ids)


def remove_from_visit(store: Any, photo_id: str) -> None:
    """Take a photo out of its (draft) visit; it stays among the unassigned photos."""
    q.update_photo(store, photo_id, visit_id=None)


def delete_photo(store: Any, photo_id: str) -> None:
    """Delete a photo's record (it syncs as a deletion). The original file stays in the store
    while any record still refers to it (``purge_unreferenced`` removes it afterwards)."""
    with store.atomic():
        photo = store.get(model.Photo, photo_id)
        if photo.visit_id:
            q.require_draft_visit(store, photo.visit_id)
        store.delete(model.Photo, photo_id)


def set_caption(store: Any, photo_id: str, caption: str) -> model.Photo:
    return q.update_photo(store, photo_id, caption=caption.strip())


def set_position(
    store: Any, photo_id: str, lon: float, lat: float, bearing: float | None = None
) -> model.Photo:
    """Place a photo by hand (picked on the map or typed)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("Боломжгүй координат.", "Impossible coordinates.", detail=f"{lon},{lat}")
    changes: dict[str, Any] = {
        "lon": lon,
        "lat": lat,
        "position_source": model.PositionSource.MAP.value,
    }
    if bearing is not None:
        changes["bearing"] = bearing % 360
    return q.update_photo(store, photo_id, **changes)


# --- geotagging ----------------------------------------------------------------------------------
@dataclass
class GeotagResult:
    placed: int
    not_on_track: int
    already_placed: int


def geotag(
    store: Any,
    photo_ids: Sequence[str],
    track: Track | Path | str,
    clock_offset: timedelta = timedelta(0),
    *,
    overwrite: bool = False,
    max_gap: timedelta = DEFAULT_MAX_GAP,
) -> GeotagResult:
    """Place photos without a position (or all, with ``overwrite``) on a track by time."""
    if not isinstance(track, Track):
        track = Track.from_gpx(track)
    photos = q.photos(store, ids=list(photo_ids))
    todo = [p for p in photos if overwrite or p.lat is None]
    placements = place([(p.id, p.taken_at) for p in todo], track, clock_offset, max_gap)
    with store.atomic():
        for pl in placements:
            q.update_photo(store, pl.photo_id, lon=pl.lon, lat=pl.lat,
                           altitude_m=None if pl.altitude_m is None else round(pl.altitude_m, 2),
                           position_source="track")  # fmt: skip
    return GeotagResult(len(placements), len(todo) - len(placements), len(photos) - len(todo))


# --- photo points --------------------------------------------------------------------------------
def create_photo_point_from(store: Any, photo_id: str, site_id: str, name: str) -> model.PhotoPoint:
    """Make a photo point where (and facing where) a photo was taken, and link the photo to it."""
    photo = store.get(model.Photo, photo_id)
    if photo.lat is None or photo.lon is None:
        raise InvalidInput(
            "Зурагт байршил алга: эхлээд байршлыг тогтооно уу.",
            "The photo has no position: place it first.",
        )
    with store.atomic():
        point = store.save(
            model.PhotoPoint(
                site_id=site_id, name=name, lon=photo.lon, lat=photo.lat, bearing=photo.bearing
            )
        )
        q.update_photo(store, photo_id, photo_point_id=point.id)
    return point


def link_to_photo_point(store: Any, photo_id: str, photo_point_id: str | None) -> model.Photo:
    if photo_point_id:
        store.get(model.PhotoPoint, photo_point_id)
    return q.update_photo(store, photo_id, photo_point_id=photo_point_id)


def suggest_photo_point(store: Any, photo: model.Photo, site_id: str) -> model.PhotoPoint | None:
    """The site's photo point this photo was taken from (close, facing the same way), if any."""
    if photo.lat is None or photo.lon is None:
        return None
    best: tuple[float, model.PhotoPoint] | None = None
    for point in store.list_photo_points(site_id):
        d = distance_m(photo.lon, photo.lat, point.lon, point.lat)
        if d > POINT_RADIUS_M:
            continue
        if photo.bearing is not None and point.bearing is not None:
            turn = abs((photo.bearing - point.bearing + 180) % 360 - 180)
            if turn > POINT_BEARING_DEG:
                continue
        if best is None or d < best[0]:
            best = (d, point)
    return best[1] if best else None


def photo_point_series(store: Any, photo_point_id: str) -> list[tuple[int, list[model.Photo]]]:
    """Photos of a photo point grouped by year (oldest first): repeat photography over time."""
    by_year: dict[int, list[model.Photo]] = defaultdict(list)
    for photo in q.photo_point_photos(store, photo_point_id):
        if photo.taken_at:
            by_year[parse_iso(photo.taken_at).year].append(photo)
    return sorted(by_year.items())


# --- files ---------------------------------------------------------------------------------------
def preview_path(store: Any, photo: model.Photo) -> Path | None:
    """An upright ~1280 px preview of the photo (made and indexed now if missing)."""
    files = PhotoFiles(store.data_dir)
    existed = files.preview_path(photo.sha256).exists()
    path = files.ensure_derived(photo.sha256, photo.orientation, "preview")
    if path is not None and not existed:
        _index_derived(store, files, path, photo.sha256, "preview")
    return path


def thumb_path(store: Any, photo: model.Photo) -> Path | None:
    files = PhotoFiles(store.data_dir)
    return files.ensure_derived(photo.sha256, photo.orientation, "thumb")


def _index_derived(store: Any, files: PhotoFiles, path: Path, original: str, kind: str) -> None:
    import hashlib

    data = path.read_bytes()
    q.add_blob(store, q.BlobRow(hashlib.sha256(data).hexdigest(), len(data), files.relative(path),
                                "image/jpeg", kind, derived_from=original))  # fmt: skip


def make_missing_previews(store: Any, progress: Progress | None = None) -> int:
    """Background work after an import: previews of every photo that has none yet."""
    progress = progress or Progress()
    files = PhotoFiles(store.data_dir)
    todo = [p for p in q.photos(store) if not files.preview_path(p.sha256).exists()]
    progress.update(done=0, total=len(todo))
    made = 0
    for photo in todo:
        progress.check()
        if preview_path(store, photo):
            made += 1
        progress.step()
    return made


def original_path(store: Any, photo: model.Photo) -> Path:
    return PhotoFiles(store.data_dir).original_path(photo.sha256)


def disk_usage(store: Any) -> q.DiskUsage:
    return q.disk_usage(store)


def purge_unreferenced(store: Any) -> int:
    """Delete originals (and their cached copies) that no record refers to any more, and
    half-written files left by a crash; returns how many originals were removed. Refused while
    another process imports photos into the same folder (``pemdesk.photos.lock``)."""
    from pemdesk.photos.lock import photo_files_lock

    with photo_files_lock(store.data_dir):
        return _purge_unreferenced(store)


def _purge_unreferenced(store: Any) -> int:
    files = PhotoFiles(store.data_dir)
    files.clean_temporary()
    removed = 0
    for sha in files.originals_on_disk():
        if q.is_referenced(store, sha):
            continue
        files.discard(sha)
        for derived in (files.thumb_path(sha), files.preview_path(sha)):
            derived.unlink(missing_ok=True)
        q.forget_blobs(store, sha)
        removed += 1
    return removed
