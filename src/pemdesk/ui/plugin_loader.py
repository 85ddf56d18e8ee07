"""Plug-ins are imported and prepared off the GUI thread, so the main window answers first.

``PluginLoader(entries)`` imports each ``"module:function"`` entry's module in a worker thread and
calls the module's optional ``prepare()`` there (e.g. the map reads and simplifies its
boundaries); ``ready`` is then emitted on the GUI thread, which installs the plug-ins (building
widgets stays on the GUI thread, as Qt requires). Imports are thread-safe in Python; the GUI
thread keeps its share of the interpreter, so the window paints and answers meanwhile.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class PluginLoader(QObject):
    ready = Signal()

    def __init__(self, entries: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries = list(entries)
        self.errors: dict[str, BaseException] = {}
        self._thread = threading.Thread(target=self._work, name="pemdesk-plugins", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _work(self) -> None:
        for entry in self.entries:
            module_name = entry.partition(":")[0]
            try:
                module = importlib.import_module(module_name)
                prepare: Callable[[], object] | None = getattr(module, "prepare", None)
                if prepare is not None:
                    prepare()
            except Exception as exc:  # reported when the plug-in is installed
                log.exception("preparing plug-in %s failed", entry)
                self.errors[entry] = exc
        self.ready.emit()  # queued to the GUI thread (this object lives there)
