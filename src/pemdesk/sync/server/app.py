"""The HTTP face of the sync server (FastAPI). Every write needs a device signature.

Bodies are JSON, compressed with zstd (or gzip) both ways; handlers read raw bodies so the
same protocol module decodes them as in bundles. OpenAPI at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from pemdesk import __version__
from pemdesk.ids import utc_now
from pemdesk.sync import protocol as p
from pemdesk.sync.protocol import ErrorCode, ProtocolError
from pemdesk.sync.server.store import Device, ServerStore

# Request bodies inflated and parsed at once (the others wait their turn, off the event loop).
BODY_WORKERS = 2


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


def create_app(store: ServerStore) -> FastAPI:
    app = FastAPI(title="pemdesk sync server", version=__version__,
                  description="Protocol v1: enrolment, hello/push/pull, blobs. See "
                              "docs/sync-protocol.md.")
    app.state.store = store
    app.state.tls_fingerprint = None  # set by the CLI when it serves HTTPS
    signer = store.signing_key
    body_work = anyio.Semaphore(BODY_WORKERS)

    def sign_answer(request: Request, status: int, raw: bytes, headers: dict[str, str]) -> None:
        """Sign the answer to a device's request (the laptop checks it with the pinned key)."""
        nonce = request.headers.get(p.H_NONCE)
        if nonce and request.headers.get(p.H_SIG):
            message = p.response_signing_message(nonce, status, raw)
            headers[p.H_SERVER_SIG] = signer.sign(message).signature.hex()

    def encode_reply(request: Request, value: Any, status: int) -> Response:
        accept = request.headers.get("accept-encoding", "")
        encoding = "zstd" if "zstd" in accept else "gzip" if "gzip" in accept else "identity"
        raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        body = p.compress(raw, encoding)
        headers = {"content-encoding": encoding} if encoding != "identity" else {}
        sign_answer(request, status, raw, headers)
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    async def reply(request: Request, value: Any, status: int = 200) -> Response:
        """The answer encoded, compressed and signed off the event loop (a pull page is MBs)."""
        return await run_in_threadpool(encode_reply, request, value, status)

    @app.exception_handler(ProtocolError)
    async def _protocol_error(request: Request, exc: ProtocolError) -> Response:
        raw = json.dumps(exc.body(), separators=(",", ":"), ensure_ascii=False).encode()
        headers: dict[str, str] = {}
        sign_answer(request, exc.status, raw, headers)
        return Response(raw, status_code=exc.status, media_type="application/json",
                        headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return await _protocol_error(request, ProtocolError(ErrorCode.BAD_REQUEST,
                                                            "malformed request"))

    async def authed(request: Request) -> Device:
        """The signing device, checked from the headers alone: nothing of the body is read
        (let alone decompressed or parsed) for a request that is not signed by an enrolled,
        active device within the time window, and never twice (nonces kept in the database)."""
        h = request.headers
        device_id, stamp, nonce, sig = (h.get(p.H_DEVICE), h.get(p.H_TIME), h.get(p.H_NONCE),
                                        h.get(p.H_SIG))
        if not (device_id and stamp and nonce and sig) or len(nonce) > 64 or len(device_id) > 64 \
                or len(sig) > 200:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "this request is not signed by a device")
        device = await run_in_threadpool(store.device, device_id)
        if device is None:
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "unknown device")
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string") or b""
        path = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        message = p.signing_message_v2(device_id, request.method, path, stamp, nonce, h)
        from pemdesk.device_key import verify_signature

        try:
            signature = bytes.fromhex(sig)
        except ValueError:
            signature = b""
        if not verify_signature(device.pubkey, message, signature):
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "bad request signature")
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if when.tzinfo is None:
                raise ValueError(stamp)
            skew = abs((datetime.now(UTC) - when).total_seconds())
        except (ValueError, TypeError, OverflowError):
            skew = float("inf")
        if skew > p.SIGNATURE_WINDOW_S:
            raise ProtocolError(ErrorCode.CLOCK_SKEW, "the request's time is too far from the "
                                "server's: sign again with the server's time",
                                server_now=utc_now())
        if device.status != "active":
            raise ProtocolError(ErrorCode.DEVICE_REVOKED, "this device was revoked")
        if not await run_in_threadpool(store.use_nonce, device_id, nonce):
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "replayed request")
        return device

    async def read_body(request: Request, limit: int, *, signed: bool = True) -> bytes:
        """The body as sent, streamed under a hard limit, checked against its signed digest."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise ProtocolError(ErrorCode.TOO_LARGE, "body too large")
        digest = hashlib.sha256()
        parts: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProtocolError(ErrorCode.TOO_LARGE, "body too large")
            digest.update(chunk)
            parts.append(chunk)
        raw = b"".join(parts)
        if signed and request.headers.get(p.H_DIGEST, "") != p.content_digest(raw):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "the body does not match its signed "
                                "Content-Digest")
        return raw

    def decode(raw: bytes, encoding: str | None, limit: int) -> Any:
        return p.parse_json(p.decompress(raw, encoding, limit))

    async def json_body(request: Request, limit: int = p.MAX_SMALL_BODY_BYTES, *,
                        signed: bool = True) -> Any:
        """Read, then inflate and parse off the event loop, at most ``BODY_WORKERS`` bodies at
        once (each may inflate to ``limit``): the loop keeps answering cheap requests
        (``/v1/info``, refusals) and the memory of concurrent bodies stays bounded."""
        raw = await read_body(request, min(limit, p.MAX_COMPRESSED_BYTES), signed=signed)
        async with body_work:
            return await run_in_threadpool(decode, raw, request.headers.get("content-encoding"),
                                           limit)

    @app.get("/v1/info")
    async def info() -> dict[str, Any]:
        """Public facts about this server: protocol, epoch and its public key (to pin)."""
        return {"protocol": p.PROTOCOL_VERSION, "server_epoch": store.epoch,
                "server_key": store.public_key_hex, "version": __version__,
                "server_now": utc_now(), "tls_fingerprint": app.state.tls_fingerprint}

    @app.post("/v1/enroll", openapi_extra=_doc_body(EnrollIn))
    async def enroll(request: Request) -> Response:
        """Register a device's public key with a one-time code from the administrator."""
        body = await json_body(request, 16 * 1024, signed=False)
        if not isinstance(body, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected an object")
        try:
            data = EnrollIn.model_validate(body)
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "bad enrolment request") from exc
        result = await run_in_threadpool(store.enroll, data.code, data.public_key, data.name,
                                         data.app_version)
        return await reply(request, result)

    @app.post("/v1/sync/hello", openapi_extra=_doc_body(HelloIn))
    async def hello(request: Request) -> Response:
        """Start a session: epoch, high water of this device's pushes, latest server_seq."""
        device = await authed(request)
        body = await json_body(request)
        app_version = body.get("app_version", "") if isinstance(body, dict) else ""
        result = await run_in_threadpool(store.hello, device, str(app_version))
        return await reply(request, result)

    @app.post("/v1/sync/push", openapi_extra=_doc_body(PushIn))
    async def push(request: Request) -> Response:
        """Apply a contiguous run of this device's ops; per-op results, never blocking."""
        device = await authed(request)
        body = await json_body(request, p.MAX_PUSH_BYTES)
        if not isinstance(body, dict) or not isinstance(body.get("ops"), list):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected {ops: [...]}")
        result = await run_in_threadpool(store.apply_push, device.device_id, body["ops"], "http")
        return await reply(request, result.body())

    @app.get("/v1/sync/pull")
    async def pull(request: Request, scope: str = p.SCOPE_ALL,
                   after: Annotated[int, Query(ge=0, lt=2**62)] = 0,
                   limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE)] = 1000) -> Response:
        """Records changed after ``after`` (a server_seq), in order, one page."""
        device = await authed(request)
        page = await run_in_threadpool(store.changes_since, scope, after, limit,
                                       device.role == "coordinator",
                                       (device.monitor_id, device.role))
        return await reply(request, page.body())

    @app.post("/v1/blobs/have", openapi_extra=_doc_body(HaveIn))
    async def have(request: Request) -> Response:
        """Which of these SHA-256 hashes the server lacks."""
        await authed(request)
        body = await json_body(request, 2 * 1024 * 1024)
        hashes = body.get("sha256") if isinstance(body, dict) else None
        if not isinstance(hashes, list) or len(hashes) > 10_000:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "expected {sha256: [...]}")
        missing = await run_in_threadpool(store.blobs_missing, hashes)
        return await reply(request, {"missing": missing})

    @app.post("/v1/blobs/uploads", status_code=201)
    async def upload_create(
        request: Request,
        upload_length: Annotated[int, Header(ge=0, lt=2**62)],
        upload_metadata: Annotated[str, Header(max_length=2000)],
    ) -> Response:
        """Create (or find again) the upload of one blob; tus-style offsets."""
        device = await authed(request)
        await read_body(request, 0)
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
        device = await authed(request)
        chunk = await read_body(request, 16 * 1024 * 1024)
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
        from pemdesk.sync.server.store import INLINE_MIMES

        mime = str(info["mime"] or "").lower()
        headers = {"x-blob-sha256": info["sha256"], "x-content-type-options": "nosniff",
                   "content-security-policy": "default-src 'none'; sandbox"}
        if mime not in INLINE_MIMES:
            # Never rendered by a browser: whatever a device uploaded, it comes as a file.
            mime = "application/octet-stream"
            headers["content-disposition"] = f'attachment; filename="{info["sha256"]}"'
        return FileResponse(store.blob_path(info["sha256"]), media_type=mime, headers=headers)

    @app.get("/v1/conflicts")
    async def conflicts(request: Request) -> Response:
        """Open conflicts (coordinators)."""
        device = await authed(request)
        if device.role != "coordinator":
            raise ProtocolError(ErrorCode.FORBIDDEN, "coordinators only")
        return await reply(request, {"conflicts": await run_in_threadpool(store.conflicts)})

    @app.get("/v1/receipts")
    async def receipts(request: Request) -> Response:
        """Countersigned receipts of the device's monitor's sealed visits (checked on arrival)."""
        from pemdesk.sync.server.seal_receipts import for_device

        device = await authed(request)
        return await reply(request, {"receipts": await run_in_threadpool(for_device, store, device)})

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

