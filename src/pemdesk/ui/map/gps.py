"""The live GPS in the GUI: one receiver shared by the main map and every visit editor.

``pemdesk.gps`` reads the serial port in its own thread; this object carries each fix to the GUI
thread as a signal, keeps the last one ("use my position") and, while recording, the track.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QObject, Signal

from pemdesk.gps.nmea import Fix
from pemdesk.gps.source import SerialGps
from pemdesk.gps.track import TrackRecorder

STALE_S = 10.0  # a fix older than this is not "my position" any more


class GpsController(QObject):
    fix_received = Signal(object)  # Fix
    status_changed = Signal(str)  # connected | disconnected | stopped
    _fix_from_thread = Signal(object)
    _status_from_thread = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source: SerialGps | None = None
        self.last: Fix | None = None
        self._last_at = 0.0
        self.recorder: TrackRecorder | None = None
        # queued: the reading thread only emits, the GUI thread handles
        self._fix_from_thread.connect(self._on_fix)
        self._status_from_thread.connect(self.status_changed)

    def connect_port(self, port: str, baudrate: int = 9600) -> None:
        """Start reading ``port`` (raises InvalidInput, bilingual, when it cannot be opened)."""
        self.disconnect_port()
        source = SerialGps(
            port,
            baudrate,
            on_fix=self._fix_from_thread.emit,
            on_status=self._status_from_thread.emit,
        )
        source.open()
        self.source = source
        source.start()

    def disconnect_port(self) -> None:
        if self.source is not None:
            self.source.stop()
            self.source = None
            self.status_changed.emit("stopped")

    @property
    def connected(self) -> bool:
        return self.source is not None and self.source.running

    def _on_fix(self, fix: Fix) -> None:
        import time

        self.last = fix
        self._last_at = time.monotonic()
        if self.recorder is not None:
            self.recorder.add(fix)
        self.fix_received.emit(fix)

    def position(self) -> Fix | None:
        """The last fix if it is recent, else None."""
        import time

        if self.last is None or time.monotonic() - self._last_at > STALE_S:
            return None
        return self.last

    def start_recording(self, name: str = "") -> TrackRecorder:
        self.recorder = TrackRecorder(name)
        if self.last is not None:
            self.recorder.add(self.last)
        return self.recorder

    def stop_recording(self) -> TrackRecorder | None:
        recorder, self.recorder = self.recorder, None
        return recorder


@cache
def shared_gps() -> GpsController:
    """The program's one receiver (a laptop has one GPS)."""
    return GpsController()
