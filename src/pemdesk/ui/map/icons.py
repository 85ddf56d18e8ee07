"""Tool bar icons drawn from DejaVu glyphs (shipped with the program), so they need no image
files and stay crisp at any screen scale."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

GLYPHS = {
    "zoom_in": ("+", "#202020"),
    "zoom_out": ("−", "#202020"),
    "country": ("⌂", "#202020"),
    "selection": ("⊡", "#202020"),
    "back": ("←", "#202020"),
    "admin": ("▦", "#202020"),
    "select": ("↖", "#202020"),
    "measure": ("⟷", "#202020"),
    "plot": ("✎", "#202020"),
    "undo": ("↶", "#202020"),
    "redo": ("↷", "#202020"),
    "save": ("✔", "#1b7837"),
    "cancel": ("✖", "#b2182b"),
    "gps": ("◎", "#1a73e8"),
    "add": ("⊕", "#202020"),
}


@cache
def icon(name: str, size: int = 24) -> QIcon:
    glyph, colour = GLYPHS[name]
    result = QIcon()
    for scale in (1, 2):
        pix = QPixmap(size * scale, size * scale)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        font = QFont("DejaVu Sans")
        font.setPixelSize(round(size * scale * 0.8))
        font.setBold(name in ("zoom_in", "zoom_out"))
        p.setFont(font)
        p.setPen(QColor(colour))
        p.drawText(QRectF(0, 0, size * scale, size * scale), Qt.AlignmentFlag.AlignCenter, glyph)
        p.end()
        result.addPixmap(pix)
    return result
