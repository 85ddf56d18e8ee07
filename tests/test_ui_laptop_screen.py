"""The main window, with every plug-in installed, fits a 1366×768 laptop screen (a tab that needs
more room scrolls instead of forcing the window taller or wider than the screen)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui

# 1366×768 less a window title bar and a task bar.
MAX_WIDTH, MAX_HEIGHT = 1366, 768 - 60


def test_main_window_fits_a_1366x768_screen(qtbot, tmp_path) -> None:
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(tmp_path / "data")
    qtbot.addWidget(w)
    w.show()
    hint = w.minimumSizeHint()
    tabs = {w.tabs.tabText(i): w.tabs.widget(i).minimumSizeHint() for i in range(w.tabs.count())}
    assert w.tabs.count() >= 3, tabs  # the plug-ins are there
    assert hint.width() <= MAX_WIDTH and hint.height() <= MAX_HEIGHT, (hint, tabs)
    w.resize(1366, MAX_HEIGHT)
    qtbot.waitUntil(lambda: w.height() <= MAX_HEIGHT, timeout=5000)
    w.close()


@pytest.mark.parametrize("lang", ["mn", "en"])
def test_with_data_in_both_languages_too(qtbot, demo_dir, lang) -> None:  # type: ignore[no-untyped-def]
    """Long Mongolian button rows once made the Readings tab 1,361 px wide (window 1,463)."""
    from pemdesk import i18n
    from pemdesk.ui.app import make_app
    from pemdesk.ui.main_window import MainWindow

    make_app()  # the program's own fonts, as it starts (they are wider than the default)
    before = i18n.get_language()
    i18n.set_language(lang)
    try:
        w = MainWindow(demo_dir)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.loaded and w.tabs.count() >= 4, timeout=15_000)
        w.select_site(w._site_rows[0].site.id)
        qtbot.wait(300)
        hint = w.minimumSizeHint()
        tabs = {w.tabs.tabText(i): w.tabs.widget(i).minimumSizeHint().width()
                for i in range(w.tabs.count())}
        assert hint.width() <= MAX_WIDTH and hint.height() <= MAX_HEIGHT, (hint, tabs)
        w.close()
    finally:
        i18n.set_language(before)
