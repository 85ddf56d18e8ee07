"""Server operations: online backup and restore (new epoch), enrolment codes, unrevoke, conflicts.

``backup`` takes one consistent snapshot of every table (one read transaction: SQLite or
PostgreSQL alike, written as JSON lines, so a backup restores into either backend), then copies
the photo files the snapshot names (files are immutable and content-addressed, so copying after
the snapshot is consistent), the server key and the TLS certificate. ``restore`` loads it into a
stopped server and gives the server a NEW epoch: every laptop notices, resets its pull cursor and
pushes again whatever the restored server lacks (it keeps acknowledged ops for that), so nothing
that happened after the backup is lost.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from pemdesk.ids import new_id, utc_now
from pemdesk.sync.protocol import ErrorCode, ProtocolError
from pemdesk.sync.server.store import ServerStore

BACKUP_FORMAT = 1
# Rows that only make sense in the running server they came from.
TRANSIENT_TABLES = frozenset({"request_nonce", "upload"})


def _tables(server: ServerStore, conn: Any) -> dict[str, list[tuple[str, str]]]:
    """Every table of the server's database with its (column, type) list."""
    db = server.db
    out: dict[str, list[tuple[str, str]]] = {}
    if db.is_pg:
        rows = db.query(conn, "SELECT table_name, column_name, data_type FROM "
                        "information_schema.columns WHERE table_schema = current_schema() "
                        "ORDER BY table_name, ordinal_position")
        for table, column, kind in rows:
            out.setdefault(table, []).append((column, kind))
        return out
    for (table,) in db.query(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                             "name NOT LIKE 'sqlite_%' ORDER BY name"):
        out[table] = [(r[1], r[2]) for r in db.query(conn, f'PRAGMA table_info("{table}")')]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and "$b64" in value:
        return base64.b64decode(value["$b64"])
    return value


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def backup(server: ServerStore, target: Path) -> dict[str, Any]:
    """A consistent online backup of the database and the photo files into ``target``."""
    from pemdesk.durable import fsync_dir
    from pemdesk.sync.server import bundles, seal_receipts

    if target.exists() and any(target.iterdir()):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"{target} is not empty")
    bundles._ensure_schema(server)
    seal_receipts.ensure_schema(server)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    (target / "db").mkdir(mode=0o700)
    counts: dict[str, int] = {}
    with server.db.snapshot() as conn:
        tables = _tables(server, conn)
        for table in tables:
            path = target / "db" / f"{table}.jsonl"
            with open(path, "w", encoding="utf-8") as fh:
                n = 0
                cur = server.db.execute(conn, f'SELECT * FROM "{table}"')
                while True:
                    batch = cur.fetchmany(2000)
                    if not batch:
                        break
                    for row in batch:
                        fh.write(json.dumps([_plain(v) for v in row], ensure_ascii=False) + "\n")
                        n += 1
                fh.flush()
                os.fsync(fh.fileno())
            counts[table] = n
        blobs = [r[0] for r in server.db.query(conn, "SELECT sha256 FROM blob")]
        epoch = server.epoch
        latest = server.db.one(conn, "SELECT value FROM counter WHERE name = 'seq'")
    copied = 0
    for sha in blobs:
        source = server.blob_path(sha)
        if not source.exists():
            continue
        dest = target / "blobs" / sha[:2] / sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        _fsync(dest)
        copied += 1
    for folder in ("keys", "tls"):
        if (server.data_dir / folder).is_dir():
            shutil.copytree(server.data_dir / folder, target / folder)
    manifest = {"format": BACKUP_FORMAT, "epoch": epoch, "latest_seq": int(latest[0]) if latest
                else 0, "made_at": utc_now(), "backend": "postgresql" if server.db.is_pg
                else "sqlite", "tables": {t: {"columns": tables[t], "rows": counts[t]}
                                          for t in tables}, "blobs": copied}
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    _fsync(target / "manifest.json")
    fsync_dir(target)
    return manifest


def _portable(kind: str) -> str:
    k = kind.lower()
    if "int" in k:
        return "BIGINT"
    if any(w in k for w in ("real", "double", "float", "numeric")):
        return "DOUBLE PRECISION"
    if "bytea" in k or "blob" in k:
        return "BYTEA"
    return "TEXT"


