"""A hostile device for the tests: it signs whatever it likes, correctly, with its own key."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
from nacl.signing import SigningKey
from synchelp import LiveServer

from pemdesk.ids import new_id
from pemdesk.sync import protocol as p


class RawDevice:
    """An enrolled device that talks HTTP by hand (no client-side checks at all)."""

    def __init__(self, server: LiveServer, monitor: str, role: str | None = None) -> None:
        self.server = server
        self.key = SigningKey.generate()
        self.http = httpx.Client(base_url=server.url, timeout=30, verify=False)
        reply = self.http.post("/v1/enroll", content=json.dumps({
            "code": server.code(monitor, role), "public_key": bytes(self.key.verify_key).hex(),
            "name": "raw"}).encode())
        assert reply.status_code == 200, reply.text
        self.device_id = str(reply.json()["device_id"])
        self.seq = 0

    def close(self) -> None:
        self.http.close()

    def headers(self, method: str, path: str, body: bytes, extra: dict[str, str] | None = None,
                *, stamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        covered = {k.lower(): v for k, v in (extra or {}).items()}
        covered[p.H_DIGEST] = p.content_digest(body)
        stamp = stamp or datetime.now(UTC).isoformat()
        nonce = nonce or secrets.token_hex(12)
        message = p.signing_message_v2(self.device_id, method, path, stamp, nonce, covered)
        return {**covered, p.H_DEVICE: self.device_id, p.H_TIME: stamp, p.H_NONCE: nonce,
                p.H_SIG: self.key.sign(message).signature.hex()}

    def send(self, method: str, path: str, value: Any = None, *, raw: bytes | None = None,
             encoding: str = "zstd", extra: dict[str, str] | None = None,
             tamper: dict[str, str] | None = None) -> httpx.Response:
        """Signed request; ``tamper`` changes headers AFTER signing (a relay in the middle)."""
        body = raw if raw is not None else (
            p.compress(json.dumps(value).encode(), encoding) if value is not None else b"")
        extra = dict(extra or {})
        if body and encoding != "identity":
            extra.setdefault("content-encoding", encoding)
        headers = self.headers(method, path, body, extra)
        headers.update(tamper or {})
        return self.http.request(method, path, content=body or None, headers=headers)

    def push(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        """Push ops (device_seq filled in); per-op results."""
        numbered = []
        for o in ops:
            self.seq += 1
            numbered.append({"op_id": new_id(), "base_version": 0,
                             "hlc": "2026-06-01T00:00:00.000Z", "schema_version": 2,
                             **o, "device_seq": self.seq})
        response = self.send("POST", "/v1/sync/push", {"ops": numbered})
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def pull(self) -> list[dict[str, Any]]:
        response = self.send("GET", "/v1/sync/pull?scope=all&after=0&limit=5000")
        assert response.status_code == 200, response.text
        return list(response.json()["changes"])


def create(entity: str, entity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"entity": entity, "entity_id": entity_id, "op": "create", "fields": fields}


def patch(entity: str, entity_id: str, fields: dict[str, Any], base: int = 1) -> dict[str, Any]:
    return {"entity": entity, "entity_id": entity_id, "op": "patch", "fields": fields,
            "base_version": base}
