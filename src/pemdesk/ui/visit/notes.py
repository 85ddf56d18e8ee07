"""The Notes page: free text about the visit."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout

from pemdesk import visits
from pemdesk.i18n import _
from pemdesk.ui.visit.common import Raw, VisitPage

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor


class NotesPage(VisitPage):
    key = "notes"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        layout = QVBoxLayout(self)
        self.notes = QPlainTextEdit()
        self.notes.textChanged.connect(lambda: editor.changed())
        layout.addWidget(self.notes)

    def populate(self, raw: Raw) -> None:
        if self.notes.toPlainText() != raw["notes"]:
            self.notes.setPlainText(raw["notes"])

    def collect(self, raw: Raw) -> None:
        raw["notes"] = self.notes.toPlainText()

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        draft.visit = replace(draft.visit, notes=raw["notes"])

    def apply_read_only(self, read_only: bool) -> None:
        self.notes.setReadOnly(read_only)

    def retranslate(self) -> None:
        self.notes.setPlaceholderText(_("Notes about the visit"))
