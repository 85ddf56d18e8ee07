"""The USB sync bundle: a signed (and encrypted) ZIP64 file that carries sync traffic by hand.

This module is the container format only — it knows nothing of stores or servers, so the laptop
(``bundle_client``) and the server (``server/bundles``) share it. See ``docs/sync-bundles.md``.

Layout (every entry ZIP_STORED; the ops are zstd-compressed before, ciphertext does not compress):

    ops/000001.jsonl.zst   JSON lines (first line: a header naming the bundle), ≤ 8 MiB plain
    blobs/<sha256>         photo bytes (plain or sealed)
    manifest.json          canonical JSON: kind, source, target, ranges, entries [{path,size,sha256}]
    manifest.sig           Ed25519 over b"PEMSYNC-BUNDLE-1\\n" + sha256(manifest.json)

Entries are encrypted one by one to the recipient's key (X25519 sealed box, the curve form of its
Ed25519 key); the manifest hashes the *stored* bytes, so anyone can check a copy is intact, and only
the recipient can read it. Reading verifies everything — names, sizes, signature, every hash, every
decryption, every JSON line — before returning anything, so a caller that applies only what
``open_bundle`` returned never applies part of a damaged bundle.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard
from nacl.exceptions import CryptoError
from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

from pemdesk import __version__
from pemdesk.canonical import canonical_json  # noqa: F401  (one definition)
from pemdesk.durable import fsync_dir
from pemdesk.errors import PemdeskError
from pemdesk.ids import new_id, utc_now

FORMAT = 1
SIGNATURE_CONTEXT = b"PEMSYNC-BUNDLE-1\n"
SUFFIX = ".pemsync"
KINDS = ("push", "ack", "pull")
ENCRYPTION = "x25519-sealedbox"
PART_PLAIN_BYTES = 8 * 1024 * 1024
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed: the bundle's time is in the signed manifest instead

_OPS_NAME = re.compile(r"ops/[0-9]{6}\.jsonl\.zst")
_BLOB_NAME = re.compile(r"blobs/[0-9a-f]{64}")
_SHA = re.compile(r"[0-9a-f]{64}")


class BundleError(PemdeskError):
    """A bundle that cannot be used; nothing of it was applied."""


@dataclass(frozen=True)
class Limits:
    """Ceilings that keep a hostile or broken file from exhausting memory or disk."""

    max_file_bytes: int = 3_584 * 1024 * 1024  # one FAT32 file, with margin
    max_entries: int = 200_000
    max_manifest_bytes: int = 32 * 1024 * 1024
    max_part_plain_bytes: int = PART_PLAIN_BYTES + 1024 * 1024
    max_blob_bytes: int = 256 * 1024 * 1024
    max_records: int = 5_000_000


DEFAULT_LIMITS = Limits()


@dataclass
class BlobSource:
    """A blob to put in a bundle: its SHA-256 and where its bytes are."""

    sha256: str
    path: Path


@dataclass
class OpenedBundle:
    """A bundle that passed every check; ``records`` and the staged blobs are safe to apply."""

    path: Path
    manifest: dict[str, Any]
    records: list[dict[str, Any]]
    blob_dir: Path | None = None
    blobs: list[str] = field(default_factory=list)
    _owns_blob_dir: bool = False

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def info(self) -> dict[str, Any]:
        return dict(self.manifest.get("info") or {})

    def blob_path(self, sha256: str) -> Path:
        if self.blob_dir is None or sha256 not in self.blobs:
            raise KeyError(sha256)
        return self.blob_dir / sha256

    def cleanup(self) -> None:
        if self._owns_blob_dir and self.blob_dir is not None:
            shutil.rmtree(self.blob_dir, ignore_errors=True)
            self.blob_dir = None

    def __enter__(self) -> OpenedBundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


# --- keys -------------------------------------------------------------------------------------
def key_hex(key: VerifyKey) -> str:
    return bytes(key).hex()


def verify_key_from_hex(text: str) -> VerifyKey:
    try:
        raw = bytes.fromhex(text)
        if len(raw) != 32:
            raise ValueError("not 32 bytes")
        return VerifyKey(raw)
    except (ValueError, TypeError) as exc:
        raise _damaged(f"bad public key {text!r}: {exc}") from exc


def _signed_message(manifest_bytes: bytes) -> bytes:
    return SIGNATURE_CONTEXT + hashlib.sha256(manifest_bytes).digest()


def bundle_filename(kind: str, source: str, first: int, last: int) -> str:
    stamp = utc_now()[:16].replace("-", "").replace(":", "")
    return f"pemsync-{source[:8]}-{kind}-{first}-{last}-{stamp}{SUFFIX}"


# --- errors -----------------------------------------------------------------------------------
def _damaged(detail: str) -> BundleError:
    return BundleError(
        "Багц гэмтсэн эсвэл өөрчлөгдсөн байна; юу ч хэрэглээгүй. Эх төхөөрөмжөөс шинээр гаргаж "
        "авна уу.",
        "The bundle is damaged or has been altered; nothing was applied. Export it again from "
        "the device it came from.",
        detail=detail,
    )


def _too_big(detail: str) -> BundleError:
    return BundleError(
        "Багц хэт том эсвэл хэт олон файлтай тул уншсангүй; юу ч хэрэглээгүй.",
        "The bundle is too large or holds too many files, so it was not read; nothing was applied.",
        detail=detail,
    )


def _unsafe(detail: str) -> BundleError:
    return BundleError(
        "Багцад аюултай файлын нэр байна (жишээ нь ../); юу ч хэрэглээгүй.",
        "The bundle contains an unsafe file name (such as ../); nothing was applied.",
        detail=detail,
    )


def safe_entry_name(name: str) -> bool:
    """Only the names this format writes: never absolute, never ``..``, never a backslash."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return False
    if re.match(r"^[A-Za-z]:", name):
        return False
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return False
    return name in ("manifest.json", "manifest.sig") or bool(
        _OPS_NAME.fullmatch(name) or _BLOB_NAME.fullmatch(name)
    )


