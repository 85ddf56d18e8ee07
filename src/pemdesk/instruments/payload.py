"""A batch of readings as one compact, deterministic text (what one sync op carries).

Layout before compression: a JSON header line (format, series: indicator, count) then for each
series the times as int64 deltas, the values as float64 and the flags as uint8, little-endian.
zstd then base64. The same readings always give the same text, so the batch id derived from it
makes a re-import of the same file (on any laptop) the same record — deduplicated by the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import numpy as np
import zstandard

from pemdesk.instruments.model import FloatArray, IntArray

FORMAT = "pemdesk-readings-1"
MAX_PER_BATCH = 200_000


def encode(series: list[tuple[str, IntArray, FloatArray, IntArray]]) -> str:
    header = {"format": FORMAT, "series": [[code, int(t.shape[0])] for code, t, _v, _f in series]}
    parts = [json.dumps(header, separators=(",", ":")).encode() + b"\n"]
    for _code, t, v, f in series:
        deltas = np.diff(t.astype("<i8"), prepend=np.int64(0)).astype("<i8")
        parts += [deltas.tobytes(), v.astype("<f8").tobytes(), f.astype("u1").tobytes()]
    raw = b"".join(parts)
    return base64.b64encode(zstandard.ZstdCompressor(level=3).compress(raw)).decode()


def decode(text: str) -> list[tuple[str, IntArray, FloatArray, IntArray]]:
    raw = zstandard.ZstdDecompressor().decompress(base64.b64decode(text),
                                                  max_output_size=512 * 1024 * 1024)
    line_end = raw.index(b"\n")
    header = json.loads(raw[:line_end])
    if header.get("format") != FORMAT:
        raise ValueError(f"unknown readings payload {header.get('format')!r}")
    pos = line_end + 1
    out = []
    for code, n in header["series"]:
        t = np.cumsum(np.frombuffer(raw, "<i8", n, pos)).astype(np.int64)
        pos += 8 * n
        v = np.frombuffer(raw, "<f8", n, pos).astype(np.float64)
        pos += 8 * n
        f = np.frombuffer(raw, "u1", n, pos).astype(np.int64)
        pos += n
        out.append((str(code), t, v, f))
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def batch_id(deployment_id: str, payload_sha: str) -> str:
    """The same readings of the same deployment give the same id on every laptop."""
    digest = hashlib.sha256(f"{deployment_id}\n{payload_sha}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))  # name-based, like uuid5
