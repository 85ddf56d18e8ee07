"""The Observations page: indicator, value (checked against the catalogue as it is typed),
unit, method, comment, and which limit the value is above — in honest words."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from pemdesk import i18n, model, visits
from pemdesk.errors import PemdeskError
from pemdesk.i18n import _
from pemdesk.ids import new_id, utc_now
from pemdesk.labels import N_
from pemdesk.ui.visit.common import (
    BAD_COLOUR,
    OK_COLOUR,
    OVER_COLOUR,
    EnterAddsRow,
    LiveDelegate,
    Raw,
    VisitPage,
    catalogue,
    item_at,
    show_start,
)

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor

COLUMNS = (
    N_("Indicator"),
    N_("Value"),
    N_("Unit"),
    N_("Method / instrument"),
    N_("Comment"),
    N_("Check"),
)
VALUE, UNIT, CHECK = 1, 2, 5


def wrap_tooltip(text: str) -> str:
    """Qt wraps rich-text tooltips only: plain text runs off the screen's edges."""
    if not text:
        return ""
    from html import escape

    return f"<p style='white-space:pre-wrap; max-width:28em'>{escape(text)}</p>"


def indicator_text(indicator: Any, lang: str) -> str:
    group = catalogue().group(indicator.group).name(lang)
    return f"{group}: {indicator.name(lang)}"


