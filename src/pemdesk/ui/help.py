"""Help → Help: a short page on recording a visit, syncing and printing (Markdown in
``resources/help/help-<lang>.md``), shown in the current language."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.resources import resource_path


def help_text(lang: str) -> str:
    path = resource_path("help", f"help-{lang}.md")
    if not path.is_file():
        path = resource_path("help", "help-en.md")
    return path.read_text(encoding="utf-8")


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("pemdesk help"))
        self.resize(760, 640)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(help_text(i18n.get_language()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)


def show_help(window: Any) -> HelpDialog:
    dialog = HelpDialog(window)
    window._help_dialog = dialog  # kept alive while open
    dialog.show()
    return dialog