def restore(server: ServerStore, source: Path) -> dict[str, Any]:
    """Load a backup into this (stopped) server; the server gets a new epoch."""
    from pemdesk.sync.server import bundles, seal_receipts

    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != BACKUP_FORMAT:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "not a pemdesk-server backup")
    bundles._ensure_schema(server)
    seal_receipts.ensure_schema(server)
    with server.db.transaction() as conn:
        existing = _tables(server, conn)
        for table, info in manifest["tables"].items():
            if table not in existing:
                cols = ", ".join(f'"{c}" {_portable(k)}' for c, k in info["columns"])
                server.db.execute(conn, f'CREATE TABLE "{table}" ({cols})')
        for table in _tables(server, conn):
            server.db.execute(conn, f'DELETE FROM "{table}"')
        for table, info in manifest["tables"].items():
            if table in TRANSIENT_TABLES:
                continue
            names = [c for c, _ in info["columns"]]
            marks = ", ".join("?" for _ in names)
            cols = ", ".join(f'"{c}"' for c in names)
            sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
            batch: list[list[Any]] = []
            with open(source / "db" / f"{table}.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    batch.append([_unplain(v) for v in json.loads(line)])
                    if len(batch) >= 2000:
                        server.db.executemany(conn, sql, batch)
                        batch = []
            server.db.executemany(conn, sql, batch)
        # A new epoch: laptops reset their cursors and push again what this server lacks.
        epoch = new_id()
        server.db.execute(conn, "UPDATE server_meta SET v = ? WHERE k = 'epoch'", [epoch])
        for key, value in (("restored_from", manifest["epoch"]), ("restored_at", utc_now())):
            server.db.execute(conn, "DELETE FROM server_meta WHERE k = ?", [key])
            server.db.execute(conn, "INSERT INTO server_meta (k, v) VALUES (?, ?)", [key, value])
    for part in (server.data_dir / "uploads").glob("*.part"):
        part.unlink(missing_ok=True)
    restored = 0
    for path in sorted((source / "blobs").glob("*/*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != path.name:
            raise ProtocolError(ErrorCode.CHECKSUM_MISMATCH, f"damaged photo file {path.name}")
        target = server.blob_path(digest)
        if not target.exists():
            tmp = server.data_dir / "uploads" / f"{new_id()}.restore.part"
            shutil.copyfile(path, tmp)
            _fsync(tmp)
            server._place(tmp, digest)
            restored += 1
    for folder in ("keys", "tls"):
        if (source / folder).is_dir():
            shutil.rmtree(server.data_dir / folder, ignore_errors=True)
            shutil.copytree(source / folder, server.data_dir / folder)
            os.chmod(server.data_dir / folder, 0o700)
    server.epoch = epoch
    server.restored = True
    return {"epoch": epoch, "restored_from": manifest["epoch"], "blobs": restored,
            "tables": {t: i["rows"] for t, i in manifest["tables"].items()}}


# --- codes, devices, conflicts ---------------------------------------------------------------
def codes(server: ServerStore) -> list[dict[str, Any]]:
    """Enrolment codes (their hashes' first 10 digits name them): open, used, expired, cancelled."""
    now = utc_now()
    with server.db.connection() as conn:
        rows = server.db.query(conn, """
            SELECT c.code_hash, m.name, c.role, c.created_at, c.expires_at, c.used_at, c.device_id
            FROM enrol_code c JOIN monitor m ON m.monitor_id = c.monitor_id
            ORDER BY c.created_at""")
    out = []
    for code_hash, monitor, role, created, expires, used, device in rows:
        state = ("cancelled" if used and device is None else "used" if used
                 else "expired" if expires < now else "open")
        out.append({"id": code_hash[:10], "monitor": monitor, "role": role, "created_at": created,
                    "expires_at": expires, "state": state, "device_id": device})
    return out


def cancel_code(server: ServerStore, ident: str) -> bool:
    """Cancel an unused code, named by its id (from ``codes``) or by the code itself."""
    from pemdesk.sync.server.store import _hash_code

    with server.db.transaction() as conn:
        rows = server.db.query(conn, "SELECT code_hash FROM enrol_code WHERE used_at IS NULL")
        wanted = _hash_code(ident)
        hits = [h for (h,) in rows if h == wanted or (len(ident) >= 6 and h.startswith(ident.lower()))]
        if len(hits) != 1:
            return False
        server.db.execute(conn, "UPDATE enrol_code SET used_at = ?, device_id = NULL WHERE "
                          "code_hash = ?", [utc_now(), hits[0]])
        return True


def unrevoke(server: ServerStore, device_id: str) -> bool:
    with server.db.transaction() as conn:
        cur = server.db.execute(conn, "UPDATE device SET status = 'active', revoked_at = NULL "
                                "WHERE device_id = ? AND status = 'revoked'", [device_id])
        return bool(cur.rowcount)


def resolve_conflict(server: ServerStore, conflict_id: str, keep: str) -> dict[str, Any]:
    """Close a conflict keeping the server's or the incoming value; a new version of the record
    that every laptop pulls (made by the server itself, device ``server``)."""
    if keep not in ("server", "incoming"):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "keep must be server or incoming")
    with server.db.transaction() as conn:
        row = server.db.one(conn, "SELECT entity, id, server_value, incoming_value, resolved_at "
                            "FROM record_conflict WHERE conflict_id = ?", [conflict_id])
        if row is None or row[4] is not None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no open conflict with that id")
        entity, rid = row[0], row[1]
        values = json.loads(row[2] if keep == "server" else row[3])
        sql = "SELECT version, deleted, data, field_meta FROM record WHERE entity = ? AND id = ?"
        rec = server.db.one(conn, sql + (" FOR UPDATE" if server.db.is_pg else ""), [entity, rid])
        assert rec is not None
        counter = server.db.one(conn, "SELECT value FROM counter WHERE name = 'seq'" +
                                (" FOR UPDATE" if server.db.is_pg else ""))
        assert counter is not None
        seq, version = int(counter[0]) + 1, int(rec[0]) + 1
        data, meta, deleted = json.loads(rec[2]), json.loads(rec[3]), int(rec[1])
        for name, value in values.items():
            if name == "_deleted":
                deleted = int(bool(value))
            else:
                data[name] = value
            meta[name] = [version, "server", utc_now()]
        now = utc_now()
        server.db.execute(conn, "UPDATE record_conflict SET resolved_at = ?, resolved_by = "
                          "'server', resolution = ? WHERE conflict_id = ?",
                          [now, json.dumps(values, ensure_ascii=False), conflict_id])
        left = server.db.one(conn, "SELECT count(*) FROM record_conflict WHERE entity = ? AND "
                             "id = ? AND resolved_at IS NULL", [entity, rid])
        server.db.execute(conn, "UPDATE record SET version = ?, server_seq = ?, deleted = ?, "
                          "data = ?, field_meta = ?, conflict = ? WHERE entity = ? AND id = ?",
                          [version, seq, deleted, json.dumps(data, ensure_ascii=False),
                           json.dumps(meta), 1 if left and left[0] else 0, entity, rid])
        server.db.execute(conn, "INSERT INTO record_revision VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [entity, rid, version, f"admin-{conflict_id}", "server", seq, "resolve",
                           json.dumps({"conflict_id": conflict_id, "values": values}), now])
        server.db.execute(conn, "UPDATE counter SET value = ? WHERE name = 'seq'", [seq])
    return {"entity": entity, "id": rid, "version": version, "kept": keep, "values": values}


# --- seals against the records the server holds now ------------------------------------------
SEALED_ENTITIES = {"participants": "participant", "observations": "observation",
                   "findings": "finding", "photos": "photo"}
# Format 2 (pemdesk-seal-2) also seals these sections: compared only when the seal has them.
SEALED_ENTITIES_2 = {"signoffs": "signoff", "assessments": "commitment_assessment",
                     "finding_cases": "finding_case", "finding_steps": "finding_step"}
UNCHANGED, CHANGED = "unchanged", "CHANGED"


def seal_changes(server: ServerStore) -> list[dict[str, Any]]:
    """Each sealed visit compared with the server's current records: ``CHANGED`` (with what)
    when any sealed value differs, a sealed record is gone, or a record was added to the visit
    after sealing; the seal's own validity comes from ``seal_receipts``."""
    from pemdesk import seal

    dump = server.dump()
    out = []
    for vid, row in sorted(dump.get("visit_seal", {}).items()):
        if row.get("_deleted"):
            continue
        try:
            document = json.loads(row.get("document") or "{}")
        except ValueError:
            document = {}
        changes: list[str] = []
        visit = dump.get("visit", {}).get(vid)
        sealed_visit = document.get("visit") or {}
        if visit is None:
            changes.append("visit: missing")
        else:
            changes += [f"visit.{f}" for f in seal.VISIT_FIELDS if f != "id" and f in sealed_visit
                        and seal._norm(f, visit.get(f)) != sealed_visit[f]]
        sections = dict(SEALED_ENTITIES)
        sections.update({k: v for k, v in SEALED_ENTITIES_2.items() if k in document})
        for section, entity in sections.items():
            records = dump.get(entity, {})
            sealed = {str(r.get("id")): r for r in document.get(section, [])}
            for rid, sealed_row in sealed.items():
                current = records.get(rid)
                if current is None or current.get("_deleted"):
                    changes.append(f"{entity} {rid}: removed")
                    continue
                # A field the seal holds but the record lacks (dropped on the server) is a
                # change too; person_name is a later correction of the person, not sealed data.
                changes += [f"{entity} {rid}.{f}" for f, v in sorted(sealed_row.items())
                            if f not in ("id", "person_name")
                            and _sealed_value(f, current.get(f)) != v]
            added = [rid for rid, r in records.items() if r.get("visit_id") == vid
                     and not r.get("_deleted") and rid not in sealed]
            changes += [f"{entity} {rid}: added after sealing" for rid in sorted(added)]
        out.append({"visit_id": vid, "status": CHANGED if changes else UNCHANGED,
                    "changes": changes})
    return out


def _sealed_value(field: str, value: Any) -> Any:
    """A value as the seal holds it (numbers normalised; a value that cannot be sealed, e.g. a
    non-finite number, never equals a sealed one)."""
    from pemdesk import seal

    try:
        return seal._norm(field, value)
    except ValueError:
        return object()
