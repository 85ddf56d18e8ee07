"""Laptop → USB → server → USB → laptop: the whole bundle round trip with real stores."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import synchelp
from hypothesis import given, settings
from hypothesis import strategies as st

from pemdesk import model
from pemdesk.device_key import load_or_create
from pemdesk.gazetteer import Gazetteer
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync import bundle_client as bc
from pemdesk.sync.bundle import BundleError
from pemdesk.sync.client import META_DEVICE, META_ROLE, META_SERVER_KEY
from pemdesk.sync.server.bundles import import_push_bundle
from pemdesk.sync.server.store import ServerStore


@pytest.fixture
def server(tmp_path: Path, backend: str | None):
    """The server store in-process, on SQLite and on PostgreSQL (``backend`` from conftest)."""
    s = ServerStore.open(tmp_path / "server", backend)
    yield s
    s.close()


def enrol_offline(store: Store, server: ServerStore, name: str, role: str = "monitor") -> str:
    """What ``pemdesk enroll`` stores, done against the server object directly."""
    key = load_or_create(store.data_dir)
    reply = server.enroll(server.issue_code(name, role), key.public_hex)
    store.set_meta(META_DEVICE, reply["device_id"])
    store.set_meta(META_SERVER_KEY, reply["server_key"])
    store.set_meta(META_ROLE, reply["role"])
    store.set_meta(sc.META_HIGH_WATER, "0")
    return reply["device_id"]


def laptop(tmp_path: Path, server: ServerStore, name: str) -> Store:
    store = Store.open(tmp_path / name)
    synchelp.OPENED.append(store)  # closed after the test (conftest)
    enrol_offline(store, server, name)
    return store


def a_site(name: str = "Оюу толгой") -> model.Site:
    gaz = Gazetteer.load()
    aimag = gaz.aimags()[0]
    return model.Site(name_mn=name, aimag_code=aimag.code, soum_code=gaz.soums(aimag.code)[0].code)


def snapshot(store: Store) -> tuple:
    return sc.canonical_dump(store), store.outbox(), sc.cursor(store), sc.high_water(store)


def round_trip(store: Store, server: ServerStore, tmp_path: Path, pull: bool = True):
    usb = tmp_path / "usb"
    usb.mkdir(parents=True, exist_ok=True)
    exported = bc.export_push_bundle(store, usb)
    report = import_push_bundle(server, exported.path, out_dir=usb / "back", with_pull=pull)
    return exported, report


def test_round_trip_acks_and_confirms(server: ServerStore, tmp_path: Path) -> None:
    store = laptop(tmp_path, server, "Бат")
    site = store.save(a_site())
    exported, report = round_trip(store, server, tmp_path)
    assert exported.ops == 1 and exported.verified and report.applied == 1
    assert sc.record_sync_status(store, "site", site.id) == "sent"
    ack = bc.import_bundle(store, report.ack_path)
    assert (ack.kind, ack.acked, ack.high_water) == ("ack", 1, 1)
    assert sc.record_sync_status(store, "site", site.id) == "confirmed"
    # Replaying the ack or the pull bundle changes nothing.
    before = snapshot(store)
    bc.import_bundle(store, report.ack_path)
    pulled = bc.import_bundle(store, report.pull_path)
    assert pulled.kind == "pull"
    after_pull = snapshot(store)
    assert bc.import_bundle(store, report.pull_path).already_had
    assert snapshot(store) == after_pull
    assert before[1] == after_pull[1]  # no new outbox entries from applying server changes
    # Nothing left to send: the next push bundle is empty, and importing it is harmless.
    again, report2 = round_trip(store, server, tmp_path / "2")
    assert again.ops == 0 and report2.applied == 0


def test_second_laptop_gets_the_record_by_pull_bundle(server: ServerStore, tmp_path: Path) -> None:
    bat = laptop(tmp_path, server, "Бат")
    site = bat.save(a_site("Цагаан суварга"))
    round_trip(bat, server, tmp_path / "bat")
    dulmaa = laptop(tmp_path, server, "Дулмаа")
    _, report = round_trip(dulmaa, server, tmp_path / "dulmaa")
    pulled = bc.import_bundle(dulmaa, report.pull_path)
    assert pulled.pulled == 1
    assert dulmaa.get(model.Site, site.id).name_mn == "Цагаан суварга"
    assert dulmaa.pending_changes() == 0


def test_damaged_ack_and_pull_change_nothing(server: ServerStore, tmp_path: Path) -> None:
    store = laptop(tmp_path, server, "Бат")
    store.save(a_site())
    _, report = round_trip(store, server, tmp_path)
    before = snapshot(store)
    cut = tmp_path / "cut.pemsync"
    for source in (report.ack_path, report.pull_path):
        data = source.read_bytes()
        for offset in range(0, len(data), 5):
            cut.write_bytes(data[:offset])
            with pytest.raises(BundleError):
                bc.import_bundle(store, cut)
        assert snapshot(store) == before
    for source in (report.ack_path, report.pull_path):
        data = source.read_bytes()
        for offset in range(0, len(data), 5):
            altered = bytearray(data)
            altered[offset] ^= 0x04
            cut.write_bytes(altered)
            try:
                bc.import_bundle(store, cut)
            except BundleError:
                assert snapshot(store) == before
                continue
            # Only a flip in unused ZIP metadata can pass, and then it is the original bundle.
            before = snapshot(store)
            bc.import_bundle(store, source)
            assert snapshot(store) == before


def test_foreign_bundles_are_refused(server: ServerStore, tmp_path: Path) -> None:
    bat = laptop(tmp_path, server, "Бат")
    dulmaa = laptop(tmp_path, server, "Дулмаа")
    bat.save(a_site())
    _, report = round_trip(bat, server, tmp_path)
    before = snapshot(dulmaa)
    with pytest.raises(BundleError, match="another device"):
        bc.import_bundle(dulmaa, report.ack_path)  # Bat's ack on Dulmaa's laptop
    other = ServerStore.open(tmp_path / "other")
    try:
        stranger = laptop(tmp_path, other, "Гэрэл")
        stranger.set_meta(META_DEVICE, bat.meta(META_DEVICE))  # even pretending to be Bat
        with pytest.raises(BundleError, match="does not come from"):
            bc.import_bundle(stranger, report.ack_path)
    finally:
        other.close()
    assert snapshot(dulmaa) == before
    exported = bc.export_push_bundle(dulmaa, tmp_path / "d.pemsync")
    with pytest.raises(BundleError, match="import it on the server"):
        bc.import_bundle(dulmaa, exported.path)


def test_pull_bundle_prerequisite(server: ServerStore, tmp_path: Path) -> None:
    bat = laptop(tmp_path, server, "Бат")
    dulmaa = laptop(tmp_path, server, "Дулмаа")
    bat.save(a_site("Нэг"))
    round_trip(bat, server, tmp_path / "1")
    _, first = round_trip(dulmaa, server, tmp_path / "d1")
    bat.save(a_site("Хоёр"))
    round_trip(bat, server, tmp_path / "2")
    # Dulmaa's cursor is still 0 (she never imported ``first``), but pretend the server thought
    # she had it: a pull bundle starting later than her cursor must be refused.
    from pemdesk.sync.server.bundles import write_pull_bundle

    late = write_pull_bundle(
        server, dulmaa.meta(META_DEVICE), tmp_path / "late",
        {"epoch": server.epoch, "seq": server.latest_seq() - 1},
    )  # fmt: skip
    before = snapshot(dulmaa)
    with pytest.raises(BundleError, match="import the earlier bundle first"):
        bc.import_bundle(dulmaa, late)
    assert snapshot(dulmaa) == before
    assert bc.import_bundle(dulmaa, first.pull_path).pulled == 1
    assert bc.import_bundle(dulmaa, late).pulled == 1
    assert {s.name_mn for s in dulmaa.list_sites()} == {"Нэг", "Хоёр"}


def test_photos_travel_and_are_confirmed(server: ServerStore, tmp_path: Path) -> None:
    from pemdesk.storage.photos import BlobRow, add_blob

    store = laptop(tmp_path, server, "Бат")
    store.save(a_site())
    data = b"\xff\xd8\xff" + bytes(range(256)) * 40
    sha = hashlib.sha256(data).hexdigest()
    rel = f"photos/{sha[:2]}/{sha}"
    (store.data_dir / rel).parent.mkdir(parents=True)
    (store.data_dir / rel).write_bytes(data)
    add_blob(store, BlobRow(sha256=sha, size=len(data), path=rel, mime="image/jpeg",
                            kind="original", derived_from=None))  # fmt: skip
    thumb = b"\xff\xd8 thumbnail"
    thumb_sha = hashlib.sha256(thumb).hexdigest()
    (store.data_dir / f"photos/{thumb_sha}").write_bytes(thumb)
    add_blob(store, BlobRow(sha256=thumb_sha, size=len(thumb), path=f"photos/{thumb_sha}",
                            mime="image/jpeg", kind="thumb", derived_from=sha))  # fmt: skip
    # A thumbnail is accepted only from the owner of a photo record naming its original.
    from pemdesk import model

    store.save(model.Photo(sha256=sha))
    exported, report = round_trip(store, server, tmp_path)
    assert exported.blobs == 2 and report.blobs_added == 2
    assert server.blob_path(sha).read_bytes() == data
    assert server.blob_info(sha, "thumb")["sha256"] == thumb_sha  # filed as sha's thumbnail
    assert server.blob_info(sha)["kind"] == "original"
    ack = bc.import_bundle(store, report.ack_path)
    assert ack.blobs_confirmed == 2
    assert bc.export_push_bundle(store, tmp_path / "next.pemsync").blobs == 0


def test_server_restored_from_backup_asks_for_earlier_changes(tmp_path: Path) -> None:
    import shutil

    server = ServerStore.open(tmp_path / "server")
    store = laptop(tmp_path, server, "Бат")
    server.close()
    shutil.copytree(tmp_path / "server", tmp_path / "backup")  # the server's nightly backup
    server = ServerStore.open(tmp_path / "server")
    store.save(a_site("Нэг"))
    _, report = round_trip(store, server, tmp_path / "1", pull=False)
    bc.import_bundle(store, report.ack_path)
    server.close()
    shutil.rmtree(tmp_path / "server")
    shutil.copytree(tmp_path / "backup", tmp_path / "server")  # disk died; restored
    server = ServerStore.open(tmp_path / "server")
    try:
        store.save(a_site("Хоёр"))
        exported = bc.export_push_bundle(store, tmp_path / "2.pemsync")
        assert exported.first_seq == 2
        with pytest.raises(BundleError, match="--from-seq 1"):
            import_push_bundle(server, exported.path)
        again = bc.export_push_bundle(store, tmp_path / "3.pemsync", from_seq=1)
        assert import_push_bundle(server, again.path).applied == 2
        assert {d["name_mn"] for d in server.dump()["site"].values()} == {"Нэг", "Хоёр"}
    finally:
        server.close()


@settings(max_examples=15, deadline=None, derandomize=True)
@given(order=st.lists(st.integers(0, 5), min_size=1, max_size=10))
def test_ack_and_pull_bundles_in_any_order(order) -> None:
    """A laptop gets three rounds of ack + pull bundles and imports them in any order, any number
    of times: refusals change nothing, and in the end it has exactly everything, once."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ServerStore.open(root / "server")
        try:
            bat = laptop(root, server, "Бат")
            dulmaa = laptop(root, server, "Дулмаа")
            received: list[Path] = []
            for n in range(3):
                bat.save(a_site(f"Бат {n}"))
                round_trip(bat, server, root / f"bat{n}", pull=False)
                dulmaa.save(a_site(f"Дулмаа {n}"))
                _, report = round_trip(dulmaa, server, root / f"d{n}")
                received += [report.ack_path, report.pull_path]
            for i in order:
                before = snapshot(dulmaa)
                try:
                    bc.import_bundle(dulmaa, received[i])
                except BundleError as exc:
                    assert "earlier bundle" in exc.en
                    assert snapshot(dulmaa) == before
            for path in received:  # then all, in order
                bc.import_bundle(dulmaa, path)
            names = sorted(s.name_mn for s in dulmaa.list_sites())
            assert names == sorted(
                [f"Бат {n}" for n in range(3)] + [f"Дулмаа {n}" for n in range(3)]
            )
            assert dulmaa.pending_changes() == 0
            assert sc.canonical_dump(dulmaa) == server.dump()  # converged to the server
        finally:
            server.close()


