"""The device's Ed25519 signing key: made at first use, kept in the data folder, owner-only.

The 32-byte seed lives in ``<data_dir>/keys/device_ed25519.key`` (hex), created with mode 0600 in
a 0700 folder, written to a temporary file, fsynced and renamed, so a crash never leaves half a
key. A key file that others can read is tightened on load. On Windows the file inherits the
per-user profile's ACL (the data folder is under the user's AppData).

Sealed visits (``pemdesk.seal``) and sync requests/bundles are signed with it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from pemdesk.durable import fsync_dir
from pemdesk.errors import StorageError

KEY_DIR = "keys"
KEY_FILE = "device_ed25519.key"


@dataclass(frozen=True)
class DeviceKey:
    signing_key: SigningKey
    path: Path

    @property
    def public_hex(self) -> str:
        """The public key as 64 hex digits (what a seal names as its key)."""
        return bytes(self.signing_key.verify_key).hex()

    def sign(self, message: bytes) -> bytes:
        """A detached 64-byte Ed25519 signature of ``message``."""
        return self.signing_key.sign(message).signature


def key_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / KEY_DIR / KEY_FILE


def load_or_create(data_dir: Path | str) -> DeviceKey:
    """The device key of this data folder, made on first call."""
    path = key_path(data_dir)
    try:
        if path.exists():
            return _load(path)
        return _create(path)
    except OSError as exc:
        raise StorageError(
            "Төхөөрөмжийн түлхүүрийг уншиж, бичиж чадсангүй. Өгөгдлийн хавтасны эрхийг шалгана уу.",
            "The device key could not be read or written. Check the data folder's permissions.",
            detail=f"{exc} {path}",
        ) from exc


def _load(path: Path) -> DeviceKey:
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
    text = path.read_text(encoding="ascii").strip()
    try:
        seed = bytes.fromhex(text)
        if len(seed) != 32:
            raise ValueError("seed must be 32 bytes")
    except ValueError as exc:
        raise StorageError(
            "Төхөөрөмжийн түлхүүрийн файл эвдэрсэн байна. Хуулбараас сэргээнэ үү; файлд хүрээгүй.",
            "The device key file is damaged. Restore it from a backup; the file was left untouched.",
            detail=f"{exc} {path}",
        ) from exc
    return DeviceKey(SigningKey(seed), path)


def _create(path: Path) -> DeviceKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path.parent, 0o700)
    key = SigningKey.generate()
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, bytes(key).hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if another process made the key meanwhile: keep theirs.
        os.link(tmp, path)
    except FileExistsError:
        tmp.unlink()
        return _load(path)
    except OSError:
        os.replace(tmp, path)
    else:
        tmp.unlink()
    fsync_dir(path.parent)
    return DeviceKey(key, path)


def verify_signature(public_hex: str, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_hex``."""
    try:
        VerifyKey(bytes.fromhex(public_hex)).verify(message, signature)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
