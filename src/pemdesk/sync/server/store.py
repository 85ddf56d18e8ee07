"""The server's store: enrolment, the idempotent apply path, the changes feed, blobs.

``apply_push`` is THE apply path: HTTP push and USB bundle import both call it, so a bundle
imported twice, or a push retried after a lost response, changes nothing the second time.
Gap-free ``server_seq``: every write transaction takes the ``counter`` row lock (PostgreSQL
``FOR UPDATE``; SQLite ``BEGIN IMMEDIATE``) before allocating, and holds it until commit, so
sequence numbers become visible strictly in order and a puller can never skip one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pemdesk.ids import new_id, utc_now
from pemdesk.sync.protocol import (
    MAX_BATCH_OPS,
    MAX_PAGE,
    MAX_SCHEMA,
    MIN_SCHEMA,
    PROTOCOL_VERSION,
    SCOPE_ALL,
    SIGNATURE_WINDOW_S,
    SYNC_STATE_COLUMNS,
    Change,
    ErrorCode,
    Op,
    ProtocolError,
    field_groups,
    upcast,
    validate_op,
)
from pemdesk.sync.schema import (
    Entity,
    Invalid,
    Policy,
    check_fields,
    check_record,
    redacted,
    references,
)
from pemdesk.sync.schema import entity as schema_entity
from pemdesk.sync.server.db import Database

ROLES = ("monitor", "coordinator")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over a phone
UPLOAD_TTL_DAYS = 30
CODE_TTL_DAYS = 14
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # one photo file; larger ones travel by USB bundle
DEVICE_QUOTA_BYTES = int(os.environ.get("PEMDESK_DEVICE_QUOTA_BYTES", 20 * 1024**3))
BLOB_KINDS = ("original", "preview", "thumb")
# Served inline with their type; anything else is an attachment (never rendered as HTML).
INLINE_MIMES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff",
                          "image/heic"})


@dataclass
class Device:
    device_id: str
    monitor_id: str
    monitor_name: str
    role: str
    pubkey: str
    status: str
    high_water: int


@dataclass
class PushResult:
    high_water: int
    results: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"high_water": self.high_water, "results": self.results}


@dataclass
class Page:
    epoch: str
    changes: list[Change]
    next_after: int
    has_more: bool

    def body(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "changes": self.changes, "next_after": self.next_after,
                "has_more": self.has_more}


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _fast_json(value: Any) -> str:
    """Compact JSON for the hot apply path (key order as given; nothing compares these bytes)."""
    return _ENCODER.encode(value)


class ServerStore:
    """Everything the server keeps. Thread-safe: each call takes its own pooled connection."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.data_dir = data_dir
        self._nonce_uses = 0
        self._upload_calls = 0
        self.device_quota = DEVICE_QUOTA_BYTES
        for folder in (data_dir, data_dir / "blobs", data_dir / "uploads"):
            folder.mkdir(parents=True, exist_ok=True)
            _private(folder, 0o700)
        for name in ("server.sqlite", "server.sqlite-wal", "server.sqlite-shm"):
            if (data_dir / name).exists():
                _private(data_dir / name, 0o600)
        self._add_columns("blob", {"uploaded_by": "TEXT", "device_id": "TEXT"})
        self.sweep_uploads()
        with self.db.transaction() as conn:
            row = self.db.one(conn, "SELECT v FROM server_meta WHERE k = 'epoch'")
            if row is None:
                # A new epoch per database: a restored or rebuilt server is noticed by clients.
                self.db.execute(conn, "INSERT INTO server_meta (k, v) VALUES ('epoch', ?)",
                                [new_id()])
                self.db.execute(conn, "INSERT INTO counter (name, value) VALUES ('seq', 0)")
        with self.db.connection() as conn:
            self.epoch: str = self.db.one(conn, "SELECT v FROM server_meta WHERE k='epoch'")[0]  # type: ignore[index]
            # Set by ``admin restore``: base versions from before the restore may be ahead.
            self.restored = self.db.one(
                conn, "SELECT v FROM server_meta WHERE k = 'restored_from'") is not None

    def _add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Columns added after a table first shipped (the server schema has no migrations)."""
        with self.db.connection() as conn:
            if self.db.is_pg:
                have = {r[0] for r in self.db.query(
                    conn, "SELECT column_name FROM information_schema.columns WHERE "
                    "table_name = ? AND table_schema = current_schema()", [table])}
            else:
                have = {r[1] for r in self.db.query(conn, f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                with self.db.transaction() as conn:
                    self.db.execute(conn, f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    @classmethod
    def open(cls, data_dir: Path | str, database_url: str | None = None) -> ServerStore:
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        _private(data_dir, 0o700)
        if database_url:
            db = Database(url=database_url)
        else:
            db = Database(sqlite_path=data_dir / "server.sqlite")
        return cls(db, data_dir)

    def close(self) -> None:
        self.db.close()

    @property
    def signing_key(self) -> Any:
        """The server's Ed25519 key (pinned by clients at enrolment; signs acks and receipts)."""
        from pemdesk.device_key import load_or_create

        return load_or_create(self.data_dir).signing_key

    @property
    def public_key_hex(self) -> str:
        return bytes(self.signing_key.verify_key).hex()

    # --- monitors, codes, devices ------------------------------------------------------------
    def ensure_monitor(self, name: str, role: str | None = None) -> dict[str, Any]:
        if role is not None and role not in ROLES:
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"role must be one of {ROLES}")
        with self.db.transaction() as conn:
            row = self.db.one(conn, "SELECT monitor_id, role FROM monitor WHERE name = ?", [name])
            if row is None:
                monitor_id = new_id()
                self.db.execute(conn, "INSERT INTO monitor VALUES (?, ?, ?, ?)",
                                [monitor_id, name, role or "monitor", utc_now()])
                return {"monitor_id": monitor_id, "name": name, "role": role or "monitor"}
            if role is not None and role != row[1]:
                self.db.execute(conn, "UPDATE monitor SET role = ? WHERE monitor_id = ?",
                                [role, row[0]])
            return {"monitor_id": row[0], "name": name, "role": role or row[1]}

    def monitors(self) -> list[dict[str, Any]]:
        with self.db.connection() as conn:
            rows = self.db.query(conn, """
                SELECT m.monitor_id, m.name, m.role, m.created_at,
                       (SELECT count(*) FROM device d WHERE d.monitor_id = m.monitor_id
                        AND d.status = 'active')
                FROM monitor m ORDER BY m.name""")
        return [dict(zip(("monitor_id", "name", "role", "created_at", "devices"), r, strict=True))
                for r in rows]

    def issue_code(self, monitor_name: str, role: str | None = None,
                   ttl_days: int = CODE_TTL_DAYS) -> str:
        """A one-time enrolment code for ``monitor_name`` (created if new)."""
        monitor = self.ensure_monitor(monitor_name, role)
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
        code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
        now = datetime.now(UTC)
        with self.db.transaction() as conn:
            self.db.execute(conn, "INSERT INTO enrol_code VALUES (?, ?, ?, ?, ?, NULL, NULL)", [
                _hash_code(code), monitor["monitor_id"], monitor["role"], now.isoformat(),
                (now + timedelta(days=ttl_days)).isoformat()])
        return code

    def enroll(self, code: str, pubkey_hex: str, name: str = "", app_version: str = "") -> dict[str, Any]:
        try:
            if len(bytes.fromhex(pubkey_hex)) != 32:
                raise ValueError
        except (ValueError, TypeError) as exc:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "public key must be 64 hex digits") from exc
        with self.db.transaction() as conn:
            sql = "SELECT monitor_id, expires_at, used_at, device_id FROM enrol_code WHERE code_hash = ?"
            if self.db.is_pg:
                sql += " FOR UPDATE"
            row = self.db.one(conn, sql, [_hash_code(code)])
            if row is None:
                raise ProtocolError(ErrorCode.BAD_CODE, "unknown, used or expired code")
            again = row[2] is not None and self.db.one(
                conn, "SELECT 1 FROM device WHERE device_id = ? AND pubkey = ? AND status = 'active'",
                [row[3], pubkey_hex.lower()])
            if again:
                # The same laptop asking again (its first answer was lost): the same device.
                device_id = row[3]
            elif row[2] is not None or row[1] < datetime.now(UTC).isoformat():
                raise ProtocolError(ErrorCode.BAD_CODE, "unknown, used or expired code")
            else:
                device_id = self._register(conn, code, row[0], pubkey_hex, name, app_version)
            monitor = self.db.one(conn, "SELECT name, role FROM monitor WHERE monitor_id = ?", [row[0]])
        assert monitor is not None
        return {"device_id": device_id, "monitor_id": row[0], "monitor_name": monitor[0],
                "role": monitor[1], "server_key": self.public_key_hex, "server_epoch": self.epoch,
                "protocol": PROTOCOL_VERSION}

    def _register(self, conn: Any, code: str, monitor_id: str, pubkey_hex: str, name: str,
                  app_version: str) -> str:
        device_id = new_id()
        now = utc_now()
        self.db.execute(conn, "UPDATE enrol_code SET used_at = ?, device_id = ? WHERE code_hash = ?",
                        [now, device_id, _hash_code(code)])
        self.db.execute(
            conn, "INSERT INTO device (device_id, monitor_id, pubkey, name, status, high_water, "
            "enrolled_at, app_version) VALUES (?, ?, ?, ?, 'active', 0, ?, ?)",
            [device_id, monitor_id, pubkey_hex.lower(), name[:200], now, app_version[:40]])
        return device_id

    def device(self, device_id: str) -> Device | None:
        with self.db.connection() as conn:
            row = self.db.one(conn, """
                SELECT d.device_id, d.monitor_id, m.name, m.role, d.pubkey, d.status, d.high_water
                FROM device d JOIN monitor m ON m.monitor_id = d.monitor_id
                WHERE d.device_id = ?""", [device_id])
        return Device(*row) if row else None

    def devices(self) -> list[dict[str, Any]]:
        with self.db.connection() as conn:
            rows = self.db.query(conn, """
                SELECT d.device_id, m.name, m.role, d.name, d.status, d.high_water, d.enrolled_at,
                       d.last_seen_at, d.revoked_at
                FROM device d JOIN monitor m ON m.monitor_id = d.monitor_id
                ORDER BY m.name, d.enrolled_at""")
        keys = ("device_id", "monitor", "role", "name", "status", "high_water", "enrolled_at",
                "last_seen_at", "revoked_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def revoke(self, device_id: str) -> bool:
        with self.db.transaction() as conn:
            cur = self.db.execute(
                conn, "UPDATE device SET status = 'revoked', revoked_at = ? WHERE device_id = ? "
                "AND status <> 'revoked'", [utc_now(), device_id])
            return bool(cur.rowcount)

    def active_device(self, device_id: str) -> Device:
        """The device, or the refusal to give it (unknown: 401, revoked: 403)."""
        device = self.device(device_id)
        if device is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown device")
        if device.status != "active":
            raise ProtocolError(ErrorCode.DEVICE_REVOKED, "this device was revoked")
        return device

    # --- replay protection -------------------------------------------------------------------
    def use_nonce(self, device_id: str, nonce: str) -> bool:
        """Record a request nonce; False if this device used it within the signature window.

        Kept in the database (not in memory), so a captured request cannot be replayed after a
        restart either; rows older than the window are swept now and then.
        """
        now = datetime.now(UTC)
        expires = (now + timedelta(seconds=2 * SIGNATURE_WINDOW_S)).isoformat()
        with self.db.transaction(durable=False) as conn:
            cur = self.db.execute(conn, "INSERT INTO request_nonce (device_id, nonce, expires_at) "
                                  "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                  [device_id, nonce, expires])
            fresh = bool(cur.rowcount)
            self._nonce_uses += 1
            if self._nonce_uses % 500 == 1:
                self.db.execute(conn, "DELETE FROM request_nonce WHERE expires_at < ?",
                                [now.isoformat()])
        return fresh

    # --- hello -------------------------------------------------------------------------------
    def hello(self, device: Device, app_version: str = "") -> dict[str, Any]:
        with self.db.transaction(durable=False) as conn:
            self.db.execute(conn, "UPDATE device SET last_seen_at = ?, app_version = ? WHERE device_id = ?",
                            [utc_now(), app_version[:40], device.device_id])
            latest = self.db.one(conn, "SELECT value FROM counter WHERE name = 'seq'")
            hw = self.db.one(conn, "SELECT high_water FROM device WHERE device_id = ?",
                             [device.device_id])
        return {
            "protocol": PROTOCOL_VERSION, "server_epoch": self.epoch, "server_now": utc_now(),
            "accept_schema": [MIN_SCHEMA, MAX_SCHEMA], "pull_requires_schema": MIN_SCHEMA,
            "push_high_water": hw[0] if hw else 0, "scopes": [SCOPE_ALL],
            "latest": {SCOPE_ALL: latest[0] if latest else 0}, "monitor": device.monitor_name,
            "role": device.role, "server_key": self.public_key_hex, "actions": [],
        }

    # --- push: the one apply path ------------------------------------------------------------
    def apply_push(self, device_id: str, raw_ops: list[Any], via: str = "http") -> PushResult:
        """Apply a contiguous run of one device's ops, idempotently, in one transaction.

        Ops at or below the device's high water return their stored result (a retry after a lost
        response gets exactly the first answer); a different op_id there means the device's
        database was cloned or restored (``device_seq_reused``, nothing applied); a run that does
        not start at high water + 1 is refused with ``seq_gap`` and the expected number.
        """
        if len(raw_ops) > MAX_BATCH_OPS:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"at most {MAX_BATCH_OPS} ops per push")
        ops = sorted((validate_op(o) for o in raw_ops), key=lambda o: o["device_seq"])
        for a, b in zip(ops, ops[1:], strict=False):
            if b["device_seq"] != a["device_seq"] + 1:
                raise ProtocolError(ErrorCode.BAD_REQUEST, "ops must be a contiguous run")
        with self.db.transaction() as conn:
            sql = """SELECT d.status, d.high_water, d.monitor_id, m.role FROM device d
                     JOIN monitor m ON m.monitor_id = d.monitor_id WHERE d.device_id = ?"""
            if self.db.is_pg:
                sql += " FOR UPDATE OF d"
            row = self.db.one(conn, sql, [device_id])
            if row is None:
                raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown device")
            if row[0] != "active":
                raise ProtocolError(ErrorCode.DEVICE_REVOKED, "this device was revoked")
            hw, monitor_id, role = int(row[1]), row[2], row[3]
            if not ops:
                return PushResult(hw)
            results: list[dict[str, Any]] = []
            dups = [o for o in ops if o["device_seq"] <= hw]
            fresh = [o for o in ops if o["device_seq"] > hw]
            if dups:
                prior = {r[0]: (r[1], r[2]) for r in self.db.query(
                    conn, "SELECT device_seq, op_id, result FROM applied_op WHERE device_id = ? "
                    "AND device_seq BETWEEN ? AND ?",
                    [device_id, dups[0]["device_seq"], dups[-1]["device_seq"]])}
                for op in dups:
                    stored = prior.get(op["device_seq"])
                    if stored is None or stored[0].split("/")[0] != op["op_id"]:
                        raise ProtocolError(
                            ErrorCode.DEVICE_SEQ_REUSED,
                            "this device number was already used by other changes: the data "
                            "folder was copied or restored; enrol it again as a new device",
                            device_seq=op["device_seq"])
                    results.append({**json.loads(stored[1]), "duplicate": True})
            if fresh and fresh[0]["device_seq"] != hw + 1:
                raise ProtocolError(ErrorCode.SEQ_GAP, "changes are missing before these",
                                    expected=hw + 1)
            if fresh:
                applier = _Applier(self.db, conn, device_id, monitor_id, role, via,
                                   restored=self.restored)
                results += applier.apply(fresh)
                hw = fresh[-1]["device_seq"]
                self.db.execute(conn, "UPDATE device SET high_water = ?, last_seen_at = ? "
                                "WHERE device_id = ?", [hw, utc_now(), device_id])
        return PushResult(hw, results)

    # --- pull --------------------------------------------------------------------------------
    def changes_since(self, scope: str, after: int, limit: int = 1000,
                      conflicts: bool = False, reader: tuple[str, str] | None = None) -> Page:
        """Records changed after ``after`` in server_seq order, each in its latest state.

        Conflict details (both values) only with ``conflicts`` — for coordinators; everyone
        else sees the ``conflict`` flag only. ``reader`` (monitor id, role) gets each record as
        its schema lets that monitor see it (``schema.redacted``: confidential fields blanked).
        """
        if scope != SCOPE_ALL:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"unknown scope {scope!r}")
        limit = max(1, min(int(limit), MAX_PAGE))
        with self.db.snapshot() as conn:
            rows = self.db.query(conn, """
                SELECT entity, id, version, server_seq, deleted, data, conflict, hlc,
                       owner_monitor FROM record
                WHERE server_seq > ? ORDER BY server_seq LIMIT ?""", [int(after), limit + 1])
            has_more = len(rows) > limit
            rows = rows[:limit]
            changes: list[Change] = []
            conflicted: dict[tuple[str, str], Change] = {}
            for entity, rid, version, seq, deleted, data, conflict, hlc, owner in rows:
                change = Change(entity=entity, id=rid, version=int(version), server_seq=int(seq),
                                deleted=bool(deleted),
                                data=redacted(entity, json.loads(data), owner, reader),
                                conflict=bool(conflict), hlc=hlc)
                if conflict and conflicts:
                    change["conflicts"] = []
                    conflicted[(entity, rid)] = change
                changes.append(change)
            for (entity, rid), change in conflicted.items():
                change["conflicts"] = self._open_conflicts(conn, entity, rid)
        next_after = changes[-1]["server_seq"] if changes else int(after)
        return Page(self.epoch, changes, next_after, has_more)

    def _open_conflicts(self, conn: Any, entity: str, rid: str) -> list[dict[str, Any]]:
        rows = self.db.query(conn, """
            SELECT conflict_id, fields, server_value, incoming_value, provisional, server_device,
                   incoming_device, created_at FROM record_conflict
            WHERE entity = ? AND id = ? AND resolved_at IS NULL ORDER BY created_at, conflict_id""",
                             [entity, rid])
        return [{"conflict_id": r[0], "fields": json.loads(r[1]), "server_value": json.loads(r[2]),
                 "incoming_value": json.loads(r[3]), "provisional": r[4], "server_device": r[5],
                 "incoming_device": r[6], "created_at": r[7]} for r in rows]

    def conflicts(self, include_resolved: bool = False) -> list[dict[str, Any]]:
        where = "" if include_resolved else "WHERE resolved_at IS NULL"
        with self.db.connection() as conn:
            rows = self.db.query(conn, f"""
                SELECT conflict_id, entity, id, fields, server_value, incoming_value, provisional,
                       resolved_at FROM record_conflict {where} ORDER BY created_at""")
        keys = ("conflict_id", "entity", "id", "fields", "server_value", "incoming_value",
                "provisional", "resolved_at")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for c in out:
            for k in ("fields", "server_value", "incoming_value"):
                c[k] = json.loads(c[k])
        return out

    def latest_seq(self) -> int:
        with self.db.connection() as conn:
            row = self.db.one(conn, "SELECT value FROM counter WHERE name = 'seq'")
        return int(row[0]) if row else 0

    def dump(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every record's current state, for convergence checks (see client canonical_dump)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        with self.db.snapshot() as conn:
            for entity, rid, deleted, data in self.db.query(
                    conn, "SELECT entity, id, deleted, data FROM record"):
                out.setdefault(entity, {})[rid] = {**json.loads(data), "_deleted": int(deleted)}
        return out

    def applied_ops(self) -> list[tuple[str, int, str, str]]:
        with self.db.connection() as conn:
            return [tuple(r) for r in self.db.query(  # type: ignore[misc]
                conn, "SELECT device_id, device_seq, op_id, status FROM applied_op "
                "ORDER BY device_id, device_seq")]

    # --- blobs -------------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        return self.data_dir / "blobs" / sha256[:2] / sha256

    def blobs_missing(self, hashes: list[str]) -> list[str]:
        wanted = sorted({h for h in hashes if _is_sha(h)})
        present: set[str] = set()
        with self.db.connection() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                marks = ",".join("?" for _ in chunk)
                present |= {r[0] for r in self.db.query(
                    conn, f"SELECT sha256 FROM blob WHERE sha256 IN ({marks})", chunk)}
        bad = [h for h in hashes if not _is_sha(h)]
        if bad:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "hashes must be 64 lowercase hex digits")
        return [h for h in wanted if h not in present]

    def blob_info(self, sha256: str, variant: str | None = None) -> dict[str, Any] | None:
        """A stored blob; with ``variant`` (thumb, preview) the one derived from ``sha256``.

        A derivative is served only if the owner of a photo of ``sha256`` uploaded it (or the
        server made it): nobody can replace someone else's thumbnail.
        """
        with self.db.connection() as conn:
            if variant and variant != "original":
                row = self.db.one(conn, """
                    SELECT b.size, b.mime, b.kind, b.sha256 FROM blob b
                    WHERE b.derived_from = ? AND b.kind = ? AND (b.uploaded_by = 'server' OR
                        b.uploaded_by IN (SELECT monitor_id FROM blob_owner WHERE sha256 = ?))
                    ORDER BY b.stored_at DESC, b.sha256 LIMIT 1""", [sha256, variant, sha256])
            else:
                row = self.db.one(conn, "SELECT size, mime, kind, sha256 FROM blob WHERE sha256 = ?",
                                  [sha256])
        return {"size": row[0], "mime": row[1], "kind": row[2], "sha256": row[3]} if row else None

    def may_derive(self, monitor_id: str, original: str) -> bool:
        """Whether this monitor owns a photo of ``original`` (may give it a thumb/preview)."""
        with self.db.connection() as conn:
            return self.db.one(conn, "SELECT 1 FROM blob_owner WHERE sha256 = ? AND "
                               "monitor_id = ?", [original, monitor_id]) is not None

    def device_usage(self, device_id: str) -> int:
        """Bytes this device has stored or is uploading (for its quota)."""
        with self.db.connection() as conn:
            stored = self.db.one(conn, "SELECT coalesce(sum(size), 0) FROM blob WHERE "
                                 "device_id = ?", [device_id])
            open_ = self.db.one(conn, "SELECT coalesce(sum(length), 0) FROM upload WHERE "
                                "device_id = ?", [device_id])
        return int(stored[0] if stored else 0) + int(open_[0] if open_ else 0)

    def sweep_uploads(self) -> int:
        """Remove partial uploads past their expiry (rows and files); how many went."""
        now = datetime.now(UTC).isoformat()
        with self.db.transaction() as conn:
            rows = self.db.query(conn, "SELECT upload_id FROM upload WHERE expires_at < ?", [now])
            self.db.execute(conn, "DELETE FROM upload WHERE expires_at < ?", [now])
        for (upload_id,) in rows:
            (self.data_dir / "uploads" / f"{upload_id}.part").unlink(missing_ok=True)
        return len(rows)

    def upload_create(self, device_id: str, sha256: str, length: int, kind: str = "original",
                      mime: str = "", derived_from: str = "") -> tuple[str, int, bool]:
        """(upload_id, offset, complete); creation is idempotent per (device, sha256)."""
        if not _is_sha(sha256) or length < 0:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "bad sha256 or length")
        if kind not in BLOB_KINDS:
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"kind must be one of {BLOB_KINDS}")
        if length > MAX_UPLOAD_BYTES:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"files over {MAX_UPLOAD_BYTES} bytes go "
                                "by USB bundle")
        device = self.active_device(device_id)
        if kind != "original":
            if not _is_sha(derived_from) or not self.may_derive(device.monitor_id, derived_from):
                raise ProtocolError(ErrorCode.FORBIDDEN, "only the photo's owner may give it a "
                                    "thumbnail or preview")
        else:
            derived_from = ""
        if self.blob_info(sha256) is not None:
            return "", length, True
        self._upload_calls += 1
        if self._upload_calls % 100 == 1:
            self.sweep_uploads()
        if self.device_usage(device_id) + length > self.device_quota:
            raise ProtocolError(ErrorCode.QUOTA_EXCEEDED, "this device's upload quota is used up")
        with self.db.transaction() as conn:
            row = self.db.one(conn, "SELECT upload_id, received, length FROM upload WHERE "
                              "device_id = ? AND sha256 = ?", [device_id, sha256])
            if row is not None and int(row[2]) == length:
                return row[0], int(row[1]), False
            if row is not None:
                self.db.execute(conn, "DELETE FROM upload WHERE upload_id = ?", [row[0]])
            upload_id = new_id()
            now = datetime.now(UTC)
            self.db.execute(conn, "INSERT INTO upload VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)", [
                upload_id, sha256, device_id, length, kind[:20], mime[:80],
                derived_from if _is_sha(derived_from) else None, now.isoformat(),
                (now + timedelta(days=UPLOAD_TTL_DAYS)).isoformat()])
        return upload_id, 0, False

    def upload_status(self, device_id: str, upload_id: str) -> tuple[int, int, str]:
        """(offset, length, sha256) of an upload of this device."""
        with self.db.connection() as conn:
            row = self.db.one(conn, "SELECT received, length, sha256 FROM upload WHERE "
                              "upload_id = ? AND device_id = ?", [upload_id, device_id])
        if row is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such upload")
        return int(row[0]), int(row[1]), row[2]

    def upload_write(self, device_id: str, upload_id: str, offset: int, chunk: bytes,
                     chunk_sha256: str | None) -> tuple[int, bool]:
        """Append a verified chunk at ``offset``; (new offset, complete)."""
        if chunk_sha256 is not None and hashlib.sha256(chunk).hexdigest() != chunk_sha256:
            raise ProtocolError(ErrorCode.CHECKSUM_MISMATCH, "chunk checksum mismatch")
        with self.db.transaction() as conn:
            sql = ("SELECT received, length, sha256, kind, mime, derived_from FROM upload WHERE "
                   "upload_id = ? AND device_id = ?")
            if self.db.is_pg:
                sql += " FOR UPDATE"
            row = self.db.one(conn, sql, [upload_id, device_id])
            if row is None:
                raise ProtocolError(ErrorCode.NOT_FOUND, "no such upload")
            received, length, sha256, kind, mime, derived = (int(row[0]), int(row[1]), row[2],
                                                             row[3], row[4], row[5])
            if offset != received:
                raise ProtocolError(ErrorCode.OFFSET_MISMATCH, "wrong offset", offset=received)
            if received + len(chunk) > length:
                raise ProtocolError(ErrorCode.BAD_REQUEST, "chunk goes past the upload length")
            part = self.data_dir / "uploads" / f"{upload_id}.part"
            with open(part, "a+b") as fh:
                # Bytes past ``received`` are from a write whose commit never happened.
                fh.truncate(received)
                fh.seek(received)
                fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            received += len(chunk)
            if received < length:
                self.db.execute(conn, "UPDATE upload SET received = ? WHERE upload_id = ?",
                                [received, upload_id])
                return received, False
            digest = hashlib.sha256()
            with open(part, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            self.db.execute(conn, "DELETE FROM upload WHERE upload_id = ?", [upload_id])
            if digest.hexdigest() != sha256:
                part.unlink(missing_ok=True)
                raise ProtocolError(ErrorCode.CHECKSUM_MISMATCH, "file hash mismatch; start again")
            target = self._place(part, sha256)
            owner = self.db.one(conn, "SELECT monitor_id FROM device WHERE device_id = ?",
                                [device_id])
            self.db.execute(conn, "INSERT INTO blob (sha256, size, mime, kind, stored_at, "
                            "derived_from, uploaded_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (sha256) DO NOTHING",
                            [sha256, target.stat().st_size, mime, kind, utc_now(), derived,
                             owner[0] if owner else None, device_id])
        return received, True

    def _place(self, source: Path, sha256: str) -> Path:
        """Move a verified, fsynced file into the CAS durably (0600; folder fsynced)."""
        from pemdesk.durable import fsync_dir

        target = self.blob_path(sha256)
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            _private(target.parent, 0o700)
            fsync_dir(target.parent.parent)
        _private(source, 0o600)
        os.replace(source, target)
        fsync_dir(target.parent)
        return target

    def add_blob(self, sha256: str, source: Path, kind: str = "original", mime: str = "",
                 derived_from: str | None = None, device_id: str | None = None) -> bool:
        """Put a verified file into the CAS (bundle import); False if it was already there.

        A thumbnail or preview is kept only from the owner of a photo of its original
        (``device_id`` names the bringing device); otherwise it is not stored at all.
        """
        if self.blob_info(sha256) is not None:
            return False
        monitor = None
        if device_id is not None:
            device = self.device(device_id)
            monitor = device.monitor_id if device else None
        if kind != "original" and (derived_from is None or monitor is None
                                   or not self.may_derive(monitor, derived_from)):
            return False
        tmp = self.data_dir / "uploads" / f"{new_id()}.bundle.part"
        digest = hashlib.sha256()
        with open(source, "rb") as src, open(tmp, "wb") as out:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            tmp.unlink(missing_ok=True)
            raise ProtocolError(ErrorCode.CHECKSUM_MISMATCH, "file hash mismatch")
        target = self._place(tmp, sha256)
        with self.db.transaction() as conn:
            self.db.execute(conn, "INSERT INTO blob (sha256, size, mime, kind, stored_at, "
                            "derived_from, uploaded_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (sha256) DO NOTHING",
                            [sha256, target.stat().st_size, mime, kind, utc_now(),
                             derived_from if kind != "original" else None, monitor, device_id])
        return True


def _private(path: Path, mode: int) -> None:
    """Owner-only permissions (the folder holds the server key, the database, the photos)."""
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


def _is_sha(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


_REC_COLS = "entity, id, version, server_seq, deleted, owner_monitor, data, field_meta, hlc, conflict"


class _Applier:
    """Applies fresh ops of one device inside the caller's transaction (see apply_push)."""

    def __init__(self, db: Database, conn: Any, device_id: str, monitor_id: str, role: str,
                 via: str, restored: bool = False) -> None:
        self.db, self.conn = db, conn
        self.device_id, self.monitor_id, self.role, self.via = device_id, monitor_id, role, via
        self.restored = restored
        self.records: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.dirty: set[tuple[str, str]] = set()
        self.revisions: list[list[Any]] = []
        self.applied: list[list[Any]] = []
        self.seq: int | None = None

    def _next_seq(self) -> int:
        if self.seq is None:
            sql = "SELECT value FROM counter WHERE name = 'seq'"
            if self.db.is_pg:
                sql += " FOR UPDATE"  # held to commit: seqs become visible strictly in order
            row = self.db.one(self.conn, sql)
            assert row is not None
            self.seq = int(row[0])
        self.seq += 1
        return self.seq

    def _prefetch(self, ops: list[Op]) -> None:
        """Load the records the ops touch, their references and their old parents, in bulk."""
        wanted: dict[str, set[str]] = {}
        for op in ops:
            ent = schema_entity(op["entity"]) if op["op"] != "skip" else None
            if ent is None:
                continue
            wanted.setdefault(op["entity"], set()).add(op["entity_id"])
            for _name, target, rid in references(ent, op["fields"]):
                wanted.setdefault(target, set()).add(rid)
            if ent.parent and ent.parent[0] == "id":
                wanted.setdefault(ent.parent[1], set()).add(op["entity_id"])
        self._load(wanted)
        old: dict[str, set[str]] = {}
        for op in ops:
            ent = schema_entity(op["entity"]) if op["op"] != "skip" else None
            rec = self.records.get((op["entity"], op["entity_id"]))
            if ent is None or rec is None:
                continue
            for _name, target, rid in references(ent, rec["data"]):
                if (target, rid) not in self.records:
                    old.setdefault(target, set()).add(rid)
        self._load(old)

    def _load(self, wanted: dict[str, set[str]]) -> None:
        for entity, ids in wanted.items():
            id_list = sorted(i for i in ids if (entity, i) not in self.records)
            for i in range(0, len(id_list), 500):
                chunk = id_list[i:i + 500]
                for key in chunk:
                    self.records.setdefault((entity, key), None)
                marks = ",".join("?" for _ in chunk)
                rows = self.db.query(self.conn, f"SELECT {_REC_COLS} FROM record WHERE entity = ? "
                                     f"AND id IN ({marks})", [entity, *chunk])
                for r in rows:
                    self.records[(r[0], r[1])] = {
                        "version": int(r[2]), "server_seq": int(r[3]), "deleted": int(r[4]),
                        "owner": r[5], "data": json.loads(r[6]), "meta": json.loads(r[7]),
                        "hlc": r[8], "conflict": int(r[9]), "new": False}

    def _record(self, entity: str, rid: str) -> dict[str, Any] | None:
        if (entity, rid) not in self.records:
            self._load({entity: {rid}})
        return self.records.get((entity, rid))

    def _seen_elsewhere(self, ops: list[Op]) -> dict[str, dict[str, Any]]:
        """Ops already applied under another device (a clone enrolled anew, a replayed bundle)."""
        seen: dict[str, dict[str, Any]] = {}
        ids = [o["op_id"] for o in ops]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" for _ in chunk)
            for op_id, result in self.db.query(
                    self.conn, f"SELECT op_id, result FROM applied_op WHERE op_id IN ({marks})", chunk):
                seen[op_id] = json.loads(result)
        return seen

    def apply(self, ops: list[Op]) -> list[dict[str, Any]]:
        self._prefetch(ops)
        elsewhere = self._seen_elsewhere(ops)
        results = []
        for op in ops:
            if op["op_id"] in elsewhere:
                # The same op (same op_id) is never applied twice, whichever device brings it.
                prior = elsewhere[op["op_id"]]
                results.append({**prior, "device_seq": op["device_seq"], "duplicate": True,
                                "_key": f"{op['op_id']}/{self.device_id}/{op['device_seq']}"})
            else:
                results.append(self._apply_one(upcast(op)))
        now = utc_now()
        self.db.executemany(self.conn, "INSERT INTO applied_op VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [[self.device_id, r["device_seq"], r.pop("_key", r["op_id"]),
                              r.get("server_seq"), r["status"], _fast_json(r), now, self.via]
                             for r in results])
        rows = []
        encoded: dict[tuple[str, str], str] = {}
        for key in sorted(self.dirty, key=lambda k: self.records[k]["server_seq"]):  # type: ignore[index]
            rec = self.records[key]
            assert rec is not None
            data = encoded[key] = _fast_json(rec["data"])
            rows.append([key[0], key[1], rec["version"], rec["server_seq"], rec["deleted"],
                         rec["owner"], SCOPE_ALL, data, _fast_json(rec["meta"]),
                         rec["hlc"], rec["conflict"]])
        self.db.executemany(self.conn, """
            INSERT INTO record (entity, id, version, server_seq, deleted, owner_monitor, scope_key,
                                data, field_meta, hlc, conflict)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version,
                server_seq = excluded.server_seq, deleted = excluded.deleted,
                owner_monitor = excluded.owner_monitor, data = excluded.data,
                field_meta = excluded.field_meta, hlc = excluded.hlc, conflict = excluded.conflict
            """, rows)
        for revision in self.revisions:
            key = (revision[0], revision[1])
            rec = self.records.get(key)
            if revision[6] == "create" and rec is not None and rec["version"] == 1 and key in encoded:
                revision[7] = encoded[key]  # a record created in this batch: its data is the op
            else:
                revision[7] = _fast_json(revision[7])
        self.db.executemany(self.conn, "INSERT INTO record_revision VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            self.revisions)
        owners = {(rec["data"]["sha256"], rec["owner"]) for key, rec in
                  ((k, self.records[k]) for k in self.dirty if k[0] == "photo")
                  if rec is not None and isinstance(rec["data"].get("sha256"), str) and rec["owner"]}
        self.db.executemany(self.conn, "INSERT INTO blob_owner (sha256, monitor_id) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING", sorted(owners))
        if self.seq is not None:
            self.db.execute(self.conn, "UPDATE counter SET value = ? WHERE name = 'seq'", [self.seq])
        return results

    def _author_of(self, person_id: str) -> str | None:
        """The monitor whose visits name ``person_id`` as ``created_by`` (None if none do)."""
        pattern = "%" + person_id.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        for owner, data in self.db.query(
                self.conn, "SELECT owner_monitor, data FROM record WHERE entity = 'visit' AND "
                "owner_monitor IS NOT NULL AND data LIKE ? ESCAPE '\\'", [pattern]):
            if json.loads(data).get("created_by") == person_id:
                return str(owner)
        return None

    def _parent_ids(self, ent: Entity, op: Op, rec: dict[str, Any] | None,
                    fields: dict[str, Any]) -> tuple[str | None, str | None]:
        """(old, new) id of the record's parent (the visit that owns it), either may be None."""
        if ent.parent is None:
            return None, None
        name = ent.parent[0]
        if name == "id":
            return op["entity_id"], op["entity_id"]
        old = rec["data"].get(name) if rec is not None else None
        new = fields.get(name, old) if op["op"] in ("create", "patch") else old
        return (old if isinstance(old, str) else None), (new if isinstance(new, str) else None)

    def _check(self, ent: Entity, op: Op, rec: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """Validate and authorise one op against the schema; (owner after the op, fields).

        Raises Invalid with the reason of a refusal. The owner of a child is the owner of its
        parent after the change, and both the old and the new parent must be writable by this
        monitor; a finished visit and everything in it are immutable, for everyone.
        """
        kind = op["op"]
        coordinator = self.role == "coordinator"
        fields: dict[str, Any] = {}
        if kind in ("create", "patch"):
            fields = check_fields(ent, op["fields"], create=kind == "create" and rec is None)
        elif kind == "resolve":
            values = op["fields"].get("values")
            if not isinstance(values, dict) or not isinstance(op["fields"].get("conflict_id"), str):
                raise Invalid("bad_resolution")
            check_fields(ent, {k: v for k, v in values.items() if k != "_deleted"}, create=False)
        if rec is not None and kind in ("patch", "delete", "undelete"):
            base = op["base_version"]
            if base > rec["version"]:
                if not self.restored:
                    raise Invalid("base_version_ahead")
                op["base_version"] = 0  # after a restore: everything since counts as concurrent
        if rec is not None and kind == "create":
            # The same record created again (a retry under a new device, a twin laptop): only
            # identical write-once values may meet; anything else is a patch in disguise.
            for name, value in fields.items():
                spec = ent.all_fields.get(name)
                if spec is not None and spec.write_once and rec["data"].get(name) != value:
                    raise Invalid(f"write_once:{name}")
        if ent.create_only and rec is not None:
            changed = any(rec["data"].get(k) != v for k, v in fields.items() if k != "updated_at")
            if kind not in ("create",) or changed:
                raise Invalid("sealed_record")
        if ent.name == "visit" and kind == "create" and rec is None \
                and isinstance(fields.get("created_by"), str):
            # ``created_by`` names the laptop's own person record (it is sealed, so the server
            # cannot rewrite it): the first monitor to author a visit as that person holds it,
            # and no other monitor's device may claim it afterwards.
            author = self._author_of(fields["created_by"])
            if author is not None and author != self.monitor_id:
                raise Invalid("not_author:created_by")
        # Ownership: the record's own owner, and the owners of its old and new parent.
        old_parent, new_parent = self._parent_ids(ent, op, rec, fields)
        owner = rec["owner"] if rec is not None and rec["owner"] else None
        if ent.parent is not None:
            parent_entity = ent.parent[1]
            for pid in {old_parent, new_parent} - {None}:
                assert pid is not None
                prec = self._record(parent_entity, pid)
                if prec is not None and prec["owner"] and prec["owner"] != self.monitor_id \
                        and not coordinator and ent.policy == Policy.OWNER:
                    raise Invalid("not_owner")
            if new_parent is not None:
                prec = self._record(parent_entity, new_parent)
                if prec is not None and prec["owner"]:
                    owner = prec["owner"]
        if owner is None:
            owner = self.monitor_id
        if ent.policy == Policy.OWNER and not coordinator and (
                (rec is not None and rec["owner"] and rec["owner"] != self.monitor_id)
                or owner != self.monitor_id):
            raise Invalid("not_owner")
        if ((kind == "delete" and ent.coordinator_delete) or ent.coordinator_only) \
                and not coordinator:
            raise Invalid("coordinator_only")
        # References must name records the server holds (or that this batch created).
        for name, target, rid in references(ent, fields):
            if self._record(target, rid) is None and not (target == op["entity"] and
                                                          rid == op["entity_id"]):
                raise Invalid(f"missing_reference:{name}")
        # A finished visit and its children never change on the server (amend = new revision).
        if ent.locked_by_visit is not None:
            lock = ent.locked_by_visit
            visits = {op["entity_id"]} if lock == "id" else set()
            if lock != "id":
                if rec is not None and isinstance(rec["data"].get(lock), str):
                    visits.add(rec["data"][lock])
                if isinstance(fields.get(lock), str):
                    visits.add(fields[lock])
            for vid in visits:
                visit = self._record("visit", vid)
                if visit is not None and visit["data"].get("status") == "finished" \
                        and self._would_change(op, rec, fields):
                    raise Invalid("visit_finished")
        if kind in ("create", "patch"):
            prospective = {**(rec["data"] if rec is not None else {}), **fields}
            check_record(ent, prospective)
        return owner, fields

    @staticmethod
    def _would_change(op: Op, rec: dict[str, Any] | None, fields: dict[str, Any]) -> bool:
        if rec is None:
            return True
        kind = op["op"]
        if kind == "delete":
            return not rec["deleted"]
        if kind == "undelete":
            return bool(rec["deleted"])
        if kind == "resolve":
            return True
        return any(rec["data"].get(k) != v for k, v in fields.items() if k != "updated_at")

    def _apply_one(self, op: Op) -> dict[str, Any]:
        base = {"device_seq": op["device_seq"], "op_id": op["op_id"]}
        if op["op"] == "skip":
            return {**base, "status": "skipped"}
        key = (op["entity"], op["entity_id"])
        ent = schema_entity(op["entity"])
        if ent is None:
            return self._reject(base, None, "unknown_entity")
        rec = self.records.get(key)
        try:
            owner, fields = self._check(ent, op, rec)
        except Invalid as exc:
            if rec is not None and ent.redact is not None:
                rec = {**rec, "data": redacted(op["entity"], rec["data"], rec["owner"],
                                               (self.monitor_id, self.role))}
            return self._reject(base, rec, exc.reason)
        conflicts: list[dict[str, Any]] = []
        if op["op"] == "create" and rec is None:
            rec = {"version": 0, "server_seq": 0, "deleted": int(bool(op["fields"].get("_deleted"))),
                   "owner": owner, "data": fields, "hlc": op["hlc"], "conflict": 0, "new": True,
                   "meta": {".": [1, self.device_id, op["hlc"]]}}
            self.records[key] = rec
            changed = True
        elif rec is None:
            return self._reject(base, rec, "unknown_record")
        elif op["op"] == "resolve":
            resolved = self._resolve(op, rec, self.role == "coordinator" or owner == self.monitor_id)
            if resolved is None:
                return self._reject(base, rec, "conflict_not_open")
            changed = resolved
        else:
            changed = self._merge(op, rec, fields, conflicts)
            if changed and rec["owner"] != owner:
                rec["owner"] = owner  # a child moved to another visit of the same monitor
        if not changed:
            return {**base, "status": "applied", "server_seq": None, "version": rec["version"]}
        seq = self._next_seq()
        rec["version"] += 1
        rec["server_seq"] = seq
        rec["hlc"] = op["hlc"]
        if op["op"] != "create" and _looks_like_time(op["hlc"]):
            rec["data"]["updated_at"] = op["hlc"]
        for field_name, meta in rec["meta"].items():
            if meta[0] == -1:  # placeholder set by _merge: the version being written now
                rec["meta"][field_name] = [rec["version"], *meta[1:]]
        self.dirty.add(key)
        self.revisions.append([op["entity"], op["entity_id"], rec["version"], op["op_id"],
                               self.device_id, seq, op["op"], op["fields"], op["hlc"]])
        result = {**base, "status": "conflict" if conflicts else "applied", "server_seq": seq,
                  "version": rec["version"]}
        if conflicts:
            rec["conflict"] = 1
            ids = []
            for c in conflicts:
                cid = new_id()
                ids.append(cid)
                self.db.execute(self.conn, """INSERT INTO record_conflict (conflict_id, entity, id,
                    fields, server_value, incoming_value, provisional, server_device,
                    incoming_device, incoming_op, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)""", [
                    cid, op["entity"], op["entity_id"], _json(c["fields"]),
                    _json(c["server_value"]), _json(c["incoming_value"]), c["provisional"],
                    c["server_device"], self.device_id, op["op_id"], utc_now()])
            result["conflict_ids"] = ids
        return result

    @staticmethod
    def _reject(base: dict[str, Any], rec: dict[str, Any] | None, reason: str) -> dict[str, Any]:
        """A refusal that never blocks the queue; ``canonical`` lets the device undo its edit."""
        result = {**base, "status": "rejected", "reason": reason}
        if rec is not None:
            result["canonical"] = {"version": rec["version"], "deleted": bool(rec["deleted"]),
                                   "data": dict(rec["data"]), "conflict": bool(rec["conflict"])}
        return result

    def _last_change(self, rec: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
        creation = rec["meta"].get(".", [1, None, ""])
        metas = [rec["meta"].get(n, creation) for n in names]
        return max(metas, key=lambda m: m[0])

    def _merge(self, op: Op, rec: dict[str, Any], fields: dict[str, Any],
               conflicts: list[dict[str, Any]]) -> bool:
        """Field merge against base_version; clashing units keep both values as a conflict."""
        data, changed = rec["data"], False
        me = [-1, self.device_id, op["hlc"]]

        def concurrent(names: tuple[str, ...]) -> list[Any] | None:
            last = self._last_change(rec, names)
            return last if last[0] > op["base_version"] and last[1] != self.device_id else None

        for unit in field_groups(op["entity"], list(fields)):
            current = {f: data.get(f) for f in unit}
            incoming = {f: fields.get(f, data.get(f)) for f in unit}
            if current == incoming:
                continue
            other = concurrent(unit)
            # The later arrival (the server's order) is the provisional value, for every
            # entity: a device's clock (hlc) must not decide, or a forged one always wins.
            take = True
            if other is not None:
                conflicts.append({"fields": list(unit), "server_value": current,
                                  "incoming_value": incoming, "server_device": other[1],
                                  "provisional": "incoming" if take else "server"})
            if take:
                data.update(incoming)
                for f in unit:
                    rec["meta"][f] = me
                changed = True
        if conflicts:
            changed = True
        kind = op["op"]
        if kind == "delete" and not rec["deleted"]:
            # Update beats delete: edits by others the deleter had not seen keep the record.
            unseen = [m for n, m in rec["meta"].items() if m[0] > op["base_version"]
                      and m[1] != self.device_id and n != "_deleted" and m[0] != -1]
            if unseen:
                conflicts.append({"fields": ["_deleted"], "server_value": {"_deleted": 0},
                                  "incoming_value": {"_deleted": 1},
                                  "server_device": unseen[0][1], "provisional": "server"})
            else:
                rec["deleted"] = 1
                rec["meta"]["_deleted"] = me
            changed = True
        elif kind == "undelete" and rec["deleted"]:
            rec["deleted"] = 0
            rec["meta"]["_deleted"] = me
            changed = True
        elif kind == "patch" and rec["deleted"] and changed:
            other = concurrent(("_deleted",))
            if other is not None:
                # An edit made without seeing a delete resurrects the record, flagged.
                rec["deleted"] = 0
                rec["meta"]["_deleted"] = me
                conflicts.append({"fields": ["_deleted"], "server_value": {"_deleted": 1},
                                  "incoming_value": {"_deleted": 0}, "server_device": other[1],
                                  "provisional": "incoming"})
        return changed

    def _resolve(self, op: Op, rec: dict[str, Any], allowed: bool) -> bool | None:
        conflict_id = op["fields"].get("conflict_id")
        values = op["fields"].get("values") or {}
        if not allowed:
            return None
        row = self.db.one(self.conn, "SELECT resolved_at FROM record_conflict WHERE "
                          "conflict_id = ? AND entity = ? AND id = ?",
                          [conflict_id, op["entity"], op["entity_id"]])
        if row is None or row[0] is not None or not isinstance(values, dict):
            return None
        me = [-1, self.device_id, op["hlc"]]
        for name, value in values.items():
            if name == "_deleted":
                rec["deleted"] = int(bool(value))
            elif name not in SYNC_STATE_COLUMNS and name != "id":
                rec["data"][name] = value
            rec["meta"][name] = me
        self.db.execute(self.conn, "UPDATE record_conflict SET resolved_at = ?, resolved_by = ?, "
                        "resolution = ? WHERE conflict_id = ?",
                        [utc_now(), self.device_id, _json(values), conflict_id])
        left = self.db.one(self.conn, "SELECT count(*) FROM record_conflict WHERE entity = ? AND "
                           "id = ? AND resolved_at IS NULL", [op["entity"], op["entity_id"]])
        rec["conflict"] = 1 if left and left[0] else 0
        return True


def _looks_like_time(text: str) -> bool:
    return len(text) >= 20 and text[4] == "-" and text[10] == "T"

