"""Register the shipped DejaVu fonts: Qt wheels carry none, and Mongolian must never be boxes."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from pemdesk.resources import resource_path

FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FAMILY = "DejaVu Sans"


def register_fonts(app: QApplication) -> str:
    for name in FONT_FILES:
        QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
    font = QFont(FAMILY)
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)
    return FAMILY
