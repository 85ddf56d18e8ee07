"""Protocol v1, shared by the client, the server and USB bundles (docs/sync-protocol.md).

Everything both ends must agree on lives here and nowhere else: canonical JSON, body encoding,
the op envelope and its validation, the change record, request signatures, error codes, the
per-entity conflict policy and the schema upcasters. No I/O, no database, no Qt.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypedDict

import zstandard

from pemdesk.canonical import canonical_json  # noqa: F401  (one definition)
from pemdesk.sync.schema import REGISTRY as ENTITY_RULES  # noqa: F401  (compat name)
from pemdesk.sync.schema import Entity, Policy  # noqa: F401
from pemdesk.sync.schema import entity as schema_entity

PROTOCOL_VERSION = 1
# The only pull scope in v1: every record the server holds (see docs/sync-protocol.md).
SCOPE_ALL = "all"
# Ops of these schema versions are understood (older ones are upcast, never refused).
MIN_SCHEMA = 1
MAX_SCHEMA = 2
MAX_BATCH_OPS = 5000
MAX_PAGE = 5000
MAX_BODY_BYTES = 64 * 1024 * 1024
CHUNK_MIN = 64 * 1024
CHUNK_MAX = 512 * 1024

OP_KINDS = frozenset({"create", "patch", "delete", "undelete", "resolve", "skip"})
# Columns that describe sync state, never data.
SYNC_STATE_COLUMNS = frozenset({"_version", "_deleted", "_conflict"})

# Request signature headers (Ed25519 over signing_message()).
H_DEVICE = "x-pem-device"
H_TIME = "x-pem-time"
H_NONCE = "x-pem-nonce"
H_SIG = "x-pem-signature"
H_SERVER_SIG = "x-pem-server-signature"  # the server's Ed25519 signature of its answer
H_DIGEST = "content-digest"  # RFC 9530: sha-256=:<base64>: of the body bytes as sent
# Every header that changes what a request means is signed (a relay cannot swap them).
SIGNED_HEADERS = ("content-digest", "content-encoding", "content-type", "upload-length",
                  "upload-metadata", "upload-offset", "upload-checksum")
# Short: a captured request is useless minutes later. Laptops with a wrong clock learn the
# server's time (``server_now`` in /v1/info, hello and the ``clock_skew`` refusal) and sign with it.
SIGNATURE_WINDOW_S = 10 * 60
# Body limits: compressed as received, decompressed, JSON nesting.
MAX_COMPRESSED_BYTES = 16 * 1024 * 1024
MAX_PUSH_BYTES = 16 * 1024 * 1024
MAX_SMALL_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"  # missing/invalid signature, unknown device
    DEVICE_REVOKED = "device_revoked"
    BAD_CODE = "bad_enrolment_code"
    DEVICE_SEQ_REUSED = "device_seq_reused"  # a cloned laptop or a restored database
    SEQ_GAP = "seq_gap"  # body carries ``expected``
    TOO_LARGE = "too_large"
    NOT_FOUND = "not_found"
    OFFSET_MISMATCH = "offset_mismatch"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    SCHEMA_TOO_OLD = "schema_too_old"
    FORBIDDEN = "forbidden"
    CLOCK_SKEW = "clock_skew"  # body carries ``server_now``: sign again with the server's time
    QUOTA_EXCEEDED = "quota_exceeded"


# HTTP status of each error code.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.DEVICE_REVOKED: 403,
    ErrorCode.BAD_CODE: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.DEVICE_SEQ_REUSED: 409,
    ErrorCode.SEQ_GAP: 409,
    ErrorCode.OFFSET_MISMATCH: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CHECKSUM_MISMATCH: 460,
    ErrorCode.SCHEMA_TOO_OLD: 426,
    ErrorCode.CLOCK_SKEW: 401,
    ErrorCode.QUOTA_EXCEEDED: 413,
}


class ProtocolError(Exception):
    """A refusal with a machine-readable code; the same on HTTP and in bundles."""

    def __init__(self, code: ErrorCode, message: str = "", **extra: Any) -> None:
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code
        self.text = message
        self.extra = extra

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def body(self) -> dict[str, Any]:
        return {"error": str(self.code), "message": self.text, **self.extra}


# --- canonical JSON and bodies ---------------------------------------------------------------
def encode_body(value: Any, encoding: str = "zstd", level: int = 3) -> bytes:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return compress(raw, encoding, level)


def compress(raw: bytes, encoding: str, level: int = 3) -> bytes:
    if encoding == "zstd":
        return zstandard.ZstdCompressor(level=level).compress(raw)
    if encoding == "gzip":
        return gzip.compress(raw, compresslevel=6)
    if encoding in ("", "identity"):
        return raw
    raise ProtocolError(ErrorCode.BAD_REQUEST, f"unknown content encoding {encoding!r}")


def decompress(raw: bytes, encoding: str | None, limit: int = MAX_BODY_BYTES) -> bytes:
    """Undo ``Content-Encoding``, refusing anything that inflates beyond ``limit`` (zip bombs)."""
    encoding = (encoding or "").strip().lower()
    try:
        if encoding == "zstd":
            out = _read_capped(zstandard.ZstdDecompressor().stream_reader(raw), limit)
        elif encoding == "gzip":
            out = _read_capped(gzip.GzipFile(fileobj=io.BytesIO(raw)), limit)
        elif encoding in ("", "identity"):
            out = raw
        else:
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"unknown content encoding {encoding!r}")
    except (zstandard.ZstdError, OSError, EOFError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"damaged {encoding} body") from exc
    if len(out) > limit:
        raise ProtocolError(ErrorCode.TOO_LARGE, "body too large")
    return out


def _read_capped(reader: Any, limit: int) -> bytes:
    """Read a stream to its end in 1 MiB steps (a read(limit) would allocate ``limit`` bytes);
    TOO_LARGE as soon as it passes ``limit``."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = reader.read(1 << 20)
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:  # refused before joining: a bomb never costs twice the limit
        raise ProtocolError(ErrorCode.TOO_LARGE, "body too large")
    return b"".join(parts)


