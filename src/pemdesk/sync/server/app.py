"""The HTTP face of the sync server (FastAPI). Every write needs a device signature.

Bodies are JSON, compressed with zstd (or gzip) both ways; handlers read raw bodies so the
same protocol module decodes them as in bundles. OpenAPI at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

import collections
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from pemdesk import __version__
from pemdesk.sync import protocol as p
from pemdesk.sync.protocol import ErrorCode, ProtocolError
from pemdesk.sync.server.store import Device, ServerStore


# --- wire models (documentation of the bodies; decoding is protocol.decode_body) --------------
class EnrollIn(BaseModel):
    code: str = Field(max_length=64)
    public_key: str = Field(description="the device's Ed25519 public key, 64 hex digits")
    name: str = Field(default="", max_length=200)
    app_version: str = Field(default="", max_length=40)


class HelloIn(BaseModel):
    protocol: int = p.PROTOCOL_VERSION
    app_version: str = ""
    schema_version: int = 1
    cursors: dict[str, list[Any]] = {}


class OpIn(BaseModel):
    device_seq: int
    op_id: str
    entity: str
    entity_id: str
    op: str
    fields: dict[str, Any]
    base_version: int
    hlc: str
    schema_version: int


class PushIn(BaseModel):
    ops: list[OpIn]


class HaveIn(BaseModel):
    sha256: list[str]


def _doc_body(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


class _Nonces:
    """Recently seen request nonces (defence in depth: every write is idempotent anyway)."""

    def __init__(self, size: int = 100_000) -> None:
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def fresh(self, nonce: str) -> bool:
        with self._lock:
            if nonce in self._seen:
                return False
            self._seen[nonce] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


def create_app(store: ServerStore) -> FastAPI:
    app = FastAPI(title="pemdesk sync server", version=__version__,
                  description="Protocol v1: enrolment, hello/push/pull, blobs. See "
                              "docs/sync-protocol.md.")
    nonces = _Nonces()
    app.state.store = store

    @app.exception_handler(ProtocolError)
    async def _protocol_error(request: Request, exc: ProtocolError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    def reply(request: Request, value: Any, status: int = 200) -> Response:
        accept = request.headers.get("accept-encoding", "")
        encoding = "zstd" if "zstd" in accept else "gzip" if "gzip" in accept else "identity"
        body = p.encode_body(value, encoding)
        headers = {"content-encoding": encoding} if encoding != "identity" else {}
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    async def authed(request: Request, body: bytes = b"") -> Device:
        h = request.headers
        device_id, stamp, nonce, sig = (h.get(p.H_DEVICE), h.get(p.H_TIME), h.get(p.H_NONCE),
                                        h.get(p.H_SIG))
        if not (device_id and stamp and nonce and sig) or len(nonce) > 64 or len(device_id) > 64:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "this request is not signed by a device")
        device = await run_in_threadpool(store.device, device_id)
        if device is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown device")
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            skew = abs((datetime.now(UTC) - when).total_seconds())
        except (ValueError, TypeError):
            skew = float("inf")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = p.signing_message(request.method, path, body, stamp, nonce)
        from pemdesk.device_key import verify_signature

        try:
            signature = bytes.fromhex(sig)
        except ValueError:
            signature = b""
        if skew > p.SIGNATURE_WINDOW_S or not verify_signature(device.pubkey, message, signature):
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "bad request signature")
        if not nonces.fresh(f"{device_id}:{nonce}"):
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "replayed request")
        if device.status != "active":
            raise ProtocolError(ErrorCode.DEVICE_REVOKED, "this device was revoked")
        return device

    async def json_body(request: Request) -> tuple[bytes, Any]:
        raw = await request.body()
        if len(raw) > p.MAX_BODY_BYTES:
            raise ProtocolError(ErrorCode.TOO_LARGE, "body too large")
        return raw, p.decode_body(raw, request.headers.get("content-encoding"))

    @app.get("/v1/info")
    async def info() -> dict[str, Any]:
        """Public facts about this server: protocol, epoch and its public key (to pin)."""
        return {"protocol": p.PROTOCOL_VERSION, "server_epoch": store.epoch,
                "server_key": store.public_key_hex, "version": __version__}

    @app.post("/v1/enroll", openapi_extra=_doc_body(EnrollIn))
    async def enroll(request: Request) -> Response:
        """Register a device's public key with a one-time code from the administrator."""
        _, body = await json_body(request)
        if not isinstance(body, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected an object")
        try:
            data = EnrollIn.model_validate(body)
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "bad enrolment request") from exc
        result = await run_in_threadpool(store.enroll, data.code, data.public_key, data.name,
                                         data.app_version)
        return reply(request, result)

    @app.post("/v1/sync/hello", openapi_extra=_doc_body(HelloIn))
    async def hello(request: Request) -> Response:
        """Start a session: epoch, high water of this device's pushes, latest server_seq."""
        raw, body = await json_body(request)
        device = await authed(request, raw)
        app_version = body.get("app_version", "") if isinstance(body, dict) else ""
        result = await run_in_threadpool(store.hello, device, str(app_version))
        return reply(request, result)

    @app.post("/v1/sync/push", openapi_extra=_doc_body(PushIn))
    async def push(request: Request) -> Response:
        """Apply a contiguous run of this device's ops; per-op results, never blocking."""
        raw, body = await json_body(request)
        device = await authed(request, raw)
        if not isinstance(body, dict) or not isinstance(body.get("ops"), list):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected {ops: [...]}")
        result = await run_in_threadpool(store.apply_push, device.device_id, body["ops"], "http")
        return reply(request, result.body())

    @app.get("/v1/sync/pull")
    async def pull(request: Request, scope: str = p.SCOPE_ALL,
                   after: Annotated[int, Query(ge=0, lt=2**62)] = 0,
                   limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE)] = 1000) -> Response:
        """Records changed after ``after`` (a server_seq), in order, one page."""
        device = await authed(request)
        page = await run_in_threadpool(store.changes_since, scope, after, limit,
                                       device.role == "coordinator")
        return reply(request, page.body())

    @app.post("/v1/blobs/have", openapi_extra=_doc_body(HaveIn))
    async def have(request: Request) -> Response:
        """Which of these SHA-256 hashes the server lacks."""
        raw, body = await json_body(request)
        await authed(request, raw)
        hashes = body.get("sha256") if isinstance(body, dict) else None
        if not isinstance(hashes, list) or len(hashes) > 10_000:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected {sha256: [...]}")
        missing = await run_in_threadpool(store.blobs_missing, hashes)
        return reply(request, {"missing": missing})

    @app.post("/v1/blobs/uploads", status_code=201)
    async def upload_create(
        request: Request,
        upload_length: Annotated[int, Header(ge=0, lt=2**40)],
        upload_metadata: Annotated[str, Header(max_length=2000)],
    ) -> Response:
        """Create (or find again) the upload of one blob; tus-style offsets."""
        raw = await request.body()
        device = await authed(request, raw)
        meta = _parse_metadata(upload_metadata)
        upload_id, offset, complete = await run_in_threadpool(
            store.upload_create, device.device_id, meta.get("sha256", ""), upload_length,
            meta.get("kind", "original"), meta.get("mime", ""), meta.get("derived_from", ""))
        headers = {"upload-offset": str(offset), "upload-length": str(upload_length)}
        if complete:
            return Response(status_code=200, headers=headers)
        headers["location"] = f"/v1/blobs/uploads/{upload_id}"
        return Response(status_code=201, headers=headers)

    @app.head("/v1/blobs/uploads/{upload_id}")
    async def upload_head(request: Request, upload_id: str) -> Response:
        device = await authed(request)
        offset, length, _ = await run_in_threadpool(store.upload_status, device.device_id, upload_id)
        return Response(status_code=200, headers={"upload-offset": str(offset),
                                                  "upload-length": str(length),
                                                  "cache-control": "no-store"})

    @app.patch("/v1/blobs/uploads/{upload_id}")
    async def upload_patch(
        request: Request, upload_id: str,
        upload_offset: Annotated[int, Header(ge=0, lt=2**40)],
        upload_checksum: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        """Append one chunk at ``Upload-Offset`` (checksum: ``sha256 <base64>``)."""
        chunk = await request.body()
        if len(chunk) > 16 * 1024 * 1024:
            raise ProtocolError(ErrorCode.TOO_LARGE, "chunk too large")
        device = await authed(request, chunk)
        checksum = None
        if upload_checksum:
            algo, _, value = upload_checksum.partition(" ")
            if algo.lower() != "sha256":
                raise ProtocolError(ErrorCode.BAD_REQUEST, "only sha256 checksums")
            checksum = p.unb64(value.strip()).hex()
        offset, complete = await run_in_threadpool(
            store.upload_write, device.device_id, upload_id, upload_offset, chunk, checksum)
        return Response(status_code=204, headers={"upload-offset": str(offset),
                                                  "upload-complete": "1" if complete else "0"})

    @app.get("/v1/blobs/{sha256}")
    async def blob_get(request: Request, sha256: str,
                       variant: Annotated[str, Query(pattern="^(original|preview|thumb)$")] = "original"
                       ) -> Response:
        """A stored blob, or the thumb/preview derived from it; HTTP Range for resuming."""
        await authed(request)
        info = (await run_in_threadpool(store.blob_info, sha256, variant)
                if len(sha256) == 64 else None)
        if info is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such blob")
        return FileResponse(store.blob_path(info["sha256"]), media_type=info["mime"] or
                            "application/octet-stream", headers={"x-blob-sha256": info["sha256"]})

    @app.get("/v1/conflicts")
    async def conflicts(request: Request) -> Response:
        """Open conflicts (coordinators)."""
        device = await authed(request)
        if device.role != "coordinator":
            raise ProtocolError(ErrorCode.FORBIDDEN, "coordinators only")
        return reply(request, {"conflicts": await run_in_threadpool(store.conflicts)})

    @app.get("/v1/receipts")
    async def receipts(request: Request) -> Response:
        """Countersigned receipts of the device's monitor's sealed visits (checked on arrival)."""
        from pemdesk.sync.server.seal_receipts import for_device

        device = await authed(request)
        return reply(request, {"receipts": await run_in_threadpool(for_device, store, device)})

    return app


def _parse_metadata(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(","):
        key, _, value = part.strip().partition(" ")
        if key:
            try:
                out[key] = p.unb64(value).decode() if value else ""
            except UnicodeDecodeError as exc:
                raise ProtocolError(ErrorCode.BAD_REQUEST, "bad Upload-Metadata") from exc
    return out

