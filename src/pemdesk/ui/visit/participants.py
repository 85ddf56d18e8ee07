"""The Participants page: who took part, in which role."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from pemdesk import model, visits
from pemdesk.i18n import _
from pemdesk.ids import new_id
from pemdesk.labels import N_, label
from pemdesk.ui.visit.common import Raw, VisitPage, item_at

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor

COLUMNS = (N_("Name"), N_("Role"), N_("Organisation"))


def role_combo(role: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    for r in model.PersonRole:
        combo.addItem(label(r), str(r))
    if role:
        combo.setCurrentIndex(max(combo.findData(role), 0))
    return combo


class ParticipantsPage(VisitPage):
    key = "participants"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        layout = QVBoxLayout(self)
        self.person_choice = QComboBox()
        self.person_choice.setEditable(False)
        self.role_choice = role_combo()
        self.add_button = self.button(N_("Add"), self.add_chosen)
        self.new_person_button = self.button(N_("New person…"), self.new_person)
        self.remove_button = self.button(N_("Remove"), self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(self.person_choice, 2)
        row.addWidget(self.role_choice, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.new_person_button)
        row.addStretch(0)
        row.addWidget(self.remove_button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # roles are read whole ("Нутгийн иргэн"), never cut to "Нутгийн ир"
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(0, 220)
        self.table.verticalHeader().hide()
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def append(self, participant_id: str, person_id: str, role: str) -> None:
        person = self.editor.people.get(person_id)
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(person.name if person else person_id)
        name.setData(Qt.ItemDataRole.UserRole, participant_id)
        name.setData(Qt.ItemDataRole.UserRole + 1, person_id)
        self.table.setItem(row, 0, name)
        combo = role_combo(role)
        combo.currentIndexChanged.connect(lambda _i: self.editor.changed())
        combo.setEnabled(not self.editor.read_only)
        self.table.setCellWidget(row, 1, combo)
        self.table.setItem(row, 2, QTableWidgetItem(person.organisation if person else ""))

    def add(self, person_id: str, role: str | None = None) -> None:
        if self.editor.read_only:
            return
        person = self.editor.people.get(person_id)
        self.editor.snapshot()
        self.append(new_id(), person_id, role or (str(person.role) if person else "other"))
        self.editor.changed(snapshot_now=True)

    def add_chosen(self) -> None:
        person_id = self.person_choice.currentData()
        if person_id:
            self.editor.tabs.setCurrentWidget(self)
            self.add(person_id, self.role_choice.currentData())

    def new_person(self) -> None:
        from pemdesk.ui.people import PersonDialog

        dialog = PersonDialog(self.editor, self.editor.ops, None)

        def added(person: model.Person) -> None:
            self.editor.people[person.id] = person
            self.fill_choice()
            self.add(person.id, str(person.role))

        dialog.saved.connect(added)
        dialog.open()

    def fill_choice(self) -> None:
        current = self.person_choice.currentData()
        self.person_choice.clear()
        for person in sorted(self.editor.people.values(), key=lambda p: p.name):
            extra = f" — {person.organisation}" if person.organisation else ""
            self.person_choice.addItem(f"{person.name}{extra}", person.id)
        if current:
            self.person_choice.setCurrentIndex(max(self.person_choice.findData(current), 0))

    def remove_selected(self) -> None:
        self.editor.remove_rows(self.table)

    # --- the page protocol -------------------------------------------------------------------
    def populate(self, raw: Raw) -> None:
        self.table.setRowCount(0)
        for participant_id, person_id, role in raw["participants"]:
            self.append(participant_id, person_id, role)

    def collect(self, raw: Raw) -> None:
        rows = []
        for r in range(self.table.rowCount()):
            role = self.table.cellWidget(r, 1)
            item = item_at(self.table, r, 0)
            rows.append(
                (
                    item.data(Qt.ItemDataRole.UserRole),
                    item.data(Qt.ItemDataRole.UserRole + 1),
                    role.currentData() if isinstance(role, QComboBox) else "other",
                )
            )
        raw["participants"] = rows

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        for participant_id, person_id, role in raw["participants"]:
            original = self.editor.originals.get(participant_id)
            if isinstance(original, model.Participant):
                record = replace(original, person_id=person_id, role=model.PersonRole(role))
            else:
                record = model.Participant(
                    visit_id=self.editor.visit_id,
                    person_id=person_id,
                    role=model.PersonRole(role),
                    id=participant_id,
                )
            draft.participants.append(record)

    def apply_read_only(self, read_only: bool) -> None:
        for r in range(self.table.rowCount()):
            widget = self.table.cellWidget(r, 1)
            if widget is not None:
                widget.setEnabled(not read_only)
        for widget in (self.add_button, self.new_person_button, self.remove_button,
                       self.person_choice, self.role_choice):  # fmt: skip
            widget.setVisible(not read_only)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        for r in range(self.table.rowCount()):
            combo = self.table.cellWidget(r, 1)
            if isinstance(combo, QComboBox):
                relabel(combo)
        relabel(self.role_choice)


def relabel(combo: QComboBox) -> None:
    """Enum choices named again in the current language."""
    for i in range(combo.count()):
        data = combo.itemData(i)
        for enum in (model.PersonRole, model.Severity, model.FollowUpStatus):
            try:
                combo.setItemText(i, label(enum(data)))
                break
            except ValueError:
                continue
