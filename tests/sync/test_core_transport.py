"""Transport: stall timeouts (not total timeouts), bounded retries with backoff."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from pathlib import Path

import pytest
from synchelp import LiveServer, client_for, enrolled, new_site

from pemdesk.errors import Offline
from pemdesk.sync.netproxy import NetProxy
from pemdesk.sync.transport import Transport


def test_a_silent_server_is_a_stall_and_retries_are_bounded() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)  # never answers

    threading.Thread(target=accept, daemon=True).start()
    sleeps: list[float] = []
    transport = Transport(f"http://127.0.0.1:{listener.getsockname()[1]}", stall_s=0.3,
                          retries=3, backoff_s=2.0, backoff_max_s=5.0, sleep=sleeps.append)
    start = time.monotonic()
    with pytest.raises(Offline):
        transport.json("GET", "/v1/info")
    assert time.monotonic() - start < 3
    assert len(sleeps) == 3  # bounded
    assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 4.0 and 2.5 <= sleeps[2] <= 5.0
    transport.close()
    listener.close()
    for conn in accepted:
        conn.close()


def test_no_network_is_reported_at_once_not_after_the_whole_backoff() -> None:
    # A port nobody listens on: the connection is refused, as with no network at all.
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    sleeps: list[float] = []
    transport = Transport(f"http://127.0.0.1:{port}", retries=6, backoff_s=2.0, sleep=sleeps.append)
    with pytest.raises(Offline) as info:
        transport.json("GET", "/v1/info")
    assert len(sleeps) == 1  # one quick retry, not six growing waits
    assert "Could not reach the server" in info.value.en
    transport.close()


def test_a_slow_but_flowing_transfer_is_never_cut(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "srv", None)
    server.data_dir.mkdir()
    server.start()
    try:
        a = enrolled(server, tmp_path / "a", "А")
        site = new_site(a)
        # A boundary of 1,500 irregular vertices: tens of KB even compressed.
        rng = random.Random(1)
        ring = [[105 + rng.random(), 44 + rng.random()] for _ in range(1500)]
        ring.append(ring[0])  # a closed ring: the server refuses anything else
        a.conn.execute("UPDATE site SET boundary = ? WHERE id = ?",
                       [json.dumps({"type": "Polygon", "coordinates": [ring]}), site.id])
        with client_for(a) as client:
            client.sync()
        with NetProxy(server.port, rate_bps=64_000) as proxy:  # 8 KB/s
            b = enrolled(server, tmp_path / "b", "Б", url=proxy.url)
            start = time.monotonic()
            with client_for(b, stall_s=1.0, retries=0) as client:
                report = client.sync()
            took = time.monotonic() - start
        assert report.pulled == 1 and report.bytes_received > 20_000
        assert took > 2.5, "the transfer must last well beyond the stall timeout"
    finally:
        server.stop()
