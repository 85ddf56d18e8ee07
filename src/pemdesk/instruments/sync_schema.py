"""The sync schema of instruments, deployments and reading batches (``pemdesk.sync.schema``).

Instruments and deployments are shared records (merged by field); a visit's link to the
deployments it serviced belongs to the visit; a reading batch is written once and never patched
(its id is derived from its content, so the same import from two laptops is one record).
"""

from __future__ import annotations

import json
from typing import Any

from pemdesk.instruments.corrections import COLOCATION, EPA2021
from pemdesk.sync.schema import Entity, F, Invalid, Policy, register

NOTES = F.text(max_len=20_000)
ACTIONS = frozenset({"installed", "serviced", "downloaded", "removed"})


def _deployment_rules(data: dict[str, Any]) -> None:
    try:
        names = json.loads(data.get("corrections") or "[]")
    except ValueError as exc:
        raise Invalid("not_json:corrections") from exc
    if not isinstance(names, list) or any(n not in (EPA2021, COLOCATION) for n in names):
        raise Invalid("not_allowed:corrections")
    start, end = data.get("started_at"), data.get("ended_at")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        raise Invalid("ends_before_start:ended_at")


def _batch_rules(data: dict[str, Any]) -> None:
    import hashlib

    text = data.get("payload")
    if isinstance(text, str) and hashlib.sha256(text.encode()).hexdigest() != data.get(
            "payload_sha256"):
        raise Invalid("checksum_mismatch:payload")


register(Entity("instrument", policy=Policy.SHARED, fields={
    "make": F.text(max_len=200), "model": F.text(max_len=200),
    "serial": F.text(required=True, max_len=200), "owner": F.text(max_len=500),
    "kind": F.text(max_len=100), "calibrated_on": F.date(), "calibration_due": F.date(),
    "factor": F.real(min=0.01, max=100), "offset": F.real(min=-10_000, max=10_000),
    "notes": NOTES,
}))
register(Entity("deployment", policy=Policy.SHARED, groups=(("lon", "lat"),),
                extra_check=_deployment_rules, fields={
    "instrument_id": F.ref("instrument", required=True),
    "site_id": F.ref("site", required=True), "name": F.text(max_len=500),
    "lon": F.real(min=-180, max=180), "lat": F.real(min=-90, max=90),
    "height_m": F.real(min=-100, max=1000), "depth_m": F.real(min=-100, max=10_000),
    "started_at": F.time(required=True), "ended_at": F.time(),
    "tz": F.text(required=True, max_len=64), "corrections": F.text(max_len=1000),
    "notes": NOTES,
}))
register(Entity("visit_deployment", parent=("visit_id", "visit"), locked_by_visit="visit_id",
                fields={
    "visit_id": F.ref("visit", required=True), "deployment_id": F.ref("deployment", required=True),
    "action": F.enum(ACTIONS, required=True), "note": F.text(max_len=5000),
}))
register(Entity("reading_batch", create_only=True, extra_check=_batch_rules, fields={
    "deployment_id": F.ref("deployment", required=True, write_once=True),
    "source_name": F.text(max_len=1000), "source_sha256": F.text(max_len=64),
    "format": F.text(max_len=100), "tz": F.text(max_len=64),
    "indicators": F.text(max_len=5000),
    "count": F.integer(required=True, min=0, max=10_000_000),
    "flagged": F.integer(min=0, max=10_000_000),
    "first_at": F.time(), "last_at": F.time(),
    "payload": F.text(required=True, max_len=8_000_000),
    "payload_sha256": F.sha256(required=True, write_once=True),
}))
