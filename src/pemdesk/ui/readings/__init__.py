"""Instrument readings in the program: a "Readings" tab, an import action, and the deployments
as a layer on the map (registered through the map model's layer API, nothing else touched)."""

from __future__ import annotations

import logging
from typing import Any

from pemdesk.i18n import _
from pemdesk.instruments.families import family_name
from pemdesk.labels import N_

log = logging.getLogger(__name__)
MAP_LAYER = "readings:deployments"


def install(window: Any) -> Any:
    from pemdesk.ui.readings.view import ReadingsView

    view = ReadingsView(window)
    window.readings_view = view
    window.add_tab(view, N_("Readings"))
    window.site_selected.connect(view.show_site)
    window.ops.changed.connect(view.refresh)
    window.add_action(window.menu_file, N_("Import instrument readings…"), view.open_import)
    window.add_action(window.menu_tools, N_("Instruments…"), lambda: open_register(window))
    window.ops.changed.connect(lambda: show_deployments_on_map(window))
    show_deployments_on_map(window)
    view.show_site(window.current_site_id())
    return view


def open_register(window: Any) -> None:
    from pemdesk.ui.readings.register import InstrumentRegister

    if getattr(window, "instrument_register", None) is None:
        window.instrument_register = InstrumentRegister(window.ops, window)
        window.instrument_register.destroyed.connect(
            lambda: setattr(window, "instrument_register", None))
    window.instrument_register.show()
    window.instrument_register.raise_()


def deployment_points(store: Any) -> list[tuple[float, float, str]]:
    """(lon, lat, label) of every deployment: its own position, else its site's."""
    from pemdesk.storage import readings as rs

    out = []
    for d in rs.list_deployments(store):
        lon, lat = d["lon"], d["lat"]
        if lon is None or lat is None:
            site = store._query("SELECT lon, lat FROM site WHERE id = ?", [d["site_id"]])
            if not site or site[0]["lon"] is None:
                continue
            lon, lat = site[0]["lon"], site[0]["lat"]
        out.append((float(lon), float(lat), f"{d['make'] or family_name(d['kind'])} {d['serial']}"))
    return out


def show_deployments_on_map(window: Any) -> None:
    widget = getattr(window, "map_widget", None)
    if widget is None:
        return

    def show(points: list[tuple[float, float, str]]) -> None:
        from shapely.geometry import Point
        from shiboken6 import isValid

        from pemdesk.geo.mapdata import project_geometry

        if not isValid(widget):
            return
        geoms = [project_geometry(Point(lon, lat)) for lon, lat, _label in points]
        model = widget.canvas.model
        if not geoms and MAP_LAYER not in model.user_layers:
            return
        model.add_user_layer(MAP_LAYER, _("Instrument deployments"), geoms, "#d97706")
        widget.layers.rebuild()
        widget.canvas.invalidate(clear_paths=False)

    window.ops.run(deployment_points, show,
                   lambda exc: log.warning("deployments on the map: %s", exc))
