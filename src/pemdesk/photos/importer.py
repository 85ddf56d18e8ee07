"""Importing photos: files, folders or a whole camera card, with progress, cancel and a summary.

Each file is opened once for its metadata, copied into the content-addressed store while being
hashed (one streaming read), and its thumbnail made from the same opened image (JPEG draft mode:
only 1/8 of the pixels are decoded). Records are written in small transactions after the files, so
a crash or a cancel never leaves a record without its file. Bad files are reported by name with a
reason and skipped; the rest import. Importing the same files again changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from pemdesk import model
from pemdesk.errors import Interrupted
from pemdesk.photos.exif import Note, PhotoMeta, read_meta
from pemdesk.photos.files import THUMB_PX, PhotoFiles, register_heif, render, write_derived
from pemdesk.photos.geotag import DEFAULT_MAX_GAP, Track
from pemdesk.plausibility import visit_photo_doubts
from pemdesk.progress import Progress
from pemdesk.storage import photos as q

PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".heic", ".heif", ".png"})
HEIF_EXTENSIONS = frozenset({".heic", ".heif"})
# Above Pillow's own limit a file may be a decompression bomb; 50 MP photos are well below it.
MAX_PIXELS = 250_000_000
BATCH = 25  # records per transaction


@dataclass
class ImportOptions:
    visit_id: str | None = None  # given: every photo goes to this (draft) visit
    auto_assign: bool = True  # no visit given: match draft visits by time and distance
    camera_tz: tzinfo | None = None  # zone of cameras that write no offset (default UTC+8)
    track: Track | None = None  # place photos without a position on this track
    clock_offset: timedelta = timedelta(0)  # add to the camera's time to match the track
    max_gap: timedelta = DEFAULT_MAX_GAP
    photo_point_id: str | None = None


@dataclass
class FileResult:
    path: str
    status: str  # imported | duplicate | error
    notes: list[Note] = field(default_factory=list)
    sha256: str | None = None
    photo_id: str | None = None
    visit_id: str | None = None
    taken_at: str | None = None
    lat: float | None = None
    lon: float | None = None
    bearing: float | None = None
    position_source: str | None = None

    def message(self, lang: str = "mn") -> str:
        return " ".join(n.message(lang) for n in self.notes)

    def as_json(self, lang: str = "mn") -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "message": self.message(lang),
            "sha256": self.sha256,
            "taken_at": self.taken_at,
            "lat": self.lat,
            "lon": self.lon,
            "bearing": self.bearing,
            "photo_id": self.photo_id,
            "visit_id": self.visit_id,
            "position_source": self.position_source,
        }


@dataclass
class ImportSummary:
    files: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def imported(self) -> int:
        return self.count("imported")

    def as_json(self, lang: str = "mn") -> dict[str, Any]:
        return {
            "files": [f.as_json(lang) for f in self.files],
            "imported": self.imported,
            "duplicates": self.count("duplicate"),
            "errors": self.count("error"),
            "cancelled": self.cancelled,
        }


@dataclass
class Prepared:
    """A file that is in the photo store, with its metadata, waiting for its record."""

    result: FileResult
    meta: PhotoMeta | None = None
    stored_new: bool = False
    thumb: tuple[str, int, str] | None = None  # (sha256, size, relative path)


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files to import: named files as given, folders searched for photos (hidden skipped)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [
                    Path(root) / f
                    for f in files
                    if not f.startswith(".") and Path(f).suffix.lower() in PHOTO_EXTENSIONS
                ]
            candidates = sorted(found)
        else:
            candidates = [path]
        for c in candidates:
            key = c.resolve()
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


def _error(path: Path, mn: str, en: str, code: str = "error") -> Prepared:
    return Prepared(FileResult(str(path), "error", [Note(code, mn, en)]))


def prepare_file(
    files: PhotoFiles, path: Path, options: ImportOptions, pool: Executor | None = None
) -> Prepared:
    """Store one file and make its thumbnail (no database here). Never raises for a bad file."""
    try:
        size = path.stat().st_size
    except OSError:
        return _error(
            path,
            "Файл олдсонгүй эсвэл уншиж болохгүй.",
            "The file is missing or cannot be read.",
            "unreadable",
        )
    if size == 0:
        return _error(path, "Файл хоосон (0 байт).", "The file is empty (0 bytes).", "empty")
    if path.suffix.lower() in HEIF_EXTENSIONS:
        register_heif()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = Image.open(path)
        except UnidentifiedImageError:
            if path.suffix.lower() not in HEIF_EXTENSIONS:
                register_heif()  # a HEIC file with a .jpg name
                try:
                    image = Image.open(path)
                except (UnidentifiedImageError, OSError, ValueError):
                    return _not_an_image(path)
            else:
                return _not_an_image(path)
        except Image.DecompressionBombError:
            return _too_large(path)
        except (OSError, ValueError, SyntaxError):
            return _not_an_image(path)
        broken = any("exif" in str(w.message).lower() for w in caught)
        with image:
            return _prepare_opened(files, path, image, options, broken, pool)


def _not_an_image(path: Path) -> Prepared:
    return _error(
        path,
        "Зураг биш эсвэл дэмжигдээгүй формат (JPEG, HEIC, PNG-г уншина).",
        "Not an image, or not a supported format (JPEG, HEIC and PNG can be imported).",
        "not-image",
    )


def _too_large(path: Path) -> Prepared:
    return _error(
        path,
        "Зураг хэт том (250 сая пикселээс их) тул оруулсангүй.",
        "The image is too large (over 250 megapixels) and was not imported.",
        "too-large",
    )


def _prepare_opened(
    files: PhotoFiles,
    path: Path,
    image: Image.Image,
    options: ImportOptions,
    broken: bool,
    pool: Executor | None,
) -> Prepared:
    if image.width * image.height > MAX_PIXELS:
        return _too_large(path)
    try:
        meta = read_meta(image, path.name, options.camera_tz, broken=broken)
    except Exception:  # noqa: BLE001 - a metadata reader bug must not stop a card import
        meta = PhotoMeta(mime="", width=image.width, height=image.height)
        meta.notes.append(
            Note("broken-exif", "EXIF мэдээлэл эвдэрсэн.", "The EXIF data is broken.")
        )
    if not meta.mime:
        return _not_an_image(path)
    # Copy + hash (disk and hashlib) on the helper thread while this one decodes the thumbnail:
    # both release the GIL, so on two cores the copy costs almost nothing extra.
    copy = pool.submit(files.put, path) if pool is not None else None
    data: bytes | None = None
    failure: BaseException | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = render(image, THUMB_PX, meta.orientation)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, MemoryError) as exc:
        failure = exc
    try:
        stored = copy.result() if copy is not None else files.put(path)
    except OSError as exc:
        return _error(
            path,
            f"Зургийг хадгалж чадсангүй: {exc.strerror or exc}.",
            f"The photo could not be stored: {exc.strerror or exc}.",
            "store-failed",
        )
    if failure is not None or data is None:
        if not stored.existed:
            files.discard(stored.sha256)
        text = str(failure).lower()
        if "truncated" in text or "premature" in text or "broken data stream" in text:
            return _error(
                path,
                "Файл дутуу (тасарсан) тул оруулсангүй: камераас дахин хуулна уу.",
                "The file is truncated (an incomplete copy) and was not imported: copy it again "
                "from the camera.",
                "truncated",
            )
        return _error(
            path,
            "Зургийг задалж чадсангүй (эвдэрсэн файл) тул оруулсангүй.",
            "The image could not be decoded (a damaged file) and was not imported.",
            "undecodable",
        )
    result = FileResult(str(path), "imported", list(meta.notes), sha256=stored.sha256)
    prepared = Prepared(result, meta, stored_new=not stored.existed)
    thumb = files.thumb_path(stored.sha256)
    if not thumb.exists():
        write_derived(thumb, data)
    prepared.thumb = (hashlib.sha256(data).hexdigest(), len(data), files.relative(thumb))
    return prepared


def record_prepared(
    store: Any, files: PhotoFiles, batch: Sequence[Prepared], options: ImportOptions,
    seen: set[str],
) -> None:  # fmt: skip
    """Write the records of a batch of stored files in one transaction; duplicates get none."""
    ready = [p for p in batch if p.result.status == "imported" and p.meta is not None]
    known = q.known_shas(store, [p.result.sha256 for p in ready if p.result.sha256])
    visit = store.get(model.Visit, options.visit_id) if options.visit_id else None
    site = store.get(model.Site, visit.site_id) if visit is not None else None
    with store.atomic():
        for p in ready:
            r, meta = p.result, p.meta
            assert r.sha256 is not None and meta is not None
            if r.sha256 in known or r.sha256 in seen:
                r.status = "duplicate"
                existing = q.photo_by_sha(store, r.sha256)
                if existing:
                    r.photo_id, r.visit_id = existing.id, existing.visit_id
                    r.taken_at, r.lat, r.lon = existing.taken_at, existing.lat, existing.lon
                    r.bearing = existing.bearing
                r.notes = [
                    Note(
                        "duplicate",
                        "Энэ зураг аль хэдийн оруулагдсан байна (ижил агуулга).",
                        "This photo is already imported (same content).",
                    )
                ]
                continue
            seen.add(r.sha256)
            photo = _photo_from(meta, r, Path(r.path).name, options)
            if visit is not None and site is not None:
                # imported all the same (it is evidence), but said at once; the review blocks it
                for doubt in visit_photo_doubts(visit, site, [photo]).get(photo.id, []):
                    r.notes.append(Note(f"doubt-{doubt.code}", doubt.mn, doubt.en))
            store.save(photo)
            r.photo_id, r.visit_id = photo.id, photo.visit_id
            r.taken_at, r.lat, r.lon, r.bearing = (
                photo.taken_at,
                photo.lat,
                photo.lon,
                photo.bearing,
            )
            r.position_source = photo.position_source
            original = files.original_path(r.sha256)
            q.add_blob(store, q.BlobRow(r.sha256, original.stat().st_size,
                                        files.relative(original), meta.mime, "original"))  # fmt: skip
            if p.thumb:
                q.add_blob(store, q.BlobRow(p.thumb[0], p.thumb[1], p.thumb[2], "image/jpeg",
                                            "thumb", derived_from=r.sha256))  # fmt: skip


def _photo_from(meta: PhotoMeta, r: FileResult, name: str, options: ImportOptions) -> model.Photo:
    photo = model.Photo(
        sha256=r.sha256 or "",
        visit_id=options.visit_id,
        photo_point_id=options.photo_point_id,
        taken_at=meta.taken_at,
        lon=meta.lon,
        lat=meta.lat,
        altitude_m=meta.altitude_m,
        bearing=meta.bearing,
        position_source=model.PositionSource.GPS.value if meta.lat is not None else None,
        orientation=meta.orientation,
        width=meta.width,
        height=meta.height,
        size_bytes=Path(r.path).stat().st_size,
        mime=meta.mime,
        original_name=name,
    )
    if photo.lat is None and options.track is not None and photo.taken_at:
        from pemdesk.ids import parse_iso

        found = options.track.position_at(
            parse_iso(photo.taken_at) + options.clock_offset, options.max_gap
        )
        if found:
            photo.lon, photo.lat = round(found[0], 7), round(found[1], 7)
            photo.altitude_m = round(found[2], 2) if found[2] is not None else None
            photo.position_source = "track"
            r.notes = [n for n in r.notes if n.code not in ("zero-position", "bad-position")]
            r.notes.append(
                Note(
                    "from-track",
                    "Байршлыг GPS замаас цагаар тогтоов.",
                    "The position was taken from the GPS track by time.",
                )
            )
    return photo


def import_photos(
    store: Any,
    paths: Iterable[Path | str],
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import photos into the store; a cancel keeps what was done and reports it. Holds the data
    folder's photo lock (a purge in another process waits for it, see ``pemdesk.photos.lock``)."""
    from pemdesk.photos.lock import photo_files_lock

    with photo_files_lock(store.data_dir, wait_s=60.0):
        return _import_photos(store, paths, options, progress)


