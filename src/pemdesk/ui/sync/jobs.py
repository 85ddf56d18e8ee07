"""The work behind the sync menu, as plain functions run by a ``Job`` (no Qt in here).

Each opens its own store connection: a sync can take minutes and must not hold the one
database thread that every view uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pemdesk.ids import utc_now
from pemdesk.storage import Store
from pemdesk.sync.sync_progress import SyncProgress

LAST_SYNC_KEY = "last_sync_at"  # shown by the main window's status bar
# Retries of the sync transport from the GUI (tests make them short).
TRANSPORT_OPTIONS: dict[str, Any] = {"retries": 6, "backoff_s": 2.0}


def sync_now(data_dir: Path, progress: SyncProgress, originals: bool = True) -> Any:
    from pemdesk.storage import sync_client as sc
    from pemdesk.storage.bundles import blobs_to_carry
    from pemdesk.sync.client import SyncClient

    store = Store.open(data_dir)
    try:
        progress.records_total = int(sc.summary(store)["pending_ops"])
        carry = blobs_to_carry(store)
        progress.photos_total = len(carry)
        progress.bytes_total = sum(int(b["size"]) for b in carry)
        progress.update(label="connect")
        options = dict(TRANSPORT_OPTIONS, sleep=progress.sleep)  # Cancel also cuts a retry wait
        with SyncClient.for_store(store, progress=progress, **options) as client:
            report = client.sync(originals=originals)
        progress.photos_done = report.blobs_uploaded
        store.set_meta(LAST_SYNC_KEY, utc_now())
        return report
    finally:
        store.close()


def download_original(data_dir: Path, sha256: str, progress: SyncProgress) -> Path:
    """Fetch the original of another monitor's photo from the server (checked by its hash)."""
    from pemdesk.sync.client import SyncClient

    store = Store.open(data_dir)
    try:
        progress.update(label="photos-down", done=0, total=1)
        options = dict(TRANSPORT_OPTIONS, sleep=progress.sleep)
        with SyncClient.for_store(store, progress=progress, **options) as client:
            path = client.download_blob(sha256, "original")
        progress.step()
        return path
    finally:
        store.close()


def enrol(data_dir: Path, server: str, code: str, name: str, fingerprint: str = "",
          insecure: bool = False) -> dict[str, Any]:
    from pemdesk.sync.client import enroll

    store = Store.open(data_dir)
    try:
        return enroll(store, server.strip(), code.strip(), name.strip(),
                      fingerprint=fingerprint.strip() or None, insecure=insecure)
    finally:
        store.close()


def export_bundle(data_dir: Path, target: Path, progress: SyncProgress, photos: bool = True) -> Any:
    from pemdesk.sync.bundle_client import export_push_bundle

    store = Store.open(data_dir)
    try:
        return export_push_bundle(store, target, photos=photos, progress=progress)
    finally:
        store.close()


def import_bundle(data_dir: Path, source: Path, progress: SyncProgress) -> Any:
    from pemdesk.sync.bundle_client import import_bundle as run

    store = Store.open(data_dir)
    try:
        return run(store, source, progress=progress)
    finally:
        store.close()


def sync_overview(store: Store) -> dict[str, Any]:
    """For the menu and status bar (runs on the database thread)."""
    from pemdesk.storage import sync_client as sc
    from pemdesk.sync.client import META_DEVICE, META_ROLE

    summary = sc.summary(store)
    return {
        "enrolled": bool(store.meta(META_DEVICE)),
        "role": store.meta(META_ROLE) or "",
        "conflicts": int(summary["conflicts"]),
        "refused": int(summary["rejected"]),
        "quarantined": int(summary["quarantined"]),
        "pending": int(summary["pending_ops"]),
    }
