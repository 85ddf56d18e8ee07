"""USB bundles on the laptop: export a push bundle, import the server's ack and pull bundles.

The push bundle is cumulative: every op the server has not acknowledged (the same ops an HTTP
push would send, from ``sync_client.pending_ops``) plus photo files it has not confirmed, within a
size budget. Importing an ack runs the same ``mark_acked`` as an HTTP push reply; importing a pull
bundle runs the same ``pull_apply`` as an HTTP pull, with its cursor, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.signing import VerifyKey

from pemdesk.device_key import load_or_create
from pemdesk.errors import InvalidInput
from pemdesk.progress import Progress
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.storage.bundles import blobs_to_carry
from pemdesk.storage.receipts import store_receipts
from pemdesk.sync import bundle as fmt
from pemdesk.sync.bundle import BlobSource, BundleError
from pemdesk.sync.client import META_DEVICE, META_SERVER_KEY, NotEnrolled
from pemdesk.sync.protocol import SCOPE_ALL


@dataclass
class ExportReport:
    path: Path
    bundle_id: str
    ops: int
    first_seq: int | None
    last_seq: int | None
    blobs: int
    blob_bytes: int
    blobs_left_out: int
    size: int
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


@dataclass
class ImportReport:
    path: Path
    kind: str
    bundle_id: str
    acked: int = 0
    rejected: int = 0
    conflicts: int = 0
    high_water: int | None = None
    receipts: int = 0
    blobs_confirmed: int = 0
    pulled: int = 0
    already_had: bool = False
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def _enrolment(store: Store) -> tuple[str, VerifyKey]:
    device_id, server_key = store.meta(META_DEVICE), store.meta(META_SERVER_KEY)
    if not device_id or not server_key:
        raise NotEnrolled()
    return device_id, fmt.verify_key_from_hex(server_key)


def default_name(store: Store) -> str:
    device_id, _key = _enrolment(store)
    ops = sc.pending_ops(store, limit=None)
    first = ops[0]["device_seq"] if ops else sc.high_water(store)
    last = ops[-1]["device_seq"] if ops else sc.high_water(store)
    return fmt.bundle_filename("push", device_id, first, last)


def export_push_bundle(
    store: Store,
    out: Path | str,
    *,
    photos: bool = True,
    photo_budget_bytes: int | None = None,
    progress: Progress | None = None,
    from_seq: int | None = None,
) -> ExportReport:
    """Write a signed push bundle, encrypted to the pinned server key, and verify it on disk.

    ``out`` is a file, or a folder to put a conventionally named file in. ``from_seq`` starts the
    bundle at that change number instead of after the last one the server confirmed (the server
    asks for it when it lost changes, e.g. after being restored from a backup).
    """
    device_id, server_key = _enrolment(store)
    progress = progress or Progress()
    after = None if from_seq is None else max(0, from_seq - 1)
    ops = sc.pending_ops(store, limit=None, after=after)
    out = Path(out)
    if out.is_dir():
        out = out / default_name(store)
    if out.exists():
        raise InvalidInput(
            f"Файл аль хэдийн байна: {out}", f"The file already exists: {out}", detail=str(out)
        )
    # One file must stay readable on FAT32 sticks and under the reader's limit: the photos that do
    # not fit wait for the next bundle (it is cumulative).
    ceiling = fmt.DEFAULT_LIMITS.max_file_bytes - 64 * 1024 * 1024
    budget = ceiling if photo_budget_bytes is None else min(photo_budget_bytes, ceiling)
    carry = blobs_to_carry(store, budget) if photos else []
    carry = [b for b in carry if int(b["size"]) <= fmt.DEFAULT_LIMITS.max_blob_bytes]
    all_blobs = blobs_to_carry(store) if photos else []
    total_bytes = sum(int(b["size"]) for b in carry)
    _set(progress, records_total=len(ops), photos_total=len(carry), bytes_total=total_bytes)
    progress.update(label="bundle", total=len(carry))
    epoch, seq = sc.cursor(store)
    first = ops[0]["device_seq"] if ops else None
    last = ops[-1]["device_seq"] if ops else None
    manifest = fmt.write_bundle(
        out,
        kind="push",
        source={"device_id": device_id},
        target={"server_key": fmt.key_hex(server_key)},
        signing_key=load_or_create(store.data_dir).signing_key,
        recipient=server_key,
        records=ops,
        blobs=[BlobSource(b["sha256"], b["file"]) for b in carry],
        info={
            "device_seq": [first, last] if ops else None,
            "requires_server_high_water_at_most": (first - 1) if first else None,
            "pull_after": {"scope": SCOPE_ALL, "epoch": epoch, "seq": seq},
            # What each photo file is, so the server files thumbnails and previews as such.
            "blobs": [
                {
                    "sha256": b["sha256"],
                    "kind": b["kind"],
                    "mime": b.get("mime") or "",
                    "derived_from": b.get("derived_from"),
                }
                for b in carry
            ],
        },  # fmt: skip
        check=progress.check,
    )
    if ops:
        sc.mark_sent(store, [o["device_seq"] for o in ops])
    _set(progress, records_done=len(ops), photos_done=len(carry), bytes_done=total_bytes)
    return ExportReport(
        path=out,
        bundle_id=str(manifest["bundle_id"]),
        ops=len(ops),
        first_seq=first,
        last_seq=last,
        blobs=len(carry),
        blob_bytes=total_bytes,
        blobs_left_out=len(all_blobs) - len(carry),
        size=out.stat().st_size,
        verified=True,
    )


def _set(progress: Progress, **values: int) -> None:
    for name, value in values.items():
        if hasattr(progress, name):
            setattr(progress, name, value)


def import_bundle(store: Store, path: Path | str, progress: Progress | None = None) -> ImportReport:
    """Verify an ack or pull bundle from the pinned server and apply it (idempotent)."""
    path = Path(path)
    device_id, server_key = _enrolment(store)
    progress = progress or Progress()
    progress.update(label="bundle")
    manifest, _bytes, _sig = fmt.read_manifest(path)
    if manifest["kind"] == "push":
        raise BundleError(
            "Энэ нь төхөөрөмжөөс гаргасан багц; үүнийг сервер дээр оруулна "
            "(pemdesk-server bundle import).",
            "This bundle was exported by a device; import it on the server "
            "(pemdesk-server bundle import).",
            detail=f"kind {manifest['kind']}",
        )
    if manifest["target"].get("device_id") != device_id:
        raise BundleError(
            "Энэ багц өөр төхөөрөмжид зориулагдсан; юу ч хэрэглээгүй.",
            "This bundle is meant for another device; nothing was applied.",
            detail=f"target {manifest['target']}",
        )
    if manifest["source"].get("server_key") != fmt.key_hex(server_key):
        raise BundleError(
            "Энэ багцыг манай сервер гаргаагүй; юу ч хэрэглээгүй.",
            "This bundle does not come from this device's server; nothing was applied.",
            detail=f"source {manifest['source']}",
        )
    opened = fmt.open_bundle(
        path,
        signer_for=lambda m: server_key,
        decrypt_key=load_or_create(store.data_dir).signing_key,
    )
    with opened:
        report = ImportReport(path, opened.kind, str(opened.manifest["bundle_id"]))
        if opened.kind == "ack":
            _apply_ack(store, opened, report, fmt.key_hex(server_key))
        else:
            _apply_pull(store, opened, report)
    return report


def _apply_ack(store: Store, opened: fmt.OpenedBundle, report: ImportReport, key: str) -> None:
    acks = [r for r in opened.records if r.get("type") == "ack"]
    if len(acks) != 1:
        raise fmt._damaged("an ack bundle must hold one ack")
    ack = acks[0]
    epoch, _seq = sc.cursor(store)
    if epoch and ack.get("server_epoch") not in (None, epoch):
        report.messages.append("server epoch changed")
    results = [r for r in ack.get("results") or [] if isinstance(r, dict)]
    high_water = int(ack.get("high_water") or 0)
    current = sc.high_water(store)
    # An older ack imported after a newer one must not move the high water back.
    sc.mark_acked(store, results, max(high_water, current))
    report.high_water = max(high_water, current)
    report.acked = sum(1 for r in results if r.get("status") != "rejected")
    report.rejected = sum(1 for r in results if r.get("status") == "rejected")
    report.conflicts = sum(1 for r in results if r.get("status") == "conflict")
    present = [str(s) for s in ack.get("blobs_present") or []]
    if present:
        sc.set_upload_state(store, present, "present")
        report.blobs_confirmed = len(present)
    receipts = [r["receipt"] for r in opened.records if r.get("type") == "receipt"]
    report.receipts = store_receipts(store, receipts, key)


def _apply_pull(store: Store, opened: fmt.OpenedBundle, report: ImportReport) -> None:
    info = opened.info
    epoch = str(info.get("epoch") or "")
    after, upto = int(info.get("after") or 0), int(info.get("upto") or 0)
    my_epoch, my_seq = sc.cursor(store)
    same_epoch = my_epoch == epoch
    if same_epoch and upto <= my_seq:
        report.already_had = True  # an old or replayed pull bundle: nothing new in it
        return
    have = my_seq if same_epoch else 0
    if after > have:
        raise BundleError(
            f"Энэ татах багц {after}-р өөрчлөлтөөс эхэлдэг, энэ төхөөрөмж {have} хүртэл авсан: "
            "өмнөх багцыг эхэлж оруулах эсвэл сүлжээгээр синк хийнэ үү.",
            f"This pull bundle starts after change {after}, but this device has changes only up "
            f"to {have}: import the earlier bundle first, or sync over the network.",
            detail=f"requires_cursor_at_least {after}, cursor {my_epoch}:{my_seq}",
        )
    changes = [c for c in opened.records if isinstance(c, dict) and "entity" in c and "id" in c]
    sc.pull_apply(store, changes, epoch=epoch, next_after=upto)
    report.pulled = len(changes)
    report.blobs_confirmed = _keep_photo_variants(store, opened)


def _keep_photo_variants(store: Store, opened: fmt.OpenedBundle) -> int:
    """Other monitors' thumbnails and previews that came with a pull bundle, into the photo
    store (their hashes were verified while the bundle was opened)."""
    import shutil

    from pemdesk.photos.files import PhotoFiles

    files = PhotoFiles(store.data_dir)
    kept = 0
    for meta in opened.info.get("blobs") or []:
        if not isinstance(meta, dict) or meta.get("sha256") not in opened.blobs:
            continue
        kind, original = meta.get("kind"), str(meta.get("derived_from") or "")
        if kind not in ("thumb", "preview") or len(original) != 64:
            continue
        target = files.thumb_path(original) if kind == "thumb" else files.preview_path(original)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            shutil.copyfile(opened.blob_path(str(meta["sha256"])), partial)
            partial.replace(target)
        size = target.stat().st_size
        sc.register_download(store, str(meta["sha256"]), size, files.relative(target), kind,
                             original)  # fmt: skip
        kept += 1
    return kept
