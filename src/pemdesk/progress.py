"""Progress and cancellation for long work, as plain values (Anki's pattern).

The core updates a ``Progress``; the UI polls it on a timer and sets ``cancelled``; the core calls
``check()`` between units of work, which raises ``Interrupted`` once the user has cancelled.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from pemdesk.errors import Interrupted


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    label: str = ""
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def update(self, done: int | None = None, total: int | None = None, label: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label
        self.check()

    def step(self, n: int = 1) -> None:
        self.done += n
        self.check()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Interrupted()

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None
