"""Mongolian for Qt's own strings: standard buttons (Yes/No, Save/Cancel, Close), the file dialog
(Look in, Directory, Choose, Open), context menus (Copy, Paste).

Qt ships no Mongolian qtbase catalogue (``PySide6/Qt/translations`` has none for mn), so the
translations are ours: ``resources/locale/mn/LC_MESSAGES/qt.po``, entries with Qt's context as
``msgctxt``. ``PoTranslator`` serves them to Qt while the program's language is Mongolian (it asks
``pemdesk.i18n`` at every lookup, so a language switch needs no reinstall). Native file dialogs
are not translatable by us, so the program uses Qt's own (``AA_DontUseNativeDialogs``).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QCoreApplication, QTranslator

from pemdesk import i18n
from pemdesk.resources import resource_path

QT_PO = "qt.po"


@cache
def qt_catalogue(lang: str = "mn") -> dict[tuple[str, str], str]:
    """(Qt context, English source) -> translation."""
    path = resource_path("locale", lang, "LC_MESSAGES", QT_PO)
    if not path.is_file():
        return {}
    from pemdesk.po import cached_catalogue, read_po

    def build() -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for entry in read_po(path):
            if entry.msgctxt and entry.msgstr:
                found[(entry.msgctxt, entry.msgid)] = entry.msgstr
        return found

    return cached_catalogue(f"qt-{lang}", [path], build)


class PoTranslator(QTranslator):
    def translate(  # type: ignore[override]
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        lang = i18n.get_language()
        if lang == "en":
            return None
        return qt_catalogue(lang).get((context, source_text))

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


_installed: PoTranslator | None = None


def install(app: QCoreApplication) -> PoTranslator:
    """Install once per application (idempotent)."""
    global _installed
    if _installed is None:
        _installed = PoTranslator(app)
        app.installTranslator(_installed)
        from pemdesk.ui import file_dialog

        file_dialog.install()  # the file list's type, size and date in Mongolian too
    return _installed
