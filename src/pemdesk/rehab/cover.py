"""Fractional green canopy cover from a photo, by the Canopeo method.

Patrignani, A. and Ochsner, T. E. (2015). Canopeo: A powerful new tool for measuring fractional
green canopy cover. Agronomy Journal 107(6): 2312–2320. doi:10.2134/agronj15.0150.

A pixel is green canopy when its red/green ratio is below P1, its blue/green ratio below P2 and
its excess green 2G − R − B above P3 (8-bit values); the paper's defaults are P1 = P2 = 0.95 and
P3 = 20. Cover is the share of canopy pixels. The classified mask is kept (a PNG, white = canopy)
so a person can judge it beside the photo and correct the value; the correction is stored beside
the computed value, never over it.

Limits (the method sees colour, not plants): dry or dormant vegetation (yellow, brown, grey
steppe grasses in spring and autumn) is not green and is missed; dark shadows lose the green
ratio and are missed, while strongly green-tinted light can add soil; snow and sky are never
counted, so photos with snow give low cover, and sky in the frame lowers the share. Lichen,
algae and green-painted objects count as canopy. The photos of a photo point should be taken at
the same time of year and day for a trend to mean something.

Vectorised with numpy; a 12-MP JPEG is decoded at reduced size (JPEG DCT scaling), which keeps
the result within a fraction of a point of the full-size value (bench/bench_cover.py).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pemdesk.errors import InvalidInput
from pemdesk.progress import Progress

METHOD = "canopeo-2015"
CITATION = (
    "Patrignani, A. & Ochsner, T. E. (2015). Canopeo: A powerful new tool for measuring "
    "fractional green canopy cover. Agronomy Journal 107(6): 2312–2320. doi:10.2134/agronj15.0150"
)
DEFAULT_P1 = 0.95
DEFAULT_P2 = 0.95
DEFAULT_P3 = 20.0
# Pixels classified at most: a 12-MP photo is decoded at half its width (JPEG DCT scaling, 3 MP),
# which keeps cover within 1 point of the full-size value; a quarter (0.75 MP) did not, on photos
# with much edge between plants and soil (bench/bench_cover.py).
DEFAULT_MAX_PIXELS = 3_000_000
_BAND_ROWS = 128


@dataclass(frozen=True)
class CoverParams:
    p1: float = DEFAULT_P1
    p2: float = DEFAULT_P2
    p3: float = DEFAULT_P3
    max_pixels: int = DEFAULT_MAX_PIXELS

    def as_dict(self) -> dict[str, Any]:
        return {"p1": self.p1, "p2": self.p2, "p3": self.p3, "max_pixels": self.max_pixels}


@dataclass
class CoverResult:
    cover_pct: float
    mask: np.ndarray  # bool, True = green canopy, in the photo's upright orientation
    width: int  # of the classified (possibly reduced) image
    height: int
    params: CoverParams

    def mask_png(self) -> bytes:
        return mask_png(self.mask)


def classify(rgb: np.ndarray, params: CoverParams | None = None) -> np.ndarray:
    """The Canopeo canopy mask of an H×W×3 uint8 RGB array (True = green canopy)."""
    p = params or CoverParams()
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError("expected an H×W×3 RGB array")
    out = np.empty(rgb.shape[:2], dtype=bool)
    # In bands of rows that stay in the CPU cache (about 25 % faster than whole-image passes);
    # the ratios are written as products (R < P1·G), so G = 0 needs no division.
    for y in range(0, rgb.shape[0], _BAND_ROWS):
        band = rgb[y : y + _BAND_ROWS, :, :3].astype(np.float32)
        r, g, b = band[..., 0], band[..., 1], band[..., 2]
        mask = out[y : y + _BAND_ROWS]
        np.less(r, p.p1 * g, out=mask)
        mask &= b < p.p2 * g
        g *= 2
        g -= r
        g -= b
        mask &= g > p.p3
    return out


def cover_of_array(rgb: np.ndarray, params: CoverParams | None = None) -> CoverResult:
    p = params or CoverParams()
    mask = classify(rgb, p)
    pct = 100.0 * float(np.count_nonzero(mask)) / mask.size if mask.size else 0.0
    return CoverResult(round(pct, 2), mask, int(rgb.shape[1]), int(rgb.shape[0]), p)


def load_rgb(
    path: Path | str, orientation: int = 1, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """An upright RGB array of the photo, decoded at a reduced size when it is large."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            w, h = image.size
            if image.format == "JPEG" and w * h > max_pixels:
                scale = 1
                while scale < 8 and (w // (scale * 2)) * (h // (scale * 2)) >= max_pixels // 2:
                    scale *= 2
                if scale > 1:
                    image.draft("RGB", (w // scale, h // scale))
            rgb: Image.Image = image.convert("RGB")
            while rgb.width * rgb.height > max_pixels:
                rgb = rgb.reduce(2)
            return np.asarray(_upright(rgb, orientation))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(
            "Зургийг уншиж чадсангүй (гэмтсэн эсвэл дэмжигдээгүй файл).",
            "The photo cannot be read (damaged or not a supported image).",
            detail=f"{path}: {exc}",
        ) from exc


def _upright(image: Any, orientation: int) -> Any:
    from PIL import Image

    ops = {
        2: [Image.Transpose.FLIP_LEFT_RIGHT],
        3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM],
        5: [Image.Transpose.ROTATE_90, Image.Transpose.FLIP_TOP_BOTTOM],
        6: [Image.Transpose.ROTATE_270],
        7: [Image.Transpose.ROTATE_270, Image.Transpose.FLIP_TOP_BOTTOM],
        8: [Image.Transpose.ROTATE_90],
    }
    for op in ops.get(orientation or 1, []):
        image = image.transpose(op)
    return image


def cover_of_file(
    path: Path | str, orientation: int = 1, params: CoverParams | None = None
) -> CoverResult:
    p = params or CoverParams()
    return cover_of_array(load_rgb(path, orientation, p.max_pixels), p)


def mask_png(mask: np.ndarray) -> bytes:
    """The mask as a 1-bit PNG (white = canopy): small, lossless, viewable anywhere."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").convert("1").save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


def save_mask(mask: np.ndarray, folder: Path) -> tuple[Path, str]:
    """Write the mask PNG into ``folder`` under its SHA-256; returns (path, sha256)."""
    data = mask_png(mask)
    sha = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha}.png"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(path)
    return path, sha


def overlay(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The photo with canopy pixels painted bright green (for reports and the correction view)."""
    out = (rgb.astype(np.float32) * 0.45).astype(np.uint8)
    out[mask] = (40, 230, 60)
    return out


def batch(
    items: Iterable[tuple[str, Path, int]],
    total: int,
    progress: Progress | None = None,
    params: CoverParams | None = None,
) -> Iterator[tuple[str, CoverResult | InvalidInput]]:
    """Cover of many photos ((id, path, orientation) each), with progress and cancel: yields
    (id, result) or (id, the error) per photo, and raises ``Interrupted`` when cancelled."""
    progress = progress or Progress()
    progress.update(done=0, total=total)
    for photo_id, path, orientation in items:
        progress.check()
        try:
            yield photo_id, cover_of_file(path, orientation, params)
        except InvalidInput as exc:
            yield photo_id, exc
        progress.step()
