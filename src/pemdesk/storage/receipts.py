"""Local storage of the server's seal receipts (table ``seal_receipt``, migration 3)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pemdesk.ids import utc_now
from pemdesk.storage.db import wrap_storage_errors

if TYPE_CHECKING:
    from pemdesk.storage.store import Store


def store_receipts(store: Store, receipts: Iterable[Mapping[str, Any]], server_key_hex: str) -> int:
    """Keep the receipts countersigned by ``server_key_hex`` (the pinned key); returns how many
    were new or newer. Receipts that do not verify are ignored: they prove nothing."""
    from pemdesk.sync.receipts import better, verify_receipt

    kept = 0
    with store.atomic():
        for receipt in receipts:
            if not verify_receipt(receipt, server_key_hex):
                continue
            old = receipt_for(store, str(receipt["visit_id"]), str(receipt["digest"]))
            if old is not None and (old == dict(receipt) or not better(receipt, old)):
                continue
            store.conn.execute(
                "INSERT INTO seal_receipt (visit_id, digest, status, checked_at, server_key, "
                "receipt, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(visit_id, digest) "
                "DO UPDATE SET status=excluded.status, checked_at=excluded.checked_at, "
                "server_key=excluded.server_key, receipt=excluded.receipt, "
                "stored_at=excluded.stored_at",
                [
                    receipt["visit_id"],
                    receipt["digest"],
                    receipt["status"],
                    receipt["checked_at"],
                    receipt["server_key"],
                    json.dumps(receipt, ensure_ascii=False, sort_keys=True),
                    utc_now(),
                ],
            )
            kept += 1
    return kept


def receipt_for(store: Store, visit_id: str, digest: str | None = None) -> dict[str, Any] | None:
    """The receipt of a visit's seal (the given digest, or the latest checked)."""
    sql = "SELECT receipt FROM seal_receipt WHERE visit_id = ?"
    params: list[Any] = [visit_id]
    if digest is not None:
        sql += " AND digest = ?"
        params.append(digest)
    sql += " ORDER BY checked_at DESC LIMIT 1"
    with wrap_storage_errors(store.path):
        row = store.conn.execute(sql, params).fetchone()
    return json.loads(row[0]) if row else None


def list_receipts(store: Store) -> list[dict[str, Any]]:
    with wrap_storage_errors(store.path):
        rows = store.conn.execute("SELECT receipt FROM seal_receipt ORDER BY checked_at").fetchall()
    return [json.loads(r[0]) for r in rows]


def seals_awaiting_receipt(store: Store, public_key_hex: str) -> int:
    """Seals made with this device's key that have no final (verified/invalid) receipt yet."""
    with wrap_storage_errors(store.path):
        row = store.conn.execute(
            "SELECT count(*) FROM visit_seal s WHERE s._deleted = 0 AND s.public_key = ? AND NOT "
            "EXISTS (SELECT 1 FROM seal_receipt r WHERE r.visit_id = s.id AND r.digest = s.digest "
            "AND r.status IN ('verified', 'invalid'))",
            [public_key_hex],
        ).fetchone()
    return int(row[0])


def receipt_statuses(store: Store, visit_ids: list[str]) -> dict[str, tuple[str, str]]:
    """visit id -> (status, checked_at) of its latest receipt, for the visits given."""
    out: dict[str, tuple[str, str]] = {}
    with wrap_storage_errors(store.path):
        for i in range(0, len(visit_ids), 500):
            chunk = visit_ids[i : i + 500]
            marks = ",".join("?" for _ in chunk)
            for visit_id, status, checked_at in store.conn.execute(
                f"SELECT visit_id, status, checked_at FROM seal_receipt WHERE visit_id IN ({marks}) "
                "ORDER BY checked_at",
                chunk,
            ):
                out[visit_id] = (status, checked_at)
    return out
