"""The layer list: what the map shows, in which order (top of the list = drawn on top), and how
opaque each layer is; coordinator-added files can be removed again. Text is never cut: the list
is as wide as its longest title, and the legend beside it wraps."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.ui.map.canvas import MapCanvas
from pemdesk.ui.map.render import LAYER_PAINTERS

TITLES: dict[str, str] = {
    "labels": N_("Labels"),
    "sites": N_("Sites"),
    "photos": N_("Photos"),
    "photo_points": N_("Photo points"),
    "visits": N_("Visits"),
    "waypoints": N_("Waypoints"),
    "places": N_("Settlements"),
    "relief": N_("Mountains and peaks"),
    "tracks": N_("GPS tracks"),
    "plots": N_("Rehabilitation plots"),
    "site_boundaries": N_("Licence areas"),
    "aimags": N_("Aimag boundaries"),
    "soums": N_("Soum boundaries"),
    "water": N_("Rivers and lakes"),
    "basemap": N_("Basemap (MBTiles)"),
}
KEY_ROLE = Qt.ItemDataRole.UserRole


class LayerPanel(QWidget):
    """Check to show, drag or ▲▼ to reorder, slider for opacity, ✖ removes an added file."""

    changed = Signal()

    def __init__(self, canvas: MapCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.list = QListWidget(self)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.model().rowsMoved.connect(lambda *_a: self._apply_order())
        self.list.currentItemChanged.connect(lambda *_a: self._show_opacity())
        self.up = QToolButton(self)
        self.up.setText("▲")
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down = QToolButton(self)
        self.down.setText("▼")
        self.down.clicked.connect(lambda: self.move_current(1))
        self.remove = QToolButton(self)
        self.remove.setText("✖")
        self.remove.clicked.connect(self.remove_current)
        self.opacity_label = QLabel(self)
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._on_opacity)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        buttons.addWidget(self.remove)
        buttons.addWidget(self.opacity_label)
        buttons.addWidget(self.opacity, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.rebuild()

    # --- contents ---------------------------------------------------------------------------
    def title(self, key: str) -> str:
        if key in TITLES:
            return _(TITLES[key])
        lt = LAYER_PAINTERS.get(key)
        if lt is not None:
            return _(lt.title)
        user = self.canvas.model.user_layers.get(key)
        if user is not None and user.attrs:
            return str(user.attrs[0].get("_title", key))
        return key

    def keys(self) -> list[str]:
        """Top to bottom as listed (labels first: they are always on top)."""
        return ["labels", *reversed(self.canvas.layer_painter.order)]

    def rebuild(self) -> None:
        lp = self.canvas.layer_painter
        # user layers join the drawing order above the boundaries the first time they are seen
        for key in self.canvas.model.user_layers:
            if key not in lp.order:
                lp.order.insert(lp.order.index("site_boundaries"), key)
                lp.visible[key] = True
        for key in list(lp.order):
            if key.startswith("user:") and key not in self.canvas.model.user_layers:
                lp.order.remove(key)
        current = self.current_key()
        self.list.blockSignals(True)
        self.list.clear()
        for key in self.keys():
            item = QListWidgetItem(self.title(key))
            item.setData(KEY_ROLE, key)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if key == "labels":
                flags &= ~Qt.ItemFlag.ItemIsDragEnabled
            item.setFlags(flags)
            on = self.canvas.show_labels if key == "labels" else lp.visible.get(key, True)
            if key == "basemap" and lp.basemap is None:
                on = False
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            if key == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._fit_width()
        self._show_opacity()

    def retranslate(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(self.title(item.data(KEY_ROLE)))
        self.opacity_label.setText(_("Opacity"))
        self.up.setToolTip(_("Draw higher"))
        self.down.setToolTip(_("Draw lower"))
        self.remove.setToolTip(_("Remove the added layer"))
        self._fit_width()

    def _fit_width(self) -> None:
        fm = QFontMetrics(self.list.font())
        widest = max(
            (fm.horizontalAdvance(self.list.item(i).text()) for i in range(self.list.count())),
            default=100,
        )
        # check box, margins and a vertical scroll bar beside the longest title
        self.list.setMinimumWidth(widest + 64)

    def item(self, key: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(KEY_ROLE) == key:
                return self.list.item(i)
        return None

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    # --- changes ----------------------------------------------------------------------------
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self.canvas.set_layer_visible(
            item.data(KEY_ROLE), item.checkState() == Qt.CheckState.Checked
        )
        self.changed.emit()

    def _apply_order(self) -> None:
        keys = [self.list.item(i).data(KEY_ROLE) for i in range(self.list.count())]
        if keys and keys[0] != "labels":  # labels stay on top
            keys.remove("labels")
            keys.insert(0, "labels")
        order = [k for k in reversed(keys) if k != "labels"]
        self.canvas.layer_painter.order = order
        self.canvas.invalidate(clear_paths=False)
        self.changed.emit()

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 1 or target < 1 or target >= self.list.count():
            return
        self.list.blockSignals(True)
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.list.blockSignals(False)
        self._apply_order()

    def remove_current(self) -> None:
        key = self.current_key()
        if key is None or key not in self.canvas.model.user_layers:
            return
        del self.canvas.model.user_layers[key]
        self.rebuild()
        self.canvas.invalidate(clear_paths=False)
        self.changed.emit()

    def _show_opacity(self) -> None:
        key = self.current_key()
        enabled = key is not None and key != "labels"
        self.opacity.setEnabled(enabled)
        self.remove.setEnabled(key is not None and key in self.canvas.model.user_layers)
        self.opacity.blockSignals(True)
        value = self.canvas.layer_painter.opacity.get(key or "", 1.0)
        self.opacity.setValue(round(value * 100))
        self.opacity.blockSignals(False)

    def _on_opacity(self, value: int) -> None:
        key = self.current_key()
        if key is None or key == "labels":
            return
        self.set_opacity(key, value / 100)

    def set_opacity(self, key: str, value: float) -> None:
        self.canvas.layer_painter.opacity[key] = max(0.0, min(1.0, value))
        self.canvas.invalidate(clear_paths=False)
        self.changed.emit()

    def state(self) -> dict[str, Any]:
        lp = self.canvas.layer_painter
        return {"order": list(lp.order), "opacity": dict(lp.opacity)}