def test_pull_bundle_brings_thumbnails_and_previews(server: ServerStore, tmp_path: Path) -> None:
    from pemdesk.photos.files import PhotoFiles
    from pemdesk.storage.photos import BlobRow, add_blob, blob

    bat = laptop(tmp_path, server, "Бат")
    site = bat.save(a_site())
    visit = bat.save(model.Visit(site_id=site.id, started_at="2026-06-01T02:00:00.000Z"))
    original = b"\xff\xd8 original " * 1000
    sha = hashlib.sha256(original).hexdigest()
    files = {"original": original, "thumb": b"\xff\xd8 thumb", "preview": b"\xff\xd8 preview" * 9}
    for kind, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        rel = f"photos/{digest}"
        (bat.data_dir / "photos").mkdir(exist_ok=True)
        (bat.data_dir / rel).write_bytes(data)
        add_blob(bat, BlobRow(sha256=digest, size=len(data), path=rel, mime="image/jpeg",
                              kind=kind, derived_from=None if kind == "original" else sha))  # fmt: skip
    bat.save(model.Photo(sha256=sha, visit_id=visit.id, size_bytes=len(original)))
    round_trip(bat, server, tmp_path / "bat")
    dulmaa = laptop(tmp_path, server, "Дулмаа")
    _, report = round_trip(dulmaa, server, tmp_path / "dulmaa")
    pulled = bc.import_bundle(dulmaa, report.pull_path)
    assert pulled.blobs_confirmed == 2  # thumbnail and preview, never the original
    paths = PhotoFiles(dulmaa.data_dir)
    assert paths.thumb_path(sha).read_bytes() == files["thumb"]
    assert paths.preview_path(sha).read_bytes() == files["preview"]
    assert not paths.original_path(sha).exists()
    thumb = blob(dulmaa, hashlib.sha256(files["thumb"]).hexdigest())
    assert thumb["upload_state"] == "present" and thumb["derived_from"] == sha
    assert bc.export_push_bundle(dulmaa, tmp_path / "next.pemsync").blobs == 0  # not sent back
