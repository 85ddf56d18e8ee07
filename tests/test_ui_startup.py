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
