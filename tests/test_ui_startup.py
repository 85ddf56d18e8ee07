"""Start-up: the window answers before the plug-ins are imported and prepared (item 9)."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.ui


def test_plugins_are_prepared_off_the_gui_thread_then_installed(qtbot, demo_dir, monkeypatch) -> None:
    import sys
    import types

    from pemdesk.ui import main_window

    seen: dict[str, object] = {}
    gate = threading.Event()

    def prepare() -> None:
        seen["prepare_thread"] = threading.current_thread()
        gate.wait(5)  # a slow plug-in: the window must not wait for it

    def install(w) -> None:
        seen["install_thread"] = threading.current_thread()

    plugin = types.ModuleType("pemdesk_test_slow_plugin")
    plugin.prepare = prepare
    plugin.install = install
    monkeypatch.setitem(sys.modules, "pemdesk_test_slow_plugin", plugin)
    monkeypatch.setattr(main_window, "PLUGINS", ["pemdesk_test_slow_plugin:install"])
    w = main_window.MainWindow(demo_dir, plugins_later=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded and w.tree_model.rowCount() > 0, timeout=10_000)
    assert not w.plugins_ready  # the site tree is there while the plug-in is still preparing
    with qtbot.waitSignal(w.plugins_installed, timeout=10_000):
        gate.set()
    assert seen["prepare_thread"] is not threading.main_thread()
    assert seen["install_thread"] is threading.main_thread()
    w.close()


def test_plugins_are_imported_only_after_the_site_tree_is_read(qtbot, demo_dir, monkeypatch) -> None:
    """The plug-ins' imports would share the interpreter with the first read of the store and
    delay the site tree (issue 16, item 9): they start once it is filled."""
    import sys
    import types

    from pemdesk.ui import main_window

    window: list[main_window.MainWindow] = []
    seen: dict[str, object] = {}

    def prepare() -> None:
        seen["tree_rows_when_prepared"] = window[0].tree_model.rowCount() if window else None

    plugin = types.ModuleType("pemdesk_test_late_plugin")
    plugin.prepare = prepare
    plugin.install = lambda w: seen.setdefault("installed", True)
    monkeypatch.setitem(sys.modules, "pemdesk_test_late_plugin", plugin)
    monkeypatch.setattr(main_window, "PLUGINS", ["pemdesk_test_late_plugin:install"])
    w = main_window.MainWindow(demo_dir, plugins_later=True)
    window.append(w)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.plugins_installed, timeout=10_000):
        pass
    assert seen["installed"] is True
    assert isinstance(seen["tree_rows_when_prepared"], int) and seen["tree_rows_when_prepared"] > 0
    w.close()


def test_plugins_still_install_when_the_store_cannot_be_read(qtbot, tmp_path, monkeypatch) -> None:
    import sys
    import types

    from pemdesk.ui import main_window

    plugin = types.ModuleType("pemdesk_test_plugin_bad_store")
    plugin.install = lambda w: None
    monkeypatch.setitem(sys.modules, "pemdesk_test_plugin_bad_store", plugin)
    monkeypatch.setattr(main_window, "PLUGINS", ["pemdesk_test_plugin_bad_store:install"])
    shown: list[BaseException] = []
    monkeypatch.setattr(main_window, "show_error", lambda _parent, exc: shown.append(exc))
    bad = tmp_path / "data"
    bad.mkdir()
    (bad / "pemdesk.sqlite").write_bytes(b"this is not a database" * 100)
    w = main_window.MainWindow(bad, plugins_later=True)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.plugins_installed, timeout=5_000):
        w.show()
    assert shown  # the damaged store was reported, and the plug-ins came anyway
    w.close()
