"""Background jobs for sync and bundles: off the GUI thread AND off the database worker thread.

A sync can take many minutes on a slow link; on the one database thread it would block every view.
The job opens its own store connection (SQLite WAL lets it write while the views read).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class _Runner(QObject):
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn
        self.finished_work = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # handed to the GUI thread
            self.finished_work.set()
            self.failed.emit(exc)
        else:
            self.finished_work.set()
            self.done.emit(result)
        finally:
            self.thread().quit()  # the job is over: no need to wait for the GUI thread


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
        self._started = False

    @property
    def running(self) -> bool:
        """Started and not yet finished (the result may still be on its way to the GUI)."""
        return self._started and not self._runner.finished_work.is_set()

    def start(self) -> None:
        self._started = True
        self._thread.start()

    def _stop_thread(self) -> None:
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
