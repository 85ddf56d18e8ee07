"""Reports in the program: a Report action on a visit, a site and an aimag/soum; preview, print,
save; batch export with progress and cancel. Plugged into the main window by ``install``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QMessageBox

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
