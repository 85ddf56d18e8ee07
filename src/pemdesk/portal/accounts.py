"""Web accounts of the portal, kept in the server's own database (SQLite or PostgreSQL).

Passwords are hashed with Argon2id (argon2-cffi). Roles: ``coordinator`` (everything, exports,
administration), ``monitor`` (the map, sites and visits in full) and ``company`` (a company's
representative: the sites of its licences, visits in the public variant). Failed logins are
rate limited per user name and per address.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pemdesk.errors import InvalidInput, NotFound
from pemdesk.ids import utc_now
from pemdesk.sync.server.db import Database

ROLES = ("coordinator", "monitor", "company")
MIN_PASSWORD = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS portal_user (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, licences TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL, generation BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL, last_login_at TEXT, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS portal_public_site (
    site_id TEXT PRIMARY KEY, marked_by TEXT NOT NULL, marked_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS portal_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    licences: tuple[str, ...]
    generation: int

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


def install(db: Database) -> None:
    with db.transaction() as conn:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(conn, statement)


def session_secret(db: Database) -> bytes:
    """The key that signs session cookies: made once, kept in the database (all workers)."""
    with db.transaction() as conn:
        row = db.one(conn, "SELECT v FROM portal_meta WHERE k = 'session_secret'")
        if row is None:
            value = secrets.token_hex(32)
            db.execute(conn, "INSERT INTO portal_meta (k, v) VALUES ('session_secret', ?)", [value])
            return bytes.fromhex(value)
    return bytes.fromhex(row[0])


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Нууц үг дор хаяж {MIN_PASSWORD} тэмдэгт байх ёстой.",
                           f"The password must have at least {MIN_PASSWORD} characters.")


def add_user(db: Database, name: str, role: str, password: str,
             licences: list[str] | None = None) -> User:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Хэрэглэгчийн нэр хоосон эсвэл хэт урт байна.",
                           "The user name is empty or too long.")
    if role not in ROLES:
        raise InvalidInput(f"Үүрэг буруу: {role}", f"Unknown role: {role}")
    if role == "company" and not licences:
        raise InvalidInput("Компанийн төлөөлөгчид лицензийн дугаар (--licence) заавал өгнө.",
                           "A company representative needs at least one --licence number.")
    _check_password(password)
    with db.transaction() as conn:
        if db.one(conn, "SELECT 1 FROM portal_user WHERE name = ?", [name]):
            raise InvalidInput(f"Ийм хэрэглэгч байна: {name}", f"That user exists already: {name}")
        db.execute(conn, "INSERT INTO portal_user (name, role, licences, password_hash, created_at)"
                   " VALUES (?, ?, ?, ?, ?)",
                   [name, role, ",".join(licences or []), _hasher.hash(password), utc_now()])
    return User(name, role, tuple(licences or ()), 1)


def get_user(db: Database, name: str) -> User | None:
    with db.connection() as conn:
        row = db.one(conn, "SELECT name, role, licences, generation FROM portal_user "
                     "WHERE name = ? AND disabled = 0", [name])
    if row is None:
        return None
    return User(row[0], row[1], tuple(x for x in row[2].split(",") if x), int(row[3]))


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.connection() as conn:
        rows = db.query(conn, "SELECT name, role, licences, created_at, last_login_at, disabled "
                        "FROM portal_user ORDER BY name")
    keys = ("name", "role", "licences", "created_at", "last_login_at", "disabled")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def authenticate(db: Database, name: str, password: str) -> User | None:
    with db.connection() as conn:
        row = db.one(conn, "SELECT password_hash FROM portal_user WHERE name = ? AND disabled = 0",
                     [name])
    if row is None:
        # Spend the same time as a real check, so names cannot be told apart by timing.
        _hasher.hash(password or "x")
        return None
    try:
        _hasher.verify(row[0], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    with db.transaction(durable=False) as conn:
        db.execute(conn, "UPDATE portal_user SET last_login_at = ? WHERE name = ?", [utc_now(), name])
        if _hasher.check_needs_rehash(row[0]):
            db.execute(conn, "UPDATE portal_user SET password_hash = ? WHERE name = ?",
                       [_hasher.hash(password), name])
    return get_user(db, name)


def set_password(db: Database, name: str, password: str) -> None:
    """A new password; every session of the user made before it ends (generation + 1)."""
    _check_password(password)
    with db.transaction() as conn:
        if not db.one(conn, "SELECT 1 FROM portal_user WHERE name = ?", [name]):
            raise NotFound(f"Хэрэглэгч олдсонгүй: {name}", f"No such user: {name}")
        db.execute(conn, "UPDATE portal_user SET password_hash = ?, generation = generation + 1 "
                   "WHERE name = ?", [_hasher.hash(password), name])


def disable_user(db: Database, name: str) -> bool:
    with db.transaction() as conn:
        cur = db.execute(conn, "UPDATE portal_user SET disabled = 1, generation = generation + 1 "
                         "WHERE name = ?", [name])
        return bool(cur.rowcount)


# --- public sites ----------------------------------------------------------------------------
def public_sites(db: Database) -> set[str]:
    with db.connection() as conn:
        return {r[0] for r in db.query(conn, "SELECT site_id FROM portal_public_site")}


def set_public(db: Database, site_id: str, public: bool, by: str) -> None:
    with db.transaction() as conn:
        db.execute(conn, "DELETE FROM portal_public_site WHERE site_id = ?", [site_id])
        if public:
            db.execute(conn, "INSERT INTO portal_public_site (site_id, marked_by, marked_at) "
                       "VALUES (?, ?, ?)", [site_id, by, utc_now()])


# --- login rate limiting ---------------------------------------------------------------------
class RateLimiter:
    """At most ``limit`` failed logins per key (user name, address) within ``window_s``."""

    def __init__(self, limit: int = 5, window_s: float = 300.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> float:
        """Seconds to wait (0 when not blocked)."""
        now = time.monotonic()
        with self._lock:
            wait = 0.0
            for key in keys:
                q = self._recent(key, now)
                if len(q) >= self.limit:
                    wait = max(wait, self.window_s - (now - q[0]))
            return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._fails) > 10_000:  # forget idle keys
                for k in [k for k, q in self._fails.items() if not q]:
                    del self._fails[k]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._fails.pop(key, None)
