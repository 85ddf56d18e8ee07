"""A TCP proxy for testing sync over bad links: cuts, throttling, latency, byte counts.

Used by the fault tests and the benchmark (no Toxiproxy binary needed). ``cut_at`` closes the
connection once exactly that many bytes have passed in one direction (counted over the whole
session), once; ``rate_bps`` paces each direction; ``latency_s`` delays each byte one way.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field

UP = "up"  # client -> server
DOWN = "down"  # server -> client


@dataclass
class Counters:
    up: int = 0
    down: int = 0
    connections: int = 0
    cuts: int = 0


@dataclass
class NetProxy:
    target_port: int
    target_host: str = "127.0.0.1"
    rate_bps: float | None = None  # bits per second, each direction
    latency_s: float = 0.0  # one way
    cut_at: tuple[str, int] | None = None  # (UP|DOWN, byte offset): close there, once
    counters: Counters = field(default_factory=Counters)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def __enter__(self) -> NetProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def arm(self, direction: str, offset: int) -> None:
        """Cut at ``offset`` bytes from now in ``direction``."""
        with self._lock:
            base = self.counters.up if direction == UP else self.counters.down
            self.cut_at = (direction, base + offset)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection((self.target_host, self.target_port))
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.counters.connections += 1
            pair = _Pair(client, server)
            for src, dst, direction in ((client, server, UP), (server, client, DOWN)):
                threading.Thread(target=self._pump, args=(pair, src, dst, direction),
                                 daemon=True).start()

    def _budget(self, direction: str, n: int) -> tuple[int, bool]:
        """How many of ``n`` bytes may pass, and whether to cut after them."""
        with self._lock:
            count = self.counters.up if direction == UP else self.counters.down
            cut = self.cut_at
            if cut is not None and cut[0] == direction and count + n >= cut[1]:
                allowed = max(0, cut[1] - count)
                self.cut_at = None
                self.counters.cuts += 1
                self._add(direction, allowed)
                return allowed, True
            self._add(direction, n)
            return n, False

    def _add(self, direction: str, n: int) -> None:
        if direction == UP:
            self.counters.up += n
        else:
            self.counters.down += n

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket, direction: str) -> None:
        queue: deque[tuple[float, bytes | None]] = deque()
        ready = threading.Condition()
        sender = threading.Thread(target=self._send, args=(pair, dst, queue, ready), daemon=True)
        sender.start()
        try:
            while not pair.closed:
                try:
                    data = src.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                allowed, cut = self._budget(direction, len(data))
                with ready:
                    if allowed:
                        queue.append((time.monotonic() + self.latency_s, data[:allowed]))
                    if cut:
                        queue.append((time.monotonic() + self.latency_s, None))
                    ready.notify()
                if cut:
                    break
        finally:
            with ready:
                queue.append((time.monotonic() + self.latency_s, b""))
                ready.notify()

    def _send(self, pair: _Pair, dst: socket.socket, queue: deque[tuple[float, bytes | None]],
              ready: threading.Condition) -> None:
        while True:
            with ready:
                while not queue:
                    ready.wait()
                due, data = queue.popleft()
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if data is None:  # a cut: both ends see the connection die here
                pair.close()
                return
            if data == b"":  # the source closed: pass the half-close on
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                pair.half_closed()
                return
            try:
                if self.rate_bps:
                    step = 512
                    for i in range(0, len(data), step):
                        piece = data[i:i + step]
                        dst.sendall(piece)
                        time.sleep(len(piece) * 8 / self.rate_bps)
                else:
                    dst.sendall(data)
            except OSError:
                pair.close()
                return


class _Pair:
    def __init__(self, a: socket.socket, b: socket.socket) -> None:
        self.a, self.b = a, b
        self.closed = False
        self._halves = 0
        self._lock = threading.Lock()

    def half_closed(self) -> None:
        with self._lock:
            self._halves += 1
            both = self._halves >= 2
        if both:
            self.close()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.a, self.b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
