"""The shipped DejaVu fonts in reportlab: they cover Mongolian Cyrillic (Өө Үү ₮) and are embedded.

reportlab's own Helvetica has no Cyrillic and is never embedded, so every document and canvas is
made with ``initialFontName=FONT`` and every style names these fonts.
"""

from __future__ import annotations

from functools import cache

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from pemdesk.resources import resource_path

    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    # No oblique face is shipped: <i> falls back to the upright face rather than to Helvetica.
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)
    # Images as binary streams: ASCII85 (the default) is done in pure Python and costs more time
    # than the photos' JPEG work, for a file a quarter larger.
    from reportlab import rl_config

    rl_config.useA85 = 0
    # Drawings (maps, charts, QR) start from Times-Roman unless told otherwise: never embedded.
    from reportlab.graphics import shapes

    shapes.STATE_DEFAULTS["fontName"] = FONT
