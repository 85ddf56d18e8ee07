"""The content-addressed photo store on disk, and its cached thumbnails and previews.

Originals are kept byte for byte at ``<data_dir>/photos/ab/abcdef…`` (the SHA-256 of the file).
A file is copied and hashed in one streaming pass into ``photos/.tmp/``, fsynced, then renamed
into place and the folder fsynced: a crash leaves either no file or the whole file, never half of
one under its final name. The database rows are written after the file, so after a crash there
can be an original that no record names (``orphans()`` finds them), never a record without its
file. Thumbnails (256 px) and previews (1280 px) are derived data under ``<data_dir>/cache/``,
upright (EXIF orientation applied), and made again whenever they are missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pemdesk.durable import fsync_dir

THUMB_PX = 256
PREVIEW_PX = 1280
CHUNK = 1 << 20  # streaming: never a whole 50 MP file in memory
_HEIF_REGISTERED = False

# EXIF orientation -> the transposes that make the stored pixels upright.
_TRANSPOSE: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def register_heif() -> None:
    """Teach Pillow HEIC/HEIF, once, on first need (pillow-heif is slow to import)."""
    global _HEIF_REGISTERED
    if not _HEIF_REGISTERED:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _HEIF_REGISTERED = True


def upright(image: Image.Image, orientation: int) -> Image.Image:
    for method in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(method)
    return image


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: Path
    existed: bool  # the same bytes were in the store already


def render(image: Image.Image, size: int, orientation: int, quality: int = 80) -> bytes:
    """An upright JPEG of an opened (not yet loaded) image, at most ``size`` px on its long side.

    Decoding it also proves the file is complete: a truncated file raises ``OSError``.
    """
    if image.format == "JPEG":
        # DCT-domain downscaling: decodes 1/2..1/8 of the pixels (fast, small memory).
        image.draft("RGB", (size, size))
    image.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    image = upright(image, orientation)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def write_derived(target: Path, data: bytes) -> None:
    """Write a cached derived image (no fsync: it is made again whenever it is missing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def hash_file(path: Path | str) -> str:
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


class PhotoFiles:
    """Paths and file operations of one data folder's photo store (no database here)."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "photos"
        self.cache = self.data_dir / "cache"

    # --- paths -----------------------------------------------------------------------------
    def original_path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def thumb_path(self, sha256: str) -> Path:
        return self.cache / "thumbs" / sha256[:2] / f"{sha256}.jpg"

    def preview_path(self, sha256: str) -> Path:
        return self.cache / "previews" / sha256[:2] / f"{sha256}.jpg"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.data_dir).as_posix()

    # --- originals -------------------------------------------------------------------------
    def put(self, source: Path | str) -> Stored:
        """Copy ``source`` into the store, hashing while copying; returns where it is."""
        tmp_dir = self.root / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
        h = hashlib.sha256()
        size = 0
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        try:
            with open(source, "rb", buffering=0) as src, open(tmp, "wb", buffering=0) as out:
                while n := src.readinto(buf):
                    chunk = view[:n]
                    h.update(chunk)
                    out.write(chunk)
                    size += n
                os.fsync(out.fileno())
            sha = h.hexdigest()
            final = self.original_path(sha)
            if final.exists() and final.stat().st_size == size:
                tmp.unlink()
                return Stored(sha, size, final, existed=True)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            if os.name == "posix":
                with contextlib.suppress(OSError):
                    os.chmod(final, 0o444)  # evidence: not to be edited in place
            fsync_dir(final.parent)
            return Stored(sha, size, final, existed=False)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def discard(self, sha256: str) -> None:
        """Remove an original (only when no record refers to it)."""
        with contextlib.suppress(FileNotFoundError):
            self.original_path(sha256).unlink()

    def clean_temporary(self) -> int:
        """Remove half-written copies left by a crash; returns how many."""
        tmp_dir = self.root / ".tmp"
        count = 0
        if tmp_dir.is_dir():
            for p in tmp_dir.iterdir():
                with contextlib.suppress(OSError):
                    p.unlink()
                    count += 1
        return count

    def originals_on_disk(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for d in self.root.iterdir()
            if d.is_dir() and len(d.name) == 2
            for p in d.iterdir()
            if len(p.name) == 64
        )

    # --- derived images --------------------------------------------------------------------
    def make_thumbnail(
        self, image: Image.Image, sha256: str, orientation: int
    ) -> tuple[Path, bytes]:
        """Write the thumbnail of an opened (not yet loaded) image; returns (path, jpeg bytes)."""
        return self._derive(image, self.thumb_path(sha256), THUMB_PX, orientation, quality=80)

    def make_preview(self, image: Image.Image, sha256: str, orientation: int) -> tuple[Path, bytes]:
        return self._derive(image, self.preview_path(sha256), PREVIEW_PX, orientation, quality=85)

    def _derive(
        self, image: Image.Image, target: Path, size: int, orientation: int, quality: int
    ) -> tuple[Path, bytes]:
        data = render(image, size, orientation, quality)
        write_derived(target, data)
        return target, data

    def ensure_derived(self, sha256: str, orientation: int, kind: str = "preview") -> Path | None:
        """The cached preview/thumbnail of a stored original, made now if missing.

        None when the original is not on this device (e.g. not downloaded yet) or unreadable.
        """
        target = self.preview_path(sha256) if kind == "preview" else self.thumb_path(sha256)
        if target.exists():
            return target
        original = self.original_path(sha256)
        if not original.exists():
            return None
        register_heif()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # broken EXIF was reported at import
                image = Image.open(original)
            with image:
                if kind == "preview":
                    self.make_preview(image, sha256, orientation)
                else:
                    self.make_thumbnail(image, sha256, orientation)
        except (OSError, ValueError, Image.DecompressionBombError):
            return None
        return target

    def disk_bytes(self) -> tuple[int, int]:
        """Bytes used on disk by (originals, cached thumbnails and previews)."""

        def total(folder: Path) -> int:
            return (
                sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
                if folder.is_dir()
                else 0
            )

        return total(self.root), total(self.cache)
