"""Choosing what to report on: an aimag or soum for the progress report, a batch of visits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.i18n import _


class AreaChooser(QWidget):
    """An aimag and, optionally, one of its soums."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from pemdesk.gazetteer import Gazetteer

        super().__init__(parent)
        self.gaz = Gazetteer.load()
        lang = i18n.get_language()
        self.aimag = QComboBox()
        for a in self.gaz.aimags():
            self.aimag.addItem(a.name(lang), a.code)
        self.soum = QComboBox()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.aimag, 1)
        layout.addWidget(self.soum, 1)
        self.aimag.currentIndexChanged.connect(self._fill_soums)
        self._fill_soums()

    def _fill_soums(self) -> None:
        lang = i18n.get_language()
        self.soum.clear()
        self.soum.addItem(_("The whole aimag"), None)
        code = self.aimag.currentData()
        if code:
            for s in self.gaz.soums(code):
                self.soum.addItem(s.name(lang), s.code)

    def set_area(self, aimag_code: str | None, soum_code: str | None = None) -> None:
        if aimag_code:
            self.aimag.setCurrentIndex(max(0, self.aimag.findData(aimag_code)))
        if soum_code:
            self.soum.setCurrentIndex(max(0, self.soum.findData(soum_code)))

    def area(self) -> tuple[str, str | None]:
        return str(self.aimag.currentData()), self.soum.currentData()


class ProgressReportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Rehabilitation progress report"))
        self.area = AreaChooser()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        form = QFormLayout(self)
        form.addRow(_("Aimag and soum:"), self.area)
        form.addRow(_("Targets up to the year:"), self.year)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class BatchDialog(QDialog):
    """Visit reports of many visits into one folder."""

    def __init__(self, site_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.site_id = site_id
        self.setWindowTitle(_("Batch export of visit reports"))
        self.scope = QComboBox()
        if site_id:
            self.scope.addItem(_("Visits of the selected site"), "site")
        self.scope.addItem(_("Visits in an aimag or soum"), "area")
        self.scope.addItem(_("All visits"), "all")
        self.area = AreaChooser()
        today = QDate.currentDate()
        self.date_from = QDateEdit(QDate(today.year(), 1, 1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy.MM.dd")
        self.drafts = QCheckBox(_("Drafts too"))
        self.public = QCheckBox(_("Public copies (roles instead of names, no phone numbers)"))
        self.lang = QComboBox()
        self.lang.addItem("Монгол", "mn")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(0 if i18n.get_language() == "mn" else 1)
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self.folder = QLineEdit(str(Path(docs or Path.home()) / "pemdesk-reports"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)

        form = QFormLayout(self)
        form.addRow(_("Which visits:"), self.scope)
        form.addRow(_("Aimag and soum:"), self.area)
        form.addRow(_("From:"), self.date_from)
        form.addRow(_("To:"), self.date_to)
        form.addRow("", self.drafts)
        form.addRow(_("Language:"), self.lang)
        form.addRow("", self.public)
        form.addRow(_("Folder:"), folder_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Write reports"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self._scope_changed()

    def _scope_changed(self) -> None:
        self.area.setEnabled(self.scope.currentData() == "area")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Folder for the reports"),
                                                  self.folder.text())  # fmt: skip
        if folder:
            self.folder.setText(folder)

    def operation(self) -> Any:
        """``fn(store, progress)`` that writes the reports, for ``run_with_progress``."""
        from pemdesk.reports.batch import batch_visit_reports, visits_for_batch
        from pemdesk.storage import VisitFilter

        scope = self.scope.currentData()
        aimag, soum = self.area.area() if scope == "area" else (None, None)
        f = VisitFilter(
            site_id=self.site_id if scope == "site" else None,
            date_from=self.date_from.date().toString("yyyy-MM-dd"),
            date_to=self.date_to.date().toString("yyyy-MM-dd"),
            status=None if self.drafts.isChecked() else model.VisitStatus.FINISHED,
        )
        folder = Path(self.folder.text())
        lang, public = str(self.lang.currentData()), self.public.isChecked()

        def run(store: Any, progress: Any) -> Any:
            ids = visits_for_batch(store, f, aimag, soum)
            return batch_visit_reports(store, ids, folder, lang=lang, public=public,
                                       progress=progress)  # fmt: skip

        return run
