"""Main-window plug-in: File → Import photos…, Tools → Check sealed visits…, with the report of
``pemdesk.verify`` (every record, field or photo file that no longer matches its seal)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.verify import VerifyReport


class VerifyDialog(QDialog):
    """The result of checking seals: one line per visit, its problems under it."""

    def __init__(self, report: VerifyReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(_("Check sealed visits"))
        self.resize(900, 520)
        layout = QVBoxLayout(self)
        failed = sum(1 for v in report.visits if not v.ok)
        if failed:
            text = _("{failed} of {n} visits no longer match their seal.").format(
                failed=failed, n=len(report.visits)
            )
        else:
            text = _("All {n} visits match their seals.").format(n=len(report.visits))
        self.summary = QLabel(text)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([_("Visit"), _("Result")])
        lang = i18n.get_language()
        for check in report.visits:
            item = QTreeWidgetItem(
                [f"{check.visit_id} · " + _("revision {n}").format(n=check.revision),
                 _("OK") if check.ok else _("CHANGED")]
            )
            for problem in [*check.problems, *check.notes]:
                QTreeWidgetItem(item, ["", problem.message(lang)])
            self.tree.addTopLevelItem(item)
            item.setExpanded(not check.ok)
        self.tree.resizeColumnToContents(0)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def install(window: Any) -> None:
    """Main-window plug-in (see ``pemdesk.ui.main_window``)."""

    def import_photos() -> None:
        from pemdesk.ui.photos.import_dialog import PhotoImportDialog

        dialog = PhotoImportDialog(window.data_dir, ops=window.ops, parent=window)
        window._photo_import_dialog = dialog
        dialog.show()

    def check_seals() -> None:
        from pemdesk.verify import verify

        def show(report: VerifyReport) -> None:
            dialog = VerifyDialog(report, window)
            window._verify_dialog = dialog
            dialog.show()

        window.run_with_progress(
            lambda store, progress: verify(store, progress=progress),
            N_("Checking sealed visits and their photos…"),
            show,
        )

    window.add_action(window.menu_file, N_("Import photos…"), import_photos)
    window.add_action(window.menu_tools, N_("Check sealed visits…"), check_seals)