# --- writing ----------------------------------------------------------------------------------
def _ops_parts(records: Iterable[dict[str, Any]], part_bytes: int) -> Iterator[list[bytes]]:
    part: list[bytes] = []
    size = 0
    for record in records:
        line = canonical_json(record) + b"\n"
        if part and size + len(line) > part_bytes:
            yield part
            part, size = [], 0
        part.append(line)
        size += len(line)
    if part:
        yield part


def write_bundle(
    path: Path | str,
    *,
    kind: str,
    source: dict[str, str],
    target: dict[str, str],
    signing_key: SigningKey,
    recipient: VerifyKey | None,
    records: Iterable[dict[str, Any]],
    blobs: Sequence[BlobSource] = (),
    info: dict[str, Any] | None = None,
    schema_version: int = 1,
    part_bytes: int = PART_PLAIN_BYTES,
    check: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Write a bundle safely and return its manifest.

    Written as ``*.partial``, fsynced, renamed, then read back and verified, so when this returns
    the file on the (possibly cheap) USB stick is known good and the stick is safe to remove.
    ``recipient`` encrypts every entry to that key; ``None`` writes them in the clear.
    ``check`` is called between entries (a ``Progress.check`` raising ``Interrupted``).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    path = Path(path)
    bundle_id = new_id()
    seal = SealedBox(recipient.to_curve25519_public_key()).encrypt if recipient else None
    partial = path.with_name(path.name + ".partial")
    entries: list[dict[str, Any]] = []
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:

            def put(name: str, data: bytes) -> None:
                if check is not None:
                    check()
                info_ = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info_.compress_type = zipfile.ZIP_STORED
                with zf.open(info_, "w", force_zip64=True) as out:
                    out.write(data)
                entries.append(
                    {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                )

            header = {"bundle_id": bundle_id, "kind": kind, "source": source}
            compressor = zstandard.ZstdCompressor(level=6)
            for n, lines in enumerate(_ops_parts(records, part_bytes), start=1):
                plain = canonical_json(header | {"part": n}) + b"\n" + b"".join(lines)
                data = compressor.compress(plain)
                put(f"ops/{n:06d}.jsonl.zst", seal(data) if seal else data)
            for blob in sorted(blobs, key=lambda b: b.sha256):
                if not _SHA.fullmatch(blob.sha256):
                    raise ValueError(f"not a sha256: {blob.sha256!r}")
                data = blob.path.read_bytes()
                if hashlib.sha256(data).hexdigest() != blob.sha256:
                    raise BundleError(
                        "Зургийн файл хадгалсны дараа өөрчлөгдсөн байна; багцад оруулсангүй.",
                        "A photo file changed after it was stored; it was not put in the bundle.",
                        detail=str(blob.path),
                    )
                put(f"blobs/{blob.sha256}", seal(data) if seal else data)
            manifest = {
                "format": FORMAT,
                "bundle_id": bundle_id,
                "kind": kind,
                "source": source,
                "target": target,
                "created_at": utc_now(),
                "app_version": __version__,
                "schema_version": schema_version,
                "encryption": ENCRYPTION if recipient else "none",
                "info": info or {},
                "entries": entries,
            }
            manifest_bytes = canonical_json(manifest)
            signature = signing_key.sign(_signed_message(manifest_bytes)).signature
            for name, data in (("manifest.json", manifest_bytes), ("manifest.sig", signature)):
                info_ = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                zf.writestr(info_, data)
        _fsync_file(partial)
        os.replace(partial, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    # Read it back from the medium: cheap USB sticks lie about writes.
    verify_stored(path, signing_key.verify_key)
    return manifest


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        f.flush()
        os.fsync(f.fileno())


# --- reading ----------------------------------------------------------------------------------
@contextlib.contextmanager
def _container(path: Path, limits: Limits) -> Iterator[zipfile.ZipFile]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BundleError(
            f"Багц файлыг уншиж чадсангүй: {path}",
            f"The bundle file cannot be read: {path}",
            detail=str(exc),
        ) from exc
    if size > limits.max_file_bytes:
        raise _too_big(f"{size} bytes")
    try:
        zf = zipfile.ZipFile(path, "r")
    except Exception as exc:  # any parse failure of a foreign file means "damaged"
        raise _damaged(f"not a readable ZIP: {type(exc).__name__}: {exc}") from exc
    try:
        yield zf
    finally:
        zf.close()


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    if info.file_size > cap:
        raise _too_big(f"{info.filename}: {info.file_size} bytes")
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)
    except BundleError:
        raise
    except Exception as exc:  # truncation, CRC mismatch, bad headers: all "damaged"
        raise _damaged(f"{info.filename}: {type(exc).__name__}: {exc}") from exc
    if len(data) > cap or len(data) != info.file_size:
        raise _damaged(f"{info.filename}: size {len(data)} != {info.file_size}")
    return data


def _check_names(zf: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries + 2:
        raise _too_big(f"{len(infos)} entries")
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        if not safe_entry_name(name):
            raise _unsafe(repr(name))
        if name in by_name:
            raise _damaged(f"duplicate entry {name!r}")
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise _damaged(f"{name}: compression {info.compress_type}, flags {info.flag_bits:#x}")
        by_name[name] = info
    return by_name


def read_manifest(
    path: Path | str, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], bytes, bytes]:
    """The manifest (parsed, NOT yet trusted), its bytes and its signature."""
    with _container(Path(path), limits) as zf:
        by_name = _check_names(zf, limits)
        return _manifest_of(zf, by_name, limits)


def _manifest_of(
    zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], limits: Limits
) -> tuple[dict[str, Any], bytes, bytes]:
    if "manifest.json" not in by_name or "manifest.sig" not in by_name:
        raise _damaged("manifest.json or manifest.sig missing")
    manifest_bytes = _read_entry(zf, by_name["manifest.json"], limits.max_manifest_bytes)
    signature = _read_entry(zf, by_name["manifest.sig"], 64)
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except ValueError as exc:
        raise _damaged(f"manifest.json: {exc}") from exc
    _check_manifest_shape(manifest, manifest_bytes)
    return manifest, manifest_bytes, signature


def _check_manifest_shape(manifest: Any, manifest_bytes: bytes) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(
            "Энэ багцын хэлбэрийг уншиж чадахгүй; pemdesk-ээ шинэчилнэ үү.",
            "This bundle's format is not known to this version; update pemdesk.",
            detail=f"format {manifest.get('format') if isinstance(manifest, dict) else '?'}",
        )
    if canonical_json(manifest) != manifest_bytes:
        raise _damaged("manifest.json is not canonical")
    ok = (
        manifest.get("kind") in KINDS
        and isinstance(manifest.get("bundle_id"), str)
        and isinstance(manifest.get("source"), dict)
        and isinstance(manifest.get("target"), dict)
        and isinstance(manifest.get("info"), dict)
        and manifest.get("encryption") in (ENCRYPTION, "none")
        and isinstance(manifest.get("entries"), list)
    )
    if not ok:
        raise _damaged("manifest fields missing or of the wrong type")
    for entry in manifest["entries"]:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
            and _SHA.fullmatch(entry["sha256"])
        ):
            raise _damaged(f"bad manifest entry {entry!r}")
        if not safe_entry_name(entry["path"]) or entry["path"].startswith("manifest."):
            raise _unsafe(repr(entry["path"]))


