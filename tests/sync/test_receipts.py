"""Seal receipts: checked on arrival, countersigned by the server, kept on the laptop."""

from __future__ import annotations

import json
from pathlib import Path

from nacl.signing import SigningKey

from pemdesk import seal
from pemdesk.device_key import DeviceKey
from pemdesk.storage.receipts import list_receipts, receipt_for, store_receipts
from pemdesk.sync import receipts as r

SERVER = SigningKey(b"S" * 32)
OTHER_SERVER = SigningKey(b"T" * 32)
DEVICE = DeviceKey(SigningKey(b"D" * 32), Path("unused"))
PHOTO = "ab" * 32


def sealed_row(visit_id: str = "v1", notes: str = "Ус тунгалаг") -> dict:
    doc = seal.visit_document(
        {"id": visit_id, "site_id": "s1", "started_at": "2026-06-01T02:00:00Z", "notes": notes,
         "status": "finished", "revision": 1},
        photos=[{"id": "p1", "sha256": PHOTO}],
    )  # fmt: skip
    digest = seal.digest(doc)
    return {
        "id": visit_id,
        "format": seal.SEAL_FORMAT,
        "revision": 1,
        "digest": digest,
        "signature": seal.sign(digest, DEVICE),
        "public_key": DEVICE.public_hex,
        "document": json.dumps(doc),
    }


def test_valid_seal_with_photos_is_verified() -> None:
    check = r.check_seal(sealed_row(), blob_present=lambda sha: True)
    assert check["status"] == r.VERIFIED and check["photos"] == [PHOTO]
    check = r.check_seal(sealed_row(), blob_present=lambda sha: False)
    assert check["status"] == r.PHOTOS_PENDING and check["photos_missing"] == [PHOTO]


def test_altered_document_or_signature_is_invalid() -> None:
    row = sealed_row()
    doc = json.loads(row["document"])
    doc["visit"]["notes"] = "Ус бохир"
    altered = row | {"document": json.dumps(doc)}
    check = r.check_seal(altered, blob_present=lambda sha: True)
    assert check["status"] == r.INVALID and not check["digest_valid"]
    forged = row | {"signature": "00" * 64}
    check = r.check_seal(forged, blob_present=lambda sha: True)
    assert check["status"] == r.INVALID and not check["signature_valid"]
    other_visit = row | {"id": "v2"}
    assert r.check_seal(other_visit, blob_present=lambda sha: True)["status"] == r.INVALID


def test_receipt_countersignature() -> None:
    check = r.check_seal(sealed_row(), blob_present=lambda sha: True)
    receipt = r.make_receipt(
        check, server_key=SERVER, checked_at="2026-06-10T00:00:00.000Z", receipt_id="r1"
    )
    key = bytes(SERVER.verify_key).hex()
    assert r.verify_receipt(receipt, key)
    assert not r.verify_receipt(receipt, bytes(OTHER_SERVER.verify_key).hex())
    assert not r.verify_receipt(receipt | {"status": r.PHOTOS_PENDING}, key)
    assert not r.verify_receipt(receipt | {"digest": "0" * 64}, key)
    forged = r.make_receipt(check, server_key=OTHER_SERVER, checked_at="x", receipt_id="r2")
    assert not r.verify_receipt(forged | {"server_key": key}, key)


def test_laptop_keeps_only_pinned_server_receipts(store) -> None:
    key = bytes(SERVER.verify_key).hex()
    pending = r.make_receipt(
        r.check_seal(sealed_row(), blob_present=lambda sha: False),
        server_key=SERVER,
        checked_at="2026-06-10T00:00:00.000Z",
        receipt_id="r1",
    )
    foreign = r.make_receipt(
        r.check_seal(sealed_row("v9"), blob_present=lambda sha: True),
        server_key=OTHER_SERVER,
        checked_at="2026-06-10T00:00:00.000Z",
        receipt_id="r9",
    )
    assert store_receipts(store, [pending, foreign], key) == 1
    assert store_receipts(store, [pending], key) == 0  # idempotent
    assert receipt_for(store, "v1")["status"] == r.PHOTOS_PENDING
    verified = r.make_receipt(
        r.check_seal(sealed_row(), blob_present=lambda sha: True),
        server_key=SERVER,
        checked_at="2026-06-11T00:00:00.000Z",
        receipt_id="r3",
    )
    assert store_receipts(store, [verified], key) == 1
    assert store_receipts(store, [pending], key) == 0  # an older receipt never replaces a newer
    assert receipt_for(store, "v1")["status"] == r.VERIFIED
    assert receipt_for(store, "v9") is None
    assert [x["receipt_id"] for x in list_receipts(store)] == ["r3"]
    assert store.pending_changes() == 0  # local only: receipts never go back to the server
