"""Progress of a sync or bundle transfer, as a plain value the GUI polls (see ``progress.py``).

Counts records, photos and bytes separately, and estimates the time left from the speed measured
over the last seconds (a slow mobile link changes speed often, so the whole-run average lies).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from pemdesk.progress import Progress


@dataclass
class SyncProgress(Progress):
    records_done: int = 0
    records_total: int = 0
    photos_done: int = 0
    photos_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    phase: str = ""
    started: float = field(default_factory=time.monotonic)
    _samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64), repr=False)

    def update(
        self, done: int | None = None, total: int | None = None, label: str | None = None
    ) -> None:
        """The sync client reports phases by label; photos count bytes in done/total."""
        super().update(done, total, label)
        if self.label == "photos":
            if total is not None:
                self.bytes_total = total
            if done is not None:
                self.bytes_done = done
                self._samples.append((time.monotonic(), done))

    def step(self, n: int = 1) -> None:
        if self.label == "records":
            self.records_done += n
        super().step(n)

    def sleep(self, seconds: float) -> None:
        """Wait between retries, but stop at once when the user cancels."""
        self._cancel.wait(seconds)
        self.check()

    def add_bytes(self, n: int) -> None:
        self.bytes_done += n
        self._samples.append((time.monotonic(), self.bytes_done))
        self.check()

    def bytes_per_second(self, window_s: float = 10.0) -> float | None:
        """Measured speed over about the last ``window_s`` seconds (None before any data)."""
        now = time.monotonic()
        samples = [s for s in self._samples if now - s[0] <= window_s]
        if len(samples) < 2:
            elapsed = now - self.started
            return self.bytes_done / elapsed if self.bytes_done and elapsed > 0.2 else None
        (t0, b0), (t1, b1) = samples[0], samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else None

    def seconds_left(self) -> float | None:
        rate = self.bytes_per_second()
        if not rate or not self.bytes_total:
            return None
        return max(0.0, (self.bytes_total - self.bytes_done) / rate)