def _verify_signature(manifest_bytes: bytes, signature: bytes, key: VerifyKey) -> None:
    try:
        key.verify(_signed_message(manifest_bytes), signature)
    except (CryptoError, ValueError, TypeError) as exc:
        raise BundleError(
            "Багцын гарын үсэг таарахгүй байна: өөрчлөгдсөн эсвэл өөр төхөөрөмж/серверийнх; юу ч "
            "хэрэглээгүй.",
            "The bundle's signature does not match: it was altered, or it comes from another "
            "device or server; nothing was applied.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc


def verify_stored(
    path: Path | str, signer: VerifyKey, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Check a written bundle as stored: signature and every entry's hash (no decryption)."""
    path = Path(path)
    with _container(path, limits) as zf:
        by_name = _check_names(zf, limits)
        manifest, manifest_bytes, signature = _manifest_of(zf, by_name, limits)
        _verify_signature(manifest_bytes, signature, signer)
        for entry in manifest["entries"]:
            _checked_entry(zf, by_name, entry, limits)
        _no_extra_entries(by_name, manifest)
    return manifest


def _no_extra_entries(by_name: dict[str, zipfile.ZipInfo], manifest: dict[str, Any]) -> None:
    listed = {e["path"] for e in manifest["entries"]} | {"manifest.json", "manifest.sig"}
    extra = set(by_name) - listed
    if extra:
        raise _damaged(f"entries not in the manifest: {sorted(extra)[:5]}")
    if len(listed) != len(manifest["entries"]) + 2:
        raise _damaged("the manifest lists an entry twice")


def _checked_entry(
    zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], entry: dict[str, Any], limits: Limits
) -> bytes:
    name = entry["path"]
    info = by_name.get(name)
    if info is None:
        raise _damaged(f"{name} is missing")
    cap = limits.max_blob_bytes + 64 if name.startswith("blobs/") else limits.max_part_plain_bytes
    if entry["size"] != info.file_size:
        raise _damaged(f"{name}: manifest size {entry['size']} != {info.file_size}")
    data = _read_entry(zf, info, cap)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise _damaged(f"{name}: SHA-256 mismatch")
    return data


def open_bundle(
    path: Path | str,
    *,
    signer_for: Callable[[dict[str, Any]], VerifyKey],
    decrypt_key: SigningKey | None,
    staging_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> OpenedBundle:
    """Verify a bundle completely and return its records and staged blobs.

    ``signer_for(manifest)`` returns the public key that must have signed it, or raises a
    ``BundleError`` (unknown, revoked, foreign). ``decrypt_key`` is the recipient's own key.
    Nothing is returned unless every check passed; on failure nothing is left behind.
    """
    path = Path(path)
    with _container(path, limits) as zf:
        by_name = _check_names(zf, limits)
        manifest, manifest_bytes, signature = _manifest_of(zf, by_name, limits)
        _verify_signature(manifest_bytes, signature, signer_for(manifest))
        _no_extra_entries(by_name, manifest)
        if len(manifest["entries"]) > limits.max_entries:
            raise _too_big(f"{len(manifest['entries'])} entries")
        unseal: Callable[[bytes], bytes] | None = None
        if manifest["encryption"] == ENCRYPTION:
            if decrypt_key is None:
                raise BundleError(
                    "Энэ багц өөр хүлээн авагчид зориулж шифрлэгдсэн байна; юу ч хэрэглээгүй.",
                    "This bundle is encrypted for another recipient; nothing was applied.",
                    detail="no decryption key",
                )
            unseal = SealedBox(decrypt_key.to_curve25519_private_key()).decrypt
        owns = staging_dir is None
        blob_dir = Path(tempfile.mkdtemp(prefix="pemsync-")) if owns else staging_dir
        opened = OpenedBundle(path, manifest, [], blob_dir, [], owns)
        try:
            ops_entries = sorted(
                (e for e in manifest["entries"] if e["path"].startswith("ops/")),
                key=lambda e: e["path"],
            )
            expected = [f"ops/{n:06d}.jsonl.zst" for n in range(1, len(ops_entries) + 1)]
            if [e["path"] for e in ops_entries] != expected:
                raise _damaged("ops parts are not numbered 1..n")
            for n, entry in enumerate(ops_entries, start=1):
                data = _checked_entry(zf, by_name, entry, limits)
                plain = _decompress(_unsealed(unseal, data, entry["path"]), limits, entry["path"])
                _parse_part(plain, n, manifest, opened.records, limits)
            for entry in manifest["entries"]:
                if not entry["path"].startswith("blobs/"):
                    continue
                sha = entry["path"].split("/", 1)[1]
                data = _unsealed(unseal, _checked_entry(zf, by_name, entry, limits), entry["path"])
                if hashlib.sha256(data).hexdigest() != sha:
                    raise _damaged(f"{entry['path']}: content does not match its name")
                assert blob_dir is not None
                blob_dir.mkdir(parents=True, exist_ok=True)
                (blob_dir / sha).write_bytes(data)
                opened.blobs.append(sha)
        except BaseException:
            if owns:
                opened.cleanup()
            elif blob_dir is not None:
                for sha in opened.blobs:
                    with contextlib.suppress(OSError):
                        (blob_dir / sha).unlink()
            raise
    return opened


def _unsealed(unseal: Callable[[bytes], bytes] | None, data: bytes, name: str) -> bytes:
    if unseal is None:
        return data
    try:
        return unseal(data)
    except (CryptoError, ValueError, TypeError) as exc:
        raise BundleError(
            "Багцыг тайлж чадсангүй: өөр сервер эсвэл төхөөрөмжид зориулагдсан эсвэл гэмтсэн; юу "
            "ч хэрэглээгүй.",
            "The bundle cannot be decrypted: it is meant for another server or device, or it is "
            "damaged; nothing was applied.",
            detail=f"{name}: {type(exc).__name__}",
        ) from exc


def _decompress(data: bytes, limits: Limits, name: str) -> bytes:
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        plain = reader.read(limits.max_part_plain_bytes + 1)
    except zstandard.ZstdError as exc:
        raise _damaged(f"{name}: {exc}") from exc
    if len(plain) > limits.max_part_plain_bytes:
        raise _too_big(f"{name} decompresses to more than {limits.max_part_plain_bytes} bytes")
    return plain


def _parse_part(
    plain: bytes, n: int, manifest: dict[str, Any], out: list[dict[str, Any]], limits: Limits
) -> None:
    lines = plain.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    try:
        header = json.loads(lines[0]) if lines else None
        if header != {
            "bundle_id": manifest["bundle_id"],
            "kind": manifest["kind"],
            "source": manifest["source"],
            "part": n,
        }:
            # Binds the encrypted content to this manifest: a part cannot be moved to another bundle.
            raise _damaged(f"ops part {n}: header does not match the manifest")
        for line in lines[1:]:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise _damaged(f"ops part {n}: a line is not an object")
            out.append(record)
            if len(out) > limits.max_records:
                raise _too_big(f"more than {limits.max_records} records")
    except ValueError as exc:
        raise _damaged(f"ops part {n}: {exc}") from exc
