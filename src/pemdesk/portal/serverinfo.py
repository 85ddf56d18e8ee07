"""What only the server knows: when and from which device a record arrived, its seal receipt,
devices and their last sync, conflicts and refused changes."""

from __future__ import annotations

import json
from typing import Any

from pemdesk.sync.server.store import ServerStore


def arrival(server: ServerStore, entity: str, record_id: str) -> dict[str, Any] | None:
    """The first arrival of a record: time, device name, the monitor's role (never the name)."""
    with server.db.connection() as conn:
        row = server.db.one(conn, """
            SELECT a.received_at, a.via, d.name, m.role, d.device_id FROM record_revision r
            JOIN applied_op a ON a.op_id = r.op_id
            LEFT JOIN device d ON d.device_id = r.device_id
            LEFT JOIN monitor m ON m.monitor_id = d.monitor_id
            WHERE r.entity = ? AND r.id = ? ORDER BY r.version LIMIT 1""", [entity, record_id])
    if row is None:
        return None
    return {"received_at": row[0], "via": row[1], "device": row[2] or row[4], "role": row[3] or ""}


def receipt(server: ServerStore, visit_id: str, digest: str) -> dict[str, Any] | None:
    from pemdesk.sync.server.seal_receipts import check_seals, ensure_schema

    ensure_schema(server)
    with server.db.connection() as conn:
        row = server.db.one(conn, "SELECT receipt FROM seal_receipt WHERE visit_id = ? AND digest = ?",
                            [visit_id, digest])
    if row is None:
        check_seals(server, via="web")
        with server.db.connection() as conn:
            row = server.db.one(conn, "SELECT receipt FROM seal_receipt WHERE visit_id = ? AND "
                                "digest = ?", [visit_id, digest])
    return json.loads(row[0]) if row else None


def devices(server: ServerStore) -> list[dict[str, Any]]:
    with server.db.connection() as conn:
        rows = server.db.query(conn, """
            SELECT d.device_id, d.name, m.name, m.role, d.status, d.last_seen_at, d.high_water,
                   d.app_version,
                   (SELECT count(*) FROM applied_op a WHERE a.device_id = d.device_id
                    AND a.status = 'rejected') AS rejected
            FROM device d LEFT JOIN monitor m ON m.monitor_id = d.monitor_id
            ORDER BY d.last_seen_at DESC""")
    keys = ("device_id", "name", "monitor", "role", "status", "last_seen_at", "high_water",
            "app_version", "rejected")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def rejected_ops(server: ServerStore, limit: int = 50) -> list[dict[str, Any]]:
    with server.db.connection() as conn:
        rows = server.db.query(conn, "SELECT device_id, device_seq, received_at, result FROM "
                               "applied_op WHERE status = 'rejected' ORDER BY received_at DESC "
                               "LIMIT ?", [limit])
    out = []
    for device_id, seq, at, result in rows:
        try:
            data = json.loads(result)
        except ValueError:
            data = {}
        out.append({"device_id": device_id, "device_seq": seq, "received_at": at,
                    "entity": data.get("entity", ""), "reason": data.get("reason", "")})
    return out
