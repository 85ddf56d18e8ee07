"""SQL for sealing visits: the rows a seal covers, and the stored seals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pemdesk.ids import utc_now

if TYPE_CHECKING:
    from pemdesk.storage.store import Store


@dataclass
class SealRows:
    """A visit and everything a seal covers, as plain rows."""

    visit: dict[str, Any]
    plot_ids: list[str]
    participants: list[dict[str, Any]]
    observations: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    photos: list[dict[str, Any]]


def visit_row(store: Store, visit_id: str) -> dict[str, Any] | None:
    rows = store._query("SELECT * FROM visit WHERE id = ? AND _deleted = 0", [visit_id])
    return rows[0] if rows else None


def seal_rows(store: Store, visit_id: str) -> SealRows | None:
    visit = visit_row(store, visit_id)
    if visit is None:
        return None
    q = store._query
    return SealRows(
        visit=visit,
        plot_ids=[
            r["plot_id"]
            for r in q("SELECT plot_id FROM visit_plot WHERE visit_id=? AND _deleted=0", [visit_id])
        ],
        participants=q(
            "SELECT p.*, coalesce(pe.name, '') AS person_name FROM participant p "
            "LEFT JOIN person pe ON pe.id = p.person_id WHERE p.visit_id=? AND p._deleted=0",
            [visit_id],
        ),
        observations=q("SELECT * FROM observation WHERE visit_id=? AND _deleted=0", [visit_id]),
        findings=q("SELECT * FROM finding WHERE visit_id=? AND _deleted=0", [visit_id]),
        photos=q("SELECT * FROM photo WHERE visit_id=? AND _deleted=0", [visit_id]),
    )


def write_seal(
    store: Store,
    visit_id: str,
    *,
    fmt: str,
    revision: int,
    digest: str,
    signature: str,
    public_key: str,
    previous_digest: str | None,
    document: dict[str, Any],
) -> None:
    """Record a seal on the visit row and keep its document (one transaction).

    Written with SQL, not ``Store.save``: the store refuses edits of a finished visit, and the
    seal is the one thing added to it after finishing.
    """
    now = utc_now()
    with store.atomic():
        store.conn.execute(
            "UPDATE visit SET seal_digest=?, seal_signature=?, seal_key=?, updated_at=? WHERE id=?",
            [digest, signature, public_key, now, visit_id],
        )
        store.conn.execute(
            "INSERT INTO visit_seal (id, format, revision, digest, signature, public_key, "
            "previous_digest, document, sealed_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET format=excluded.format, revision=excluded.revision, "
            "digest=excluded.digest, signature=excluded.signature, public_key=excluded.public_key, "
            "previous_digest=excluded.previous_digest, document=excluded.document, "
            "sealed_at=excluded.sealed_at, updated_at=excluded.updated_at, _deleted=0",
            [visit_id, fmt, revision, digest, signature, public_key, previous_digest,
             json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
             now, now, now],
        )  # fmt: skip


def stored_seal(store: Store, visit_id: str) -> dict[str, Any] | None:
    rows = store._query("SELECT * FROM visit_seal WHERE id = ? AND _deleted = 0", [visit_id])
    return rows[0] if rows else None


def sealable_visit_ids(store: Store) -> list[str]:
    """Every live visit that is finished or carries a seal, oldest first."""
    rows = store._query(
        "SELECT id FROM visit WHERE _deleted = 0 AND (status = 'finished' OR seal_digest IS NOT NULL) "
        "ORDER BY started_at, id"
    )
    return [r["id"] for r in rows]


def blob_exists(store: Store, sha256: str) -> bool:
    return bool(store._query("SELECT 1 FROM blob WHERE sha256 = ? AND kind = 'original'", [sha256]))
