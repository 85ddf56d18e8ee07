"""The conflicts view for coordinators: two versions side by side, choose one or merge by field.

The list and the resolution go through the database thread (``window.ops``); the resolution is
written as an ordinary change plus a ``resolve`` op, so it syncs like any other edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.sync.conflicts import GEOMETRY_FIELDS, Conflict, entity_label
from pemdesk.ui.ops import Operations
from pemdesk.ui.sync.geometry_view import GeometryCompare

CONFLICT_ROLE = Qt.ItemDataRole.UserRole + 1
# Display names of the fields that most often clash (the rest show their column name).
FIELD_NAMES = {
    "geometry": N_("Outline"),
    "boundary": N_("Boundary"),
    "area_ha": N_("Area, ha"),
    "name": N_("Name"),
    "name_mn": N_("Name (Mongolian)"),
    "name_en": N_("Name (English)"),
    "stage": N_("Stage"),
    "notes": N_("Notes"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "_deleted": N_("Deleted"),
}


def field_name(name: str) -> str:
    return _(FIELD_NAMES[name]) if name in FIELD_NAMES else name


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict) and "type" in value:
        from pemdesk.ui.sync.geometry_view import rings

        points = sum(max(0, len(r) - 1) for r in rings(value))
        return _("outline, {n} points").format(n=points)
    if isinstance(value, float):
        return i18n.format_number(value, 4).rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


class ConflictsDialog(QDialog):
    """Lists open conflicts; for the chosen one shows version A and B and a choice per field."""

    def __init__(
        self,
        ops: Operations,
        load: Callable[[Any], list[Conflict]],
        resolve: Callable[[Any, Conflict, dict[str, str]], Any],
        parent: QWidget | None = None,
        can_resolve: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self._load = load
        self._resolve = resolve
        self.can_resolve = can_resolve
        self.conflicts: list[Conflict] = []
        self.current: Conflict | None = None
        self._choices: dict[str, QButtonGroup] = {}
        self.setWindowTitle(_("Conflicts"))
        self.resize(980, 620)

        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._on_current)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(self.column_titles())  # never Qt's "1 2 3"
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.geometry_view = GeometryCompare()
        self.button_a = QPushButton(_("Keep version A"))
        self.button_b = QPushButton(_("Keep version B"))
        self.button_save = QPushButton(_("Save the resolution"))
        self.button_a.clicked.connect(lambda: self.choose_all(0))
        self.button_b.clicked.connect(lambda: self.choose_all(1))
        self.button_save.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setWordWrap(True)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.header)
        rl.addWidget(self.table, 2)
        rl.addWidget(self.geometry_view, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.button_a)
        buttons.addWidget(self.button_b)
        buttons.addStretch(1)
        buttons.addWidget(self.button_save)
        rl.addLayout(buttons)
        rl.addWidget(self.status)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 700])
        close = QDialogButtonBox()
        close.addButton(QPushButton(_("Close")), QDialogButtonBox.ButtonRole.RejectRole)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)
        self._set_enabled(False)
        if not can_resolve:
            self.status.setText(
                _("Only a coordinator can resolve conflicts; you can look at both versions.")
            )
        self.reload()

    @staticmethod
    def column_titles() -> list[str]:
        return [_("Field"), _("Version A"), _("Version B")]

    # --- data ------------------------------------------------------------------------------
    def reload(self) -> None:
        self.ops.run(self._load, self._got)

    def _got(self, conflicts: list[Conflict]) -> None:
        keep = self.current.conflict_id if self.current else None
        self.conflicts = conflicts
        self.list.clear()
        lang = i18n.get_language()
        select = None
        for c in conflicts:
            item = QListWidgetItem(f"{entity_label(c.entity, lang)}: {c.title}")
            item.setData(CONFLICT_ROLE, c.conflict_id)
            self.list.addItem(item)
            if c.conflict_id == keep or select is None:
                select = item
        if select is not None:
            self.list.setCurrentItem(select)
        else:
            self.current = None
            self._show(None)

    def _on_current(self, item: QListWidgetItem | None, _previous: Any) -> None:
        cid = item.data(CONFLICT_ROLE) if item is not None else None
        self._show(next((c for c in self.conflicts if c.conflict_id == cid), None))

    def _set_enabled(self, on: bool) -> None:
        for w in (self.button_a, self.button_b, self.button_save):
            w.setEnabled(on and self.can_resolve)

    def _show(self, conflict: Conflict | None) -> None:
        self.current = conflict
        self._choices.clear()
        self.table.setRowCount(0)
        if conflict is None:
            self.header.setText(_("There are no conflicts to resolve."))
            self.geometry_view.set_geometries(None, None)
            self._set_enabled(False)
            return
        lang = i18n.get_language()
        self.header.setText(
            f"<b>{entity_label(conflict.entity, lang)}: {conflict.title}</b><br>"
            + _("A: the version every device shows now. B: the other version, kept by the server.")
            + (f"<br>{_('B came from')}: {conflict.other_source}" if conflict.other_source else "")
        )
        self.table.setHorizontalHeaderLabels(self.column_titles())
        self.table.setRowCount(len(conflict.units))
        for row, unit in enumerate(conflict.units):
            self.table.setItem(row, 0, QTableWidgetItem(", ".join(map(field_name, unit.fields))))
            group = QButtonGroup(self)
            for col, values in ((1, unit.a), (2, unit.b)):
                text = "; ".join(show_value(values.get(f)) for f in unit.fields)
                radio = QRadioButton(text)
                radio.setEnabled(self.can_resolve)
                group.addButton(radio, col - 1)
                self.table.setCellWidget(row, col, radio)
            group.button(0).setChecked(True)
            self._choices[unit.conflict_id] = group
        self.table.resizeRowsToContents()
        geometry_unit = next((u for u in conflict.units if GEOMETRY_FIELDS & set(u.fields)), None)
        if geometry_unit is not None:
            name = next(f for f in geometry_unit.fields if f in GEOMETRY_FIELDS)
            self.geometry_view.set_geometries(
                geometry_unit.a.get(name), geometry_unit.b.get(name), ("A", "B")
            )
            self.geometry_view.show()
        else:
            self.geometry_view.hide()
        self._set_enabled(True)

    def choose_all(self, which: int) -> None:
        for group in self._choices.values():
            group.button(which).setChecked(True)

    def choose(self, conflict_id: str, which: str) -> None:
        self._choices[conflict_id].button(0 if which == "a" else 1).setChecked(True)

    def chosen(self) -> dict[str, str]:
        """conflict_id -> "a" or "b", as ticked."""
        return {cid: "a" if g.checkedId() == 0 else "b" for cid, g in self._choices.items()}

    def save(self) -> None:
        if self.current is None or not self.can_resolve:
            return
        conflict, values = self.current, self.chosen()
        self._set_enabled(False)
        self.status.setText(_("Saving…"))

        def done(_result: Any) -> None:
            self.status.setText(_("Resolved. The resolution is sent with the next sync."))
            self.current = None
            self.reload()

        def failed(exc: BaseException) -> None:
            from pemdesk.ui.errors import show_error

            self._set_enabled(True)
            self.status.setText("")
            show_error(self, exc)

        self.ops.write(lambda store: self._resolve(store, conflict, values), done, failed)
