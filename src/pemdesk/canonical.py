"""Canonical JSON: the one byte form of a value that is hashed or signed (seals, bundles, receipts,
the sync protocol). Sorted keys, no spaces, UTF-8, and no NaN or infinity (they are not JSON, and
two programs could print them differently)."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """The same value always gives the same bytes; ValueError for NaN or ±infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
