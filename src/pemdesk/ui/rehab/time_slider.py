"""The map's time slider: show the plots at the stage they were on a past date.

It lives outside ``ui/map`` and drives the map only through ``MapWidget.set_as_of``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QWidget

from pemdesk.i18n import _, format_date


class TimeSlider(QWidget):
    """A day slider between the first recorded stage change and today; "Now" shows today."""

    as_of_changed = Signal(object)  # "YYYY-MM-DD" or None for now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = date.today() - timedelta(days=365 * 5)
        self.last = date.today()
        self.now = QCheckBox(self)
        self.now.setChecked(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setEnabled(False)
        self.label = QLabel(self)
        self.caption = QLabel(self)
        self.label.setMinimumWidth(90)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.caption)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        row.addWidget(self.now)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._emit)
        self.slider.valueChanged.connect(self._moved)
        self.now.toggled.connect(self._now_toggled)
        self.set_range(self.first, self.last)
        self.retranslate()

    def retranslate(self, *_args: Any) -> None:
        self.caption.setText(_("Plots as on"))
        self.now.setText(_("Now"))
        self._show_label()

    def set_range(self, first: date, last: date) -> None:
        self.first, self.last = first, max(last, first)
        self.slider.blockSignals(True)
        self.slider.setRange(0, (self.last - self.first).days)
        if self.now.isChecked():
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self._show_label()

    def day(self) -> date:
        return self.first + timedelta(days=self.slider.value())

    def as_of(self) -> str | None:
        return None if self.now.isChecked() else self.day().isoformat()

    def set_day(self, day: date) -> None:
        """Show a given past day (also for tests and screenshots)."""
        self.now.setChecked(False)
        self.slider.setValue((min(max(day, self.first), self.last) - self.first).days)
        self._debounce.stop()
        self._emit()

    def _moved(self, _value: int) -> None:
        self._show_label()
        self._debounce.start()

    def _now_toggled(self, checked: bool) -> None:
        self.slider.setEnabled(not checked)
        if checked:
            self.slider.setValue(self.slider.maximum())
        self._show_label()
        self._debounce.start()

    def _show_label(self) -> None:
        self.label.setText(_("today") if self.now.isChecked() else format_date(self.day().isoformat()))

    def _emit(self) -> None:
        self.as_of_changed.emit(self.as_of())