def _import_photos(
    store: Any,
    paths: Iterable[Path | str],
    options: ImportOptions | None,
    progress: Progress | None,
) -> ImportSummary:
    from pemdesk.photos.library import assign_by_time

    options = options or ImportOptions()
    progress = progress or Progress()
    if options.visit_id:
        q.require_draft_visit(store, options.visit_id)
    files = PhotoFiles(store.data_dir)
    paths = collect_files(paths)
    progress.update(done=0, total=len(paths), label="")
    summary = ImportSummary()
    seen: set[str] = set()
    batch: list[Prepared] = []
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pemdesk-photo-copy")
    try:
        for path in paths:
            progress.check()
            progress.label = path.name
            prepared = prepare_file(files, path, options, pool)
            batch.append(prepared)
            summary.files.append(prepared.result)
            if len(batch) >= BATCH:
                record_prepared(store, files, batch, options, seen)
                batch = []
            progress.step()
    except Interrupted:
        summary.cancelled = True
    finally:
        pool.shutdown(wait=True)
    if batch:
        record_prepared(store, files, batch, options, seen)
    if not options.visit_id and options.auto_assign:
        new_ids = [f.photo_id for f in summary.files if f.status == "imported" and f.photo_id]
        assigned = assign_by_time(store, new_ids)
        for f in summary.files:
            if f.photo_id in assigned and f.status == "imported":
                f.visit_id = assigned[f.photo_id]
    return summary
