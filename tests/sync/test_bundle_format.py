"""The bundle container: signing, encryption, and refusing damaged, altered or hostile files."""

from __future__ import annotations

import hashlib
import random
import zipfile
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from pemdesk.sync import bundle as b
from pemdesk.sync.bundle import BlobSource, BundleError, Limits

DEVICE = SigningKey(b"d" * 32)
SERVER = SigningKey(b"s" * 32)
OTHER = SigningKey(b"o" * 32)
RECORDS = [
    {"device_seq": i, "entity": "visit", "fields": {"notes": f"Өмнөговь {i}"}} for i in range(1, 6)
]


def write(path: Path, *, recipient=SERVER.verify_key, blobs=(), records=RECORDS, **kw):
    return b.write_bundle(
        path,
        kind="push",
        source={"device_id": "dev-1"},
        target={"server_key": b.key_hex(SERVER.verify_key)},
        signing_key=DEVICE,
        recipient=recipient,
        records=records,
        blobs=blobs,
        info={"device_seq": [1, 5]},
        **kw,
    )


def read(path: Path, signer=DEVICE, key=SERVER, **kw):
    return b.open_bundle(path, signer_for=lambda m: signer.verify_key, decrypt_key=key, **kw)


@pytest.fixture
def blob(tmp_path: Path) -> BlobSource:
    data = bytes(range(256)) * 8
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    return BlobSource(hashlib.sha256(data).hexdigest(), path)


def test_round_trip_encrypted_with_blob(tmp_path: Path, blob: BlobSource) -> None:
    path = tmp_path / "x.pemsync"
    manifest = write(path, blobs=[blob])
    assert not (tmp_path / "x.pemsync.partial").exists()
    with read(path) as opened:
        assert opened.records == RECORDS
        assert opened.manifest == manifest
        assert opened.blob_path(blob.sha256).read_bytes() == blob.path.read_bytes()
        staged = opened.blob_dir
    assert staged is not None and not staged.exists()  # cleaned up
    # Encrypted: neither the text nor the photo bytes are readable in the file.
    raw = path.read_bytes()
    assert "Өмнөговь".encode() not in raw and blob.path.read_bytes()[:512] not in raw
    with zipfile.ZipFile(path) as zf:
        assert zf.infolist()[0].compress_type == zipfile.ZIP_STORED


def test_plain_bundle_and_multiple_parts(tmp_path: Path) -> None:
    records = [{"n": i, "pad": "x" * 100} for i in range(200)]
    path = tmp_path / "p.pemsync"
    manifest = write(path, recipient=None, records=records, part_bytes=2000)
    assert manifest["encryption"] == "none"
    assert sum(e["path"].startswith("ops/") for e in manifest["entries"]) > 5
    assert read(path, key=None).records == records


def test_wrong_signer_or_recipient_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"
    write(path)
    with pytest.raises(BundleError, match="signature"):
        read(path, signer=OTHER)
    with pytest.raises(BundleError, match="decrypted"):
        read(path, key=OTHER)
    with pytest.raises(BundleError, match="encrypted"):
        read(path, key=None)


def test_truncated_at_every_offset_is_refused(tmp_path: Path, blob: BlobSource) -> None:
    path = tmp_path / "x.pemsync"
    write(path, blobs=[blob], records=RECORDS[:2])
    data = path.read_bytes()
    cut = tmp_path / "cut.pemsync"
    for offset in range(len(data)):
        cut.write_bytes(data[:offset])
        with pytest.raises(BundleError):
            read(cut)


def test_bit_flips_are_refused_or_harmless(tmp_path: Path, blob: BlobSource) -> None:
    """A flipped bit is refused, or (only in unused zip metadata) changes nothing."""
    path = tmp_path / "x.pemsync"
    write(path, blobs=[blob], records=RECORDS[:2])
    data = path.read_bytes()
    rng = random.Random(7)
    flipped = tmp_path / "flip.pemsync"
    offsets = list(range(len(data))) if len(data) < 2500 else rng.sample(range(len(data)), 2500)
    harmless = 0
    for offset in offsets:
        altered = bytearray(data)
        altered[offset] ^= 1 << rng.randrange(8)
        flipped.write_bytes(altered)
        try:
            opened = read(flipped)
        except BundleError:
            continue
        harmless += 1
        assert opened.records == RECORDS[:2]
        assert opened.blob_path(blob.sha256).read_bytes() == blob.path.read_bytes()
        opened.cleanup()
    assert harmless < len(offsets) // 10


def _zip_with(path: Path, names: list[str]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, b"x")


@pytest.mark.parametrize(
    "name",
    [
        "../evil",
        "/etc/passwd",
        "blobs/../../x",
        "ops\\..\\x",
        "C:/x",
        "blobs/./" + "a" * 64,
        "other",
    ],
)
def test_unsafe_entry_names_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "evil.pemsync"
    _zip_with(path, ["manifest.json", "manifest.sig", name])
    with pytest.raises(BundleError, match="unsafe"):
        read(path)
    assert not b.safe_entry_name(name)


def test_entry_not_in_manifest_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"
    write(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("blobs/" + "0" * 64, b"smuggled")
    with pytest.raises(BundleError, match="damaged"):
        read(path)


def test_part_moved_from_another_bundle_refused(tmp_path: Path) -> None:
    """Parts name their bundle inside the encryption, so re-signing them as another is caught."""
    one, two, mixed = tmp_path / "1.pemsync", tmp_path / "2.pemsync", tmp_path / "m.pemsync"
    write(one)
    manifest2 = write(two, records=[{"other": True}])
    with zipfile.ZipFile(one) as zf:
        part = zf.read("ops/000001.jsonl.zst")
    manifest2["entries"] = [
        {
            "path": "ops/000001.jsonl.zst",
            "size": len(part),
            "sha256": hashlib.sha256(part).hexdigest(),
        }
    ]
    mbytes = b.canonical_json(manifest2)
    with zipfile.ZipFile(mixed, "w") as zf:
        zf.writestr("ops/000001.jsonl.zst", part)
        zf.writestr("manifest.json", mbytes)
        zf.writestr("manifest.sig", DEVICE.sign(b._signed_message(mbytes)).signature)
    with pytest.raises(BundleError, match="damaged"):
        read(mixed)


def test_size_limits_against_bombs(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"
    write(path, recipient=None, records=[{"z": "0" * 200_000}])  # compresses to almost nothing
    with pytest.raises(BundleError, match="too large"):
        read(path, key=None, limits=Limits(max_part_plain_bytes=100_000))
    with pytest.raises(BundleError, match="too large"):
        read(path, key=None, limits=Limits(max_file_bytes=100))
    with pytest.raises(BundleError, match="too large"):
        read(path, key=None, limits=Limits(max_records=0))


def test_compressed_entries_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"{}")
        zf.writestr("manifest.sig", b"x")
    with pytest.raises(BundleError):
        read(path)


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"

    def boom() -> None:
        raise RuntimeError("stick pulled out")

    with pytest.raises(RuntimeError):
        write(path, check=boom)
    assert list(tmp_path.iterdir()) == []


def test_verify_stored_detects_a_bad_copy(tmp_path: Path) -> None:
    path = tmp_path / "x.pemsync"
    write(path)
    b.verify_stored(path, DEVICE.verify_key)
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    path.write_bytes(data)
    with pytest.raises(BundleError):
        b.verify_stored(path, DEVICE.verify_key)
