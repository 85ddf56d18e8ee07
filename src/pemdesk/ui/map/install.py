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


def prepare() -> None:
    """Off the GUI thread, before ``install`` (see ``pemdesk.ui.plugin_loader``)."""
    boundaries_model()


def install(window: Any) -> MapWidget:
    widget = MapWidget(window.ops, window, model=boundaries_model())
    window.add_tab(widget, N_("Map"))
    window.map_widget = widget
    widget.visit_open_requested.connect(window.open_visit)
    widget.site_selected.connect(window.select_site)
    widget.photo_open_requested.connect(lambda photo_id: open_photo(window, photo_id))
    window.language_changed.connect(widget.retranslate)
    widget.canvas.zoom_to_country()
    follow_the_user(window, widget)
    remember_layers(widget)
    return widget


def remember_layers(widget: MapWidget) -> None:
    """The coordinator's added layers, the layer order and opacities survive a restart (kept in
    QSettings; a file that has gone is left out)."""
    import json
    from pathlib import Path

    from pemdesk.ui.app import settings

    store = settings()
    try:
        saved = json.loads(str(store.value("map/layers", "{}")))
    except ValueError:
        saved = {}
    lp = widget.canvas.layer_painter
    files = [f for f in saved.get("files", []) if isinstance(f, str) and Path(f).is_file()]
    order = [k for k in saved.get("order", []) if isinstance(k, str)]
    opacity = {k: float(v) for k, v in (saved.get("opacity") or {}).items()}

    restoring = [True]

    def restore_order(*_args: object) -> None:
        if not restoring[0]:
            return
        restoring[0] = False
        known = set(lp.order)
        wanted = [k for k in order if k in known]
        if len(wanted) == len(known):
            lp.order = wanted
        lp.opacity.update({k: v for k, v in opacity.items() if 0 <= v <= 1})
        widget.layers.rebuild()
        widget.canvas.invalidate(clear_paths=False)
        save()

    pending = list(files)

    def added(key: str) -> None:
        if pending:
            pending.pop(0)
        if not pending:
            restore_order()

    def save() -> None:
        if restoring[0]:
            return  # not while the saved layers are being read back
        store.setValue(
            "map/layers",
            json.dumps(
                {
                    "files": [
                        str(lay.attrs[0].get("_path"))
                        for lay in widget.canvas.model.user_layers.values()
                        if lay.attrs and lay.attrs[0].get("_path")
                    ],
                    "order": list(lp.order),
                    "opacity": dict(lp.opacity),
                }
            ),
        )

    widget.layers.changed.connect(save)
    for path in files:
        widget.add_layer_file(path, added)
    if files:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(15_000, widget, restore_order)  # a file that failed to read
    else:
        restore_order()


def follow_the_user(window: Any, widget: MapWidget) -> None:
    """The map follows the rest of the program: a site, plot or visit selected anywhere is
    selected and shown on the map; the site tree's filters (search, plot stage) apply to it."""
    from pemdesk.ui.main_window import KIND_ROLE, SITE_ID_ROLE

    def on_tree(current: Any, _previous: Any) -> None:
        if not current.isValid():
            return
        kind = current.data(KIND_ROLE)
        if kind == "plot":
            widget.focus("plots", current.data(Qt.ItemDataRole.UserRole + 3))
        elif kind == "site":
            widget.focus("sites", current.data(SITE_ID_ROLE))

    def on_site(site_id: str) -> None:
        current = window.tree.currentIndex()
        if current.isValid() and current.data(KIND_ROLE) == "plot":
            return  # the plot itself is shown (one jump, so "Back" returns to where one was)
        sel = widget.canvas.selection
        if (
            sel is None
            or sel != ("sites", site_id)
            and not (
                sel[0] == "plots" and widget._plot_info.get(sel[1], {}).get("site_id") == site_id
            )
        ):
            widget.focus("sites", site_id)

    def on_visit(*_args: Any) -> None:
        visit_id = window.current_visit_id()
        if visit_id:
            widget.focus("visits", visit_id)

    def on_filter(*_args: Any) -> None:
        from shiboken6 import isValid

        if not isValid(widget):
            return
        rows = window._matching_rows()
        everything = len(rows) == len(window._site_rows)
        stage = window.stage_filter.currentData()
        widget.set_filter(None if everything else {r.site.id for r in rows}, stage)

    window.tree.selectionModel().currentChanged.connect(on_tree)
    window.site_selected.connect(on_site)
    window.visits.selectionModel().selectionChanged.connect(on_visit)
    window.stage_filter.currentIndexChanged.connect(on_filter)
    window.search.textChanged.connect(on_filter)
    widget._refresh_filter = on_filter  # type: ignore[attr-defined]


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
        self.use_gps = QPushButton(_("Use my GPS position"), self)
        self.use_gps.clicked.connect(self.map.use_my_position)
        self.hint = QLabel(self)
        self.map.position_picked.connect(self._picked)
        self.map.gps_position_used.connect(self._from_gps)
        row = QHBoxLayout()
        row.addWidget(self.pick)
        row.addWidget(self.use_gps)
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
        self.use_gps.setText(_("Use my GPS position"))
        self.map.retranslate()

    def set_read_only(self, read_only: bool) -> None:
        self.pick.setEnabled(not read_only)
        self.use_gps.setEnabled(not read_only)

    def _from_gps(self, lon: float, lat: float) -> None:
        from pemdesk.geo.coords import describe

        if not self.use_gps.isEnabled():
            return
        self.editor.set_position(round(lon, 7), round(lat, 7), model.PositionSource.GPS)
        self.hint.setText(describe(lon, lat).dms + " (GPS)")

    def _picked(self, lon: float, lat: float) -> None:
        from pemdesk.geo.coords import describe

        self.editor.set_position(lon, lat, model.PositionSource.MAP)
        self.hint.setText(describe(lon, lat).dms)
        self.map.canvas.tool = "pan"


def install_editor(editor: Any) -> VisitMapTab:
    tab = VisitMapTab(editor)
    editor.add_tab(tab, N_("Map"))
    return tab
