"""The photo widgets: gallery tab, import dialog with progress and cancel, viewer, comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.storage import Store, VisitFilter
from photos_fixtures import make_bad_set, make_jpeg

pytestmark = pytest.mark.ui
TIMEOUT = 10_000


@pytest.fixture
def ops(qtbot, demo_dir):
    from pemdesk.ui.ops import Operations

    o = Operations(lambda: Store.open(demo_dir))
    yield o
    o.shutdown()


def _draft(data_dir: Path) -> str:
    with Store.open(data_dir) as s:
        return s.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0].id


def _gallery(qtbot, ops, data_dir: Path, visit_id: str):
    from pemdesk.ui.photos import PhotoGallery

    g = PhotoGallery(ops, data_dir, visit_id)
    qtbot.addWidget(g)
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        g.reload()
    return g


def test_gallery_shows_thumbnails_with_time_bearing_position(
    qtbot, ops, demo_dir, tmp_path
) -> None:
    visit_id = _draft(demo_dir)
    srcs = [
        make_jpeg(tmp_path / "a.jpg", lat=43.51234, lon=106.1, bearing=135.0, offset="+08:00"),
        make_jpeg(tmp_path / "b.jpg", color=(1, 2, 3), orientation=6),
    ]
    from pemdesk.storage import photos as q

    with Store.open(demo_dir) as s:
        import_photos(s, srcs, ImportOptions(visit_id=visit_id))
        unassigned_before = len(q.photos(s, unassigned=True))  # the demo has some of its own
    g = _gallery(qtbot, ops, demo_dir, visit_id)
    assert g.list.count() == 2
    texts = [g.list.item(i).text() for i in range(2)]
    assert any("43.51234, 106.10000" in t and "135°" in t and "2025.06.01" in t for t in texts)
    assert all(not g.list.item(i).icon().isNull() for i in range(2))
    assert "2" in g.usage_label.text()

    # Caption, then remove from the visit.
    g.list.item(0).setSelected(True)
    g.caption.setText("Хойд энгэр")
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        g._save_caption()
    assert any("Хойд энгэр" in g.list.item(i).text() for i in range(g.list.count()))
    g.list.clearSelection()
    g.list.item(0).setSelected(True)
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        g.remove_selected()
    assert g.list.count() == 1
    with Store.open(demo_dir) as s:
        # out of the visit, not deleted
        assert len(q.photos(s, unassigned=True)) == unassigned_before + 1


def test_viewer_rotates_the_view_only(qtbot, ops, demo_dir, tmp_path) -> None:
    visit_id = _draft(demo_dir)
    with Store.open(demo_dir) as s:
        r = import_photos(
            s, [make_jpeg(tmp_path / "w.jpg", size=(1600, 800))], ImportOptions(visit_id=visit_id)
        )
        sha = r.files[0].sha256
    g = _gallery(qtbot, ops, demo_dir, visit_id)
    g.list.item(0).setSelected(True)
    viewer = g.view_selected()
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: not viewer.image.isNull(), timeout=TIMEOUT)
    assert viewer.image.width() == 1280
    first = viewer.picture.pixmap().size()
    assert first.width() > first.height()
    viewer.rotate(90)
    turned = viewer.picture.pixmap().size()
    assert turned.height() > turned.width()
    from pemdesk.photos.files import PhotoFiles, hash_file

    assert hash_file(PhotoFiles(demo_dir).original_path(sha)) == sha  # the original is untouched
    viewer.close()


def test_import_dialog_summary_names_every_file(qtbot, ops, demo_dir, tmp_path) -> None:
    from pemdesk.ui.photos.import_dialog import PhotoImportDialog

    make_bad_set(tmp_path / "card")
    visit_id = _draft(demo_dir)
    dialog = PhotoImportDialog(demo_dir, visit_id=visit_id, paths=[tmp_path / "card"], ops=ops)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.start()
    assert dialog.results.rowCount() == 8
    files = {dialog.results.item(r, 1).text(): dialog.results.item(r, 2).text() for r in range(8)}
    assert any(name.endswith("empty.jpg") and "0" in msg for name, msg in files.items())
    assert dialog.summary.imported == 5 and "5" in dialog.status.text()
    assert dialog.cancel_button.text() != ""
    dialog.close()


def test_import_dialog_cancel(qtbot, ops, demo_dir, tmp_path) -> None:
    from pemdesk.ui.photos.import_dialog import PhotoImportDialog

    for i in range(40):
        make_jpeg(tmp_path / "card" / f"p{i:02}.jpg", size=(1200, 900), color=(i * 5, 80, 80))
    with Store.open(demo_dir) as s:
        before = s.conn.execute("SELECT count(*) FROM photo").fetchone()[0]  # the demo's own
    dialog = PhotoImportDialog(demo_dir, paths=[tmp_path / "card"], ops=ops)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.imported, timeout=30_000) as done:
        dialog.start()
        qtbot.waitUntil(
            lambda: dialog.job is not None and dialog.job.progress.done >= 2, timeout=TIMEOUT
        )
        dialog._cancel_or_close()
    summary = done.args[0]
    assert summary.cancelled and 2 <= summary.imported < 40
    with Store.open(demo_dir) as s:
        assert s.conn.execute("SELECT count(*) FROM photo").fetchone()[0] == before + summary.imported


def test_photo_point_comparison_by_year(qtbot, ops, demo_dir, tmp_path) -> None:
    from pemdesk.photos.library import create_photo_point_from, link_to_photo_point
    from pemdesk.ui.photos.compare import PhotoPointCompare

    with Store.open(demo_dir) as s:
        site = s.list_sites()[0]
        srcs = [make_jpeg(tmp_path / f"{y}.jpg", taken=f"{y}:08:01 12:00:00", lat=site.lat, lon=site.lon,
                          bearing=10.0, color=(y % 200, 120, 40)) for y in (2022, 2024, 2026)]  # fmt: skip
        r = import_photos(s, srcs, ImportOptions(auto_assign=False))
        point = create_photo_point_from(s, r.files[0].photo_id, site.id, "P-7")
        for f in r.files[1:]:
            link_to_photo_point(s, f.photo_id, point.id)
    dialog = PhotoPointCompare(ops, point.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=TIMEOUT)
    assert [y for y, _ in dialog.data.years] == [2022, 2024, 2026]
    heads = [dialog.grid.itemAtPosition(0, c).widget().text() for c in range(3)]
    assert heads == ["<b>2022</b>", "<b>2024</b>", "<b>2026</b>"]
    assert dialog.grid.itemAtPosition(1, 2).widget().pixmap() is not None


def test_visit_editor_has_a_photos_tab(qtbot, demo_dir) -> None:
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.photos import PhotoGallery

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    editor = w.open_visit(_draft(demo_dir))
    qtbot.waitUntil(lambda: editor.detail is not None, timeout=TIMEOUT)
    tab = editor.photos_tab
    assert isinstance(tab, PhotoGallery)
    titles = [editor.tabs.tabText(i) for i in range(editor.tabs.count())]
    assert "Зураг" in titles
    assert tab.visit_id == editor.visit_id and tab.import_button.isEnabled()
    editor.close()
    w.close()


def test_import_dialog_offset_from_gps_screen_photo(qtbot, ops, demo_dir, tmp_path) -> None:
    from pemdesk.ui.photos.import_dialog import PhotoImportDialog

    dialog = PhotoImportDialog(demo_dir, ops=ops)
    qtbot.addWidget(dialog)
    screen = make_jpeg(tmp_path / "screen.jpg", taken="2025:06:01 10:05:30")
    dialog.set_offset_from_screen(screen, "10:04:00")
    assert dialog.clock_offset.value() == -90
    assert dialog.options().clock_offset.total_seconds() == -90


def test_main_window_import_and_check_seals(qtbot, demo_dir, tmp_path) -> None:
    from pemdesk import visits
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.photos.window import VerifyDialog

    with Store.open(demo_dir) as s:
        visit_id = _draft(demo_dir)
        import_photos(s, [make_jpeg(tmp_path / "a.jpg")], ImportOptions(visit_id=visit_id))
        visits.finish_visit(s, visit_id)
        s.conn.execute("UPDATE photo SET caption='changed' WHERE visit_id=?", [visit_id])
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    texts = {a.text(): a for a in w.menu_tools.actions()}
    check = next(a for t, a in texts.items() if "лац" in t.lower() or "seal" in t.lower())
    check.trigger()
    qtbot.waitUntil(lambda: getattr(w, "_verify_dialog", None) is not None, timeout=TIMEOUT)
    dialog = w._verify_dialog
    assert isinstance(dialog, VerifyDialog) and not dialog.report.ok
    bad = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    changed = [i for i in bad if i.isExpanded()]
    assert len(changed) == 1 and "caption" in changed[0].child(0).text(1)
    dialog.close()
    imp = next(a for a in w.menu_file.actions() if a.text() in ("Зураг оруулах…", "Import photos…"))
    imp.trigger()
    assert w._photo_import_dialog.isVisible()
    w._photo_import_dialog.close()
    w.close()


def test_add_imported_photos_to_the_visit_by_hand(qtbot, ops, demo_dir, tmp_path) -> None:
    from pemdesk.storage import photos as q

    visit_id = _draft(demo_dir)
    with Store.open(demo_dir) as s:
        demo_unassigned = len(q.photos(s, unassigned=True))  # the demo has some of its own
        import_photos(s, [make_jpeg(tmp_path / f"u{i}.jpg", color=(i * 70, 40, 40)) for i in range(3)],
                      ImportOptions(auto_assign=False))  # fmt: skip
    g = _gallery(qtbot, ops, demo_dir, visit_id)
    assert g.list.count() == 0
    dialog = g.add_unassigned()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(
        lambda: dialog.chooser.list.count() == demo_unassigned + 3, timeout=TIMEOUT
    )
    dialog.chooser.list.item(0).setSelected(True)
    dialog.chooser.list.item(2).setSelected(True)
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        dialog.accept_choice()
    qtbot.waitUntil(lambda: g.list.count() == 2, timeout=TIMEOUT)


def test_photo_point_made_from_a_photo_then_suggested_for_the_next(
    qtbot, ops, demo_dir, tmp_path
) -> None:
    visit_id = _draft(demo_dir)
    with Store.open(demo_dir) as s:
        site = s.get(model.Site, s.get(model.Visit, visit_id).site_id)
        srcs = [make_jpeg(tmp_path / f"pp{i}.jpg", taken=f"{2024 + i}:07:01 10:00:00", lat=site.lat,
                          lon=site.lon, bearing=30.0, color=(i * 90, 60, 60)) for i in range(2)]  # fmt: skip
        import_photos(s, srcs, ImportOptions(visit_id=visit_id))
    g = _gallery(qtbot, ops, demo_dir, visit_id)
    assert g.site_id == site.id
    g.list.item(0).setSelected(True)
    assert g.point_button.isEnabled()
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        g.photo_point_for_selected(name="ЗЦ-1", ask=False)
    first = next(p for p in g.photos if p.photo_point_id)
    g.list.clearSelection()
    other = next(i for i in range(g.list.count()) if g.list.item(i).data(256) != first.id)
    g.list.item(other).setSelected(True)
    with qtbot.waitSignal(g.loaded, timeout=TIMEOUT):
        g.photo_point_for_selected(ask=False)  # the suggestion: the point just made
    assert {p.photo_point_id for p in g.photos} == {first.photo_point_id}
    assert g.compare_button.isEnabled()
