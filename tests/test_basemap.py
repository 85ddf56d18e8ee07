"""The shipped basemap (issue 17): Natural Earth layers with Mongolian names, drawn by the map."""

from __future__ import annotations

import hashlib
import re

import pytest

from pemdesk.geo import basemap
from pemdesk.resources import resource_path

CYRILLIC = re.compile(r"^[А-Яа-яЁёӨөҮү0-9 ().,\-]+$")
# sha256 from resources/basemap/PROVENANCE.md: the files ship byte-exact
SHA256 = {
    "rivers": "fe7db2945dc8e6f879d116c483ad2c542a8b0c280e2147c00d24403bbb079618",
    "lakes": "d1b1f76daabd43c7ee958fe20c928fcd92ab30f3bc6cf329db4a3c526fa751e1",
    "places": "20499688f8e854a3f291d4cb5105521a1aa37515f3e133f143b0641fa81e6108",
    "regions": "f291aaf0b0f59c0148dcb681bffb4890ecbabdde31f818b3a03fa3a5c6a6efa5",
    "peaks": "319ad2693383282dc0e9c0e63d497c4e6b38c3ec49faa10ee7a8ad6d28dd0b33",
}


def test_files_are_the_provenance_ones_with_attribution() -> None:
    for layer, digest in SHA256.items():
        data = (resource_path("basemap") / basemap.FILES[layer]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, layer
    text = (resource_path("basemap") / "ATTRIBUTION.md").read_text("utf-8")
    assert "Natural Earth" in text and "public domain" in text


def test_every_named_feature_in_mongolia_has_a_mongolian_name() -> None:
    from shapely.geometry import shape

    from pemdesk.gazetteer import Gazetteer

    mongolia = Gazetteer.load().country_geometry().buffer(0.05)
    names = basemap.mongolian_names()
    checked = 0
    for layer in ("rivers", "lakes", "places", "regions", "peaks"):
        for f in basemap.read_layer(layer):
            if not f.name:
                continue
            in_mongolia = (
                f.props.get("adm0_a3") == "MNG"
                if layer == "places"
                else shape(f.geometry).intersects(mongolia)
            )
            if not in_mongolia:
                continue
            assert f.name in names[layer], f"{layer}: {f.name} has no Mongolian name"
            assert CYRILLIC.match(f.name_mn), f"{layer}: {f.name_mn!r} is not Cyrillic"
            checked += 1
    assert checked >= 40
    # spot checks a Mongolian reader would make
    by_name = {f.name: f.name_mn for f in basemap.read_layer("lakes")}
    assert by_name["Khövsgöl Nuur"] == "Хөвсгөл нуур" and by_name["Uvs Nuur"] == "Увс нуур"
    rivers = {f.name: f.name_mn for f in basemap.read_layer("rivers")}
    assert rivers["Selenga"] == "Сэлэнгэ мөрөн" and rivers["Herlen"] == "Хэрлэн гол"
    assert rivers["Orhon"] == "Орхон гол"
    places = [f for f in basemap.read_layer("places") if f.props.get("adm0_a3") == "MNG"]
    assert len(places) == 24
    assert {"Улаанбаатар", "Эрдэнэт", "Дархан", "Ховд", "Чойбалсан"} <= {f.name_mn for f in places}


def test_model_layers_and_labels() -> None:
    from pemdesk.geo.mapdata import MapModel
    from pemdesk.storage.geo import MapData

    m = MapModel()
    m.load_boundaries()
    m.load_basemap()
    assert len(m.layers["lakes"]) == 40 and len(m.layers["rivers"]) == 35
    assert len(m.points["places"]) == 77 and len(m.points["peaks"]) == 12
    kinds = {lb.kind for lb in m.labels}
    assert {"capital", "place", "lake", "river", "region", "peak"} <= kinds
    capital = next(lb for lb in m.labels if lb.kind == "capital")
    assert (capital.text("mn"), capital.text("en")) == ("Улаанбаатар", "Ulaanbaatar")
    # the basemap survives a reload of the records
    other = m.with_records(MapData())
    assert other.layers["lakes"] is m.layers["lakes"] and "places" in other.points
    assert sum(lb.kind == "river" for lb in other.labels) == sum(lb.kind == "river" for lb in m.labels)


@pytest.mark.ui
def test_basemap_is_drawn_beneath_the_boundaries(qtbot) -> None:
    from PySide6.QtGui import QColor

    from pemdesk.geo import symbology as sym
    from pemdesk.geo.mapdata import merc_point
    from pemdesk.ui.map.install import boundaries_model
    from pemdesk.ui.map.widget import MapWidget

    w = MapWidget(None, model=boundaries_model())
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    w.canvas.center_on(100.45, 51.0, 8.0)  # Khövsgöl lake
    w.canvas.render_all_pending()
    shot = w.canvas.grab().toImage()
    x, y = w.canvas.view.to_screen(*merc_point(100.45, 51.0))
    c = QColor(shot.pixel(int(x), int(y)))
    assert c.name() == QColor(sym.WATER_FILL).name()
    w.canvas.set_layer_visible("water", False)
    w.canvas.render_all_pending()
    c = QColor(w.canvas.grab().toImage().pixel(int(x), int(y)))
    assert c.name() != QColor(sym.WATER_FILL).name()


@pytest.mark.ui
def test_about_box_credits_the_basemap(qtbot) -> None:
    from pemdesk.ui import about

    titles = [f.title for f in about.licence_files()]
    assert "Basemap: Natural Earth (public domain)" in titles
    dialog = about.AboutDialog(None)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QLabel

    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Natural Earth" in texts


@pytest.mark.ui
def test_the_view_is_one_image_without_seams_and_memory_stays_bounded(qtbot) -> None:
    import random

    from PySide6.QtGui import QImage, QPainter

    from pemdesk.ui.map.canvas import MapCanvas
    from pemdesk.ui.map.install import boundaries_model
    from pemdesk.ui.map.render import render_view

    canvas = MapCanvas(boundaries_model())
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)
    canvas.show()
    canvas.show_labels = False
    canvas.center_on(106.9, 47.5, 7.3)
    canvas.render_all_pending()
    shown = canvas._image[0].toImage().convertToFormat(QImage.Format.Format_RGB32)
    direct = QImage(640, 400, QImage.Format.Format_RGB32)
    p = QPainter(direct)
    render_view(canvas.layer_painter, canvas.view, p)
    p.end()
    assert shown == direct  # the same pixels as one direct render: no tile edges anywhere
    rng = random.Random(3)
    for _ in range(60):  # fractional zooms and pans: one view image replaces the last
        canvas.set_zoom(rng.uniform(4.5, 15.5))
        canvas.pan_by(rng.uniform(-200, 200), rng.uniform(-150, 150))
        canvas.render_all_pending()
    assert canvas.memory_estimate() < 40 * 2**20
    assert all(len({k[1] for k in lay._simplified}) <= 4 for lay in canvas.model.layers.values())
