"""Background jobs for sync and bundles: off the GUI thread AND off the database worker thread.

A sync can take many minutes on a slow link; on the one database thread it would block every view.
The job opens its own store connection (SQLite WAL lets it write while the views read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class _Runner(QObject):
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # handed to the GUI thread
            self.failed.emit(exc)
            return
        self.done.emit(result)


class Job(QObject):
    """Run ``fn()`` on a thread of its own; ``finished``/``failed`` arrive on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("pemdesk-sync")
        self._runner = _Runner(fn)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self.running = False

    def start(self) -> None:
        self.running = True
        self._thread.start()

    def _stop_thread(self) -> None:
        self.running = False
        self._thread.quit()
        self._thread.wait(10_000)

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self._stop_thread()
        self.finished.emit(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self._stop_thread()
        self.failed.emit(exc)

    def wait(self, ms: int = 30_000) -> None:
        self._thread.wait(ms)
