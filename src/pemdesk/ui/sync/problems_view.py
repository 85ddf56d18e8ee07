"""Sync problems: edits the server refused (with why, and the refused values kept as evidence)
and received changes this computer could not apply (set aside; the sync goes on without them).

Read through the database thread (``window.ops``); nothing here changes data.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.storage import Store
from pemdesk.ui.ops import Operations


def load_problems(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Runs on the database thread."""
    from pemdesk.storage import sync_client as sc

    return {"refused": sc.refusals(store), "quarantined": sc.quarantined(store)}


def _table(headers: list[str], rows: list[list[str]], tips: list[str]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    for r, (row, tip) in enumerate(zip(rows, tips, strict=True)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class ProblemsDialog(QDialog):
    def __init__(self, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Sync problems"))
        self.resize(900, 460)
        self.ops = ops
        layout = QVBoxLayout(self)
        self.summary = QLabel(_("Loading…"))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refused: QTableWidget | None = None
        self.quarantined: QTableWidget | None = None
        ops.run(load_problems, self.show_problems)

    def show_problems(self, problems: dict[str, list[dict[str, Any]]]) -> None:
        from pemdesk.sync.refusals import explain

        lang = i18n.get_language()
        refused, held = problems["refused"], problems["quarantined"]
        self.tabs.clear()
        rows, tips = [], []
        for r in refused:
            fields = r["fields"] if isinstance(r["fields"], dict) else {}
            rows.append([str(r["refused_at"])[:16].replace("T", " "), str(r["entity"]),
                         str(r["entity_id"])[:8], ", ".join(sorted(fields)),
                         explain(r["reason"]).message(lang)])
            tips.append(_("Refused values, kept as evidence:") + "\n"
                        + json.dumps(fields, ensure_ascii=False, indent=1)[:2000])
        self.refused = _table([_("When"), _("Kind"), _("Record"), _("Fields"), _("Why")],
                              rows, tips)
        self.tabs.addTab(self.refused, _("Refused edits ({n})").format(n=len(refused)))
        rows, tips = [], []
        for q in held:
            rows.append([str(q["received_at"])[:16].replace("T", " "), str(q["entity"]),
                         str(q["entity_id"])[:8], str(q["version"] or ""), str(q["error"])])
            tips.append(str(q["change"])[:2000])
        self.quarantined = _table([_("When"), _("Kind"), _("Record"), _("Version"),
                                   _("Problem")], rows, tips)
        self.tabs.addTab(self.quarantined,
                         _("Received, not applied ({n})").format(n=len(held)))
        if not refused and not held:
            self.summary.setText(_("No sync problems."))
        else:
            self.summary.setText(_(
                "The server refused {r} of your edits: its copy is shown and yours is kept "
                "here as evidence. {q} received changes could not be applied on this computer: "
                "they are kept and the sync goes on without them."
            ).format(r=len(refused), q=len(held)))
