"""The General page: site, start and end, position, purpose, weather, plots visited."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from pemdesk import i18n, model, visits
from pemdesk.errors import InvalidInput
from pemdesk.i18n import _
from pemdesk.labels import N_, label
from pemdesk.plausibility import visit_date_problems
from pemdesk.ui.visit.common import Raw, VisitPage

if TYPE_CHECKING:
    from pemdesk.ui.visit.editor import VisitEditor

ISO_FORMAT = "yyyy-MM-ddTHH:mm:ss.zzzZ"
ERROR_STYLE = "color: #b71c1c;"


def to_qdatetime(text: str) -> QDateTime:
    moment = QDateTime.fromString(text.replace("Z", ""), "yyyy-MM-ddTHH:mm:ss.zzz")
    if not moment.isValid():
        moment = QDateTime.fromString(text[:19], "yyyy-MM-ddTHH:mm:ss")
    moment.setTimeZone(QTimeZone.utc())
    return moment.toLocalTime()


def to_iso(edit: QDateTimeEdit) -> str:
    return edit.dateTime().toUTC().toString(ISO_FORMAT)


class GeneralPage(VisitPage):
    key = "general"

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        self.position_value: tuple[float | None, float | None, model.PositionSource | None] = (
            None,
            None,
            None,
        )
        self.position_error: str | None = None
        self.date_error: str | None = None
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.site_label = QLabel()
        self.started = QDateTimeEdit()
        self.started.setCalendarPopup(True)
        self.has_ended = QCheckBox()
        editor.translate_later(self.has_ended.setText, N_("Ended at"))
        self.ended = QDateTimeEdit()
        self.ended.setCalendarPopup(True)
        self.ended.setEnabled(False)
        ended_row = QHBoxLayout()
        ended_row.addWidget(self.has_ended)
        ended_row.addWidget(self.ended, 1)
        self.date_message = QLabel()
        self.date_message.setWordWrap(True)
        self.date_message.setStyleSheet(ERROR_STYLE)
        self.date_message.hide()
        self.position = QLineEdit()
        self.position_info = QLabel()
        self.position_info.setWordWrap(True)
        self.purpose = QLineEdit()
        self.weather = QLineEdit()
        self.plots = QListWidget()
        self.plots.setMaximumHeight(160)
        form.addRow(self.label(N_("Site")), self.site_label)
        form.addRow(self.label(N_("Started")), self.started)
        form.addRow("", ended_row)
        form.addRow("", self.date_message)
        form.addRow(self.label(N_("Position")), self.position)
        form.addRow("", self.position_info)
        form.addRow(self.label(N_("Purpose")), self.purpose)
        form.addRow(self.label(N_("Weather")), self.weather)
        form.addRow(self.label(N_("Plots visited")), self.plots)
        self.started.dateTimeChanged.connect(lambda _v: self._dates_changed())
        self.ended.dateTimeChanged.connect(lambda _v: self._dates_changed())
        self.has_ended.toggled.connect(self._ended_toggled)
        self.position.textEdited.connect(self.position_edited)
        self.purpose.textChanged.connect(lambda _v: editor.changed())
        self.weather.textChanged.connect(lambda _v: editor.changed())
        self.plots.itemChanged.connect(lambda _item: editor.changed())
        self.setTabOrder(self.started, self.has_ended)
        self.setTabOrder(self.has_ended, self.ended)
        self.setTabOrder(self.ended, self.position)
        self.setTabOrder(self.position, self.purpose)
        self.setTabOrder(self.purpose, self.weather)
        self.setTabOrder(self.weather, self.plots)

    # --- dates -------------------------------------------------------------------------------
    def _ended_toggled(self, on: bool) -> None:
        self.ended.setEnabled(on and not self.editor.read_only)
        if on and not self.editor.populating:
            self.ended.setDateTime(QDateTime.currentDateTime())
        self._dates_changed()

    def _dates_changed(self) -> None:
        self.check_dates()
        self.editor.changed()

    def check_dates(self) -> list[InvalidInput]:
        """Impossible dates are shown under the fields and not saved (the stored ones stay)."""
        ended = to_iso(self.ended) if self.has_ended.isChecked() else None
        problems = visit_date_problems(to_iso(self.started), ended)
        lang = i18n.get_language()
        self.date_error = " ".join(p.message(lang) for p in problems) or None
        self.date_message.setText(self.date_error or "")
        self.date_message.setVisible(bool(problems))
        return problems

    # --- position ----------------------------------------------------------------------------
    def position_edited(self, text: str) -> None:
        from pemdesk.position import parse_position

        if not text.strip():
            self.position_value = (None, None, None)
            self.position_error = None
        else:
            try:
                lon, lat = parse_position(text)
            except InvalidInput as exc:
                self.position_error = exc.message(i18n.get_language())
            else:
                self.position_value = (lon, lat, model.PositionSource.TYPED)
                self.position_error = None
        self.show_position()
        self.editor.changed()

    def set_position(self, lon: float, lat: float, source: model.PositionSource) -> None:
        from pemdesk.position import format_dd

        self.position_value = (lon, lat, source)
        self.position_error = None
        self.position.setText(format_dd(lon, lat))
        self.show_position()

    def restore_position(self, text: str) -> None:
        """The position after undo/redo: parsed again from its text."""
        from pemdesk.position import parse_position

        if text.strip():
            try:
                lon, lat = parse_position(text)
                source = self.position_value[2] or model.PositionSource.TYPED
                self.position_value, self.position_error = (lon, lat, source), None
            except InvalidInput as exc:
                self.position_error = exc.message(i18n.get_language())
        else:
            self.position_value, self.position_error = (None, None, None), None

    def show_position(self) -> None:
        from pemdesk.position import format_dms, format_utm

        if self.position_error:
            self.position_info.setText(self.position_error)
            self.position_info.setStyleSheet(ERROR_STYLE)
            return
        self.position_info.setStyleSheet("")
        lon, lat, source = self.position_value
        if lon is None or lat is None:
            self.position_info.setText(
                _("Type decimal degrees (43.5123, 106.8456), DMS or UTM (48N 642002 5306933).")
            )
            return
        where = f"{format_dms(lon, lat)} · UTM {format_utm(lon, lat)}"
        self.position_info.setText(f"{where} · {label(source)}" if source else where)

    # --- the page protocol -------------------------------------------------------------------
    def populate(self, raw: Raw) -> None:
        self.started.setDateTime(to_qdatetime(raw["started"]))
        self.has_ended.setChecked(bool(raw.get("ended")))
        if raw.get("ended"):
            self.ended.setDateTime(to_qdatetime(raw["ended"]))
        self.ended.setEnabled(bool(raw.get("ended")) and not self.editor.read_only)
        self.check_dates()
        if self.position.text() != raw["position"]:
            self.position.setText(raw["position"])
        self.show_position()
        for edit, key in ((self.purpose, "purpose"), (self.weather, "weather")):
            if edit.text() != raw[key]:
                edit.setText(raw[key])
        self.plots.clear()
        data = self.editor.data
        for plot in data.site_plots if data else []:
            item = QListWidgetItem(f"{plot.name} — {label(plot.stage)}")
            item.setData(Qt.ItemDataRole.UserRole, plot.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if plot.id in raw["plots"] else Qt.CheckState.Unchecked
            )
            self.plots.addItem(item)

    def collect(self, raw: Raw) -> None:
        raw["started"] = to_iso(self.started)
        raw["ended"] = to_iso(self.ended) if self.has_ended.isChecked() else None
        raw["position"] = self.position.text()
        raw["purpose"] = self.purpose.text()
        raw["weather"] = self.weather.text()
        raw["plots"] = [
            item.data(Qt.ItemDataRole.UserRole)
            for item in (self.plots.item(i) for i in range(self.plots.count()))
            if item.checkState() == Qt.CheckState.Checked
        ]

    def to_draft(self, raw: Raw, draft: visits.Draft) -> None:
        lon, lat, source = self.position_value
        visit = draft.visit
        started, ended = raw["started"], raw.get("ended")
        if visit_date_problems(started, ended):
            started, ended = visit.started_at, visit.ended_at  # impossible dates are not saved
        draft.visit = replace(
            visit,
            started_at=started,
            ended_at=ended,
            purpose=raw["purpose"].strip(),
            weather=raw["weather"].strip(),
            plot_ids=list(raw["plots"]),
            lon=lon,
            lat=lat,
            position_source=source,
        )

    def apply_read_only(self, read_only: bool) -> None:
        for edit in (self.position, self.purpose, self.weather):
            edit.setReadOnly(read_only)
        self.started.setReadOnly(read_only)
        self.ended.setReadOnly(read_only)
        self.has_ended.setEnabled(not read_only)
        for i in range(self.plots.count()):
            item = self.plots.item(i)
            flags = item.flags()
            item.setFlags(
                flags & ~Qt.ItemFlag.ItemIsUserCheckable
                if read_only
                else flags | Qt.ItemFlag.ItemIsUserCheckable
            )

    def retranslate(self) -> None:
        display = "yyyy.MM.dd HH:mm" if i18n.get_language() == "mn" else "yyyy-MM-dd HH:mm"
        self.started.setDisplayFormat(display)
        self.ended.setDisplayFormat(display)
        self.purpose.setPlaceholderText(_("e.g. regular monitoring of dust and rehabilitation"))
        self.weather.setPlaceholderText(_("e.g. sunny, wind 5 m/s, +18 °C"))
        data = self.editor.data
        plots = {p.id: p for p in (data.site_plots if data else [])}
        for i in range(self.plots.count()):
            item = self.plots.item(i)
            plot = plots.get(item.data(Qt.ItemDataRole.UserRole))
            if plot is not None:
                item.setText(f"{plot.name} — {label(plot.stage)}")
        if self.position_error and self.position.text().strip():
            self.restore_position(self.position.text())
        self.show_position()
        self.check_dates()
