"""What the visit editor's pages share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from pemdesk import model, visits
from pemdesk.storage import Store, VisitDetail

if TYPE_CHECKING:
    from pemdesk.catalogue import Catalogue
    from pemdesk.ui.visit.editor import VisitEditor

OK_COLOUR = QColor("#e8f5e9")
OVER_COLOUR = QColor("#ffe0b2")
BAD_COLOUR = QColor("#ffcdd2")

Raw = dict[str, Any]  # the editor's state as plain values: the undo history and what is saved


@dataclass
class EditorData:
    detail: VisitDetail
    site_plots: list[model.Plot]
    people: list[model.Person]
    newer: model.Visit | None


def load_editor_data(store: Store, visit_id: str) -> EditorData:
    detail = store.visit_detail(visit_id)
    return EditorData(
        detail=detail,
        site_plots=store.list_plots(detail.site.id),
        people=store.list_people(),
        newer=store.visit_superseding(visit_id),
    )


def catalogue() -> Catalogue:
    from pemdesk.catalogue import Catalogue

    return Catalogue.load()


class VisitPage(QWidget):
    """A page of the editor. The editor calls, in this order of life:
    ``populate(raw)`` to show values, ``collect(raw)`` to read them back (add your keys),
    ``to_draft(raw, draft)`` to turn them into records, ``apply_read_only(ro)`` and
    ``retranslate()``. Texts given to ``label``/``button`` are English and retranslated."""

    key = ""  # "general", "participants", ... (review items name the page to go to by it)

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__()
        self.editor = editor

    def label(self, text: str) -> QLabel:
        widget = QLabel()
        self.editor.translate_later(widget.setText, text)
        return widget

    def button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton()
        button.clicked.connect(lambda _checked=False: slot())
        self.editor.translate_later(button.setText, text)
        return button

    def populate(self, raw: Raw) -> None:
        pass

    def collect(self, raw: Raw) -> None:
        pass

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        pass

    def apply_read_only(self, read_only: bool) -> None:
        pass

    def retranslate(self) -> None:
        pass


class LiveDelegate(QStyledItemDelegate):
    """A cell being typed into counts at every keystroke, before it is committed: observation
    values are checked as they are typed, and autosave keeps the text even if the program dies
    with the cell still open."""

    def __init__(self, editor: VisitEditor, table: QTableWidget) -> None:
        super().__init__(table)
        self._editor, self._table = editor, table
        self.closeEditor.connect(lambda *_args: editor.typing_done(table))

    def createEditor(  # noqa: N802 - Qt's name
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        widget = super().createEditor(parent, option, index)
        if isinstance(widget, QLineEdit):
            row, column = index.row(), index.column()
            widget.textEdited.connect(
                lambda text: self._editor.typed(self._table, row, column, text)
            )
        return widget


def show_start(combo: QComboBox, text: str) -> None:
    """Show an editable combo's text from its beginning (the group and name, not the tail)."""
    combo.setEditText(text)
    line = combo.lineEdit()
    if line is not None:
        line.setCursorPosition(0)


class EnterAddsRow(QObject):
    """Enter on the last row of a table (when not editing a cell) adds a row."""

    def __init__(self, table: QTableWidget, add: Callable[[], Any]) -> None:
        super().__init__(table)
        self._table, self._add = table, add

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            table = self._table
            if table.state() != QAbstractItemView.State.EditingState and (
                table.rowCount() == 0 or table.currentRow() == table.rowCount() - 1
            ):
                self._add()
                return True
        return False


def item_at(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item every row of the editor's tables has in this column (made with the row)."""
    item = table.item(row, column)
    if item is None:
        raise LookupError(f"row {row} has no item in column {column}")
    return item
