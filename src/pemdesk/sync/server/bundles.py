"""USB bundles at the server: import a device's push bundle, write the ack (and pull) bundle.

Import runs the SAME ``ServerStore.apply_push`` as HTTP push (``via='bundle:<id>'``), so a bundle
imported twice — or an old cumulative bundle after a newer one — changes nothing. Every check
(signature by the enrolled, active device; made for THIS server; every hash; decryption) happens
before anything is applied. A revoked device's bundle is copied to ``quarantine/`` for review.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.signing import VerifyKey

from pemdesk.ids import utc_now
from pemdesk.sync import bundle as fmt
from pemdesk.sync.bundle import BlobSource, BundleError
from pemdesk.sync.protocol import MAX_BATCH_OPS, SCOPE_ALL, ErrorCode, ProtocolError, validate_op
from pemdesk.sync.server import seal_receipts
from pemdesk.sync.server.store import ServerStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS bundle_import (
    bundle_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, kind TEXT NOT NULL,
    first_seq BIGINT, last_seq BIGINT, high_water BIGINT NOT NULL, blobs BIGINT NOT NULL,
    imported_at TEXT NOT NULL, imports BIGINT NOT NULL DEFAULT 1)
"""
PULL_BUNDLE_LIMIT = 200_000


@dataclass
class ServerImport:
    bundle_id: str
    device_id: str
    ops: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    high_water: int
    blobs_added: int
    replay: bool
    receipts: list[dict[str, Any]] = field(default_factory=list)
    ack_path: Path | None = None
    pull_path: Path | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "device_id": self.device_id,
            "ops": self.ops,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "high_water": self.high_water,
            "blobs_added": self.blobs_added,
            "replay": self.replay,
            "receipts": len(self.receipts),
            "ack": str(self.ack_path) if self.ack_path else None,
            "pull": str(self.pull_path) if self.pull_path else None,
        }


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _ensure_schema(server: ServerStore) -> None:
    with server.db.transaction() as conn:
        server.db.execute(conn, SCHEMA)


def _refuse(mn: str, en: str, detail: str = "") -> BundleError:
    return BundleError(mn, en, detail=detail)


def _quarantine(server: ServerStore, path: Path, reason: str) -> Path:
    folder = server.data_dir / "quarantine"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{utc_now().replace(':', '')}-{reason}-{path.name}"
    shutil.copy2(path, target)
    return target


