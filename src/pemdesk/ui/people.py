"""People (monitors, herders, officials, company staff): the list, and adding or editing one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.errors import InvalidInput, PemdeskError
from pemdesk.i18n import _
from pemdesk.labels import label
from pemdesk.ui.errors import show_error
from pemdesk.ui.ops import Operations


class PersonDialog(QDialog):
    saved = Signal(object)  # the saved model.Person

    def __init__(self, parent: QWidget, ops: Operations, person: model.Person | None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.person = person
        self.name = QLineEdit(person.name if person else "")
        self.role = QComboBox()
        for role in model.PersonRole:
            self.role.addItem(label(role), str(role))
        self.role.setCurrentIndex(
            self.role.findData(str(person.role if person else model.PersonRole.CITIZEN))
        )
        self.organisation = QLineEdit(person.organisation if person else "")
        self.phone = QLineEdit(person.phone if person else "")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(_("Name"), self.name)
        form.addRow(_("Role"), self.role)
        form.addRow(_("Organisation"), self.organisation)
        form.addRow(_("Phone"), self.phone)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setWindowTitle(_("Person"))

    def save(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.fail(InvalidInput("Хүний нэрийг оруулна уу.", "Enter the person's name."))
            return
        fields = dict(
            name=name,
            role=model.PersonRole(self.role.currentData()),
            organisation=self.organisation.text().strip(),
            phone=self.phone.text().strip(),
        )
        person = replace(self.person, **fields) if self.person else model.Person(**fields)  # type: ignore[arg-type]

        def done(saved: model.Person) -> None:
            self.saved.emit(saved)
            self.accept()

        self.ops.write(lambda store: store.save(person), done, self.fail)

    def fail(self, exc: BaseException) -> None:
        if isinstance(exc, PemdeskError):
            self.error.setText(exc.message(i18n.get_language()))
            self.error.show()
        else:
            show_error(self, exc)


class PeopleDialog(QDialog):
    """The people list: add and edit (people are referred to by visits, so not deleted here)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.ops: Operations = window.ops
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Organisation"), _("Phone")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self.edit())
        add = QPushButton(_("New person…"))
        add.clicked.connect(self.add)
        edit = QPushButton(_("Edit…"))
        edit.clicked.connect(self.edit)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(edit)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.people: list[model.Person] = []
        self.setWindowTitle(_("People"))
        self.resize(700, 420)
        self.reload()

    def reload(self) -> None:
        self.ops.run(lambda store: store.list_people(), self._show)

    def _show(self, people: list[model.Person]) -> None:
        self.people = people
        self.table.setRowCount(len(people))
        for r, p in enumerate(people):
            for c, text in enumerate((p.name, label(p.role), p.organisation, p.phone)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def add(self) -> None:
        dialog = PersonDialog(self, self.ops, None)
        dialog.saved.connect(lambda _p: self.reload())
        dialog.open()

    def edit(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.people):
            dialog = PersonDialog(self, self.ops, self.people[row])
            dialog.saved.connect(lambda _p: self.reload())
            dialog.open()
