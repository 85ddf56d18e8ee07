"""Sync fixtures: the real server in a subprocess on 127.0.0.1, on SQLite and on PostgreSQL.

``backend`` is parametrized over both; PostgreSQL gets a fresh schema per server. If the
PostgreSQL server is down we try to start it (PLATFORM.md); tests skip, with the reason, only
when it truly cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import synchelp
from synchelp import LiveServer

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


@pytest.fixture(autouse=True)
def _close_laptops() -> Iterator[None]:
    yield
    while synchelp.OPENED:
        synchelp.OPENED.pop().close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, a fresh PostgreSQL URL for PostgreSQL."""
    if request.param == "postgres":
        why = pg_available()
        if why is not None:
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 cannot be reached: {why}")
        return fresh_pg_url()
    return None


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A folder in RAM when there is one (/dev/shm): fsync-heavy loops run 10× faster."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="pemsync-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def live_server(backend: str | None, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "server", backend)
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


