"""Local SQL the conflicts view needs beyond ``sync_client`` (which lists and resolves them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pemdesk.storage.db import wrap_storage_errors

if TYPE_CHECKING:
    from pemdesk.storage.store import Store


def record_row(store: Store, entity: str, entity_id: str) -> dict[str, Any] | None:
    """The local row of a record of a synced table (None if absent or not a synced table)."""
    from pemdesk.storage.migrations import synced_tables

    if entity not in synced_tables(store.conn):
        return None
    with wrap_storage_errors(store.path):
        cur = store.conn.execute(f'SELECT * FROM "{entity}" WHERE id = ?', [entity_id])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))
