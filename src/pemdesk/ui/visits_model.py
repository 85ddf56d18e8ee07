"""A table model over the visits of a site that pages through the store, so a store with
100,000 visits opens as fast as one with ten: rows are fetched in pages as the view scrolls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from pemdesk import model
from pemdesk.i18n import _, format_datetime
from pemdesk.labels import N_, label
from pemdesk.ui.ops import Operations

if TYPE_CHECKING:
    from pemdesk.storage import VisitFilter

PAGE = 200
Index = QModelIndex | QPersistentModelIndex


class VisitsModel(QAbstractTableModel):
    COLUMNS = (N_("Started"), N_("Status"), N_("Revision"), N_("Purpose"), N_("Weather"))

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self._ops = ops
        self._filter: VisitFilter | None = None
        self._rows: list[model.Visit] = []
        self._total = 0
        self._loading = False
        self._generation = 0

    def set_ops(self, ops: Operations) -> None:
        self._ops = ops

    def set_filter(self, f: VisitFilter | None) -> None:
        self._generation += 1
        generation = self._generation
        self.beginResetModel()
        self._filter, self._rows, self._total, self._loading = f, [], 0, False
        self.endResetModel()
        if f is None:
            return

        def first_page(store: Any) -> tuple[int, list[model.Visit]]:
            return store.count_visits(f), store.list_visits(f, limit=PAGE, offset=0)

        self._loading = True
        self._ops.run(first_page, lambda r: self._received(generation, r, reset=True))

    def _received(self, generation: int, result: Any, reset: bool = False) -> None:
        if generation != self._generation:
            return  # an answer to a filter that is no longer shown
        self._loading = False
        if reset:
            self._total, rows = result
        else:
            rows = result
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    @property
    def total(self) -> int:
        return self._total

    def visit(self, row: int) -> model.Visit:
        return self._rows[row]

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self._filter is None or not self.canFetchMore(parent):
            return
        f, offset, generation = self._filter, len(self._rows), self._generation
        self._loading = True
        self._ops.run(
            lambda store: store.list_visits(f, limit=PAGE, offset=offset),
            lambda rows: self._received(generation, rows),
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        v = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return format_datetime(v.started_at)
        if column == 1:
            return label(v.status)
        if column == 2:
            return str(v.revision)
        if column == 3:
            return v.purpose
        return v.weather

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
            )