def decode_body(raw: bytes, encoding: str | None, limit: int = MAX_BODY_BYTES) -> Any:
    return parse_json(decompress(raw, encoding, limit))


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``value`` (parsed JSON) nests lists and objects, counting no further than
    ``limit + 1`` (an iterative walk: no recursion, stops early)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return deepest


def parse_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON from a body: 400 if malformed or nested deeper than ``max_depth`` (never a 500)."""
    if not data:
        return {}
    try:
        value = json.loads(data)  # the C parser stops at the recursion limit: RecursionError
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "body is not JSON") from exc
    if json_depth(value, max_depth) > max_depth:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"JSON nested deeper than {max_depth}")
    return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "bad base64") from exc


# --- request signatures ----------------------------------------------------------------------
def content_digest(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` value of ``body`` (as sent, i.e. still compressed)."""
    return f"sha-256=:{b64(hashlib.sha256(body).digest())}:"


def signing_message_v2(device_id: str, method: str, path: str, timestamp: str, nonce: str,
                       headers: Mapping[str, str]) -> bytes:
    """What a device signs: who, method, path with query, time, nonce and every header that
    changes meaning (``SIGNED_HEADERS``, Content-Digest among them, so the body too). The server
    checks it from the headers alone, before it reads a byte of the body."""
    lines = ["PEMSYNC-REQ-2", device_id, method.upper(), path, timestamp, nonce]
    lines += [f"{name}: {headers.get(name, '')}" for name in SIGNED_HEADERS]
    return "\n".join(lines).encode()


def response_signing_message(nonce: str, status: int, body: bytes) -> bytes:
    """What the server signs in its answer to the request with ``nonce`` (``body`` decoded)."""
    return f"PEMSYNC-RESP-1\n{nonce}\n{status}\n{hashlib.sha256(body).hexdigest()}".encode()


