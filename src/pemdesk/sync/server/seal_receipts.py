"""Seals on arrival, server side: check each sealed visit and keep a countersigned receipt.

Runs right after a bundle is applied, and before receipts are handed to a device over HTTP, so
every ``visit_seal`` record that reached the server — by either route — is checked before anyone
is told about it. A seal whose photos have not all arrived gets a ``photos_pending`` receipt; it
is checked again (and a new receipt made) once they are in.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pemdesk.ids import new_id, utc_now
from pemdesk.sync import receipts

if TYPE_CHECKING:
    from pemdesk.sync.server.store import ServerStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS seal_receipt (
    visit_id TEXT NOT NULL, digest TEXT NOT NULL, owner_monitor TEXT, status TEXT NOT NULL,
    checked_at TEXT NOT NULL, receipt TEXT NOT NULL, PRIMARY KEY (visit_id, digest))
"""


def ensure_schema(server: ServerStore) -> None:
    with server.db.transaction() as conn:
        server.db.execute(conn, SCHEMA)


def check_seals(server: ServerStore, via: str = "http") -> list[dict[str, Any]]:
    """Check every seal without a final receipt; returns the receipts made now."""
    ensure_schema(server)
    key = server.signing_key
    with server.db.connection() as conn:
        rows = server.db.query(
            conn,
            "SELECT r.id, r.data, r.owner_monitor, s.status, s.digest FROM record r "
            "LEFT JOIN seal_receipt s ON s.visit_id = r.id "
            "WHERE r.entity = 'visit_seal' AND r.deleted = 0",
        )
    # A visit may have one receipt per digest; final means verified or invalid for this digest.
    done: dict[str, set[str]] = {}
    candidates: dict[str, tuple[dict[str, Any], str | None]] = {}
    for rid, data, owner, status, digest in rows:
        if status in (receipts.VERIFIED, receipts.INVALID) and digest:
            done.setdefault(rid, set()).add(digest)
        candidates[rid] = (json.loads(data), owner)
    made: list[dict[str, Any]] = []
    for rid, (data, owner) in sorted(candidates.items()):
        row = {**data, "id": rid}
        if str(row.get("digest")) in done.get(rid, set()):
            continue
        check = receipts.check_seal(row, blob_present=lambda sha: server.blob_info(sha) is not None)
        with server.db.transaction() as conn:
            old = server.db.one(
                conn,
                "SELECT status FROM seal_receipt WHERE visit_id = ? AND digest = ?",
                [rid, check["digest"]],
            )
            if old is not None and old[0] == check["status"]:
                continue
            receipt = receipts.make_receipt(
                check, server_key=key, checked_at=utc_now(), receipt_id=new_id(), received_via=via
            )
            server.db.execute(
                conn,
                "INSERT INTO seal_receipt (visit_id, digest, owner_monitor, status, checked_at, "
                "receipt) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (visit_id, digest) DO UPDATE SET "
                "status = excluded.status, checked_at = excluded.checked_at, "
                "receipt = excluded.receipt",
                [rid, check["digest"], owner, check["status"], receipt["checked_at"],
                 json.dumps(receipt, ensure_ascii=False, sort_keys=True)],
            )  # fmt: skip
        made.append(receipt)
    return made


def receipts_for_monitor(server: ServerStore, monitor_id: str) -> list[dict[str, Any]]:
    """The current receipts of every seal owned by a monitor (for any of their devices)."""
    ensure_schema(server)
    with server.db.connection() as conn:
        rows = server.db.query(
            conn,
            "SELECT receipt FROM seal_receipt WHERE owner_monitor = ? ORDER BY checked_at",
            [monitor_id],
        )
    return [json.loads(r[0]) for r in rows]


def all_receipts(server: ServerStore) -> list[dict[str, Any]]:
    ensure_schema(server)
    with server.db.connection() as conn:
        rows = server.db.query(conn, "SELECT receipt FROM seal_receipt ORDER BY checked_at")
    return [json.loads(r[0]) for r in rows]


def for_device(server: ServerStore, device: Any) -> list[dict[str, Any]]:
    """``GET /v1/receipts``: check new seals, then the receipts of the device's monitor."""
    check_seals(server, via="http")
    return receipts_for_monitor(server, device.monitor_id)
