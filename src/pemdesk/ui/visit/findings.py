"""The Findings page: what the committee found, how serious, and its follow-up."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from pemdesk import i18n, model, visits
from pemdesk.i18n import _
from pemdesk.ids import new_id
from pemdesk.labels import N_, label
from pemdesk.ui.visit.common import EnterAddsRow, LiveDelegate, Raw, VisitPage, item_at
from pemdesk.ui.visit.observations import edit_triggers
from pemdesk.ui.visit.participants import relabel

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor

COLUMNS = (
    N_("Category"),
    N_("Description"),
    N_("Severity"),
    N_("Follow-up"),
    N_("Follow-up note"),
)
SEVERITY, FOLLOW_UP = 2, 3


def finding_category(code: str, lang: str) -> str:
    from pemdesk.reports.common import finding_category as shown  # reports load on demand

    return shown(code, lang)


def finding_category_code(text: str) -> str:
    from pemdesk.reports.common import finding_category_code as code

    return code(text)


class FindingsPage(VisitPage):
    key = "findings"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.add_button = self.button(N_("Add finding"), self.add_row)
        self.remove_button = self.button(N_("Remove"), self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 320, 110, 120)):
            self.table.setColumnWidth(column, width)
        self.table.itemChanged.connect(self._item_changed)
        self.table.setItemDelegate(LiveDelegate(editor, self.table))
        self.table.installEventFilter(EnterAddsRow(self.table, self.add_row))
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def _combo(self, enum: Any, value: str) -> QComboBox:
        combo = QComboBox()
        for s in enum:
            combo.addItem(label(s), str(s))
        combo.setCurrentIndex(max(combo.findData(value), 0))
        combo.currentIndexChanged.connect(lambda _i: self.editor.changed())
        combo.setEnabled(not self.editor.read_only)
        return combo

    def append(
        self, finding_id: str, category: str = "", description: str = "",
        severity: str = "medium", follow_up: str = "open", note: str = "",
    ) -> int:  # fmt: skip
        table, editor = self.table, self.editor
        was = editor.populating
        editor.populating = True
        row = table.rowCount()
        table.insertRow(row)
        first = QTableWidgetItem(finding_category(category, i18n.get_language()))
        first.setData(Qt.ItemDataRole.UserRole, finding_id)
        table.setItem(row, 0, first)
        table.setItem(row, 1, QTableWidgetItem(description))
        table.setCellWidget(row, SEVERITY, self._combo(model.Severity, severity))
        table.setCellWidget(row, FOLLOW_UP, self._combo(model.FollowUpStatus, follow_up))
        table.setItem(row, 4, QTableWidgetItem(note))
        editor.populating = was
        return row

    def add_row(self, category: str = "", description: str = "") -> int:
        editor = self.editor
        if editor.read_only:
            return -1
        editor.snapshot()
        row = self.append(new_id(), category, description)
        editor.tabs.setCurrentWidget(self)
        # the keyboard goes to the new row's first cell: typing fills it (not left on the button)
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        editor.changed(snapshot_now=True)
        return row

    def remove_selected(self) -> None:
        self.editor.remove_rows(self.table)

    def _item_changed(self, _item: QTableWidgetItem) -> None:
        if not self.editor.populating:
            self.editor.changed()

    # --- the page protocol -------------------------------------------------------------------
    def populate(self, raw: Raw) -> None:
        self.table.setRowCount(0)
        for row in raw["findings"]:
            self.append(*row)

    def collect(self, raw: Raw) -> None:
        cell = self.editor.cell
        rows = []
        for r in range(self.table.rowCount()):
            severity = self.table.cellWidget(r, SEVERITY)
            follow_up = self.table.cellWidget(r, FOLLOW_UP)
            rows.append(
                (
                    item_at(self.table, r, 0).data(Qt.ItemDataRole.UserRole),
                    finding_category_code(cell(self.table, r, 0)),  # "Тоос" is kept as "dust"
                    cell(self.table, r, 1),
                    severity.currentData() if isinstance(severity, QComboBox) else "medium",
                    follow_up.currentData() if isinstance(follow_up, QComboBox) else "open",
                    cell(self.table, r, 4),
                )
            )
        raw["findings"] = rows

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        for finding_id, category, description, severity, follow_up, note in raw["findings"]:
            if not category.strip() and not description.strip():
                continue  # an empty row stays on the page and is saved once filled in
            original = self.editor.originals.get(finding_id)
            fields: dict[str, Any] = dict(
                category=category.strip(),
                description=description.strip(),
                severity=model.Severity(severity),
                follow_up=model.FollowUpStatus(follow_up),
                follow_up_note=note.strip(),
            )
            if isinstance(original, model.Finding):
                draft.findings.append(replace(original, **fields))
            else:
                draft.findings.append(
                    model.Finding(visit_id=self.editor.visit_id, id=finding_id, **fields)
                )

    def apply_read_only(self, read_only: bool) -> None:
        self.table.setEditTriggers(edit_triggers(read_only))
        for r in range(self.table.rowCount()):
            for c in (SEVERITY, FOLLOW_UP):
                widget = self.table.cellWidget(r, c)
                if widget is not None:
                    widget.setEnabled(not read_only)
        for widget in (self.add_button, self.remove_button):
            widget.setVisible(not read_only)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        was, self.editor.populating = self.editor.populating, True
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None:  # a known category in the new language
                item.setText(finding_category(finding_category_code(item.text()),
                                              i18n.get_language()))  # fmt: skip
        self.editor.populating = was
        for r in range(self.table.rowCount()):
            for c in (SEVERITY, FOLLOW_UP):
                combo = self.table.cellWidget(r, c)
                if isinstance(combo, QComboBox):
                    relabel(combo)
