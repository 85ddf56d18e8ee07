"""Seal receipts: the server checks a sealed visit on arrival and countersigns what it found.

A receipt says "this server received visit V, revision R, sealed with digest D by key K, at time T;
the seal's signature and digest were valid and these photos were present" — signed with the
server's Ed25519 key. It travels back to the laptop (ack bundle, or the HTTP receipts call) and is
kept there, so a monitor can later show that the server had the record, unaltered, at that time.

Pure functions (no store, no Qt): the server and the laptop share them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

from pemdesk import seal

RECEIPT_FORMAT = "pemdesk-receipt-1"
RECEIPT_CONTEXT = b"PEMDESK-RECEIPT-1\n"

VERIFIED = "verified"  # signature and digest valid, every photo's bytes on the server
PHOTOS_PENDING = "photos_pending"  # valid seal; some photo bytes have not arrived yet
INVALID = "invalid"  # the signature or the digest does not match: flagged, never trusted
STATUSES = (VERIFIED, PHOTOS_PENDING, INVALID)


def check_seal(
    seal_row: Mapping[str, Any], *, blob_present: Callable[[str], bool]
) -> dict[str, Any]:
    """What the server can establish about one ``visit_seal`` record as it arrives.

    ``seal_row`` has the columns of ``visit_seal`` (``document`` as JSON text or a dict).
    ``blob_present(sha256)`` says whether the server holds those photo bytes (its store is
    content-addressed, so presence means the hash was verified on upload).
    """
    problems: list[str] = []
    document: Any = seal_row.get("document")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            document = None
    if not isinstance(document, dict):
        document = {}
        problems.append("document unreadable")
    digest = str(seal_row.get("digest") or "")
    digest_valid = bool(document) and seal.digest(document) == digest
    if not digest_valid:
        problems.append("digest does not match the sealed document")
    signature_valid = seal.signature_valid(
        digest, str(seal_row.get("signature") or ""), str(seal_row.get("public_key") or "")
    )
    if not signature_valid:
        problems.append("signature does not match the digest and key")
    visit = document.get("visit") or {}
    if visit.get("id") not in (None, seal_row.get("id")):
        digest_valid = False
        problems.append("document is for another visit")
    photos = sorted({str(p.get("sha256")) for p in document.get("photos", []) if p.get("sha256")})
    missing = [sha for sha in photos if not blob_present(sha)]
    if not (digest_valid and signature_valid):
        status = INVALID
    elif missing:
        status = PHOTOS_PENDING
    else:
        status = VERIFIED
    return {
        "visit_id": str(seal_row.get("id")),
        "revision": int(seal_row.get("revision") or 0),
        "digest": digest,
        "seal_key": str(seal_row.get("public_key") or ""),
        "signature_valid": signature_valid,
        "digest_valid": digest_valid,
        "photos": photos,
        "photos_missing": missing,
        "problems": problems,
        "status": status,
    }


def _message(body: Mapping[str, Any]) -> bytes:
    return RECEIPT_CONTEXT + hashlib.sha256(seal.canonical_json(dict(body))).digest()


def make_receipt(
    check: Mapping[str, Any],
    *,
    server_key: SigningKey,
    checked_at: str,
    receipt_id: str,
    received_via: str = "http",
) -> dict[str, Any]:
    """A countersigned receipt from ``check_seal``'s result."""
    body = dict(check) | {
        "format": RECEIPT_FORMAT,
        "receipt_id": receipt_id,
        "checked_at": checked_at,
        "received_via": received_via,
        "server_key": bytes(server_key.verify_key).hex(),
    }
    signature = server_key.sign(_message(body)).signature.hex()
    return body | {"countersignature": signature}


def verify_receipt(receipt: Mapping[str, Any], server_public_hex: str) -> bool:
    """True when the receipt is intact and countersigned by the (pinned) server key."""
    if not isinstance(receipt, Mapping) or receipt.get("format") != RECEIPT_FORMAT:
        return False
    if receipt.get("server_key") != server_public_hex or receipt.get("status") not in STATUSES:
        return False
    body = {k: v for k, v in receipt.items() if k != "countersignature"}
    try:
        key = VerifyKey(bytes.fromhex(server_public_hex))
        key.verify(_message(body), bytes.fromhex(str(receipt.get("countersignature"))))
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def better(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> bool:
    """Whether ``new`` should replace ``old`` for the same visit and digest (later wins)."""
    if old is None:
        return True
    return str(new.get("checked_at", "")) >= str(old.get("checked_at", ""))
