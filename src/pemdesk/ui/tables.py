"""Read-only list tables: one row selected at a time, no row numbers, the last column stretched."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def list_table(columns: int | list[str], *, fit_contents: bool = False) -> QTableWidget:
    """A table of ``columns`` (a count, or the header titles); ``fit_contents`` sizes the
    columns to their text, otherwise the user sizes them and long text wraps."""
    count = columns if isinstance(columns, int) else len(columns)
    table = QTableWidget(0, count)
    if not isinstance(columns, int):
        table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents if fit_contents
                                else QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    table.setWordWrap(not fit_contents)
    return table
