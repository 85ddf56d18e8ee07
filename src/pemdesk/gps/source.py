"""Reading a GPS receiver's NMEA stream from a serial port in a background thread."""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pemdesk.errors import InvalidInput
from pemdesk.gps.nmea import Fix, NmeaParser

BAUD_RATES = (4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class Port:
    device: str  # /dev/ttyACM0, /dev/rfcomm0, COM5…
    description: str


def list_ports() -> list[Port]:
    """Serial ports that may hold a GPS (USB receivers, Bluetooth SPP)."""
    from serial.tools import list_ports as lp

    return [Port(p.device, p.description or "") for p in lp.comports()]


class SerialGps:
    """Reads lines from ``port`` until stopped; ``on_fix(fix)`` for every position, ``on_status
    (text)`` for connection changes (called from the reading thread: marshal to your GUI)."""

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        on_fix: Callable[[Fix], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.on_fix = on_fix
        self.on_status = on_status
        self.parser = NmeaParser()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial: Any = None
        self.fixes = 0

    def open(self) -> None:
        """Open the port now (raises InvalidInput with both languages when it cannot)."""
        import serial

        try:
            self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.2)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise InvalidInput(
                f"GPS-ийн портыг ({self.port}) нээж чадсангүй.",
                f"The GPS port ({self.port}) cannot be opened.",
                detail=str(exc),
            ) from exc

    def start(self) -> None:
        if self._serial is None:
            self.open()
        self._thread = threading.Thread(target=self._run, name="pemdesk-gps", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import serial

        buf = b""
        self._status("connected")
        poller, fd = self._poller()
        try:
            while not self._stop.is_set():
                try:
                    if poller is not None:
                        events = poller.poll(200)
                        if not events:
                            continue
                        if not any(ev & select.POLLIN for _fd, ev in events):
                            raise OSError("the GPS port reports an error")
                        chunk = os.read(fd, 512)
                        if not chunk:
                            raise OSError("the GPS port was closed")
                    else:
                        chunk = self._serial.read(512)
                except (serial.SerialException, OSError, ValueError):
                    self._status("disconnected")
                    return
                if not chunk:
                    continue
                buf += chunk
                *lines, buf = buf.split(b"\n")
                if len(buf) > 4096:  # no line ends: not NMEA, do not grow without bound
                    buf = b""
                for raw in lines:
                    fix = self.parser.feed(raw.decode("ascii", errors="replace"))
                    if fix is not None:
                        self.fixes += 1
                        if self.on_fix is not None:
                            self.on_fix(fix)
        finally:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()

    def _poller(self) -> tuple[Any, int]:
        """poll() on the port's descriptor where there is one: pyserial reads with select(),
        which fails once the program holds more than 1023 files."""
        if not hasattr(select, "poll"):
            return None, -1
        try:
            fd = int(self._serial.fileno())
        except (AttributeError, OSError, ValueError, TypeError):
            return None, -1
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP | select.POLLNVAL)
        return poller, fd

    def _status(self, text: str) -> None:
        if self.on_status is not None:
            self.on_status(text)

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
