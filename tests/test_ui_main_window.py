"""Main window: first start offers the demo in its own folder; settings, people, plots; errors in
slots reach the user; the visits table pages through a large store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from pemdesk import i18n, model
from pemdesk.storage import Store

pytestmark = pytest.mark.ui

TIMEOUT = 8000


def test_first_start_offers_the_demo_in_a_separate_folder(qtbot, tmp_path) -> None:
    from pemdesk.paths import demo_dir_for
    from pemdesk.ui.main_window import MainWindow

    real = tmp_path / "mine"
    w = MainWindow(real)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: getattr(w, "_demo_offer", None) is not None, timeout=TIMEOUT)
    ops = w.ops  # plug-ins hold on to it: it must stay the same object
    w._demo_offer.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: w.demo and w.loaded and len(w._site_rows) >= 8, timeout=TIMEOUT)
    assert w.data_dir == demo_dir_for(real) == tmp_path / "mine-demo"  # beside --data-dir
    assert w.ops is ops
    assert "[" in w.windowTitle()  # "[жишээ]" / "[demo]"
    with Store.open(real) as store:
        assert store.is_empty(), "demo records never go into the user's own folder"
    w.close()


def test_settings_profile_and_language(qtbot, demo_dir) -> None:
    from pemdesk.ui.app import settings
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.settings_dialog import SettingsDialog, profile

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.edit_settings()
    dialog = w.findChild(SettingsDialog)
    dialog.name.setText("Г. Оюунчимэг")
    dialog.role.setCurrentIndex(dialog.role.findData("inspector"))
    dialog.aimag.setCurrentIndex(dialog.aimag.findData("MN-053"))
    dialog.default_aimag.setCurrentIndex(dialog.default_aimag.findData("MN-047"))
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.save()
    me = profile()
    assert (me.name, me.role, me.aimag, me.default_aimag) == (
        "Г. Оюунчимэг",
        model.PersonRole.INSPECTOR,
        "MN-053",
        "MN-047",
    )
    assert i18n.get_language() == "en"
    assert settings().value("language") == "en"
    assert w.menu_file.title() == "&File"
    w.set_language("mn")
    assert w.menu_file.title() != "&File"
    w.close()


def test_people_and_plot_dialogs(qtbot, demo_dir) -> None:
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.people import PeopleDialog, PersonDialog
    from pemdesk.ui.site_dialog import PlotDialog, SiteDialog

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.edit_people()
    people = w.findChild(PeopleDialog)
    qtbot.waitUntil(lambda: people.table.rowCount() == 8, timeout=TIMEOUT)
    people.add()
    person = people.findChild(PersonDialog)
    person.save()  # no name: refused with a sentence, dialog stays open
    assert person.error.isVisibleTo(person) and person.error.text()
    person.name.setText("Б. Мөнхзул")
    person.save()
    qtbot.waitUntil(lambda: people.table.rowCount() == 9, timeout=TIMEOUT)

    row = w._site_rows[0]
    w.select_site(row.site.id)
    w.new_plot()
    plot = w.findChild(PlotDialog)
    plot.name.setText("Шинэ талбай 1")
    plot.stage.setCurrentIndex(plot.stage.findData("technical"))
    plot.target_year.setValue(2027)
    with qtbot.waitSignal(plot.saved, timeout=TIMEOUT):
        plot.save()
    with Store.open(demo_dir) as store:
        saved = [p for p in store.list_plots(row.site.id) if p.name == "Шинэ талбай 1"]
    assert saved and saved[0].stage == model.PlotStage.TECHNICAL and saved[0].target_year == 2027

    # editing a site: a soum outside the aimag is impossible to pick; a bad position is refused
    w.edit_site()
    site = w.findChild(SiteDialog)
    site.position.setText("not a place")
    site.save()
    assert site.error.isVisibleTo(site)
    site.holder.setText("Шинэ эзэмшигч ХХК")
    site.position.setText("")
    with qtbot.waitSignal(site.saved, timeout=TIMEOUT):
        site.save()
    with Store.open(demo_dir) as store:
        assert store.get(model.Site, row.site.id).holder == "Шинэ эзэмшигч ХХК"
    w.close()


def test_an_exception_in_a_slot_reaches_the_user(qtbot, demo_dir, monkeypatch) -> None:
    import sys
    import threading

    from pemdesk.ui import errors
    from pemdesk.ui.main_window import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    shown = []
    monkeypatch.setattr(errors, "show_error", lambda parent, exc: shown.append(exc))
    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    errors.install_excepthooks(w)

    def broken() -> None:
        raise RuntimeError("boom in a slot")

    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    assert isinstance(shown[0], RuntimeError)
    # a failing database operation reaches the user too (default failure handler)
    w.ops.default_failure = shown.append
    w.ops.run(lambda store: store.get(model.Visit, "no-such-id"))
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=TIMEOUT)
    assert "no-such-id" in str(shown[1])
    w.close()


def test_place_names_for_the_site_tree_agree_with_the_gazetteer() -> None:
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.ui.main_window import place_names

    aimags, soums = place_names()
    gaz = Gazetteer.load()
    assert len(soums) == len(gaz.soums())
    for code, (_c, aimag_code, name_mn, name_en) in soums.items():
        soum = gaz.soum(code)
        assert (soum.aimag_code, soum.name_mn, soum.name_en) == (aimag_code, name_mn, name_en)
    for code, (_c, name_mn, name_en) in aimags.items():
        assert (gaz.aimag(code).name_mn, gaz.aimag(code).name_en) == (name_mn, name_en)


def test_visits_table_pages_through_a_large_site(qtbot, tmp_path) -> None:
    """5,000 visits at one site: the table holds one page, and more only as it scrolls."""
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.ids import new_id, utc_now
    from pemdesk.ui.main_window import MainWindow
    from pemdesk.ui.visits_model import PAGE

    data = tmp_path / "big"
    soum = Gazetteer.load().find_soum("Ханбогд")
    with Store.open(data) as store:
        site = store.save(model.Site("Том объект", soum.aimag_code, soum.code))
        now = utc_now()
        with store.capture_suppressed():  # bulk fixture rows, as the benchmark does
            store.conn.executemany(
                "INSERT INTO visit (id, site_id, started_at, status, created_at, updated_at) "
                "VALUES (?, ?, ?, 'finished', ?, ?)",
                [
                    (
                        new_id(),
                        site.id,
                        f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
                        now,
                        now,
                    )
                    for i in range(5000)
                ],
            )
    w = MainWindow(data)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    w.select_site(site.id)
    qtbot.waitUntil(lambda: w.visits_model.total == 5000, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: w.visits_model.rowCount() == PAGE, timeout=TIMEOUT)
    assert w.visits_model.canFetchMore()
    w.visits_model.fetchMore()
    qtbot.waitUntil(lambda: w.visits_model.rowCount() == 2 * PAGE, timeout=TIMEOUT)
    w.close()
