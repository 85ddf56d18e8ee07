"""Push bundles at the server: the same apply path as HTTP, all-or-nothing verification."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from synchelp import site_fields, visit_fields

from pemdesk import seal
from pemdesk.device_key import DeviceKey
from pemdesk.ids import new_id
from pemdesk.sync import bundle as fmt
from pemdesk.sync import receipts
from pemdesk.sync.bundle import BlobSource, BundleError
from pemdesk.sync.server.bundles import import_push_bundle
from pemdesk.sync.server.store import ServerStore

HLC = "2026-06-01T02:00:00.000Z"


@pytest.fixture
def server(tmp_path: Path, backend: str | None):
    """The server store in-process, on SQLite and on PostgreSQL (``backend`` from conftest)."""
    s = ServerStore.open(tmp_path / "server", backend)
    yield s
    s.close()


def enrol(server: ServerStore, name: str = "Бат") -> tuple[str, SigningKey]:
    key = SigningKey.generate()
    reply = server.enroll(server.issue_code(name), bytes(key.verify_key).hex())
    return reply["device_id"], key


def site_ops(first: int, last: int) -> list[dict]:
    return [
        {"device_seq": i, "op_id": f"op-{i:04d}", "entity": "site", "entity_id": f"site-{i}",
         "op": "create", "fields": site_fields(name_mn=f"Объект {i}"), "base_version": 0,
         "hlc": HLC, "schema_version": 1}
        for i in range(first, last + 1)
    ]  # fmt: skip


def push_bundle(
    path: Path,
    server: ServerStore,
    device_id: str,
    key: SigningKey,
    ops: list[dict],
    blobs: list[BlobSource] = (),
    target: str | None = None,
    recipient=None,
) -> Path:
    seqs = [o["device_seq"] for o in ops]
    fmt.write_bundle(
        path,
        kind="push",
        source={"device_id": device_id},
        target={"server_key": target or server.public_key_hex},
        signing_key=key,
        recipient=recipient or server.signing_key.verify_key,
        records=ops,
        blobs=blobs,
        info={"device_seq": [seqs[0], seqs[-1]] if seqs else None},
    )
    return path


def state(server: ServerStore) -> tuple:
    return server.dump(), server.applied_ops(), server.latest_seq()


def test_import_applies_once_and_acks(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    path = push_bundle(tmp_path / "p.pemsync", server, device_id, key, site_ops(1, 4))
    report = import_push_bundle(server, path, out_dir=tmp_path / "out", with_pull=True)
    assert (report.applied, report.high_water, report.replay) == (4, 4, False)
    assert len(server.dump()["site"]) == 4
    assert {r[3] for r in server.applied_ops()} == {"applied"}
    # The ack is signed by the server and encrypted to the device: only it can read it.
    with fmt.open_bundle(
        report.ack_path, signer_for=lambda m: server.signing_key.verify_key, decrypt_key=key
    ) as ack:
        assert ack.kind == "ack" and ack.records[0]["high_water"] == 4
        assert [r["device_seq"] for r in ack.records[0]["results"]] == [1, 2, 3, 4]
    with fmt.open_bundle(
        report.pull_path, signer_for=lambda m: server.signing_key.verify_key, decrypt_key=key
    ) as pull:
        assert {c["id"] for c in pull.records} == {f"site-{i}" for i in range(1, 5)}
        assert pull.info["requires_cursor_at_least"] == 0
    # Replay: nothing changes.
    before = state(server)
    again = import_push_bundle(server, path)
    assert again.replay and again.applied == 0 and again.duplicates == 4
    assert state(server) == before


def test_cumulative_bundles_in_any_order(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    older = push_bundle(tmp_path / "1.pemsync", server, device_id, key, site_ops(1, 2))
    newer = push_bundle(tmp_path / "2.pemsync", server, device_id, key, site_ops(1, 5))
    assert import_push_bundle(server, newer).applied == 5
    before = state(server)
    assert import_push_bundle(server, older).applied == 0
    assert state(server) == before
    later = push_bundle(tmp_path / "3.pemsync", server, device_id, key, site_ops(3, 7))
    assert import_push_bundle(server, later).applied == 2
    assert len(server.dump()["site"]) == 7


def test_gap_is_refused_with_nothing_applied(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    path = push_bundle(tmp_path / "g.pemsync", server, device_id, key, site_ops(3, 5))
    before = state(server)
    with pytest.raises(BundleError, match="lacks this device's changes"):
        import_push_bundle(server, path)
    assert state(server) == before


def test_truncated_push_bundle_at_every_offset(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    path = push_bundle(tmp_path / "p.pemsync", server, device_id, key, site_ops(1, 2))
    data = path.read_bytes()
    before = state(server)
    cut = tmp_path / "cut.pemsync"
    for offset in range(len(data)):
        cut.write_bytes(data[:offset])
        with pytest.raises(BundleError):
            import_push_bundle(server, cut)
    assert state(server) == before
    assert import_push_bundle(server, path).applied == 2  # the whole file still works


def test_bit_flipped_push_bundle(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    path = push_bundle(tmp_path / "p.pemsync", server, device_id, key, site_ops(1, 2))
    data = path.read_bytes()
    flipped = tmp_path / "f.pemsync"
    before = state(server)
    for offset in range(0, len(data), 3):
        altered = bytearray(data)
        altered[offset] ^= 0x10
        flipped.write_bytes(altered)
        try:
            report = import_push_bundle(server, flipped)
        except BundleError:
            assert state(server) == before
            continue
        # Only a flip in unused ZIP metadata can pass; then the content is the original's.
        assert report.ops == 2
        return


def test_foreign_unknown_and_revoked(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    other = ServerStore.open(tmp_path / "other-server")
    try:
        before = state(server)
        foreign = push_bundle(
            tmp_path / "f.pemsync", server, device_id, key, site_ops(1, 1),
            target=other.public_key_hex, recipient=other.signing_key.verify_key,
        )  # fmt: skip
        with pytest.raises(BundleError, match="another server"):
            import_push_bundle(server, foreign)
        # Claims this server but is encrypted to another: cannot be decrypted.
        mixed = push_bundle(
            tmp_path / "m.pemsync", server, device_id, key, site_ops(1, 1),
            recipient=other.signing_key.verify_key,
        )  # fmt: skip
        with pytest.raises(BundleError, match="decrypted"):
            import_push_bundle(server, mixed)
    finally:
        other.close()
    # Signed by a key that is not the enrolled device's.
    forged = push_bundle(
        tmp_path / "x.pemsync", server, device_id, SigningKey.generate(), site_ops(1, 1)
    )
    with pytest.raises(BundleError, match="signature"):
        import_push_bundle(server, forged)
    unknown = push_bundle(tmp_path / "u.pemsync", server, new_id(), key, site_ops(1, 1))
    with pytest.raises(BundleError, match="does not know"):
        import_push_bundle(server, unknown)
    assert server.revoke(device_id)
    revoked = push_bundle(tmp_path / "r.pemsync", server, device_id, key, site_ops(1, 1))
    with pytest.raises(BundleError, match="revoked"):
        import_push_bundle(server, revoked)
    assert list((server.data_dir / "quarantine").iterdir())
    assert state(server) == before


def test_sealed_visit_gets_a_countersigned_receipt(server: ServerStore, tmp_path: Path) -> None:
    device_id, key = enrol(server)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg " * 50)
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    visit_id = new_id()
    doc = seal.visit_document(
        {"id": visit_id, "site_id": "s", "status": "finished", "revision": 1},
        photos=[{"id": "p1", "sha256": sha}],
    )
    digest = seal.digest(doc)
    signer = DeviceKey(key, tmp_path / "k")
    fields = {"format": seal.SEAL_FORMAT, "revision": 1, "digest": digest,
              "signature": seal.sign(digest, signer), "public_key": signer.public_hex,
              "document": json.dumps(doc), "sealed_at": HLC, "created_at": HLC,
              "updated_at": HLC}  # fmt: skip
    ops = [
        {"device_seq": 1, "op_id": new_id(), "entity": "site", "entity_id": "s", "op": "create",
         "fields": site_fields(), "base_version": 0, "hlc": HLC, "schema_version": 1},
        {"device_seq": 2, "op_id": new_id(), "entity": "visit", "entity_id": visit_id,
         "op": "create", "fields": visit_fields("s", status="finished"), "base_version": 0,
         "hlc": HLC, "schema_version": 1},
        {"device_seq": 3, "op_id": new_id(), "entity": "visit_seal", "entity_id": visit_id,
         "op": "create", "fields": fields, "base_version": 0, "hlc": HLC, "schema_version": 2},
    ]  # fmt: skip
    # First without the photo: a valid seal, photos pending.
    path = push_bundle(tmp_path / "1.pemsync", server, device_id, key, ops)
    report = import_push_bundle(server, path, out_dir=tmp_path / "out")
    assert [r["status"] for r in report.receipts] == [receipts.PHOTOS_PENDING]
    # Then cumulative, with the photo: verified, and the ack carries the receipt.
    path = push_bundle(
        tmp_path / "2.pemsync", server, device_id, key, ops, [BlobSource(sha, photo)]
    )
    report = import_push_bundle(server, path, out_dir=tmp_path / "out2")
    assert report.blobs_added == 1
    assert [r["status"] for r in report.receipts] == [receipts.VERIFIED]
    with fmt.open_bundle(
        report.ack_path, signer_for=lambda m: server.signing_key.verify_key, decrypt_key=key
    ) as ack:
        carried = [r["receipt"] for r in ack.records if r.get("type") == "receipt"]
    assert carried[-1]["status"] == receipts.VERIFIED
    assert receipts.verify_receipt(carried[-1], server.public_key_hex)
    assert server.blob_info(sha) is not None


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    cuts=st.lists(st.integers(1, 4), min_size=1, max_size=5),
    starts=st.lists(st.integers(0, 100), min_size=5, max_size=5),
    order=st.lists(st.integers(0, 4), min_size=1, max_size=12),
)
def test_bundles_in_any_order_apply_each_op_exactly_once(cuts, starts, order) -> None:
    """Bundles of overlapping op ranges, imported in any order and any number of times: each op
    is applied once, never out of order, and importing them all gives the same records."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ServerStore.open(root / "server")
        try:
            device_id, key = enrol(server)
            bundles, hi = [], 0
            for n, cut in enumerate(cuts):
                # a bundle is cumulative from some op the laptop believed acknowledged
                lo = 1 + (starts[n] % (hi + 1))
                hi += cut
                path = push_bundle(root / f"{n}.pemsync", server, device_id, key, site_ops(lo, hi))
                bundles.append((lo, hi, path))
            for i in order:
                lo, top, path = bundles[i % len(bundles)]
                before = state(server)
                high = server.device(device_id).high_water
                try:
                    import_push_bundle(server, path)
                except BundleError:
                    assert lo > high + 1  # refused only for a real gap
                    assert state(server) == before  # and then nothing was applied
                    continue
                assert server.device(device_id).high_water == max(high, top)
            for _round in bundles:  # then everything, until nothing is refused any more
                for _lo, _hi, path in bundles:
                    with contextlib.suppress(BundleError):
                        import_push_bundle(server, path)
            applied = server.applied_ops()
            assert [a[1] for a in applied] == list(range(1, hi + 1))
            assert len({a[2] for a in applied}) == hi
            assert sorted(server.dump()["site"]) == sorted(f"site-{i}" for i in range(1, hi + 1))
        finally:
            server.close()
