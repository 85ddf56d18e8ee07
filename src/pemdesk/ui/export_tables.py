"""File → "Export tables or GeoPackage…": the same exports as ``pemdesk export csv|xlsx|gpkg``.

A small dialog (format, site, date range), a file chooser, then the export on the database
thread with a progress dialog (``window.run_with_progress``); the UI never blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from pemdesk.i18n import _
from pemdesk.labels import N_

if TYPE_CHECKING:
    from pemdesk.exporters.filters import RecordFilter
    from pemdesk.storage import Store

FORMATS: list[tuple[str, str, str]] = [
    ("gpkg", N_("GeoPackage: sites, plots, visits, photo points (QGIS)"), "*.gpkg"),
    ("xlsx", N_("Excel workbook: visits, observations, findings"), "*.xlsx"),
    ("csv", N_("CSV files in a .zip: visits, observations, findings"), "*.zip"),
]


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, sites: list[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Export tables or GeoPackage"))
        form = QFormLayout(self)
        self.format = QComboBox()
        for code, text, _pattern in FORMATS:
            self.format.addItem(_(text), code)
        form.addRow(_("Format"), self.format)
        self.site = QComboBox()
        self.site.addItem(_("All sites"), "")
        for sid, name in sites:
            self.site.addItem(name, sid)
        form.addRow(_("Site"), self.site)
        self.use_dates = QCheckBox(_("Only visits between these days"))
        form.addRow(self.use_dates)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addYears(-1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            self.use_dates.toggled.connect(edit.setEnabled)
        form.addRow(_("From"), self.date_from)
        form.addRow(_("To"), self.date_to)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[str, RecordFilter]:
        from pemdesk.exporters.filters import RecordFilter

        dates = self.use_dates.isChecked()
        f = RecordFilter(
            site=str(self.site.currentData() or ""),
            date_from=self.date_from.date().toString("yyyy-MM-dd") if dates else "",
            date_to=self.date_to.date().toString("yyyy-MM-dd") if dates else "",
        )
        return str(self.format.currentData()), f


def export(store: Store, fmt: str, path: Path, f: RecordFilter, lang: str,
           progress: Any = None) -> dict[str, int]:
    """Run one export (on the database thread)."""
    from pemdesk.exporters import gpkg, tables

    if progress is not None:
        progress.update(label=_("Exporting…"))
        progress.check()
    if fmt == "gpkg":
        return gpkg.write_gpkg(store, path, f)
    if fmt == "xlsx":
        return tables.write_xlsx(store, path, f, lang)
    return tables.write_csv(store, path, f, lang)


def install(window: Any) -> None:
    def start() -> None:
        from pemdesk import i18n

        window.ops.run(lambda store: [(s.id, s.name_mn) for s in store.list_sites()],
                       on_success=lambda sites: ask(sites, i18n.get_language()))

    def ask(sites: list[tuple[str, str]], lang: str) -> None:
        dialog = ExportDialog(window, sites)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        fmt, f = dialog.chosen()
        pattern = next(p for code, _t, p in FORMATS if code == fmt)
        name, _selected = QFileDialog.getSaveFileName(window, _("Export to"),
                                                      f"pemdesk{pattern[1:]}", pattern)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != pattern[1:]:
            path = path.with_name(path.name + pattern[1:])

        def done(counts: dict[str, int]) -> None:
            text = ", ".join(f"{k}: {v}" for k, v in counts.items())
            QMessageBox.information(window, _("Export"),
                                    _("Written to {path} ({counts})").format(path=path, counts=text))

        window.run_with_progress(lambda store, progress: export(store, fmt, path, f, lang, progress),
                                 N_("Exporting…"), done)

    action = window.add_action(window.menu_file, N_("Export tables or GeoPackage…"), start)
    actions = window.menu_file.actions()
    # Place it above "Settings…" (after the records), not below "Quit".
    if window.action_settings in actions:
        window.menu_file.removeAction(action)
        window.menu_file.insertAction(window.action_settings, action)
