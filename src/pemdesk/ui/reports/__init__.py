"""Reports in the program: a Report action on a visit, a site and an aimag/soum; preview, print,
save; batch export with progress and cancel. Plugged into the main window by ``install``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.ui.reports.jobs import ReportRequest, area_key
from pemdesk.ui.reports.preview import ReportPreview


class ReportActions:
    def __init__(self, window: Any) -> None:
        self.window = window
        menu = window.menu_reports
        self.visit = window.add_action(menu, N_("Visit report…"), self.visit_report, "Ctrl+P",
                                       toolbar=True)  # fmt: skip
        self.site = window.add_action(menu, N_("Site rehabilitation summary…"), self.site_report)
        self.area = window.add_action(menu, N_("Progress report for an aimag or soum…"),
                                      self.area_report)  # fmt: skip
        menu.addSeparator()
        self.batch = window.add_action(menu, N_("Batch export of visit reports…"),
                                       self.batch_reports)  # fmt: skip
        self.previews: list[ReportPreview] = []
        # Right-click reports on the sites tree (site, soum, aimag) and on the visits table.
        for view, handler in ((window.tree, self._tree_menu), (window.visits, self._visits_menu)):
            if view.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
                view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
                view.customContextMenuRequested.connect(handler)

    def _tell(self, message: str) -> None:
        QMessageBox.information(self.window, _("Reports"), message)

    def preview(self, request: ReportRequest) -> ReportPreview:
        dialog = ReportPreview(self.window.ops, request, self.window)
        self.previews.append(dialog)
        dialog.finished.connect(lambda _r: self.previews.remove(dialog))
        dialog.show()
        return dialog

    def visit_report(self, visit_id: str | None = None) -> ReportPreview | None:
        visit_id = visit_id or self.window.current_visit_id()
        if not visit_id:
            self._tell(_("Choose a visit in the list first."))
            return None
        return self.preview(ReportRequest("visit", visit_id, N_("Visit report"),
                                          supports_public=True))  # fmt: skip

    def site_report(self, site_id: str | None = None) -> ReportPreview | None:
        site_id = site_id or self.window.current_site_id()
        if not site_id:
            self._tell(_("Choose a site first."))
            return None
        return self.preview(ReportRequest("site", site_id, N_("Site rehabilitation summary")))

    def area_of(self, index: QModelIndex) -> tuple[str | None, str | None, str | None]:
        """(kind, aimag code, soum code) of a sites-tree item: a site under it tells the codes."""
        from pemdesk.ui.main_window import KIND_ROLE, SITE_ID_ROLE

        kind = index.data(KIND_ROLE)
        probe = index
        while probe.isValid() and not probe.data(SITE_ID_ROLE):
            probe = probe.model().index(0, 0, probe)  # down to the first site below
        site_id = probe.data(SITE_ID_ROLE) if probe.isValid() else None
        site = next((r.site for r in self.window._site_rows if r.site.id == site_id), None)
        if site is None:
            return kind, None, None
        return kind, site.aimag_code, site.soum_code if kind != "aimag" else None

    def area_menu(self, index: QModelIndex) -> QMenu | None:
        """The reports for a sites-tree item (None when it has none)."""
        from pemdesk.ui.main_window import SITE_ID_ROLE

        if not index.isValid():
            return None
        kind, aimag, soum = self.area_of(index)
        menu = QMenu(self.window)
        if kind in ("site", "plot"):
            site_id = index.data(SITE_ID_ROLE)
            menu.addAction(self.site.text(), lambda: self.site_report(site_id))
        if aimag:
            from datetime import date

            key = area_key(aimag, soum, date.today().year)
            if kind == "aimag":
                text = _("Progress report for this aimag")
            else:
                text = _("Progress report for this soum")
            menu.addAction(text, lambda: self.preview(ReportRequest(
                "area", key, N_("Rehabilitation progress report"))))  # fmt: skip
        return menu if menu.actions() else None

    def _tree_menu(self, pos: Any) -> None:
        menu = self.area_menu(self.window.tree.indexAt(pos))
        if menu is not None:
            menu.exec(self.window.tree.viewport().mapToGlobal(pos))

    def _visits_menu(self, pos: Any) -> None:
        if not self.window.visits.indexAt(pos).isValid():
            return
        visit_id = self.window.current_visit_id()
        if not visit_id:
            return
        menu = QMenu(self.window)
        menu.addAction(self.visit.text(), lambda: self.visit_report(visit_id))
        menu.exec(self.window.visits.viewport().mapToGlobal(pos))

    def area_report(self) -> None:
        from pemdesk.ui.reports.dialogs import ProgressReportDialog

        dialog = ProgressReportDialog(self.window)
        site_id = self.window.current_site_id()

        def preselect(site: Any) -> None:
            dialog.area.set_area(site.aimag_code, site.soum_code)

        if site_id:
            from pemdesk import model

            self.window.ops.run(lambda store: store.get(model.Site, site_id), preselect)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        aimag, soum = dialog.area.area()
        self.preview(ReportRequest("area", area_key(aimag, soum, dialog.year.value()),
                                   N_("Rehabilitation progress report")))  # fmt: skip

    def batch_reports(self) -> None:
        from pemdesk.ui.reports.dialogs import BatchDialog

        dialog = BatchDialog(self.window.current_site_id(), self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.run_batch(dialog)

    def run_batch(self, dialog: Any) -> Any:
        def done(result: Any) -> None:
            text = _("{n} reports, {pages} pages written to {folder}").format(
                n=len(result.written), pages=result.pages, folder=dialog.folder.text())
            if result.cancelled:
                text = _("Cancelled.") + " " + text
            if result.failed:
                text += "\n" + "\n".join(f"{v}: {e}" for v, e in result.failed)
            self.window.statusBar().showMessage(text, 15_000)
            self.last_batch = result

        return self.window.run_with_progress(dialog.operation(), N_("Writing reports…"), done)


def install(window: Any) -> ReportActions:
    window.report_actions = ReportActions(window)
    return window.report_actions
