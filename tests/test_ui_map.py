"""The map widget: draw a plot with the mouse, move a vertex, undo; layers, picking, basemap."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def base_model():
    from pemdesk.ui.map.install import boundaries_model

    return boundaries_model()


def _send(
    widget, kind, pos: QPointF, button=Qt.MouseButton.LeftButton, buttons=Qt.MouseButton.LeftButton
) -> None:
    event = QMouseEvent(
        kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def _click(widget, pos: QPointF) -> None:
    _send(widget, QEvent.Type.MouseButtonPress, pos)
    _send(widget, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)


def _drag(widget, start: QPointF, end: QPointF) -> None:
    _send(widget, QEvent.Type.MouseButtonPress, start)
    for i in range(1, 6):
        p = start + (end - start) * (i / 5)
        _send(widget, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton)
    _send(widget, QEvent.Type.MouseButtonRelease, end, buttons=Qt.MouseButton.NoButton)


@pytest.fixture
def map_widget(qtbot, base_model):
    from pemdesk import model
    from pemdesk.ui.map.widget import MapWidget

    w = MapWidget(None, model=base_model)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    w.canvas.center_on(106.9, 47.9, 15)  # Ulaanbaatar's south, about 3 m per pixel
    w.editing_plot = model.Plot(site_id="s", name="test")
    from pemdesk.geo.plotedit import EditGeometry

    w.canvas.edit = EditGeometry()
    return w


def test_draw_a_plot_move_a_vertex_undo(qtbot, map_widget) -> None:
    w = map_widget
    c = w.canvas
    w.act_draw.trigger()
    w._set_tool("draw")
    corners = [QPointF(300, 200), QPointF(600, 200), QPointF(600, 450), QPointF(300, 450)]
    for p in corners:
        _click(c, p)
    assert len(c.sketch) == 4
    _send(c, QEvent.Type.MouseButtonDblClick, corners[-1])  # closes the ring
    assert c.sketch == [] and c.tool == "edit"
    ring = c.edit.parts[0][0]
    assert len(ring) == 4
    area0 = c.edit.area_ha()
    # 300 × 250 px at this zoom: compare with the UTM zone's planar area
    from pemdesk.geo.coords import to_utm

    xs = [to_utm(lon, lat, 48)[1:] for lon, lat in ring]
    planar = (
        abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xs, xs[1:] + xs[:1], strict=True)))
        / 2
        / 10_000
    )
    assert abs(area0 - planar) / planar < 0.001
    assert "Талбай" in w.edit_status_text() or "Area" in w.edit_status_text()
    # move the top-right corner 150 px to the right: bigger
    _drag(c, QPointF(600, 200), QPointF(750, 200))
    area1 = c.edit.area_ha()
    assert area1 > area0 * 1.2
    assert w.undo.count() == 2
    w.act_undo.trigger()
    assert c.edit.area_ha() == pytest.approx(area0)
    w.act_redo.trigger()
    assert c.edit.area_ha() == pytest.approx(area1)
    # insert a vertex on an edge (double-click), then delete it (right click)
    _send(c, QEvent.Type.MouseButtonDblClick, QPointF(450, 450))
    assert len(c.edit.parts[0][0]) == 5
    _send(
        c,
        QEvent.Type.MouseButtonPress,
        QPointF(450, 450),
        Qt.MouseButton.RightButton,
        Qt.MouseButton.RightButton,
    )
    assert len(c.edit.parts[0][0]) == 4
    # a hole inside
    w._set_tool("hole")
    for p in (QPointF(400, 280), QPointF(500, 280), QPointF(500, 380)):
        _click(c, p)
    assert c.finish_sketch()
    assert len(c.edit.parts[0]) == 2 and c.edit.area_ha() < area1


def test_self_intersection_is_flagged_and_repaired_only_with_consent(
    qtbot, map_widget, monkeypatch
) -> None:
    w = map_widget
    c = w.canvas
    w._set_tool("draw")
    for p in (QPointF(300, 200), QPointF(600, 450), QPointF(600, 200), QPointF(300, 450)):
        _click(c, p)
    c.finish_sketch()
    assert c.edit.problem() is not None
    assert "⚠" in w.edit_status_text()
    saved = []
    w.plot_saved.connect(saved.append)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    w.save_plot()
    assert saved == [] and c.edit.problem() is not None  # refused: nothing saved, still broken
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w.save_plot()
    assert saved and c.edit.problem() is None
    assert w.editing_plot.geometry["type"] in ("Polygon", "MultiPolygon")


def test_outside_licence_area_is_flagged(qtbot, map_widget) -> None:
    w = map_widget
    c = w.canvas
    lon0, lat0 = c.lonlat_at(300, 200)
    lon1, lat1 = c.lonlat_at(450, 450)
    c.site_boundary = {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }
    w._set_tool("draw")
    for p in (QPointF(300, 200), QPointF(600, 200), QPointF(600, 450), QPointF(300, 450)):
        _click(c, p)
    c.finish_sketch()
    assert "⚠" in w.edit_status_text()


def test_pan_zoom_keys_and_coordinates(qtbot, map_widget) -> None:
    c = map_widget.canvas
    z0, cx0 = c.view.zoom, c.view.cx
    qtbot.keyClick(c, Qt.Key.Key_Plus)
    assert c.view.zoom == pytest.approx(z0 + 1)
    qtbot.keyClick(c, Qt.Key.Key_Minus)
    qtbot.keyClick(c, Qt.Key.Key_Right)
    assert c.view.cx > cx0
    map_widget._set_tool("pan")
    _drag(c, QPointF(500, 300), QPointF(400, 300))
    _send(
        c,
        QEvent.Type.MouseMove,
        QPointF(500, 350),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
    )
    text = map_widget.coords_label.text()
    assert "°" in text and "UTM 48N" in text
    # wheel and pinch (touchpad native gesture) zoom about the cursor
    from PySide6.QtGui import QNativeGestureEvent, QPointingDevice, QWheelEvent

    z1 = c.view.zoom
    wheel = QWheelEvent(
        QPointF(300, 300),
        c.mapToGlobal(QPointF(300, 300)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(c, wheel)
    assert c.view.zoom == pytest.approx(z1 + 0.5)
    pinch = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        QPointingDevice.primaryPointingDevice(),
        2,
        QPointF(300, 300),
        QPointF(300, 300),
        c.mapToGlobal(QPointF(300, 300)),
        0.25,
        QPointF(0, 0),
    )
    QApplication.sendEvent(c, pinch)
    assert c.view.zoom == pytest.approx(z1 + 1.0)


def test_demo_layers_pick_and_site_zoom(qtbot, demo_store, base_model) -> None:
    from pemdesk.storage.geo import map_data
    from pemdesk.ui.map.widget import MapWidget

    w = MapWidget(None, model=base_model)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    data = map_data(demo_store)
    w.set_model(base_model.with_records(data), data)
    site = demo_store.list_sites()[0]
    w.zoom_to_site(site.id)
    site_zoom = w.canvas.view.zoom
    assert w.canvas.render_all_pending() > 0
    plot = demo_store.list_plots(site.id)[0]
    from shapely.geometry import shape

    from pemdesk.geo.mapdata import merc_point

    p = shape(plot.geometry).representative_point()
    sx, sy = w.canvas.view.to_screen(*merc_point(p.x, p.y))
    assert w.canvas.pick(float(sx), float(sy)) == ("plots", plot.id)
    _click(w.canvas, QPointF(float(sx), float(sy)))
    assert plot.name in w.info.text()
    # every layer can be hidden
    for i in range(w.layer_list.count()):
        w.layer_list.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert w.canvas.pick(float(sx), float(sy)) is None
    w.zoom_to_admin("soum")
    soum_zoom = w.canvas.view.zoom
    w.zoom_to_admin("aimag")
    assert w.canvas.view.zoom <= soum_zoom < site_zoom - 2


def test_mbtiles_basemap_is_drawn(qtbot, tmp_path: Path, base_model) -> None:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    from pemdesk.geo.mbtiles import MBTiles, write_mbtiles
    from pemdesk.ui.map.widget import MapWidget

    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(QColor("#ff0000"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    png = bytes(buf.data())
    # zoom 5 tiles over Mongolia (x 24–26, y 10–12)
    path = write_mbtiles(
        tmp_path / "imagery.mbtiles",
        {(5, x, y): png for x in range(23, 27) for y in range(10, 13)},
        {"attribution": "Test imagery"},
    )
    mb = MBTiles(path)
    assert mb.tile(5, 24, 11) == png and mb.tile(5, 0, 0) is None
    assert mb.min_zoom == mb.max_zoom == 5
    w = MapWidget(None, model=base_model)
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.show()
    w.canvas.center_on(103.0, 46.5, 5.0)
    w.set_basemap(str(path))
    w.canvas.render_all_pending()
    shot = w.canvas.grab().toImage()
    # the red imagery under the layers: most of the view (labels and lines lie on top)
    red = sum(
        1
        for x in range(0, shot.width(), 7)
        for y in range(0, shot.height(), 7)
        if QColor(shot.pixel(x, y)).red() > 200 and QColor(shot.pixel(x, y)).green() < 80
    )
    assert red > 0.6 * (shot.width() // 7) * (shot.height() // 7)
    with pytest.raises(Exception):  # noqa: B017 - a clear PemdeskError in practice
        MBTiles(tmp_path / "missing.mbtiles")


def test_print_image_at_300_dpi(qtbot, demo_store, base_model) -> None:
    from PySide6.QtGui import QColor

    from pemdesk.geo import symbology
    from pemdesk.storage.geo import map_data
    from pemdesk.ui.map.render import render_image

    data = map_data(demo_store)
    model = base_model.with_records(data)
    site = demo_store.list_sites()[0]
    img = render_image(model, model.site_extent(site.id), 120, 80, dpi=300)
    assert (img.width(), img.height()) == (1417, 945)
    colours = {QColor(img.pixel(x, y)).name() for x in range(0, 1417, 7) for y in range(0, 945, 7)}
    stage_fills = set(symbology.PLOT_STAGE_COLOURS.values())
    # plots are drawn half-transparent over the land: look for a pixel near a stage colour
    assert any(_near(c, s) for c in colours for s in stage_fills)


def _near(a: str, b: str) -> bool:
    from pemdesk.geo.symbology import LAND_FILL, hex_to_rgb

    ra, rb, land = hex_to_rgb(a), hex_to_rgb(b), hex_to_rgb(LAND_FILL)
    blended = [0.45 * x + 0.55 * y for x, y in zip(rb, land, strict=True)]
    return sum(abs(x - y) for x, y in zip(ra, blended, strict=True)) < 0.08


TIMEOUT = 20_000


def test_main_window_map_tab_visit_editor_pick_and_import(
    qtbot, demo_dir, tmp_path, monkeypatch
) -> None:
    import json

    from pemdesk import model
    from pemdesk.storage import Store
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.map.dialogs import CornersDialog, ImportDialog
    from pemdesk.ui.map.install import VisitMapTab
    from pemdesk.ui.map.widget import MapWidget

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    mw = w.findChild(MapWidget)
    assert mw is not None and w.tabs.indexOf(mw) >= 0
    qtbot.waitUntil(lambda: "plots" in mw.canvas.model.layers, timeout=TIMEOUT)
    site_id = w._site_rows[0].site.id
    w.select_site(site_id)
    assert mw.canvas.view.zoom > 12
    # a visit editor gets a map tab; picking a point sets the visit's position
    qtbot.waitUntil(lambda: w.visits_model.rowCount() > 0, timeout=TIMEOUT)
    visits = [w.visits_model.visit(i) for i in range(w.visits_model.rowCount())]
    draft = next(v for v in visits if v.status == model.VisitStatus.DRAFT)
    editor = w.open_visit(draft.id)
    tab = editor.findChild(VisitMapTab)
    assert tab is not None
    qtbot.waitUntil(lambda: tab._site_id is not None, timeout=TIMEOUT)
    tab.map.pick_position()
    tab.map.canvas.resize(400, 300)
    seen = []
    tab.map.position_picked.connect(lambda lon, lat: seen.append((lon, lat)))
    _click(tab.map.canvas, QPointF(200, 150))
    assert seen and editor._position[2] == model.PositionSource.MAP
    assert editor._position[0] == pytest.approx(seen[0][0])
    editor.close()
    # import with preview: a polygon and a line into the selected site
    path = tmp_path / "field.geojson"
    site = w._site_rows[0].site
    lon, lat = (site.lon, site.lat)
    ring = [
        [lon, lat],
        [lon + 0.002, lat],
        [lon + 0.002, lat + 0.002],
        [lon, lat + 0.002],
        [lon, lat],
    ]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Шинэ овоолго"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"name": "Алхсан зам"},
                        "geometry": {"type": "LineString", "coordinates": ring[:3]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    dialog = ImportDialog(w.ops, w, site_id=site_id, sites=mw._sites)
    qtbot.addWidget(dialog)
    assert dialog.load(path)
    assert dialog.table.rowCount() == 2
    assert dialog.targets() == {0: "plots", 1: "tracks"}
    assert len(dialog.preview.model.layers["plots"]) == 1  # the preview map shows the file
    assert len(dialog.preview.model.layers["tracks"]) == 1
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT):
        dialog.do_import()
    with Store.open(demo_dir) as s:
        assert "Шинэ овоолго" in [p.name for p in s.list_plots(site_id)]
    # a shapefile without .prj asks for the coordinate system
    import shapefile
    from PySide6.QtWidgets import QInputDialog

    base = tmp_path / "noprj"
    with shapefile.Writer(str(base), shapeType=shapefile.POINT) as sw:
        sw.field("name", "C")
        sw.point(lon, lat)
        sw.record("Худаг")
    asked = []
    monkeypatch.setattr(
        QInputDialog, "getItem", lambda *a, **k: (asked.append(a) or "EPSG:4326", True)
    )
    assert dialog.load(base.with_suffix(".shp")) and asked and dialog.table.rowCount() == 1
    # licence corners: parsed, measured, compared
    corners = CornersDialog(w.ops, w, site_id=site_id, sites=mw._sites)
    qtbot.addWidget(corners)
    corners.text.setPlainText(
        "1 43°02'00\"N 106°51'00\"E\n2 43°02'00\"N 106°53'00\"E\n"
        "3 43°01'00\"N 106°53'00\"E\n4 43°01'00\"N 106°51'00\"E\n"
    )
    assert corners.check() and "га" in corners.result.text()
    corners.text.setPlainText("nonsense")
    assert not corners.check()
    # draw a new plot on the main window's map and save it through the database worker
    w.tabs.setCurrentWidget(mw)  # shown again: the map reloads what changed meanwhile
    qtbot.waitUntil(
        lambda: any(p["name"] == "Шинэ овоолго" for p in mw._plot_info.values()), timeout=TIMEOUT
    )
    mw.zoom_to_site(site_id)
    mw.start_drawing(site_id)
    cw, ch = mw.canvas.width(), mw.canvas.height()
    for fx, fy in ((0.3, 0.3), (0.6, 0.3), (0.6, 0.6), (0.3, 0.6)):
        _click(mw.canvas, QPointF(cw * fx, ch * fy))
    assert mw.canvas.finish_sketch()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Туршилтын талбай", True))
    with qtbot.waitSignal(mw.plot_saved, timeout=TIMEOUT) as saved:
        mw.save_plot()
    with Store.open(demo_dir) as s:
        plot = s.get(model.Plot, saved.args[0])
    assert plot.name == "Туршилтын талбай" and plot.site_id == site_id
    from pemdesk.geo.area import geodesic_area_ha

    assert plot.area_ha > 0
    assert plot.area_ha == pytest.approx(geodesic_area_ha(plot.geometry), abs=1e-4)
    # a language switch retranslates the map
    w.set_language("en")
    assert mw.act_draw.text() == "Draw plot"
    assert mw.layers.item("soums").text() == "Soum boundaries"
    w.set_language("mn")
    assert mw.act_draw.text() == "Талбай зурах"
    w.close()


def test_plot_from_a_gps_track(qtbot, base_model) -> None:
    from pemdesk.storage.geo import MapData
    from pemdesk.ui.map.widget import MapWidget

    w = MapWidget(None, model=base_model)
    qtbot.addWidget(w)
    w.resize(800, 600)
    ring = [[105.0, 45.0], [105.004, 45.0], [105.004, 45.003], [105.0, 45.003], [105.0, 45.0]]
    data = MapData(
        sites=[
            {
                "id": "s1",
                "name_mn": "Т",
                "name_en": "",
                "kind": "mine",
                "aimag_code": "",
                "soum_code": "",
                "licence_no": "",
                "lon": 105.002,
                "lat": 45.001,
                "boundary": None,
            }
        ],
        tracks=[
            {
                "id": "t1",
                "name": "Хил алхсан",
                "site_id": "s1",
                "visit_id": None,
                "geometry": {"type": "LineString", "coordinates": ring},
                "started_at": None,
            }
        ],
    )
    w.set_model(base_model.with_records(data), data)
    w.canvas.selection = ("tracks", "t1")
    w.plot_from_selected_track()
    assert w.editing_plot is not None and w.editing_plot.site_id == "s1"
    assert w.editing_plot.name == "Хил алхсан"
    assert len(w.canvas.edit.parts) == 1 and len(w.canvas.edit.parts[0][0]) == 4
    from pemdesk.geo.area import geodesic_area_ha

    assert w.canvas.edit.area_ha() == pytest.approx(
        geodesic_area_ha({"type": "Polygon", "coordinates": [ring]})
    )
    assert w.undo.count() == 1


def test_measure_distance_and_area(qtbot, map_widget) -> None:
    from pemdesk.geo.area import geodesic_length_m

    w = map_widget
    c = w.canvas
    w.act_measure.trigger()
    assert c.tool == "measure"
    for p in (QPointF(200, 200), QPointF(500, 200), QPointF(500, 400)):
        _click(c, p)
    assert len(c.measure) == 3
    expected = geodesic_length_m({"type": "LineString", "coordinates": c.measure})
    text = w.edit_status_text()
    assert f"{expected:,.1f}" in text and ("га" in text or "ha" in text)
    qtbot.keyClick(c, Qt.Key.Key_Escape)
    assert c.measure == []
    w.act_select.trigger()
    assert c.tool == "pan"
