"""Operations: widgets never touch the database; they hand a function of the store to one
database worker thread and get the result back on the GUI thread (Anki's CollectionOp).

    ops.run(lambda store: store.list_sites(), on_success=self.show_sites)

Long operations take a ``Progress`` that the GUI polls; ``progress.cancel()`` makes the core raise
``Interrupted``. After a write, ``ops.changed`` fires once so every open view refreshes itself.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

if TYPE_CHECKING:  # the store (and sqlite-utils) is imported by the worker thread, off start-up
    from pemdesk.storage import Store

log = logging.getLogger(__name__)

Operation = Callable[["Store"], Any]


class _Worker(QObject):
    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, opener: Callable[[], Store]) -> None:
        super().__init__()
        self._opener = opener
        self.store: Store | None = None

    @Slot(int, object)
    def execute(self, token: int, operation: Operation) -> None:
        try:
            if self.store is None:
                self.store = self._opener()
            result = operation(self.store)
        except BaseException as exc:  # handed to the GUI thread, which shows it
            self.failed.emit(token, exc)
            return
        self.done.emit(token, result)

    @Slot(object)
    def reopen(self, opener: Callable[[], Store]) -> None:
        """Close the store; the next operation opens the one ``opener`` gives."""
        if self.store is not None:
            self.store.close()
            self.store = None
        self._opener = opener

    @Slot()
    def close(self) -> None:
        # Runs after every operation queued before it; then the thread's loop ends.
        if self.store is not None:
            self.store.close()
            self.store = None
        thread = self.thread()
        if thread is not None:
            thread.quit()


class Operations(QObject):
    """The one database worker thread of the program, and the 'something changed' hook."""

    _submit = Signal(int, object)
    _close = Signal()
    _reopen = Signal(object)
    changed = Signal()
    busy_changed = Signal(bool)

    def __init__(self, opener: Callable[[], Store], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("pemdesk-db")
        self._worker = _Worker(opener)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)
        self._close.connect(self._worker.close)
        self._reopen.connect(self._worker.reopen)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._pending: dict[
            int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None, bool]
        ] = {}
        self._tokens = itertools.count(1)
        self.default_failure: Callable[[BaseException], None] = _log_failure
        self._thread.start()

    def run(
        self,
        operation: Operation,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        writes: bool = False,
    ) -> int:
        """Queue ``operation(store)``; callbacks run on the GUI thread. Returns a token."""
        token = next(self._tokens)
        self._pending[token] = (on_success, on_failure, writes)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(token, operation)
        return token

    def write(
        self,
        operation: Operation,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Like ``run``, and announces ``changed`` after it succeeds."""
        return self.run(operation, on_success, on_failure, writes=True)

    def reopen(self, opener: Callable[[], Store]) -> None:
        """Switch to another store (another data folder): operations queued before this still
        run on the old one, every later one on the new one."""
        self._reopen.emit(opener)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(int, object)
    def _on_done(self, token: int, result: Any) -> None:
        on_success, _, writes = self._pending.pop(token, (None, None, False))
        if not self._pending:
            self.busy_changed.emit(False)
        if on_success is not None:
            on_success(result)
        if writes:
            self.changed.emit()

    @Slot(int, object)
    def _on_failed(self, token: int, exc: BaseException) -> None:
        _, on_failure, _ = self._pending.pop(token, (None, None, False))
        if not self._pending:
            self.busy_changed.emit(False)
        (on_failure or self.default_failure)(exc)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Finish queued work, close the store, stop the thread."""
        if not self._thread.isRunning():
            return
        self._close.emit()  # queued behind the pending operations, which therefore all run
        if not self._thread.wait(timeout_ms):
            self._thread.quit()
            self._thread.wait(1000)


def _log_failure(exc: BaseException) -> None:
    log.error("operation failed", exc_info=exc)
