"""An NMEA log replayed through a pseudo-terminal, as a USB GPS would send it (POSIX only).

The writer thread is stopped and joined before the terminal is closed, so it never writes to a
closed (or, worse, reused) descriptor.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

WALK = Path(__file__).parent / "fixtures" / "gps" / "walk.nmea"


class NmeaPty:
    def __init__(self, log: Path = WALK, delay: float = 0.005) -> None:
        self.log = log
        self.delay = delay
        self.master, self.slave = os.openpty()
        self.port = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sending the log's lines, one every ``delay`` seconds."""

        def run() -> None:
            for line in self.log.read_bytes().splitlines(keepends=True):
                if self._stop.is_set():
                    return
                os.write(self.master, line)
                time.sleep(self.delay)

        self._thread = threading.Thread(target=run, name="nmea-replay", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        os.close(self.master)
        os.close(self.slave)

    def __enter__(self) -> NmeaPty:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
