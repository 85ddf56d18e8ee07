"""Local SQL for USB bundles: which photo files to carry (the rest is in ``sync_client``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk.storage.db import wrap_storage_errors
from pemdesk.storage.sync_client import DEMO_BLOB

if TYPE_CHECKING:
    from pemdesk.storage.store import Store

# Thumbnails and previews first (small, make the records usable), originals last.
_ORDER = "CASE kind WHEN 'thumb' THEN 0 WHEN 'preview' THEN 1 ELSE 2 END, priority, sha256"


def blobs_to_carry(store: Store, budget_bytes: int | None = None) -> list[dict[str, Any]]:
    """Photo files the server has not confirmed, in carrying order, within ``budget_bytes``.

    Files of demo photos never leave the laptop (their records are local-only)."""
    with wrap_storage_errors(store.path):
        cur = store.conn.execute(
            "SELECT sha256, size, path, kind, mime, derived_from FROM blob "
            f"WHERE upload_state <> 'present' AND NOT {DEMO_BLOB} "
            f"ORDER BY {_ORDER}"
        )
        keys = ("sha256", "size", "path", "kind", "mime", "derived_from")
        rows = [dict(zip(keys, r, strict=True)) for r in cur]
    out, total = [], 0
    for row in rows:
        path = store.data_dir / Path(row["path"])
        if not path.is_file():
            continue
        if budget_bytes is not None and total + int(row["size"]) > budget_bytes:
            continue
        total += int(row["size"])
        out.append({**row, "file": path})
    return out
