"""The visit editor's "Instruments" tab: which of the site's instrument deployments this visit
serviced (installed, serviced, downloaded, removed). Read-only once the visit is finished."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _
from pemdesk.instruments.families import family_name
from pemdesk.labels import N_

ACTIONS = [("", N_("not this visit")), ("installed", N_("installed")),
           ("serviced", N_("serviced")), ("downloaded", N_("downloaded")),
           ("removed", N_("removed"))]


def install(editor: Any) -> Any:
    tab = VisitInstrumentsTab(editor)
    editor.instruments_tab = tab
    editor.add_tab(tab, N_("Instruments"))
    return tab


class VisitInstrumentsTab(QWidget):
    def __init__(self, editor: Any) -> None:
        super().__init__()
        self.editor = editor
        self.read_only = False
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("instrument"), _("readings"), _("this visit")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.hint = QLabel(_("The site's instrument deployments; the visit report shows their "
                             "readings since the previous visit against the limits."))
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table)

    def load(self, detail: Any) -> None:
        site_id, visit_id = detail.site.id, detail.visit.id

        def fetch(store: Any) -> Any:
            from pemdesk.storage import readings as rs

            links = {r["deployment_id"]: r["action"] for r in rs.visit_deployments(store, visit_id)}
            return rs.list_deployments(store, site_id), links

        self.editor.ops.run(fetch, self.show_links)

    def show_links(self, data: tuple[list[dict[str, Any]], dict[str, str]]) -> None:
        if not shiboken6.isValid(self.table):  # the editor was closed while the query ran
            return
        deps, links = data
        self.table.setRowCount(len(deps))
        for i, d in enumerate(deps):
            self.table.setItem(i, 0, QTableWidgetItem(
                f"{d['make'] or family_name(d['kind'])} {d['serial']} ({(d['started_at'] or '')[:10]})"))
            self.table.setItem(i, 1, QTableWidgetItem(
                f"{d['readings']} · {(d['first_at'] or '')[:10]} – {(d['last_at'] or '')[:10]}"))
            combo = QComboBox()
            for code, text in ACTIONS:
                combo.addItem(_(text), code)
            combo.setCurrentIndex(max(0, combo.findData(links.get(d["id"], ""))))
            combo.setEnabled(not self.read_only)
            combo.currentIndexChanged.connect(
                lambda _i, dep=d["id"], c=combo: self.changed(dep, str(c.currentData())))
            self.table.setCellWidget(i, 2, combo)

    def changed(self, deployment_id: str, action: str) -> None:
        visit_id = self.editor.visit_id

        def work(store: Any) -> None:
            from pemdesk.storage import readings as rs

            rs.unlink_visit(store, visit_id, deployment_id)
            if action:
                rs.link_visit(store, visit_id, deployment_id, action)

        self.editor.ops.write(work)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for i in range(self.table.rowCount()):
            w = self.table.cellWidget(i, 2)
            if w is not None:
                w.setEnabled(not read_only)