class ObservationsPage(VisitPage):
    key = "observations"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        self.row_times: dict[str, str] = {}
        self.populating_rows = False
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.add_button = self.button(N_("Add observation"), self.add_row)
        self.remove_button = self.button(N_("Remove"), self.remove_selected)
        self.hint = self.label(
            N_("Enter adds a row. Values are checked against the indicator catalogue as you type.")
        )
        self.hint.setWordWrap(True)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.hint, 1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((330, 90, 70, 140, 140)):
            self.table.setColumnWidth(column, width)
        self.table.itemChanged.connect(self._item_changed)
        self.table.setItemDelegate(LiveDelegate(editor, self.table))
        self.table.installEventFilter(EnterAddsRow(self.table, self.add_row))
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    # --- rows --------------------------------------------------------------------------------
    def _indicator_combo(self, code: str | None) -> QComboBox:
        combo = QComboBox()
        combo.addItem("", None)  # nothing chosen: an empty field to type into (not "—")
        lang = i18n.get_language()
        for indicator in catalogue().all():
            combo.addItem(indicator_text(indicator, lang), indicator.code)
        combo.setCurrentIndex(max(combo.findData(code), 0) if code else 0)
        combo.setMaxVisibleItems(20)
        # Keyboard: type any part of a name ("pm10", "тоос") and pick from the matches.
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        line = combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("Type or choose an indicator"))
            line.editingFinished.connect(lambda c=combo: self._typed_indicator_done(c))
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._indicator_changed(c))
        show_start(combo, combo.itemText(combo.currentIndex()))
        return combo

    def _typed_indicator_done(self, combo: QComboBox) -> None:
        """Text left in the field chooses the indicator it names when exactly one matches
        ("pH" → Water: pH); otherwise the field shows the chosen indicator again."""
        typed = combo.currentText().strip().casefold()
        if typed and typed != combo.itemText(combo.currentIndex()).casefold():
            matches = [i for i in range(1, combo.count()) if typed in combo.itemText(i).casefold()]
            exact = [i for i in matches if combo.itemText(i).casefold().endswith(": " + typed)]
            chosen = exact if len(exact) == 1 else matches
            if len(chosen) == 1:
                combo.setCurrentIndex(chosen[0])
        show_start(combo, combo.itemText(combo.currentIndex()))

    def append(
        self, obs_id: str, code: str | None, value: str = "", method: str = "", comment: str = ""
    ) -> int:
        table = self.table
        editor = self.editor
        was = editor.populating
        editor.populating = True
        row = table.rowCount()
        table.insertRow(row)
        holder = QTableWidgetItem()
        holder.setData(Qt.ItemDataRole.UserRole, obs_id)
        table.setItem(row, 0, holder)
        combo = self._indicator_combo(code)
        combo.setEnabled(not editor.read_only)
        table.setCellWidget(row, 0, combo)
        table.setItem(row, VALUE, QTableWidgetItem(value))
        unit = QTableWidgetItem()
        unit.setFlags(unit.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, UNIT, unit)
        table.setItem(row, 3, QTableWidgetItem(method))
        table.setItem(row, 4, QTableWidgetItem(comment))
        check = QTableWidgetItem()
        check.setFlags(check.flags() & ~Qt.ItemFlag.ItemIsEditable)
        table.setItem(row, CHECK, check)
        editor.populating = was
        self.check(row)
        return row

    def add_row(self, code: str | None = None, value: str = "") -> int:
        editor = self.editor
        if editor.read_only:
            return -1
        editor.snapshot()
        obs_id = new_id()
        self.row_times[obs_id] = utc_now()  # when it was observed (recorded), kept per row
        row = self.append(obs_id, code, value)
        editor.tabs.setCurrentWidget(self)
        self.table.setCurrentCell(row, 0)
        self.table.cellWidget(row, 0).setFocus()
        editor.changed(snapshot_now=True)
        return row

    def set_row(self, row: int, code: str | None = None, value: str | None = None) -> None:
        """Set a row's indicator and/or value (as typing and choosing would)."""
        if code is not None:
            combo = self.table.cellWidget(row, 0)
            assert isinstance(combo, QComboBox)
            combo.setCurrentIndex(combo.findData(code))
        if value is not None:
            item_at(self.table, row, VALUE).setText(value)

    def remove_selected(self) -> None:
        self.editor.remove_rows(self.table)

    def code(self, row: int) -> str | None:
        combo = self.table.cellWidget(row, 0)
        return combo.currentData() if isinstance(combo, QComboBox) else None

    # --- checks as you type ------------------------------------------------------------------
    def _indicator_changed(self, combo: QComboBox) -> None:
        show_start(combo, combo.itemText(combo.currentIndex()))
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, 0) is combo:
                self.check(r)
        self.editor.changed()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self.editor.populating or item.column() not in (VALUE, 3, 4):
            return
        if item.column() == VALUE:
            self.check(item.row())
        self.editor.changed()

    def state(self, row: int, typed: str | None = None) -> tuple[str, str]:
        """("ok" | "over" | "invalid" | "empty", message) for a row (or for the text being
        typed into its value cell)."""
        code = self.code(row)
        value = self.editor.cell(self.table, row, VALUE) if typed is None else typed
        if not code:
            return "empty", _("Choose an indicator.") if value.strip() else ""
        cat = catalogue()
        indicator = cat.get(code)
        if not value.strip():
            return "empty", _("Allowed: {range}").format(
                range=indicator.range_text()
            ) if indicator.is_numeric else ""
        lang = i18n.get_language()
        try:
            cat.validate(code, value)
            broken = cat.exceedances(code, value)
        except PemdeskError as exc:
            return "invalid", exc.message(lang)
        if broken:
            broken.sort(key=lambda limit: not limit.is_national)  # the national standard first
            return "over", "; ".join(indicator.exceedance_text(limit, lang) for limit in broken)
        return "ok", _("Within limits") if indicator.limits else _("OK")

    def check(self, row: int, typed: str | None = None) -> None:
        table = self.table
        check = table.item(row, CHECK)
        value_item = table.item(row, VALUE)
        if check is None or value_item is None:
            return
        editor = self.editor
        was = editor.populating
        editor.populating = True
        try:
            code = self.code(row)
            unit = catalogue().get(code).unit if code else ""
            item_at(table, row, UNIT).setText("" if unit == "count" else unit)
            state, message = self.state(row, typed)
            check.setText(message.split("; ")[0] + (" …" if "; " in message else ""))
            tip = wrap_tooltip(message.replace("; ", "\n"))
            check.setToolTip(tip)
            if not self.populating_rows:
                self.message.setText(
                    message.replace("; ", "\n") if state in ("invalid", "over") else ""
                )
                self.message.setStyleSheet(
                    "color: #b71c1c;" if state == "invalid" else "color: #e65100;"
                )
            if typed is None:  # touching the cell being edited would reset its editor
                value_item.setToolTip(tip)
            colour = {"ok": OK_COLOUR, "over": OVER_COLOUR, "invalid": BAD_COLOUR}.get(state)
            brush = QBrush(colour) if colour is not None else QBrush()
            check.setBackground(brush)
            if typed is None:
                value_item.setBackground(brush)
        finally:
            editor.populating = was

    def invalid_rows(self) -> list[int]:
        return [r for r in range(self.table.rowCount()) if self.state(r)[0] == "invalid"]

    # --- the page protocol -------------------------------------------------------------------
    def populate(self, raw: Raw) -> None:
        self.table.setRowCount(0)
        self.populating_rows = True
        try:
            for row in raw["observations"]:
                self.append(*row)
        finally:
            self.populating_rows = False

    def collect(self, raw: Raw) -> None:
        cell = self.editor.cell
        raw["observations"] = [
            (
                item_at(self.table, r, 0).data(Qt.ItemDataRole.UserRole),
                self.code(r),
                cell(self.table, r, VALUE),
                cell(self.table, r, 3),
                cell(self.table, r, 4),
            )
            for r in range(self.table.rowCount())
        ]

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        cat = catalogue()
        for obs_id, code, value_text, method, comment in raw["observations"]:
            if not code or not value_text.strip():
                continue
            try:
                value = cat.validate(code, value_text)
            except PemdeskError:
                continue  # shown in red on the row; saved once corrected
            if isinstance(value, int | float):  # bool is an int: stored as 0/1
                num, text = float(value), None
            else:
                num, text = None, str(value)
            original = self.editor.originals.get(obs_id)
            fields: dict[str, Any] = dict(
                indicator=code,
                value_num=num,
                value_text=text,
                method=method.strip(),
                comment=comment.strip(),
            )
            if isinstance(original, model.Observation):
                unit = original.unit if original.indicator == code else cat.get(code).unit
                draft.observations.append(replace(original, unit=unit, **fields))
            else:
                draft.observations.append(
                    model.Observation(
                        visit_id=self.editor.visit_id,
                        unit=cat.get(code).unit,
                        observed_at=self.row_times.get(obs_id),
                        id=obs_id,
                        **fields,
                    )
                )

    def apply_read_only(self, read_only: bool) -> None:
        self.table.setEditTriggers(edit_triggers(read_only))
        for r in range(self.table.rowCount()):
            widget = self.table.cellWidget(r, 0)
            if widget is not None:
                widget.setEnabled(not read_only)
        for widget in (self.add_button, self.remove_button):
            widget.setVisible(not read_only)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        lang = i18n.get_language()
        cat = catalogue()
        for r in range(self.table.rowCount()):
            combo = self.table.cellWidget(r, 0)
            if isinstance(combo, QComboBox):
                for i in range(1, combo.count()):
                    combo.setItemText(i, indicator_text(cat.get(combo.itemData(i)), lang))
                line = combo.lineEdit()
                if line is not None:
                    line.setPlaceholderText(_("Type or choose an indicator"))
                show_start(combo, combo.itemText(combo.currentIndex()))
            self.check(r)


def edit_triggers(read_only: bool) -> QAbstractItemView.EditTrigger:
    if read_only:
        return QAbstractItemView.EditTrigger.NoEditTriggers
    return (
        QAbstractItemView.EditTrigger.AllEditTriggers
        & ~QAbstractItemView.EditTrigger.CurrentChanged
    )
