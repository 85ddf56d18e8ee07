"""Create and edit sites (licence, holder, mineral, aimag/soum, position) and plots (stage, target,
dates). Geometry editing comes with the map. Saving goes through ``ops``; a refused value is shown
in the dialog as one sentence, and the dialog stays open with everything typed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pemdesk import i18n, model
from pemdesk.errors import InvalidInput, PemdeskError
from pemdesk.i18n import _
from pemdesk.labels import label
from pemdesk.ui.errors import show_error


def fill_aimags(combo: QComboBox, current: str | None) -> None:
    from pemdesk.gazetteer import Gazetteer

    lang = i18n.get_language()
    combo.blockSignals(True)
    combo.clear()
    for aimag in Gazetteer.load().aimags():
        combo.addItem(aimag.name(lang), aimag.code)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
    combo.blockSignals(False)


def fill_soums(combo: QComboBox, aimag_code: str | None, current: str | None) -> None:
    from pemdesk.gazetteer import Gazetteer

    lang = i18n.get_language()
    combo.blockSignals(True)
    combo.clear()
    if aimag_code:
        for soum in Gazetteer.load().soums(aimag_code):
            combo.addItem(soum.name(lang), soum.code)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
    combo.blockSignals(False)


class _Dialog(QDialog):
    saved = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def fail(self, exc: BaseException) -> None:
        if isinstance(exc, PemdeskError):
            self.error.setText(exc.message(i18n.get_language()))
            self.error.show()
        else:
            show_error(self, exc)


class SiteDialog(_Dialog):
    def __init__(self, window: Any, site: model.Site | None) -> None:
        super().__init__(window)
        from pemdesk.ui.settings_dialog import profile

        self.window_ = window
        self.site = site
        me = profile()
        self.name_mn = QLineEdit(site.name_mn if site else "")
        self.name_en = QLineEdit(site.name_en if site else "")
        self.kind = QComboBox()
        for kind in model.SiteKind:
            self.kind.addItem(label(kind), str(kind))
        self.kind.setCurrentIndex(
            self.kind.findData(str(site.kind if site else model.SiteKind.MINE))
        )
        self.licence = QLineEdit(site.licence_no if site else "")
        self.holder = QLineEdit(site.holder if site else "")
        self.mineral = QLineEdit(site.mineral if site else "")
        self.aimag = QComboBox()
        self.soum = QComboBox()
        aimag_code = site.aimag_code if site else me.default_aimag
        soum_code = site.soum_code if site else me.default_soum
        fill_aimags(self.aimag, aimag_code)
        fill_soums(self.soum, self.aimag.currentData(), soum_code)
        self.aimag.currentIndexChanged.connect(
            lambda _i: fill_soums(self.soum, self.aimag.currentData(), None)
        )
        self.position = QLineEdit()
        if site and site.lon is not None and site.lat is not None:
            from pemdesk.position import format_dd

            self.position.setText(format_dd(site.lon, site.lat))
        self.notes = QPlainTextEdit(site.notes if site else "")
        self.notes.setMaximumHeight(80)
        for text, widget in (
            (_("Name (Mongolian)"), self.name_mn),
            (_("Name (English)"), self.name_en),
            (_("Kind"), self.kind),
            (_("Licence number"), self.licence),
            (_("Licence holder"), self.holder),
            (_("Mineral"), self.mineral),
            (_("Aimag"), self.aimag),
            (_("Soum"), self.soum),
            (_("Position"), self.position),
            (_("Notes"), self.notes),
        ):
            self.form.addRow(text, widget)
        self.position.setPlaceholderText("43.5123, 106.8456")
        self.setWindowTitle(_("Edit site") if site else _("New site"))
        self.resize(520, 460)

    def site_from_fields(self) -> model.Site:
        from pemdesk.position import parse_position

        lon = lat = None
        if self.position.text().strip():
            lon, lat = parse_position(self.position.text())
        fields = dict(
            name_mn=self.name_mn.text().strip(),
            name_en=self.name_en.text().strip(),
            kind=model.SiteKind(self.kind.currentData()),
            licence_no=self.licence.text().strip(),
            holder=self.holder.text().strip(),
            mineral=self.mineral.text().strip(),
            aimag_code=self.aimag.currentData() or "",
            soum_code=self.soum.currentData() or "",
            lon=lon,
            lat=lat,
            notes=self.notes.toPlainText(),
        )
        if not fields["soum_code"]:
            raise InvalidInput("Сумыг сонгоно уу.", "Choose the soum.")
        return replace(self.site, **fields) if self.site else model.Site(**fields)  # type: ignore[arg-type]

    def save(self) -> None:
        try:
            site = self.site_from_fields()
        except PemdeskError as exc:
            self.fail(exc)
            return

        def done(saved: model.Site) -> None:
            self.saved.emit(saved.id)
            self.accept()

        self.window_.ops.write(lambda store: store.save(site), done, self.fail)


def _date_edit(value: str | None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy.MM.dd" if i18n.get_language() == "mn" else "yyyy-MM-dd")
    edit.setMinimumDate(QDate(1950, 1, 1))
    edit.setSpecialValueText("—")
    edit.setDate(QDate.fromString(value[:10], "yyyy-MM-dd") if value else edit.minimumDate())
    return edit


def _date_value(edit: QDateEdit) -> str | None:
    return None if edit.date() == edit.minimumDate() else edit.date().toString("yyyy-MM-dd")


class PlotDialog(_Dialog):
    def __init__(self, window: Any, plot: model.Plot) -> None:
        super().__init__(window)
        self.window_ = window
        self.plot = plot
        self.name = QLineEdit(plot.name)
        self.stage = QComboBox()
        self.target_stage = QComboBox()
        self.target_stage.addItem("—", None)
        for stage in model.PlotStage:
            self.stage.addItem(label(stage), str(stage))
            self.target_stage.addItem(label(stage), str(stage))
        self.stage.setCurrentIndex(self.stage.findData(str(plot.stage)))
        self.target_stage.setCurrentIndex(
            max(self.target_stage.findData(str(plot.target_stage)), 0)
        )
        self.target_year = QSpinBox()
        self.target_year.setRange(1999, 2100)
        self.target_year.setSpecialValueText("—")
        self.target_year.setValue(plot.target_year or 1999)
        self.dates = {
            "disturbed_on": _date_edit(plot.disturbed_on),
            "technical_on": _date_edit(plot.technical_on),
            "biological_on": _date_edit(plot.biological_on),
            "handed_over_on": _date_edit(plot.handed_over_on),
        }
        self.notes = QPlainTextEdit(plot.notes)
        self.notes.setMaximumHeight(80)
        area = i18n.format_number(plot.area_ha, 2) + " " + _("ha") if plot.area_ha else "—"
        for text, widget in (
            (_("Name"), self.name),
            (_("Stage"), self.stage),
            (_("Target stage"), self.target_stage),
            (_("Target year"), self.target_year),
            (_("Disturbed on"), self.dates["disturbed_on"]),
            (_("Technical rehabilitation on"), self.dates["technical_on"]),
            (_("Biological rehabilitation on"), self.dates["biological_on"]),
            (_("Handed over on"), self.dates["handed_over_on"]),
            (_("Area"), QLabel(area)),
            (_("Notes"), self.notes),
        ):
            self.form.addRow(text, widget)
        self.setWindowTitle(_("Plot"))

    def plot_from_fields(self) -> model.Plot:
        if not self.name.text().strip():
            raise InvalidInput("Талбайн нэрийг оруулна уу.", "Enter the plot's name.")
        target = self.target_stage.currentData()
        return replace(
            self.plot,
            name=self.name.text().strip(),
            stage=model.PlotStage(self.stage.currentData()),
            target_stage=model.PlotStage(target) if target else None,
            target_year=None
            if self.target_year.value() == self.target_year.minimum()
            else self.target_year.value(),
            notes=self.notes.toPlainText(),
            **{key: _date_value(edit) for key, edit in self.dates.items()},  # type: ignore[arg-type]
        )

    def save(self) -> None:
        try:
            plot = self.plot_from_fields()
        except PemdeskError as exc:
            self.fail(exc)
            return

        def done(saved: model.Plot) -> None:
            self.saved.emit(saved.id)
            self.accept()

        self.window_.ops.write(lambda store: store.save(plot), done, self.fail)
