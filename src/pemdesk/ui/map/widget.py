"""The map as the user meets it: canvas, tool bar, layer list, legend, details, coordinates.

Drawing and editing a plot: "Draw plot" (click the corners, double-click or Enter to close),
"Draw hole", "Add part"; "Edit vertices" (drag to move, double-click an edge to insert, right
click or Delete to remove); Undo/Redo; "Save plot" checks validity first and offers a repair
(shown on the map) only with the user's consent.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QKeySequence,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pemdesk import model as m
from pemdesk.geo import coords, symbology
from pemdesk.geo.mapdata import MapModel
from pemdesk.geo.plotedit import EditGeometry
from pemdesk.i18n import _, format_datetime, format_number
from pemdesk.labels import N_, label
from pemdesk.ui.map.canvas import MapCanvas
from pemdesk.ui.map.icons import icon
from pemdesk.ui.map.layers import LayerPanel

VIEW_HISTORY = 30  # views "Back" can return to


class GeometryCommand(QUndoCommand):
    """One edit of the plot being drawn, kept as before/after snapshots."""

    def __init__(
        self, canvas: MapCanvas, before: EditGeometry, after: EditGeometry, text: str
    ) -> None:
        super().__init__(text)
        self.canvas = canvas
        self.before = before.copy()
        self.after = after.copy()
        self._first = True

    def redo(self) -> None:
        if self._first:  # the canvas already shows the new state
            self._first = False
            return
        self.canvas.edit = self.after.copy()
        self.canvas.selected_vertex = None
        self.canvas.sketch_changed.emit()
        self.canvas.update()

    def undo(self) -> None:
        self.canvas.edit = self.before.copy()
        self.canvas.selected_vertex = None
        self.canvas.sketch_changed.emit()
        self.canvas.update()


class MapWidget(QWidget):
    visit_open_requested = Signal(str)
    photo_open_requested = Signal(str)
    site_selected = Signal(str)
    plot_saved = Signal(str)
    position_picked = Signal(float, float)
    track_saved = Signal(str)
    waypoint_attached = Signal(str)
    gps_position_used = Signal(float, float)  # "Use my position": the GPS fix, lon and lat

    def __init__(
        self,
        ops: Any = None,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
        model: MapModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        if model is None:
            model = MapModel()
            model.load_boundaries()
            model.load_basemap()
        self.canvas = MapCanvas(model, self)
        self.undo = QUndoStack(self)
        self.canvas.on_edit = self._push_edit
        self.editing_plot: m.Plot | None = None
        self.editing_site: dict[str, Any] | None = None
        self._sites: dict[str, dict[str, Any]] = {}
        self._plot_info: dict[str, dict[str, Any]] = {}
        self._waypoints: dict[str, dict[str, Any]] = {}
        self._data: Any = None
        self.as_of: str | None = None  # a past date to show (the rehabilitation time slider)

        self.toolbar = QToolBar(self)
        self._build_actions()
        self.coords_label = QLabel(self)
        self.coords_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_label = QLabel(self)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.linkActivated.connect(self._on_link)
        self.layers = LayerPanel(self.canvas, self)
        self.layer_list = self.layers.list
        self.legend = QLabel(self)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)  # never cut: long stage names wrap
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._fill_legend()

        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self._headings: list[tuple[QLabel, str]] = []
        for text in (N_("Layers"), N_("Plot stages"), N_("Selected")):
            self._headings.append((QLabel(self), text))
        side_layout.addWidget(self._headings[0][0])
        side_layout.addWidget(self.layers, 2)
        side_layout.addWidget(self._headings[1][0])
        side_layout.addWidget(self.legend)
        side_layout.addWidget(self._headings[2][0])
        side_layout.addWidget(self.info, 3)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.canvas)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        if compact:
            side.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(splitter, 1)
        status = QHBoxLayout()
        status.addWidget(self.coords_label, 1)
        status.addWidget(self.edit_label)
        layout.addLayout(status)

        self.retranslate()
        self.canvas.cursor_moved.connect(self._on_cursor)
        self.canvas.feature_clicked.connect(self._on_feature)
        self.canvas.point_picked.connect(self.position_picked)
        self.canvas.sketch_changed.connect(self._update_edit_status)
        self.canvas.measure_changed.connect(self._update_measure_status)
        self.canvas.sketch_finished.connect(lambda: self._set_tool("edit"))
        self._history: list[tuple[float, float, float]] = []
        self._pending_focus: tuple[str, str] | None = None
        from pemdesk.ui.map.gps import shared_gps

        self.gps = shared_gps()
        self.gps.fix_received.connect(self._on_gps_fix)
        self.gps.status_changed.connect(self._on_gps_status)
        if ops is not None:
            # every write announces a change (visit autosave too): reload a moment later, only
            # when shown, and keep the map as it is when its rows did not change
            self._reload_timer = QTimer(self)
            self._reload_timer.setSingleShot(True)
            self._reload_timer.setInterval(600)
            self._reload_timer.timeout.connect(self.reload)
            self._dirty = False
            ops.changed.connect(self._schedule_reload)
            self.reload()

    # --- actions ------------------------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(_(text), self)
        action.setData(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _menu_button(self, text: str, icon_name: str, actions: list[QAction]) -> QToolButton:
        """A tool bar button that opens a menu of related tools (fits a 1366-px screen)."""
        button = QToolButton(self)
        button.setIcon(icon(icon_name))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for a in actions:
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        button.setMenu(menu)
        button.setProperty("menu_title", text)
        self._menu_buttons.append((button, text))
        return button

    def _build_actions(self) -> None:
        tb = self.toolbar
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self._menu_buttons: list[tuple[QToolButton, str]] = []

        def on_bar(action: QAction, icon_name: str) -> QAction:
            action.setIcon(icon(icon_name))
            tb.addAction(action)
            return action

        on_bar(self._action(N_("Zoom in"), lambda: self.canvas.zoom_by(1)), "zoom_in")
        on_bar(self._action(N_("Zoom out"), lambda: self.canvas.zoom_by(-1)), "zoom_out")
        on_bar(self._action(N_("Whole country"), self.zoom_to_country), "country")
        on_bar(self._action(N_("Zoom to selection"), self.zoom_to_selection), "selection")
        self.act_back = on_bar(
            self._action(N_("Back to the previous view"), self.go_back, "Alt+Left"), "back"
        )
        tb.addWidget(
            self._menu_button(
                N_("Zoom to the soum or aimag"),
                "admin",
                [
                    self._action(N_("Soum"), lambda: self.zoom_to_admin("soum")),
                    self._action(N_("Aimag"), lambda: self.zoom_to_admin("aimag")),
                ],
            )
        )
        tb.addSeparator()
        self.tools = QActionGroup(self)
        self.act_select = self._action(N_("Select"), lambda: self._set_tool("pan"), checkable=True)
        self.act_draw = self._action(N_("Draw plot"), self.start_drawing, checkable=True)
        self.act_hole = self._action(
            N_("Draw hole"), lambda: self._set_tool("hole"), checkable=True
        )
        self.act_edit = self._action(
            N_("Edit vertices"), lambda: self._set_tool("edit"), checkable=True
        )
        self.act_measure = self._action(
            N_("Measure"), lambda: self._set_tool("measure"), checkable=True
        )
        for a in (self.act_select, self.act_draw, self.act_hole, self.act_edit, self.act_measure):
            self.tools.addAction(a)
        on_bar(self.act_select, "select")
        on_bar(self.act_measure, "measure")
        tb.addWidget(
            self._menu_button(
                N_("Draw and edit plots"),
                "plot",
                [
                    self.act_draw,
                    self.act_hole,
                    self.act_edit,
                    self._action(N_("Delete vertex"), self.canvas.delete_selected_vertex),
                    self._action(N_("From track"), self.plot_from_selected_track),
                ],
            )
        )
        self.act_select.setChecked(True)
        self.act_undo = self._action(N_("Undo"), self.undo_edit, QKeySequence.StandardKey.Undo)
        self.act_redo = self._action(N_("Redo"), self.undo.redo, QKeySequence.StandardKey.Redo)
        on_bar(self.act_undo, "undo")
        on_bar(self.act_redo, "redo")
        on_bar(self._action(N_("Save plot"), self.save_plot), "save")
        on_bar(self._action(N_("Cancel"), self.cancel_edit), "cancel")
        tb.addSeparator()
        self.act_follow = self._action(N_("Follow me"), self._on_follow, checkable=True)
        self.act_record = self._action(N_("Record a track"), self.toggle_recording, checkable=True)
        self.act_use_position = self._action(N_("Use my position"), self.use_my_position)
        self.gps_button = self._menu_button(
            N_("GPS"),
            "gps",
            [
                self._action(N_("Connect a GPS…"), self.connect_gps),
                self._action(N_("Disconnect the GPS"), self.gps_disconnect),
                None,  # type: ignore[list-item]
                self.act_follow,
                self.act_use_position,
                self._action(N_("Mark a waypoint here"), self.mark_waypoint),
                self._action(N_("Add a photo point here"), self.add_photo_point_here),
                self.act_record,
            ],
        )
        tb.addWidget(self.gps_button)
        tb.addWidget(
            self._menu_button(
                N_("Add data"),
                "add",
                [
                    self._action(N_("Import file…"), self.open_import),
                    self._action(N_("Licence corners…"), self.open_corners),
                    self._action(
                        N_("Add a layer (GeoPackage, Shapefile, GeoJSON)…"), self.add_layer
                    ),
                    self._action(N_("Add basemap…"), self.choose_basemap),
                ],
            )
        )

    def retranslate(self, *_args: Any) -> None:
        """Texts in the current language (after a language switch), labels on the map too."""
        for action in self.actions():
            if action.data():
                action.setText(_(action.data()))
                tip = _(action.data())
                if not action.shortcut().isEmpty():
                    tip += f" ({action.shortcut().toString()})"
                action.setToolTip(tip)
        for button, text in self._menu_buttons:
            button.setToolTip(_(text))
        for label_widget, text in self._headings:
            label_widget.setText("<b>" + html.escape(_(text)) + "</b>")
        self.layers.retranslate()
        self._fill_legend()
        self.canvas._labels = None
        self.canvas.update()
        self._update_edit_status()

    def _set_tool(self, tool: str) -> None:
        self.canvas.tool = tool
        self.canvas.sketch = [] if tool not in ("draw", "hole") else self.canvas.sketch
        if tool != "measure" and self.canvas.measure:
            self.canvas.measure = []
            self.canvas.update()
        for action, name in (
            (self.act_select, "pan"),
            (self.act_draw, "draw"),
            (self.act_hole, "hole"),
            (self.act_edit, "edit"),
            (self.act_measure, "measure"),
        ):
            action.setChecked(name == tool)
        self.canvas.setCursor(
            Qt.CursorShape.CrossCursor
            if tool in ("draw", "hole", "pick", "measure")
            else Qt.CursorShape.ArrowCursor
        )
        self._update_edit_status()

    def _push_edit(self, before: EditGeometry, after: EditGeometry, text: str) -> None:
        self.undo.push(GeometryCommand(self.canvas, before, after, text))

    def undo_edit(self) -> None:
        if self.canvas.sketch:  # while drawing, undo takes back the last corner
            self.canvas.sketch.pop()
            self.canvas.sketch_changed.emit()
            self.canvas.update()
        else:
            self.undo.undo()

    # --- data -----------------------------------------------------------------------------
    def _schedule_reload(self) -> None:
        from shiboken6 import isValid

        if not isValid(self):
            return
        self._dirty = True
        if self.isVisible():
            self._reload_timer.start()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self.ops is not None and self._dirty:
            self._reload_timer.start()

    def reload(self) -> None:
        from shiboken6 import isValid

        if self.ops is None or not isValid(self):
            return
        self._dirty = False
        base = self.canvas.model
        previous = self._data
        as_of = self.as_of

        def load(store: Any) -> tuple[MapModel, Any] | None:
            from pemdesk.storage.geo import map_data

            data = map_data(store)
            if as_of is not None:
                from pemdesk.storage.rehab import map_data_as_of

                data = map_data_as_of(store, data, as_of)
            if previous is not None and data == previous:
                return None  # nothing on the map changed
            return base.with_records(data), data

        self.ops.run(load, self._loaded)

    def set_as_of(self, day: str | None) -> None:
        """Show the map as it was on ``day`` (YYYY-MM-DD), or as it is now (None)."""
        self.as_of = day
        self.reload()

    def _loaded(self, result: tuple[MapModel, Any] | None) -> None:
        from shiboken6 import isValid

        if result is None or not isValid(self) or not isValid(self.canvas):
            return  # unchanged, or closed while the data was loading
        new_model, data = result
        self.set_model(new_model, data)

    def set_model(self, new_model: MapModel, data: Any = None) -> None:
        self.canvas.model = new_model
        self.canvas.layer_painter.model = new_model
        self._data = data
        if data is not None:
            self._sites = {s["id"]: s for s in data.sites}
            self._plot_info = {p["id"]: p for p in data.plots}
            self._waypoints = {w["id"]: w for w in getattr(data, "waypoints", [])}
        self.layers.rebuild()
        self._apply_filter()
        self.canvas.invalidate()
        if self._pending_focus is not None:
            self.focus(*self._pending_focus)

    def _fill_legend(self) -> None:
        rows = []
        for text, colour, _stage in symbology.plot_stage_legend():
            rows.append(
                f'<span style="background:{colour}">&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;'
                f"{html.escape(text)}"
            )
        self.legend.setText("<br>".join(rows))

    # --- navigation ---------------------------------------------------------------------------
    def _remember_view(self) -> None:
        v = self.canvas.view
        here = (v.cx, v.cy, v.zoom)
        if not self._history or self._history[-1] != here:
            self._history.append(here)
            del self._history[:-VIEW_HISTORY]

    def _fit(self, box: tuple[float, float, float, float] | None, max_zoom: float = 17.0) -> None:
        if box is None:
            return
        self._remember_view()
        self.canvas.fit(box, max_zoom)

    def go_back(self) -> None:
        """The view before the last jump (zoom to a site, a plot, the country…)."""
        if not self._history:
            return
        cx, cy, zoom = self._history.pop()
        self.canvas.view.cx, self.canvas.view.cy = cx, cy
        self.canvas.set_zoom(zoom)

    def zoom_to_country(self) -> None:
        if "country" in self.canvas.model.layers:
            self._fit(self.canvas.model.country_extent(), 12)

    def zoom_to_site(self, site_id: str) -> None:
        self.focus("sites", site_id)

    def focus(self, layer: str, fid: str) -> bool:
        """Select a site, plot, visit, photo point or waypoint and bring it into view (from the
        tree, the visits list or any other part of the program). Before the map's records are
        loaded the request waits for them."""
        model = self.canvas.model
        box = model.site_extent(fid) if layer == "sites" else model.bounds_of(layer, fid)
        if box is None:
            self._pending_focus = (layer, fid)
            return False
        self._pending_focus = None
        x0, y0, x1, y1 = box
        # a site given as a point still shows its surroundings; a point shows its neighbourhood
        pad = 400.0 if layer == "sites" else max(150.0, (x1 - x0) * 0.25, (y1 - y0) * 0.25)
        self._fit((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        self.canvas.selection = (layer, fid)
        self.canvas.update()
        return True

    def zoom_to_selection(self) -> None:
        sel = self.canvas.selection
        if sel is None:
            return
        self.focus(*sel)

    def zoom_to_admin(self, kind: str) -> None:
        """The soum or aimag under the selection, else under the map's centre."""
        from pemdesk.gazetteer import Gazetteer

        lon, lat = self.canvas.lonlat_at(self.canvas.width() / 2, self.canvas.height() / 2)
        sel = self.canvas.selection
        if sel is not None:
            box = self.canvas.model.bounds_of(*sel)
            if box is None and sel[0] == "sites":
                box = self.canvas.model.site_extent(sel[1])
            if box is not None:
                from pemdesk.geo.mapdata import lonlat_point

                lon, lat = lonlat_point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        gaz = Gazetteer.load()
        soum = gaz.locate(lon, lat)
        if soum is None:
            return
        code = soum.code if kind == "soum" else soum.aimag_code
        self._fit(self.canvas.model.bounds_of(kind, code))

    # --- the tree's filters --------------------------------------------------------------
    def set_filter(self, site_ids: set[str] | None, stage: str | None = None) -> None:
        """Show only these sites (None: all) and their records; with ``stage`` only plots of
        that stage. The same filters as the site tree, kept across reloads."""
        self._filter = (site_ids, stage)
        self._apply_filter()

    def _apply_filter(self) -> None:
        from pemdesk.model import PlotStage

        site_ids, stage = getattr(self, "_filter", (None, None))
        lp = self.canvas.layer_painter
        lp.filters.clear()
        model = self.canvas.model
        if site_ids is not None or stage is not None:
            stage_index = list(PlotStage).index(PlotStage(stage)) if stage else None
            plots = model.layers.get("plots")
            if plots is not None:
                lp.filters["plots"] = {
                    fid
                    for fid, a in zip(plots.ids, plots.attrs, strict=True)
                    if (site_ids is None or a["site_id"] in site_ids)
                    and (
                        stage_index is None or lp.stage_override.get(fid, a["stage"]) == stage_index
                    )
                }
            if site_ids is not None:
                lp.filters["sites"] = set(site_ids)
                lp.filters["site_boundaries"] = set(site_ids)
                for name in ("visits", "photo_points", "waypoints"):
                    pts = model.points.get(name)
                    if pts is not None and pts.attrs:
                        lp.filters[name] = {
                            fid
                            for fid, a in zip(pts.ids, pts.attrs, strict=True)
                            if a.get("site_id") in site_ids
                        }
                tracks = model.layers.get("tracks")
                if tracks is not None:
                    lp.filters["tracks"] = {
                        fid
                        for fid, a in zip(tracks.ids, tracks.attrs, strict=True)
                        if a.get("site_id") in site_ids
                    }
        self.canvas.invalidate(clear_paths=False)

    # --- coordinates and selection ----------------------------------------------------------
    def _on_cursor(self, lon: float, lat: float) -> None:
        t = coords.describe(lon, lat)
        self.coords_label.setText(f"{t.decimal}   |   {t.dms}   |   UTM {t.utm}")

    def _on_feature(self, layer: str, fid: str) -> None:
        if not layer:
            self.info.setText("")
            return
        if layer == "plots":
            self.show_plot(fid)
        elif layer in ("sites", "site_boundaries"):
            site = self._sites.get(fid, {})
            self.info.setText(
                f"<b>{html.escape(site.get('name_mn', ''))}</b><br>"
                f"{html.escape(site.get('licence_no') or '')}"
            )
            self.site_selected.emit(fid)
        elif layer == "visits":
            self.info.setText(f'<a href="visit:{fid}">{html.escape(_("Open the visit"))}</a>')
            self.visit_open_requested.emit(fid)
        elif layer == "photos":
            self.info.setText(f'<a href="photo:{fid}">{html.escape(_("Open the photo"))}</a>')
            self.photo_open_requested.emit(fid)
        elif layer == "waypoints":
            self.show_waypoint(fid)
        else:
            self.info.setText(html.escape(fid))

    def show_waypoint(self, waypoint_id: str) -> None:
        """A waypoint's data and what it can be attached to (the selected site, the visit
        selected in the visits list)."""
        w = self._waypoints.get(waypoint_id, {})
        rows = [f"<b>{html.escape(w.get('name') or _('Waypoint'))}</b>"]
        if w.get("recorded_at"):
            rows.append(html.escape(format_datetime(w["recorded_at"])))
        if w.get("ele") is not None:
            rows.append(f"{format_number(w['ele'], 1)} {html.escape(_('m'))}")
        if w.get("site_id"):
            site = self._sites.get(w["site_id"], {})
            rows.append(html.escape(_("Site: {name}").format(name=site.get("name_mn", ""))))
        links = [
            f'<a href="attach-site:{waypoint_id}">{html.escape(_("Attach to the selected site"))}</a>',
            f'<a href="attach-visit:{waypoint_id}">{html.escape(_("Attach to the selected visit"))}</a>',
        ]
        self.info.setText("<br>".join(rows + links))

    def attach_waypoint(self, waypoint_id: str, kind: str) -> None:
        window = self.window()
        if kind == "site":
            getter = getattr(window, "current_site_id", None)
            target = getter() if callable(getter) else self._guess_site()
        else:
            getter = getattr(window, "current_visit_id", None)
            target = getter() if callable(getter) else None
        if not target or self.ops is None:
            QMessageBox.information(
                self, _("Waypoint"), _("Select the site or the visit in the main window first.")
            )
            return

        def write(store: Any) -> None:
            from pemdesk.storage.geo import attach_waypoint

            attach_waypoint(store, waypoint_id, kind, target)

        self.ops.write(write, lambda _r: self.waypoint_attached.emit(waypoint_id), self._show_error)

    def show_plot(self, plot_id: str) -> None:
        p = self._plot_info.get(plot_id, {})
        text = (
            f"<b>{html.escape(p.get('name', ''))}</b><br>"
            f"{html.escape(label(m.PlotStage(p['stage'])) if p else '')}<br>"
            f"{format_number(p.get('area_ha'), 2)} {html.escape(_('ha'))}<br>"
            f'<a href="edit:{plot_id}">{html.escape(_("Edit the boundary"))}</a>'
        )
        self.info.setText(text)
        if self.ops is None:
            return

        def visits(store: Any) -> list[m.Visit]:
            from pemdesk.storage.geo import plot_visits

            return plot_visits(store, plot_id)

        def show(vs: list[m.Visit]) -> None:
            from shiboken6 import isValid

            if not isValid(self.info):
                return
            links = [
                f'<a href="visit:{v.id}">{html.escape(format_datetime(v.started_at))}</a> '
                f"({html.escape(label(v.status))})"
                for v in vs[:12]
            ]
            body = "<br>".join(links) if links else html.escape(_("No visits yet."))
            self.info.setText(text + "<br><br><b>" + html.escape(_("Visits")) + "</b><br>" + body)

        self.ops.run(visits, show)

    def _on_link(self, link: str) -> None:
        kind, _sep, fid = link.partition(":")
        if kind == "visit":
            self.visit_open_requested.emit(fid)
        elif kind == "photo":
            self.photo_open_requested.emit(fid)
        elif kind == "edit":
            self.edit_plot(fid)
        elif kind in ("attach-site", "attach-visit"):
            self.attach_waypoint(fid, kind.split("-")[1])

    # --- drawing and editing plots ------------------------------------------------------------
    def start_drawing(self, site_id: str | None = None) -> None:
        """A new plot: the site is the given one, else the selected site's, else the nearest."""
        if self.editing_plot is None:
            site_id = site_id if isinstance(site_id, str) else self._guess_site()
            if site_id is None:
                QMessageBox.information(
                    self, _("Draw plot"), _("Select a site on the map (or in the list) first.")
                )
                self._set_tool("pan")
                return
            self.editing_plot = m.Plot(site_id=site_id, name=_("New plot"))
            self.editing_site = self._sites.get(site_id)
            self.canvas.edit = EditGeometry()
            self.canvas.site_boundary = (self.editing_site or {}).get("boundary")
            self.undo.clear()
        self._set_tool("draw")

    def _guess_site(self) -> str | None:
        sel = self.canvas.selection
        if sel is not None:
            if sel[0] in ("sites", "site_boundaries"):
                return sel[1]
            if sel[0] == "plots":
                return self._plot_info.get(sel[1], {}).get("site_id")
        window = self.window()
        current = getattr(window, "current_site_id", None)
        return current() if callable(current) else None

    def edit_plot(self, plot_id: str) -> None:
        if self.ops is None:
            return

        def load(store: Any) -> m.Plot:
            return store.get(m.Plot, plot_id)

        def start(plot: m.Plot) -> None:
            self.begin_edit(plot)

        self.ops.run(load, start)

    def begin_edit(self, plot: m.Plot, site_boundary: dict[str, Any] | None = None) -> None:
        self.editing_plot = plot
        self.editing_site = self._sites.get(plot.site_id)
        self.canvas.edit = EditGeometry.from_geojson(plot.geometry)
        self.canvas.site_boundary = site_boundary or (self.editing_site or {}).get("boundary")
        self.undo.clear()
        self._set_tool("edit")

    def plot_from_selected_track(self) -> None:
        """A closed ring from the selected GPS track (a boundary walked with a GPS)."""
        sel = self.canvas.selection
        if sel is None or sel[0] != "tracks" or self._data is None:
            QMessageBox.information(
                self, _("From track"), _("Select a GPS track on the map first.")
            )
            return
        track = next((t for t in self._data.tracks if t["id"] == sel[1]), None)
        if track is None:
            return
        g = track["geometry"]
        line = g["coordinates"] if g["type"] == "LineString" else max(g["coordinates"], key=len)
        if self.editing_plot is None:
            site_id = track.get("site_id") or self._guess_site()
            if site_id is None:
                QMessageBox.information(
                    self, _("Draw plot"), _("Select a site on the map (or in the list) first.")
                )
                return
            self.editing_plot = m.Plot(site_id=site_id, name=track["name"] or _("New plot"))
            self.editing_site = self._sites.get(site_id)
            self.canvas.site_boundary = (self.editing_site or {}).get("boundary")
            self.canvas.edit = EditGeometry()
        before = self.canvas.edit.copy() if self.canvas.edit else EditGeometry()
        ring = [[c[0], c[1]] for c in line]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring.pop()
        if len(ring) < 3:
            return
        assert self.canvas.edit is not None
        self.canvas.edit.add_part(ring)
        self._push_edit(before, self.canvas.edit, "from track")
        self._set_tool("edit")
        self._update_edit_status()

    def cancel_edit(self) -> None:
        self.editing_plot = None
        self.editing_site = None
        self.canvas.edit = None
        self.canvas.sketch = []
        self.canvas.site_boundary = None
        self.undo.clear()
        self._set_tool("pan")
        self.canvas.update()

    def _update_measure_status(self) -> None:
        from pemdesk.geo.area import geodesic_area_ha, geodesic_length_m

        pts = self.canvas.measure
        if len(pts) < 2:
            self.edit_label.setText(_("Click points to measure; Esc starts again."))
            return
        text = _("Distance: {m} m").format(
            m=format_number(geodesic_length_m({"type": "LineString", "coordinates": pts}), 1)
        )
        if len(pts) >= 3:
            ring = {"type": "Polygon", "coordinates": [pts + [pts[0]]]}
            if EditGeometry.from_geojson(ring).problem() is None:  # no area for a crossing one
                area = format_number(geodesic_area_ha(ring), 4)
                text += "   " + _("Area: {ha} ha").format(ha=area)
        self.edit_label.setText(text)

    def _update_edit_status(self) -> None:
        if self.canvas.tool == "measure":
            self._update_measure_status()
            return
        edit = self.canvas.edit
        if edit is None and not self.canvas.sketch:
            self.edit_label.setText("")
            return
        if self.canvas.sketch and len(self.canvas.sketch) >= 3:
            preview = edit.copy() if edit is not None else EditGeometry()
            preview.add_part(self.canvas.sketch)
            edit = preview
        if edit is None:
            self.edit_label.setText(_("Click the corners; double-click or Enter to close."))
            return
        parts = [
            _("Area: {ha} ha").format(ha=format_number(edit.area_ha(), 4)),
            _("Perimeter: {m} m").format(m=format_number(edit.perimeter_m(), 1)),
        ]
        problem = edit.problem()
        if problem:
            parts.append("⚠ " + _("The boundary crosses itself."))
        elif self.canvas.site_boundary:
            outside = edit.outside_of(self.canvas.site_boundary)
            if outside > 1e-4:
                parts.append(
                    "⚠ "
                    + _("{ha} ha outside the licence area").format(ha=format_number(outside, 4))
                )
        self.edit_label.setText("   ".join(parts))

    def edit_status_text(self) -> str:
        return self.edit_label.text()

    def save_plot(self) -> None:
        edit = self.canvas.edit
        if self.editing_plot is None or edit is None:
            return
        if self.canvas.sketch:
            self.canvas.finish_sketch()
        if edit.is_empty():
            QMessageBox.information(self, _("Save plot"), _("Draw at least three corners."))
            return
        if edit.problem():
            proposal = edit.repair_proposal()
            if proposal is None:
                QMessageBox.warning(
                    self,
                    _("Save plot"),
                    _(
                        "The boundary crosses itself and cannot be repaired "
                        "automatically. Move the corners so that it does not."
                    ),
                )
                return
            before = edit.copy()
            self.canvas.edit = proposal  # show the proposal on the map before asking
            self.canvas.update()
            answer = QMessageBox.question(
                self,
                _("Save plot"),
                _(
                    "The boundary crosses itself. The map now shows a repaired boundary "
                    "({ha} ha). Use it?"
                ).format(ha=format_number(proposal.area_ha(), 4)),
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.canvas.edit = before
                self.canvas.update()
                return
            self._push_edit(before, proposal, "repair")
            edit = proposal
        plot = self.editing_plot
        if plot.geometry is None and self.ops is not None:  # a new plot: give it a name
            from PySide6.QtWidgets import QInputDialog

            name, ok = QInputDialog.getText(
                self, _("Save plot"), _("Name of the plot"), text=plot.name
            )
            if not ok:
                return
            plot.name = name.strip() or plot.name
        plot.geometry = edit.to_geojson()
        if self.ops is None:
            self.plot_saved.emit(plot.id)
            return

        def write(store: Any) -> m.Plot:
            return store.save(plot)

        def done(saved: m.Plot) -> None:
            self.plot_saved.emit(saved.id)
            self.cancel_edit()

        self.ops.write(write, done, self._show_error)

    def _show_error(self, exc: BaseException) -> None:
        from pemdesk.ui.errors import show_error

        show_error(self, exc)

    # --- picking a position (visit editor) --------------------------------------------------
    def pick_position(self) -> None:
        """The next click on the map emits ``position_picked(lon, lat)``."""
        self._set_tool("pick")

    def set_marker(self, lon: float, lat: float) -> None:
        self.canvas.center_on(lon, lat)

    # --- live GPS ---------------------------------------------------------------------------
    def connect_gps(self) -> None:
        """Choose the receiver's serial port (USB or Bluetooth) and its speed."""
        from PySide6.QtWidgets import QInputDialog

        from pemdesk.gps.source import BAUD_RATES, list_ports

        ports = [
            f"{p.device} — {p.description}" if p.description else p.device for p in list_ports()
        ]
        port, ok = QInputDialog.getItem(
            self, _("Connect a GPS…"), _("Serial port of the GPS receiver"), ports or [""], 0, True
        )
        if not ok or not port.strip():
            return
        baud, ok = QInputDialog.getItem(
            self, _("Connect a GPS…"), _("Speed (baud)"), [str(b) for b in BAUD_RATES], 1, False
        )
        if not ok:
            return
        self.connect_gps_port(port.split(" — ")[0].strip(), int(baud))

    def connect_gps_port(self, port: str, baudrate: int = 9600) -> bool:
        from pemdesk.errors import PemdeskError

        try:
            self.gps.connect_port(port, baudrate)
        except PemdeskError as exc:
            self._show_error(exc)
            return False
        return True

    def gps_disconnect(self) -> None:
        self.gps.disconnect_port()
        self.canvas.set_gps(None, None)

    def _on_gps_fix(self, fix: Any) -> None:
        from shiboken6 import isValid

        if not isValid(self) or not isValid(self.canvas):
            return
        self.canvas.set_gps(fix.lon, fix.lat, fix.accuracy_m, follow=self.act_follow.isChecked())
        if self.gps.recorder is not None:
            self.canvas.gps_trail = [(p.lon, p.lat) for p in self.gps.recorder.points]
        acc = f" ±{format_number(fix.accuracy_m, 0)} {_('m')}" if fix.accuracy_m else ""
        self.edit_label.setText(
            _("GPS: {where}").format(where=coords.describe(fix.lon, fix.lat).dms) + acc
        )

    def _on_gps_status(self, status: str) -> None:
        from shiboken6 import isValid

        if not isValid(self):
            return
        text = {
            "connected": _("GPS connected; waiting for a position…"),
            "disconnected": _("The GPS was disconnected."),
            "stopped": _("GPS off."),
        }.get(status, status)
        self.edit_label.setText(text)

    def _on_follow(self, on: bool) -> None:
        fix = self.gps.position()
        if on and fix is not None:
            self.canvas.center_on(fix.lon, fix.lat)

    def _my_position(self, title: str) -> Any:
        fix = self.gps.position()
        if fix is None:
            QMessageBox.information(
                self, _(title), _("No position from the GPS yet. Connect a GPS and wait for a fix.")
            )
        return fix

    def use_my_position(self) -> None:
        """The GPS position for whatever waits for a position (a visit's position in the visit
        editor's map), as if it had been clicked."""
        fix = self._my_position(N_("Use my position"))
        if fix is None:
            return
        if self.canvas.tool == "pick":
            self._set_tool("pan")
        self.canvas.center_on(fix.lon, fix.lat)
        self.gps_position_used.emit(fix.lon, fix.lat)

    def mark_waypoint(self) -> None:
        """A waypoint at the GPS position (attached to the selected site, if any)."""
        from PySide6.QtWidgets import QInputDialog

        from pemdesk.ids import to_iso

        fix = self._my_position(N_("Mark a waypoint here"))
        if fix is None or self.ops is None:
            return
        name, ok = QInputDialog.getText(self, _("Mark a waypoint here"), _("Name of the waypoint"))
        if not ok:
            return
        wp = m.Waypoint(
            name=name.strip() or _("Waypoint"),
            lon=round(fix.lon, 7),
            lat=round(fix.lat, 7),
            ele=fix.ele,
            recorded_at=to_iso(fix.time) if fix.time else None,
            source_file="live GPS",
            site_id=self._guess_site(),
        )
        self.ops.write(lambda store: store.save(wp), None, self._show_error)

    def add_photo_point_here(self) -> None:
        """A photo point of the selected site at the GPS position."""
        from PySide6.QtWidgets import QInputDialog

        fix = self._my_position(N_("Add a photo point here"))
        if fix is None or self.ops is None:
            return
        site_id = self._guess_site()
        if site_id is None:
            QMessageBox.information(
                self,
                _("Add a photo point here"),
                _("Select a site on the map (or in the list) first."),
            )
            return
        name, ok = QInputDialog.getText(
            self, _("Add a photo point here"), _("Name of the photo point")
        )
        if not ok or not name.strip():
            return
        pp = m.PhotoPoint(
            site_id=site_id, name=name.strip(), lon=round(fix.lon, 7), lat=round(fix.lat, 7)
        )
        self.ops.write(lambda store: store.save(pp), None, self._show_error)

    def toggle_recording(self, on: bool) -> None:
        if on:
            self.gps.start_recording()
            self.canvas.gps_trail = []
            if not self.gps.connected:
                self.edit_label.setText(_("Recording starts with the first GPS position."))
            return
        recorder = self.gps.stop_recording()
        self.canvas.gps_trail = []
        self.canvas.update()
        if recorder is None:
            return
        self.save_recorded_track(recorder)

    def save_recorded_track(self, recorder: Any) -> None:
        """Save a recorded track to the open visit (else the selected site)."""
        if len(recorder) < 2:
            QMessageBox.information(
                self, _("Record a track"), _("The track has fewer than two points; nothing saved.")
            )
            return
        window = self.window()
        current = getattr(window, "current_visit_id", None)
        visit_id = current() if callable(current) else None
        site_id = None if visit_id else self._guess_site()
        if self.ops is None:
            return

        def write(store: Any) -> Any:
            return recorder.save(store, visit_id=visit_id, site_id=site_id)

        def done(track: Any) -> None:
            self.track_saved.emit(track.id if track is not None else "")

        self.ops.write(write, done, self._show_error)

    # --- dialogs ------------------------------------------------------------------------------
    def choose_basemap(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Add basemap…"), "", "MBTiles (*.mbtiles)"
        )
        if path:
            self.set_basemap(path)

    def set_basemap(self, path: str | None) -> None:
        from pemdesk.geo.mbtiles import MBTiles

        if path is None:
            self.canvas.layer_painter.set_basemap(None)
        else:
            try:
                self.canvas.layer_painter.set_basemap(MBTiles(path))
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self._show_error(exc)
                return
            self.canvas.layer_painter.visible["basemap"] = True
        self.layers.rebuild()
        self.canvas.invalidate()

    def add_layer(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Add a layer (GeoPackage, Shapefile, GeoJSON)…"),
            "",
            "GeoPackage, Shapefile, GeoJSON, KML (*.gpkg *.shp *.zip *.geojson *.json *.kml *.kmz)",
        )
        if path:
            self.add_layer_file(path)

    def add_layer_file(self, path: str, done: Any = None) -> None:
        """Read a file off the GUI thread and show it as a layer of its own (not imported as
        records: a coordinator's reference layer, e.g. protected zones)."""
        from pathlib import Path

        from pemdesk.geo.symbology import USER_LAYER_COLOURS

        model = self.canvas.model
        colour = USER_LAYER_COLOURS[len(model.user_layers) % len(USER_LAYER_COLOURS)]
        key = f"user:{Path(path).name}"

        def read(_store: Any) -> Any:
            from pemdesk.geo.mapdata import project_geometry
            from pemdesk.importers.geofile import read_geo

            geofile = read_geo(path)
            return [project_geometry(f.geometry) for f in geofile.features]

        def show(geoms: Any) -> None:
            from shiboken6 import isValid

            if not isValid(self):
                return
            if not geoms:
                QMessageBox.information(
                    self, _("Add data"), _("{name}: no features to show.").format(name=Path(path).name)
                )
                return
            self.canvas.model.add_user_layer(
                key, Path(path).name, geoms, colour, str(Path(path).resolve())
            )
            self.layers.rebuild()
            self.canvas.invalidate(clear_paths=False)
            self.layers.changed.emit()
            if done is not None:
                done(key)

        if self.ops is None:
            show(read(None))
        else:
            self.ops.run(read, show, self._show_error)

    def open_import(self) -> None:
        from pemdesk.ui.map.dialogs import ImportDialog

        dialog = ImportDialog(self.ops, self, site_id=self._guess_site(), sites=self._sites)
        dialog.exec()

    def open_corners(self) -> None:
        from pemdesk.ui.map.dialogs import CornersDialog

        dialog = CornersDialog(self.ops, self, site_id=self._guess_site(), sites=self._sites)
        dialog.exec()
