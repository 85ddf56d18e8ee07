"""Photos for print: found through the photo store, turned upright, downscaled to ~200 dpi.

The original files are evidence and are never changed; the report embeds a JPEG made at the size
it is printed, so a report with eight 12-megapixel photos stays around a megabyte.
"""

from __future__ import annotations

import io
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk import model

if TYPE_CHECKING:
    from pemdesk.storage import Store

PRINT_DPI = 200
JPEG_QUALITY = 82


PhotoSource = tuple[Path, int]  # a file to print from, and the EXIF orientation to apply


def photo_file(store: Store, photo: model.Photo) -> PhotoSource | None:
    """The file to print a photo from: its cached preview when there is one, else the original.

    The preview (1280 px, upright) prints at about 200 dpi even at the largest size a report uses
    (one photo across the page, 170 mm = 1,339 px at 200 dpi) and decodes ten times faster than a
    12-MP original; it is also what is there when the original has not reached this computer.
    """
    from pemdesk.photos.files import PhotoFiles

    files = PhotoFiles(store.data_dir)
    preview = files.preview_path(photo.sha256)
    if preview.is_file():
        return preview, 1  # previews are stored upright
    original = files.original_path(photo.sha256)
    if original.is_file():
        return original, photo.orientation or 1
    return None


def _transpose(image: Any, orientation: int) -> Any:
    from PIL import Image

    ops = {
        2: [Image.Transpose.FLIP_LEFT_RIGHT],
        3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM],
        5: [Image.Transpose.TRANSPOSE],
        6: [Image.Transpose.ROTATE_270],
        7: [Image.Transpose.TRANSVERSE],
        8: [Image.Transpose.ROTATE_90],
    }
    for op in ops.get(orientation, []):
        image = image.transpose(op)
    return image


def print_jpeg(
    path: Path,
    box_w_pt: float,
    box_h_pt: float,
    orientation: int | None = None,
    dpi: int = PRINT_DPI,
) -> tuple[bytes, float, float]:
    """A JPEG of the photo, upright, fitted in the box at ``dpi``; and its printed size (pt).

    ``orientation`` is the EXIF orientation recorded at import; None reads it from the file.
    """
    from PIL import Image

    from pemdesk.photos.files import register_heif

    register_heif()  # originals are stored without a suffix: a HEIC must open too
    with Image.open(path) as opened:
        image: Image.Image = opened
        if orientation is None:
            orientation = int(image.getexif().get(0x0112, 1) or 1)
        w, h = image.size
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        fit = min(box_w_pt / w, box_h_pt / h)
        out_w_pt, out_h_pt = w * fit, h * fit
        px_w = max(1, round(out_w_pt / 72 * dpi))
        px_h = max(1, round(out_h_pt / 72 * dpi))
        decode = (px_h, px_w) if orientation in (5, 6, 7, 8) else (px_w, px_h)
        # JPEG decoding at 1/2, 1/4 or 1/8 scale: a 12-MP photo decodes in a few milliseconds.
        image.draft("RGB", decode)
        image = image.convert("RGB")
        image = _transpose(image, orientation)
        if image.size != (px_w, px_h):
            image = image.resize((px_w, px_h), Image.Resampling.LANCZOS, reducing_gap=2.0)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), out_w_pt, out_h_pt


def printed_size(
    source: PhotoSource, box_w_pt: float, box_h_pt: float
) -> tuple[float, float]:
    """The size (pt) a photo prints at in the box, from its header only (no decoding)."""
    from PIL import Image

    from pemdesk.photos.files import register_heif

    register_heif()
    path, orientation = source
    with Image.open(path) as image:
        w, h = image.size
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    fit = min(box_w_pt / w, box_h_pt / h)
    return w * fit, h * fit


def photo_flowables(
    sources: list[PhotoSource | None],
    box_w_pt: float,
    box_h_pt: float,
    missing_text: str = "",
    pool: Executor | None = None,
) -> list[Any]:
    """``photo_flowable`` for many photos.

    With a ``pool`` the photos are decoded on its threads (Pillow decodes without the GIL) while
    the pages before them are laid out; each flowable waits for its photo only when it is drawn.
    """
    if pool is None:
        return [photo_flowable(s, box_w_pt, box_h_pt, missing_text) for s in sources]
    out: list[Any] = []
    for source in sources:
        try:
            if source is None:
                raise OSError("no file")
            w, h = printed_size(source, box_w_pt, box_h_pt)
        except (OSError, ValueError):
            out.append(_Missing(box_w_pt, min(box_h_pt, box_w_pt * 0.6), missing_text))
            continue
        future = pool.submit(print_jpeg, source[0], box_w_pt, box_h_pt, source[1])
        out.append(_deferred(future, w, h, missing_text))
    return out


def _deferred(future: Future[tuple[bytes, float, float]], width: float, height: float,
              missing_text: str) -> Any:  # fmt: skip
    """A flowable of the given size that draws the photo once its decoding has finished."""
    from reportlab.lib import colors
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Flowable

    from pemdesk.reports.fonts import FONT

    class DeferredPhoto(Flowable):  # type: ignore[misc]
        def wrap(self, available_w: float, available_h: float) -> tuple[float, float]:
            return width, height

        def draw(self) -> None:
            try:
                data = future.result()[0]
            except (OSError, ValueError):
                self.canv.setFillColor(colors.HexColor("#f0f0f0"))
                self.canv.rect(0, 0, width, height, fill=1, stroke=1)
                self.canv.setFillColor(colors.black)
                self.canv.setFont(FONT, 7)
                self.canv.drawCentredString(width / 2, height / 2, missing_text)
                return
            self.canv.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width, height)

    flowable = DeferredPhoto()
    flowable.width, flowable.height = width, height
    return flowable


def photo_flowable(
    source: PhotoSource | None, box_w_pt: float, box_h_pt: float, missing_text: str = ""
) -> Any:
    """An Image flowable for the photo, or a framed note when the file is not on this computer."""
    from reportlab.platypus import Image as RLImage

    if source is not None:
        try:
            data, w, h = print_jpeg(source[0], box_w_pt, box_h_pt, source[1])
            return RLImage(io.BytesIO(data), width=w, height=h)
        except OSError:
            pass
    return _Missing(box_w_pt, min(box_h_pt, box_w_pt * 0.6), missing_text)


def _Missing(width: float, height: float, text: str) -> Any:  # noqa: N802 - a flowable factory
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    from pemdesk.reports.fonts import FONT

    d = Drawing(width, height)
    d.add(
        Rect(
            0,
            0,
            width,
            height,
            fillColor=colors.HexColor("#f0f0f0"),
            strokeColor=colors.HexColor("#999999"),
            strokeWidth=0.5,
        )
    )
    d.add(String(width / 2, height / 2, text, fontName=FONT, fontSize=7, textAnchor="middle"))
    return d
