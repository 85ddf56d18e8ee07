"""Sync fixtures: the real server in a subprocess on 127.0.0.1, on SQLite and on PostgreSQL.

``backend`` is parametrized over both; PostgreSQL gets a fresh schema per server. If the
PostgreSQL server is down we try to start it (PLATFORM.md); tests skip, with the reason, only
when it truly cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

PG_BASE = os.environ.get("PEMDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, Any] = {}


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def pg_available() -> str | None:
    if "why" not in _pg_state:
        why = _pg_reachable()
        if why is not None and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
            for version in sorted(os.listdir("/etc/postgresql")):
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                                "start"], capture_output=True, timeout=60)
            for _ in range(20):
                why = _pg_reachable()
                if why is None:
                    break
                time.sleep(0.5)
        _pg_state["why"] = why
    return _pg_state["why"]


def fresh_pg_url() -> str:
    """A new empty schema in the test database, as a URL whose search_path points at it."""
    import psycopg

    schema = f"pemsync_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    _pg_state.setdefault("schemas", []).append(schema)
    sep = "&" if "?" in PG_BASE else "?"
    return f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_schemas() -> Iterator[None]:
    yield
    schemas = _pg_state.get("schemas", [])
    if schemas:
        import psycopg

        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, a fresh PostgreSQL URL for PostgreSQL."""
    if request.param == "postgres":
        why = pg_available()
        if why is not None:
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 cannot be reached: {why}")
        return fresh_pg_url()
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``pemdesk-server`` in a subprocess; restartable on the same port and data."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._store: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "pemdesk.sync.server.cli", "--data-dir", str(self.data_dir),
               "--port", str(self.port)]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        self.log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.read_log()}")
            try:
                if httpx.get(f"{self.url}/v1/info", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.read_log()}")

    def read_log(self) -> str:
        path = self.data_dir.parent / f"server-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self) -> None:
        self.kill(signal.SIGKILL)
        self.start()

    @property
    def store(self) -> Any:
        """The server's store opened in this process (admin and inspection)."""
        if self._store is None:
            from pemdesk.sync.server.store import ServerStore

            self._store = ServerStore.open(self.data_dir, self.database_url)
        return self._store

    def code(self, monitor: str, role: str | None = None) -> str:
        return str(self.store.issue_code(monitor, role))

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        if self._store is not None:
            self._store.close()


@pytest.fixture
def live_server(backend: str | None, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "server", backend)
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


def enrolled(server: LiveServer, folder: Path, monitor: str, role: str | None = None,
             url: str | None = None) -> Any:
    """A laptop data folder enrolled with the server (as ``monitor``); returns its Store."""
    from pemdesk.storage import Store
    from pemdesk.sync.client import enroll

    store = Store.open(folder)
    enroll(store, url or server.url, server.code(monitor, role), name=folder.name)
    return store


def client_for(store: Any, url: str | None = None, **kw: Any) -> Any:
    from pemdesk.sync.client import SyncClient

    kw.setdefault("backoff_s", 0.01)
    kw.setdefault("retries", 4)
    kw.setdefault("stall_s", 10)
    return SyncClient.for_store(store, url=url, **kw)
