"""A "Sync" column for the visits table: pending / sent / confirmed / conflict per visit.

An identity proxy over the visits model with one extra column, filled from
``sync_client.sync_status`` on the database thread whenever rows arrive or data changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pemdesk.i18n import _, format_datetime
from pemdesk.labels import N_
from pemdesk.ui.ops import Operations

Index = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {
    "local": N_("only here"),
    "pending": N_("not sent"),
    "sent": N_("sent"),
    "confirmed": N_("confirmed"),
    "conflict": N_("conflict"),
    "refused": N_("refused"),
}
# The server's seal receipt of a finished visit, shown as the Sync cell's tooltip.
RECEIPT_TEXT = {
    "verified": N_("The server checked the seal and every photo on {when}."),
    "photos_pending": N_("The server checked the seal on {when}; some photos have not arrived."),
    "invalid": N_("The server found the seal does NOT match the record ({when})."),
}
STATUS_COLOUR = {
    "pending": QColor(180, 110, 0),
    "sent": QColor(30, 90, 170),
    "confirmed": QColor(30, 130, 60),
    "conflict": QColor(190, 30, 30),
    "refused": QColor(160, 40, 120),
    "local": QColor(120, 120, 120),
}


def status_label(status: str) -> str:
    return _(STATUS_TEXT.get(status, status))


class SyncStatusProxy(QIdentityProxyModel):
    def __init__(self, source: Any, ops: Operations) -> None:
        super().__init__()
        self.ops = ops
        self.setSourceModel(source)
        self.status: dict[str, str] = {}
        self.receipts: dict[str, tuple[str, str]] = {}
        source.modelReset.connect(self.refresh)
        source.rowsInserted.connect(lambda *_a: self.refresh())
        ops.changed.connect(self.refresh)

    @property
    def extra(self) -> int:
        return self.sourceModel().columnCount()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.sourceModel().columnCount() + 1

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column == self.extra and not parent.isValid() and 0 <= row < self.rowCount():
            return self.createIndex(row, column)
        return super().index(row, column, parent)

    def parent(self, child: Any = None) -> Any:  # type: ignore[override]
        if child is None:
            return super().parent()
        return QModelIndex()

    def sibling(self, row: int, column: int, idx: Index) -> QModelIndex:
        return self.index(row, column)

    def mapToSource(self, proxy: Index) -> QModelIndex:  # noqa: N802
        if proxy.isValid() and proxy.column() == self.extra:
            return QModelIndex()
        return super().mapToSource(proxy)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and section == self.extra:
            return _("Sync") if role == Qt.ItemDataRole.DisplayRole else None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == self.extra:
            visit = self._visits().visit(index.row())
            state = self.status.get(visit.id)
            if state is None:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return status_label(state)
            if role == Qt.ItemDataRole.ForegroundRole:
                return STATUS_COLOUR.get(state)
            if role == Qt.ItemDataRole.ToolTipRole and visit.id in self.receipts:
                status, when = self.receipts[visit.id]
                return _(RECEIPT_TEXT.get(status, status)).format(when=format_datetime(when))
            return None
        return super().data(index, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid() and index.column() == self.extra:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return super().flags(index)

    def _visits(self) -> Any:
        """The visits model this column is added to."""
        return self.sourceModel()

    def refresh(self) -> None:
        source = self._visits()
        ids = [source.visit(r).id for r in range(source.rowCount())]
        if not ids:
            return

        def load(store: Any) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
            from pemdesk.storage import sync_client as sc
            from pemdesk.storage.receipts import receipt_statuses

            return sc.sync_status(store, "visit", ids), receipt_statuses(store, ids)

        self.ops.run(load, self._got)

    def _got(self, result: tuple[dict[str, str], dict[str, tuple[str, str]]]) -> None:
        status, receipts = result
        self.status.update(status)
        self.receipts.update(receipts)
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, self.extra), self.index(rows - 1, self.extra))