def import_push_bundle(
    server: ServerStore,
    path: Path | str,
    *,
    out_dir: Path | str | None = None,
    with_pull: bool = False,
    limits: fmt.Limits = fmt.DEFAULT_LIMITS,
) -> ServerImport:
    """Verify and apply a push bundle; write the ack bundle (and a pull bundle) to ``out_dir``."""
    path = Path(path)
    manifest, _manifest_bytes, _sig = fmt.read_manifest(path, limits)
    if manifest["kind"] != "push":
        raise _refuse(
            "Энэ нь төхөөрөмжөөс гаргасан багц биш (баталгаажуулах/татах багцыг зөөврийн "
            "компьютер дээр оруулна).",
            "This is not a bundle exported by a device (ack and pull bundles are imported on the "
            "laptop).",
            detail=f"kind {manifest['kind']}",
        )
    if manifest["target"].get("server_key") != server.public_key_hex:
        raise _refuse(
            "Энэ багц өөр серверт зориулагдсан; юу ч хэрэглээгүй.",
            "This bundle was made for another server; nothing was applied.",
            detail=f"target {manifest['target']}",
        )
    bundle_id = str(manifest["bundle_id"])
    if not _is_uuid(bundle_id):
        # The id names nothing on disk any more, but a bundle whose id is not a UUID was not
        # made by pemdesk: refuse it before anything else.
        raise fmt._damaged(f"bundle_id {bundle_id[:80]!r} is not a UUID")
    device_id = str(manifest["source"].get("device_id") or "")
    device = server.device(device_id)

    def signer_for(m: dict[str, Any]) -> VerifyKey:
        if device is None:
            raise _refuse(
                "Энэ багцыг бүртгэлгүй төхөөрөмж гаргасан; юу ч хэрэглээгүй.",
                "This bundle comes from a device this server does not know; nothing was applied.",
                detail=f"device {device_id}",
            )
        return fmt.verify_key_from_hex(device.pubkey)

    # Nothing on disk changes before the signature of the enrolled device is verified; then
    # the files are staged in a fresh folder of our own (mkdtemp), never one the bundle names.
    fmt._verify_signature(_manifest_bytes, _sig, signer_for(manifest))
    root = server.data_dir / "bundle-staging"
    root.mkdir(mode=0o700, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="import-", dir=root))
    try:
        opened = fmt.open_bundle(
            path,
            signer_for=signer_for,
            decrypt_key=server.signing_key,
            staging_dir=staging,
            limits=limits,
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        assert device is not None
        if device.status != "active":
            where = _quarantine(server, path, "revoked")
            raise _refuse(
                "Энэ төхөөрөмжийн эрхийг цуцалсан тул багцыг хэрэглээгүй; админ шалгахаар "
                "хадгаллаа.",
                "This device was revoked, so its bundle was not applied; it was kept for an "
                "administrator to review.",
                detail=str(where),
            )
        ops = [validate_op(r) for r in opened.records]
        seqs = [o["device_seq"] for o in ops]
        if seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
            raise fmt._damaged("ops are not a contiguous run")
        declared = opened.info.get("device_seq")
        if seqs and declared != [seqs[0], seqs[-1]]:
            raise fmt._damaged(f"manifest range {declared} != ops {seqs[0]}..{seqs[-1]}")
        return _apply(server, opened, device_id, ops, out_dir, with_pull)
    finally:
        opened.cleanup()
        shutil.rmtree(staging, ignore_errors=True)


def _apply(
    server: ServerStore,
    opened: fmt.OpenedBundle,
    device_id: str,
    ops: list[Any],
    out_dir: Path | str | None,
    with_pull: bool,
) -> ServerImport:
    bundle_id = str(opened.manifest["bundle_id"])
    _ensure_schema(server)
    with server.db.connection() as conn:
        seen = server.db.one(conn, "SELECT 1 FROM bundle_import WHERE bundle_id = ?", [bundle_id])
    results: list[dict[str, Any]] = []
    high_water = server.active_device(device_id).high_water
    try:
        for i in range(0, len(ops), MAX_BATCH_OPS):
            pushed = server.apply_push(
                device_id, list(ops[i : i + MAX_BATCH_OPS]), via=f"bundle:{bundle_id}"
            )
            results += pushed.results
            high_water = pushed.high_water
    except ProtocolError as exc:
        if exc.code == ErrorCode.SEQ_GAP:
            raise _refuse(
                f"Серверт энэ төхөөрөмжийн {exc.extra.get('expected')}-р өөрчлөлтөөс хойших "
                "дутуу байна: сүлжээгээр синк хийх, эсвэл зөөврийн компьютер дээр "
                f"`pemdesk bundle export --from-seq {exc.extra.get('expected')}` гэж шинэ багц "
                "гаргана уу.",
                f"The server lacks this device's changes from number {exc.extra.get('expected')}: "
                "sync over the network, or export a new bundle on the laptop with "
                f"`pemdesk bundle export --from-seq {exc.extra.get('expected')}`.",
                detail=str(exc),
            ) from exc
        if exc.code == ErrorCode.DEVICE_SEQ_REUSED:
            raise _refuse(
                "Энэ төхөөрөмжийн өгөгдлийг хуулбарласан эсвэл сэргээсэн байна; шинэ төхөөрөмжөөр "
                "бүртгүүлнэ үү.",
                "This device's data was copied or restored from a backup; enrol it again as a "
                "new device.",
                detail=str(exc),
            ) from exc
        raise
    added = 0
    described = {
        str(b.get("sha256")): b for b in opened.info.get("blobs") or [] if isinstance(b, dict)
    }
    for sha in opened.blobs:
        kind, mime, derived_from = _blob_meta(described.get(sha) or {})
        if server.add_blob(sha, opened.blob_path(sha), kind, mime, derived_from, device_id):
            added += 1
    made = seal_receipts.check_seals(server, via=f"bundle:{bundle_id}")
    seqs = [o["device_seq"] for o in ops]
    with server.db.transaction() as conn:
        if seen:
            server.db.execute(
                conn,
                "UPDATE bundle_import SET imports = imports + 1 WHERE bundle_id = ?",
                [bundle_id],
            )
        else:
            server.db.execute(
                conn,
                "INSERT INTO bundle_import (bundle_id, device_id, kind, first_seq, last_seq, "
                "high_water, blobs, imported_at) VALUES (?, ?, 'push', ?, ?, ?, ?, ?)",
                [bundle_id, device_id, seqs[0] if seqs else None, seqs[-1] if seqs else None,
                 high_water, len(opened.blobs), utc_now()],
            )  # fmt: skip
    status = [r.get("status") for r in results]
    report = ServerImport(
        bundle_id=bundle_id,
        device_id=device_id,
        ops=len(ops),
        applied=sum(1 for r in results if r.get("status") == "applied" and not r.get("duplicate")),
        duplicates=sum(1 for r in results if r.get("duplicate")),
        conflicts=status.count("conflict"),
        rejected=status.count("rejected"),
        high_water=high_water,
        blobs_added=added,
        replay=bool(seen),
        receipts=made,
    )
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        present = [sha for sha in opened.blobs if server.blob_info(sha) is not None]
        report.ack_path = write_ack_bundle(
            server, device_id, out, bundle_id, high_water, results, present
        )
        if with_pull:
            after = opened.info.get("pull_after")
            report.pull_path = write_pull_bundle(server, device_id, out, after)
    return report


def _blob_meta(meta: dict[str, Any]) -> tuple[str, str, str | None]:
    """Kind, MIME type and original of a carried file, as far as they are well-formed."""
    kind = meta.get("kind") if meta.get("kind") in ("original", "preview", "thumb") else "original"
    mime = str(meta.get("mime") or "")[:80]
    derived = meta.get("derived_from")
    ok = (
        isinstance(derived, str)
        and len(derived) == 64
        and all(c in "0123456789abcdef" for c in derived)
    )
    return str(kind), mime, derived if ok and kind != "original" else None


def _device_key(server: ServerStore, device_id: str) -> VerifyKey:
    device = server.active_device(device_id)
    return fmt.verify_key_from_hex(device.pubkey)


def write_ack_bundle(
    server: ServerStore,
    device_id: str,
    out_dir: Path,
    acks_bundle: str,
    high_water: int,
    results: list[dict[str, Any]],
    blobs_present: list[str] | None = None,
) -> Path:
    """The device's acknowledgement: per-op results, its high water, the photo files the server
    now holds, and its seal receipts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    device = server.active_device(device_id)
    records: list[dict[str, Any]] = [
        {"type": "ack", "high_water": high_water, "results": results,
         "server_epoch": server.epoch, "blobs_present": sorted(blobs_present or [])}
    ]  # fmt: skip
    records += [
        {"type": "receipt", "receipt": r}
        for r in seal_receipts.receipts_for_monitor(server, device.monitor_id)
    ]
    path = out_dir / fmt.bundle_filename("ack", device_id, 0, high_water)
    fmt.write_bundle(
        path,
        kind="ack",
        source={"server_key": server.public_key_hex, "server_epoch": server.epoch},
        target={"device_id": device_id},
        signing_key=server.signing_key,
        recipient=_device_key(server, device_id),
        records=records,
        info={"acks_bundle": acks_bundle, "high_water": high_water},
    )
    return path


PULL_PHOTO_BUDGET = 200 * 1024 * 1024


def _photo_variants(
    server: ServerStore, changes: list[dict[str, Any]], budget: int
) -> list[tuple[BlobSource, dict[str, Any]]]:
    """Thumbnails, then previews, of the photos in ``changes`` (never originals), within budget."""
    originals = sorted(
        {str(c["data"].get("sha256")) for c in changes
         if c.get("entity") == "photo" and not c.get("deleted")
         and isinstance(c.get("data"), dict) and c["data"].get("sha256")}
    )  # fmt: skip
    out: list[tuple[BlobSource, dict[str, Any]]] = []
    total = 0
    for variant in ("thumb", "preview"):
        for original in originals:
            info = server.blob_info(original, variant)
            if info is None or total + int(info["size"]) > budget:
                continue
            path = server.blob_path(info["sha256"])
            if not path.is_file():
                continue
            total += int(info["size"])
            meta = {"sha256": info["sha256"], "kind": variant, "mime": info["mime"] or "",
                    "derived_from": original}  # fmt: skip
            out.append((BlobSource(info["sha256"], path), meta))
    return out


def write_pull_bundle(
    server: ServerStore,
    device_id: str,
    out_dir: Path,
    pull_after: Any = None,
    photo_budget: int = PULL_PHOTO_BUDGET,
) -> Path:
    """Every change after the device's cursor (as its push bundle reported it), in order, with
    the thumbnails and previews of the photos among them (within ``photo_budget`` bytes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    after = 0
    if isinstance(pull_after, dict) and pull_after.get("epoch") == server.epoch:
        with contextlib.suppress(TypeError, ValueError):
            after = max(0, int(pull_after.get("seq") or 0))
    changes: list[dict[str, Any]] = []
    cursor = after
    device = server.device(device_id)
    reader = (device.monitor_id, device.role) if device is not None else ("", "monitor")
    while len(changes) < PULL_BUNDLE_LIMIT:
        page = server.changes_since(SCOPE_ALL, cursor, 5000, reader[1] == "coordinator",
                                    reader=reader)
        changes += [dict(c) for c in page.changes]
        cursor = page.next_after
        if not page.has_more:
            break
    variants = _photo_variants(server, changes, photo_budget)
    path = out_dir / fmt.bundle_filename("pull", device_id, after, cursor)
    fmt.write_bundle(
        path,
        kind="pull",
        source={"server_key": server.public_key_hex, "server_epoch": server.epoch},
        target={"device_id": device_id},
        signing_key=server.signing_key,
        recipient=_device_key(server, device_id),
        records=changes,
        blobs=[source for source, _meta in variants],
        info={
            "blobs": [meta for _source, meta in variants],
            "scope": SCOPE_ALL,
            "epoch": server.epoch,
            "after": after,
            "upto": cursor,
            "requires_cursor_at_least": after,
        },
    )
    return path