def verify_response(server_key_hex: str, nonce: str, status: int, body: bytes,
                    signature_hex: str | None) -> bool:
    """True if the server (the pinned key) signed this answer to this request."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(bytes.fromhex(server_key_hex)).verify(
            response_signing_message(nonce, status, body), bytes.fromhex(signature_hex or ""))
        return True
    except (BadSignatureError, ValueError, TypeError):
        return False


def signing_message(method: str, path: str, body: bytes, timestamp: str, nonce: str) -> bytes:
    """What a device signs: method, path with query, body hash, time and a nonce."""
    digest = hashlib.sha256(body).hexdigest()
    return f"PEMSYNC-REQ-1\n{method.upper()}\n{path}\n{digest}\n{timestamp}\n{nonce}".encode()


# --- ops and changes -------------------------------------------------------------------------
class Op(TypedDict):
    """One outbox entry on the wire (a row of the client's ``sync_outbox``)."""

    device_seq: int
    op_id: str
    entity: str
    entity_id: str
    op: str
    fields: dict[str, Any]
    base_version: int
    hlc: str
    schema_version: int


class Change(TypedDict, total=False):
    """One record in a pull page: the record's latest state at ``server_seq``."""

    entity: str
    id: str
    version: int
    server_seq: int
    deleted: bool
    data: dict[str, Any]
    conflict: bool
    conflicts: list[dict[str, Any]]
    hlc: str


_ENTITY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


def validate_op(raw: Any) -> Op:
    """Check one op's shape (not its meaning); ProtocolError(bad_request) if malformed."""
    if not isinstance(raw, Mapping):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "op must be an object")
    try:
        op: Op = {
            "device_seq": raw["device_seq"],
            "op_id": raw["op_id"],
            "entity": raw.get("entity") or "",
            "entity_id": raw.get("entity_id") or "",
            "op": raw["op"],
            "fields": raw.get("fields") or {},
            "base_version": raw.get("base_version") or 0,
            "hlc": raw.get("hlc") or "",
            "schema_version": raw.get("schema_version") or 1,
        }
    except KeyError as exc:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"op lacks {exc}") from exc
    ok = (
        _is_int(op["device_seq"]) and op["device_seq"] >= 1
        and isinstance(op["op_id"], str) and 0 < len(op["op_id"]) <= 64
        and isinstance(op["entity"], str) and len(op["entity"]) <= 64
        and set(op["entity"]) <= _ENTITY_CHARS
        and isinstance(op["entity_id"], str) and len(op["entity_id"]) <= 64
        and op["op"] in OP_KINDS
        and isinstance(op["fields"], dict)
        and _is_int(op["base_version"]) and op["base_version"] >= 0
        and isinstance(op["hlc"], str) and len(op["hlc"]) <= 64
        and _is_int(op["schema_version"]) and op["schema_version"] >= 1
    )
    if ok and op["op"] != "skip":
        ok = bool(op["entity"]) and bool(op["entity_id"])
    if not ok:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "malformed op", device_seq=raw.get("device_seq"))
    return op


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value < 2**62


def skip_op(device_seq: int, op_id: str) -> Op:
    """A placeholder keeping the device sequence dense for a local-only op (demo data)."""
    return Op(device_seq=device_seq, op_id=op_id, entity="", entity_id="", op="skip", fields={},
              base_version=0, hlc="", schema_version=1)


# --- conflict policy: lives with the typed schema (pemdesk.sync.schema) ------------------------
def rule_for(entity: str) -> Entity | None:
    """The entity's schema (policy, parent, merge groups); None for an entity nobody registered."""
    return schema_entity(entity)


def field_groups(entity: str, fields: list[str]) -> list[tuple[str, ...]]:
    """Partition ``fields`` into merge units: declared groups stay together, others alone."""
    units: list[tuple[str, ...]] = []
    seen: set[str] = set()
    ent = schema_entity(entity)
    for group in ent.groups if ent is not None else ():
        if any(f in fields for f in group):
            units.append(group)
            seen.update(group)
    units += [(f,) for f in sorted(fields) if f not in seen]
    return units


# --- schema upcasting ------------------------------------------------------------------------
# UPCASTERS[v] turns an op of schema v into schema v + 1. Old clients can always push.
Upcaster = Callable[[Op], Op]
UPCASTERS: dict[int, Upcaster] = {}


def upcast(op: Op, target: int = MAX_SCHEMA) -> Op:
    version = op["schema_version"]
    while version < target:
        step = UPCASTERS.get(version)
        if step is not None:
            op = step(op)
        version += 1
        op = {**op, "schema_version": version}
    return op
