"""Fetching seal receipts over HTTP after a sync (the ack bundle carries them on the USB route).

Asked only while this device has sealed visits without a final receipt, so a sync with nothing
to do stays as short as it was.
"""

from __future__ import annotations

from typing import Any

from pemdesk.storage.receipts import seals_awaiting_receipt, store_receipts


def fetch_receipts(client: Any) -> int:
    """Store the server's receipts for this monitor's seals; returns how many were new."""
    from pemdesk.device_key import load_or_create
    from pemdesk.sync.client import META_SERVER_KEY

    store = client.store
    key = store.meta(META_SERVER_KEY)
    if not key or not seals_awaiting_receipt(store, load_or_create(store.data_dir).public_hex):
        return 0
    reply = client.t.json("GET", "/v1/receipts")
    return store_receipts(store, reply.get("receipts") or [], key)
