"""Plug the map into the main window (a "Map" tab) and into each visit editor (pick a position)."""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pemdesk import model
from pemdesk.geo.mapdata import MapModel
from pemdesk.i18n import _
from pemdesk.labels import N_
from pemdesk.ui.map.widget import MapWidget


@cache
def boundaries_model() -> MapModel:
    """Boundaries are prepared once and shared by every map (they never change)."""
    m = MapModel()
    m.load_boundaries()
    m.load_basemap()
    return m


def install(window: Any) -> MapWidget:
    widget = MapWidget(window.ops, window, model=boundaries_model())
    window.add_tab(widget, N_("Map"))
    window.map_widget = widget
    window.site_selected.connect(widget.zoom_to_site)
    widget.visit_open_requested.connect(window.open_visit)
    widget.site_selected.connect(window.select_site)
    widget.photo_open_requested.connect(lambda photo_id: open_photo(window, photo_id))
    window.language_changed.connect(widget.retranslate)
    widget.canvas.zoom_to_country()
    return widget


def open_photo(window: Any, photo_id: str) -> None:
    """The photos area's viewer, on a photo clicked on the map."""

    def load(store: Any) -> model.Photo:
        return store.get(model.Photo, photo_id)

    def show(photo: model.Photo) -> None:
        from pemdesk.ui.photos.viewer import PhotoViewer

        viewer = PhotoViewer(window.ops, photo, window)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()

    window.ops.run(load, show)


class VisitMapTab(QWidget):
    """The visit's site on the map; "Pick the position" then a click sets the visit's position."""

    def __init__(self, editor: Any) -> None:
        super().__init__()
        self.editor = editor
        self.map = MapWidget(editor.ops, self, compact=True, model=boundaries_model())
        self.pick = QPushButton(_("Pick the position on the map"), self)
        self.pick.clicked.connect(self.map.pick_position)
        self.hint = QLabel(self)
        self.map.position_picked.connect(self._picked)
        row = QHBoxLayout()
        row.addWidget(self.pick)
        row.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.map, 1)
        self._site_id: str | None = None

    def load(self, detail: Any) -> None:
        first = self._site_id is None
        self._site_id = detail.site.id
        if first:
            self.map.canvas.resize(max(self.map.canvas.width(), 400), 300)
            if detail.visit.lon is not None and detail.visit.lat is not None:
                self.map.canvas.center_on(detail.visit.lon, detail.visit.lat, 15)
            elif detail.site.lon is not None and detail.site.lat is not None:
                self.map.canvas.center_on(detail.site.lon, detail.site.lat, 14)
        if detail.visit.id:
            self.map.canvas.selection = ("visits", detail.visit.id)

    def retranslate(self) -> None:
        self.pick.setText(_("Pick the position on the map"))
        self.map.retranslate()

    def set_read_only(self, read_only: bool) -> None:
        self.pick.setEnabled(not read_only)

    def _picked(self, lon: float, lat: float) -> None:
        from pemdesk.geo.coords import describe

        self.editor.set_position(lon, lat, model.PositionSource.MAP)
        self.hint.setText(describe(lon, lat).dms)
        self.map.canvas.tool = "pan"


def install_editor(editor: Any) -> VisitMapTab:
    tab = VisitMapTab(editor)
    editor.add_tab(tab, N_("Map"))
    return tab
