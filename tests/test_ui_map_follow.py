"""The map as a monitor meets it (issue 17): it follows the tree and its filters, its tool bar
fits a 1366×768 laptop, layers can be reordered and faded, a coordinator's own file is a layer,
and a GPS (an NMEA log replayed through a pseudo-terminal) moves the position marker and records
a track that is saved to the visit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QToolButton

from nmea_pty import WALK, NmeaPty

pytestmark = pytest.mark.ui
TIMEOUT = 20_000


@pytest.fixture(autouse=True)
def _no_saved_layers():
    """Layers a test adds are remembered in QSettings: none may reach the next test."""
    from pemdesk.ui.app import settings

    settings().remove("map/layers")
    yield
    settings().remove("map/layers")


@pytest.fixture
def main_window(qtbot, demo_dir):
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.map.widget import MapWidget

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    mw = w.findChild(MapWidget)
    w.tabs.setCurrentWidget(mw)
    qtbot.waitUntil(lambda: "plots" in mw.canvas.model.layers, timeout=TIMEOUT)
    yield w, mw
    w.close()


def test_toolbar_fits_a_laptop_and_nothing_is_cut(main_window) -> None:
    from PySide6.QtGui import QFontMetrics

    w, mw = main_window
    ext = mw.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert ext is None or not ext.isVisible()  # no "»": every tool is on the bar
    assert mw.toolbar.sizeHint().width() <= mw.width()
    for action in mw.toolbar.actions():
        if action.isVisible() and not action.isSeparator() and action.text():
            assert action.toolTip() and not action.icon().isNull()
    fm = QFontMetrics(mw.layer_list.font())
    for i in range(mw.layer_list.count()):
        text = mw.layer_list.item(i).text()
        assert mw.layer_list.minimumWidth() >= fm.horizontalAdvance(text) + 40, text
    assert mw.legend.wordWrap()


def test_tree_selection_zooms_the_map_and_back(qtbot, main_window) -> None:
    from pemdesk.ui.main_window import KIND_ROLE

    w, mw = main_window
    mw.zoom_to_country()
    country_zoom = mw.canvas.view.zoom
    # a plot in the tree: selected and shown on the map
    model = w.tree_model
    plot_index = None
    for r in range(model.rowCount()):
        stack = [model.index(r, 0)]
        while stack and plot_index is None:
            idx = stack.pop()
            if idx.data(KIND_ROLE) == "plot":
                plot_index = idx
            stack.extend(model.index(i, 0, idx) for i in range(model.rowCount(idx)))
    assert plot_index is not None
    w.tree.setCurrentIndex(plot_index)
    sel = mw.canvas.selection
    assert sel is not None and sel[0] == "plots"
    assert mw.canvas.view.zoom > country_zoom + 6
    box = mw.canvas.model.bounds_of(*sel)
    minx, miny, maxx, maxy = mw.canvas.view.extent()
    assert minx <= box[0] and box[2] <= maxx and miny <= box[1] and box[3] <= maxy
    mw.go_back()
    assert mw.canvas.view.zoom < country_zoom + 6
    # zoom to selection works on the tree's selection too
    mw.zoom_to_selection()
    assert mw.canvas.view.zoom > country_zoom + 6
    # a visit selected in the visits list
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    w.visits.clearSelection()
    with_position = set(mw.canvas.model.points["visits"].ids)
    row = next(
        i for i in range(w.visits_model.rowCount()) if w.visits_model.visit(i).id in with_position
    )
    w.visits.selectRow(row)
    vid = w.current_visit_id()
    assert mw.canvas.selection == ("visits", vid)


def test_stage_filter_applies_to_the_map(qtbot, main_window) -> None:
    from pemdesk.model import PlotStage

    w, mw = main_window
    stages = mw.canvas.model.layers["plots"].attrs
    target = PlotStage.BIOLOGICAL
    i = w.stage_filter.findData(target)
    assert i >= 0
    w.stage_filter.setCurrentIndex(i)
    allowed = mw.canvas.layer_painter.filters["plots"]
    index = list(PlotStage).index(target)
    expected = {
        fid for fid, a in zip(mw.canvas.model.layers["plots"].ids, stages, strict=True)
        if a["stage"] == index
    }
    assert allowed == expected and 0 < len(allowed) < len(stages)
    visible_sites = mw.canvas.layer_painter.filters["sites"]
    assert visible_sites == {r.site.id for r in w._matching_rows()}
    w.stage_filter.setCurrentIndex(0)
    assert mw.canvas.layer_painter.filters == {}


def test_layer_order_opacity_and_a_users_layer(qtbot, main_window, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor

    from pemdesk.geo.mapdata import merc_point

    _w, mw = main_window
    zone = tmp_path / "protected.geojson"
    ring = [[106.80, 47.85], [107.00, 47.85], [107.00, 47.97], [106.80, 47.97], [106.80, 47.85]]
    zone.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"name": "Богдхан"},
                     "geometry": {"type": "Polygon", "coordinates": [ring]}}
                ],
            }
        ),
        encoding="utf-8",
    )
    added = []
    mw.add_layer_file(str(zone), added.append)
    qtbot.waitUntil(lambda: bool(added), timeout=TIMEOUT)
    key = added[0]
    item = mw.layers.item(key)
    assert item is not None and item.text() == "protected.geojson"
    mw.canvas.center_on(106.9, 47.91, 11)
    mw.canvas.render_all_pending()
    x, y = (int(v) for v in mw.canvas.view.to_screen(*merc_point(106.95, 47.93)))

    def colour() -> QColor:
        return QColor(mw.canvas.grab().toImage().pixel(x, y))

    tinted = colour()
    mw.layers.set_opacity(key, 0.0)
    mw.canvas.render_all_pending()
    plain = colour()
    assert tinted != plain
    mw.layers.set_opacity(key, 1.0)
    # order: move the layer to the bottom of the list (under the land? no: the land is the
    # background) and check the order the painter uses
    mw.layers.list.setCurrentItem(item)
    before = list(mw.canvas.layer_painter.order)
    mw.layers.move_current(1)
    after = mw.canvas.layer_painter.order
    assert after.index(key) == before.index(key) - 1
    mw.layers.remove_current()
    assert key not in mw.canvas.model.user_layers and mw.layers.item(key) is None


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_gps_through_a_pty_moves_the_marker_and_saves_a_track(
    qtbot, main_window, demo_dir
) -> None:
    from pemdesk import model
    from pemdesk.geo.mapdata import merc_point
    from pemdesk.storage import Store

    w, mw = main_window
    w.select_site(w._site_rows[0].site.id)
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    w.visits.selectRow(0)
    visit_id = w.current_visit_id()
    with NmeaPty(WALK, delay=0.01) as pty:
        assert mw.connect_gps_port(pty.port, 9600)
        mw.act_follow.setChecked(True)
        mw.act_record.trigger()  # start recording
        assert mw.gps.recorder is not None

        pty.start()
        qtbot.waitUntil(lambda: mw.canvas.gps is not None, timeout=TIMEOUT)
        first = mw.canvas.gps
        qtbot.waitUntil(lambda: mw.gps.recorder is not None and len(mw.gps.recorder) == 40,
                        timeout=TIMEOUT)
        last = mw.canvas.gps
        assert last is not None and first is not None and last[0] > first[0]  # it moved
        assert last[2] == pytest.approx(3.0)  # accuracy from GST
        assert len(mw.canvas.gps_trail) == 40
        # follow me: the marker is in view
        sx, sy = mw.canvas.view.to_screen(*merc_point(last[0], last[1]))
        assert 0 <= float(sx) <= mw.canvas.width() and 0 <= float(sy) <= mw.canvas.height()
        with qtbot.waitSignal(mw.track_saved, timeout=TIMEOUT) as saved:
            mw.act_record.trigger()  # stop: saved to the selected visit
        mw.gps_disconnect()
    with Store.open(demo_dir) as s:
        track = s.get(model.Track, saved.args[0])
    assert track.visit_id == visit_id and track.source_file == "live GPS"
    assert len(track.geometry["coordinates"]) == 40


def test_a_waypoint_on_the_map_is_attached_to_the_selected_site(qtbot, main_window, demo_dir) -> None:
    from pemdesk import model
    from pemdesk.storage import Store

    w, mw = main_window
    site_id = w._site_rows[0].site.id
    site = next(s for s in mw._sites.values() if s["id"] == site_id)
    wp = model.Waypoint(name="Худаг 9", lon=site["lon"] + 0.001, lat=site["lat"], ele=1200.0)
    w.ops.write(lambda store: store.save(wp))
    qtbot.waitUntil(lambda: wp.id in mw.canvas.model.points["waypoints"].ids, timeout=TIMEOUT)
    w.select_site(site_id)
    mw.canvas.feature_clicked.emit("waypoints", wp.id)
    assert "Худаг 9" in mw.info.text() and "attach-site" in mw.info.text()
    with qtbot.waitSignal(mw.waypoint_attached, timeout=TIMEOUT):
        mw.info.linkActivated.emit(f"attach-site:{wp.id}")
    with Store.open(demo_dir) as s:
        assert s.get(model.Waypoint, wp.id).site_id == site_id


def test_added_layers_order_and_opacity_survive_a_restart(qtbot, demo_dir, tmp_path: Path) -> None:
    from pemdesk.ui.app import settings
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.map.widget import MapWidget

    settings().remove("map/layers")
    zone = tmp_path / "zones.geojson"
    zone.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Polygon","coordinates":[[[105,45],[105.2,45],[105.2,45.2],'
        '[105,45]]]}}]}',
        encoding="utf-8",
    )
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    mw = w.findChild(MapWidget)
    added: list[str] = []
    mw.add_layer_file(str(zone), added.append)
    qtbot.waitUntil(lambda: bool(added), timeout=TIMEOUT)
    mw.layers.set_opacity(added[0], 0.4)
    mw.layers.set_opacity("water", 0.7)
    mw.layers.list.setCurrentItem(mw.layers.item("water"))
    mw.layers.move_current(-1)
    order = list(mw.canvas.layer_painter.order)
    w.close()
    try:
        w2 = MainWindow(demo_dir)
        qtbot.addWidget(w2)
        w2.show()
        mw2 = w2.findChild(MapWidget)
        qtbot.waitUntil(lambda: added[0] in mw2.canvas.model.user_layers, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: mw2.canvas.layer_painter.order == order, timeout=TIMEOUT)
        assert mw2.canvas.layer_painter.opacity[added[0]] == pytest.approx(0.4)
        assert mw2.canvas.layer_painter.opacity["water"] == pytest.approx(0.7)
        assert mw2.layers.item(added[0]) is not None
        w2.close()
    finally:
        settings().remove("map/layers")
