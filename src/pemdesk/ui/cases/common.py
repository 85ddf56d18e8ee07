"""Small widgets the cases views share: translated enum combos and retranslatable labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from pemdesk.cases.records import case_label
from pemdesk.i18n import _


def guarded(widget: QWidget, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """``callback`` that does nothing once ``widget`` is gone (a window closed before an
    operation it started came back from the database thread)."""
    import shiboken6

    def call(result: Any) -> None:
        if shiboken6.isValid(widget):
            callback(result)

    return call


class Translated:
    """Remembers English texts set on widgets so ``retranslate`` can set them again."""

    def __init__(self) -> None:
        self._items: list[tuple[Callable[[str], None], str]] = []

    def tr(self, setter: Callable[[str], None], text: str) -> None:
        self._items.append((setter, text))
        setter(_(text))

    def label(self, text: str) -> QLabel:
        widget = QLabel()
        widget.setWordWrap(True)
        self.tr(widget.setText, text)
        return widget

    def button(self, text: str, slot: Callable[[], Any], parent: QWidget | None = None) -> QPushButton:
        widget = QPushButton(parent)
        widget.clicked.connect(lambda _checked=False: slot())
        self.tr(widget.setText, text)
        return widget

    def retranslate(self) -> None:
        for setter, text in self._items:
            setter(_(text))


def enum_combo(values: Iterable[StrEnum], current: str | None = None, *,
               blank: str | None = None) -> QComboBox:
    """A combo of enum values shown by their labels; ``blank`` (English) adds an empty first item."""
    combo = QComboBox()
    fill_enum_combo(combo, list(values), blank)
    if current is not None:
        set_combo_data(combo, current)
    return combo


def fill_enum_combo(combo: QComboBox, values: list[StrEnum], blank: str | None = None) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if blank is not None:
        combo.addItem(_(blank), None)
    for value in values:
        combo.addItem(case_label(value), str(value))
    combo.setProperty("enum_values", [str(v) for v in values])
    if current is not None:
        set_combo_data(combo, current)
    combo.blockSignals(False)


def set_combo_data(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def relabel(combo: QComboBox, values: list[StrEnum], blank: str | None = None) -> None:
    fill_enum_combo(combo, values, blank)
