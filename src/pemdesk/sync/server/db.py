"""One small DB-API layer over sqlite3 and psycopg 3, so both backends run the same SQL.

SQL is written with ``?`` placeholders and portable types; PostgreSQL gets ``%s``. Transactions
are explicit (``BEGIN``/``COMMIT``) on both, so the apply path reads the same on each.
"""

from __future__ import annotations

import contextlib
import queue
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS server_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS monitor (
    monitor_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrol_code (
    code_hash TEXT PRIMARY KEY, monitor_id TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, device_id TEXT);
CREATE TABLE IF NOT EXISTS device (
    device_id TEXT PRIMARY KEY, monitor_id TEXT NOT NULL, pubkey TEXT NOT NULL,
    name TEXT NOT NULL, status TEXT NOT NULL, high_water BIGINT NOT NULL DEFAULT 0,
    enrolled_at TEXT NOT NULL, last_seen_at TEXT, revoked_at TEXT, app_version TEXT);
CREATE TABLE IF NOT EXISTS applied_op (
    device_id TEXT NOT NULL, device_seq BIGINT NOT NULL, op_id TEXT NOT NULL UNIQUE,
    server_seq BIGINT, status TEXT NOT NULL, result TEXT NOT NULL, received_at TEXT NOT NULL,
    via TEXT NOT NULL, PRIMARY KEY (device_id, device_seq));
CREATE TABLE IF NOT EXISTS record (
    entity TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL,
    server_seq BIGINT NOT NULL UNIQUE, deleted INTEGER NOT NULL DEFAULT 0,
    owner_monitor TEXT, scope_key TEXT NOT NULL, data TEXT NOT NULL, field_meta TEXT NOT NULL,
    hlc TEXT NOT NULL, conflict INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS record_revision (
    entity TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL, op_id TEXT NOT NULL,
    device_id TEXT NOT NULL, server_seq BIGINT NOT NULL, op TEXT NOT NULL, fields TEXT NOT NULL,
    hlc TEXT NOT NULL, PRIMARY KEY (entity, id, version));
CREATE TABLE IF NOT EXISTS record_conflict (
    conflict_id TEXT PRIMARY KEY, entity TEXT NOT NULL, id TEXT NOT NULL, fields TEXT NOT NULL,
    server_value TEXT NOT NULL, incoming_value TEXT NOT NULL, provisional TEXT NOT NULL,
    server_device TEXT, incoming_device TEXT NOT NULL, incoming_op TEXT NOT NULL,
    created_at TEXT NOT NULL, resolved_by TEXT, resolved_at TEXT, resolution TEXT);
CREATE INDEX IF NOT EXISTS record_conflict_record ON record_conflict (entity, id);
CREATE TABLE IF NOT EXISTS blob (
    sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, mime TEXT, kind TEXT, stored_at TEXT NOT NULL,
    derived_from TEXT);
CREATE INDEX IF NOT EXISTS blob_derived ON blob (derived_from, kind);
CREATE TABLE IF NOT EXISTS request_nonce (
    device_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at TEXT NOT NULL,
    PRIMARY KEY (device_id, nonce));
CREATE INDEX IF NOT EXISTS request_nonce_expiry ON request_nonce (expires_at);
CREATE TABLE IF NOT EXISTS blob_owner (
    sha256 TEXT NOT NULL, monitor_id TEXT NOT NULL, PRIMARY KEY (sha256, monitor_id));
CREATE TABLE IF NOT EXISTS upload (
    upload_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, device_id TEXT NOT NULL,
    length BIGINT NOT NULL, received BIGINT NOT NULL DEFAULT 0, kind TEXT, mime TEXT,
    derived_from TEXT, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, UNIQUE (device_id, sha256));
"""


class Database:
    """A pool of connections to one database, either SQLite (a file) or PostgreSQL (a URL)."""

    def __init__(self, *, sqlite_path: Path | None = None, url: str | None = None,
                 pool_size: int = 8) -> None:
        self.sqlite_path = sqlite_path
        self.url = url
        self.is_pg = url is not None
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._made = 0
        self._size = pool_size
        self._lock = threading.Lock()
        with self.connection() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.execute(conn, statement)

    def _connect(self) -> Any:
        if self.is_pg:
            import psycopg

            assert self.url is not None
            return psycopg.connect(self.url, autocommit=True)
        assert self.sqlite_path is not None
        conn = sqlite3.connect(str(self.sqlite_path), isolation_level=None, check_same_thread=False,
                               timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged push survives power loss on the server too.
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        ok = False
        try:
            if self.is_pg:
                conn.execute("BEGIN")
            yield conn
            ok = True
        finally:
            healthy = True
            try:
                if self.is_pg:
                    conn.execute("ROLLBACK" if not ok else "COMMIT")
                elif conn.in_transaction:
                    conn.execute("ROLLBACK")
            except Exception:
                healthy = False
            if healthy and self._pool.qsize() < self._size:
                self._pool.put(conn)
            else:
                with contextlib.suppress(Exception):
                    conn.close()

    @contextlib.contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Any]:
        """A write transaction: SQLite ``BEGIN IMMEDIATE`` (one writer), PG read committed.

        ``durable=False`` for bookkeeping that may be lost on power failure (last seen times):
        no fsync wait on commit.
        """
        with self.connection() as conn:
            if self.is_pg:
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit = off")
                yield conn  # connection() already began it and commits on success
                return
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A read transaction with one consistent view (pull pages)."""
        with self.connection() as conn:
            if self.is_pg:
                conn.execute("ROLLBACK")
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    _PLACEHOLDER = re.compile(r"\?")

    def sql(self, text: str) -> str:
        if self.is_pg:
            return self._PLACEHOLDER.sub("%s", text.replace("%", "%%"))
        return text

    def execute(self, conn: Any, text: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.sql(text), params)

    def executemany(self, conn: Any, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.is_pg:
            with conn.cursor() as cur:
                cur.executemany(self.sql(text), rows)
        else:
            conn.executemany(text, rows)

    def query(self, conn: Any, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(conn, text, params).fetchall())

    def one(self, conn: Any, text: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self.execute(conn, text, params).fetchone()
        return tuple(row) if row is not None else None

    def close(self) -> None:
        while True:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                conn.close()
