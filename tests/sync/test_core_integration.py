"""Real clients against the real server in a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import random
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import synchelp
from synchelp import (
    LiveServer,
    client_for,
    dumps,
    enrolled,
    new_finding,
    new_person,
    new_plot,
    new_site,
    new_visit,
    random_edit,
    square,
)

from pemdesk import model
from pemdesk.cli import main as cli_main
from pemdesk.errors import Offline
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.client import SyncReport
from pemdesk.sync.netproxy import UP, NetProxy
from pemdesk.sync.transport import SyncRefused


def sync(store: Store, url: str | None = None, **kw: Any) -> Any:
    with client_for(store, url, **kw) as client:
        return client.sync()


def assert_converged(server: LiveServer, stores: list[Store]) -> None:
    expected = server.store.dump()
    for store in stores:
        got = sc.canonical_dump(store)
        assert dumps(got) == dumps(expected), f"{store.data_dir} differs from the server"
    # Nothing duplicated: one applied op per (device, seq) and per op_id.
    applied = server.store.applied_ops()
    assert len({(d, s) for d, s, _, _ in applied}) == len(applied)
    assert len({o for _, _, o, _ in applied}) == len(applied)


def test_cli_enroll_sync_status(live_server: LiveServer, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "laptop"
    code = live_server.code("Бат")
    assert cli_main(["--data-dir", str(folder), "--lang", "en", "enroll", "--server",
                     live_server.url, "--code", code]) == 0
    with Store.open(folder) as store:
        site = new_site(store)
        visit = new_visit(store, site.id, new_person(store).id)
        new_finding(store, visit.id)
        assert sc.record_sync_status(store, "site", site.id) == "pending"
    assert cli_main(["--data-dir", str(folder), "--lang", "en", "sync", "--json"]) == 0
    assert '"acked": 4' in capsys.readouterr().out
    assert cli_main(["--data-dir", str(folder), "--lang", "en", "sync", "status"]) == 0
    assert "Changes to send" in capsys.readouterr().out
    with Store.open(folder) as store:
        assert sc.record_sync_status(store, "site", site.id) == "confirmed"
        # A sync with nothing to do is a single round trip.
        report = sync(store)
        assert report.round_trips == 1 and report.pushed == report.pulled == 0
        assert report.bytes_sent + report.bytes_received < 2048
    # A used code is refused in the user's language.
    assert cli_main(["--data-dir", str(tmp_path / "other"), "--lang", "en", "enroll", "--server",
                     live_server.url, "--code", code]) == 1
    assert "code" in capsys.readouterr().err


def test_three_devices_converge_in_random_orders(live_server: LiveServer, tmp_path: Path) -> None:
    stores = [enrolled(live_server, tmp_path / f"d{i}", name)
              for i, name in enumerate(("Бат", "Дулмаа", "Бат"))]  # Бат has two laptops
    rng = random.Random(7)
    mine: list[dict[str, list[str]]] = [{} for _ in stores]
    for _round in range(6):
        for i in rng.sample(range(3), 3):
            for _ in range(rng.randrange(1, 5)):
                random_edit(stores[i], rng, mine[i])
            if rng.random() < 0.7:
                sync(stores[i])
    for _ in range(2):
        for store in stores:
            sync(store)
    assert_converged(live_server, stores)
    for store in stores:
        assert store.pending_changes() == 0
        assert store.check() == []
    for store in stores:
        store.close()


def test_local_edits_are_rebased_never_overwritten(live_server: LiveServer, tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    site = new_site(a)
    sync(a)
    sync(b)
    mine = b.get(model.Site, site.id)
    mine.notes = "Б-гийн тэмдэглэл"
    b.save(mine)
    theirs = a.get(model.Site, site.id)
    theirs.holder = "Шинэ эзэмшигч"
    a.save(theirs)
    sync(a)
    with client_for(b) as client:  # pull only: B's unsent edit must survive
        client.pull(client_report := SyncReport())
    assert client_report.pulled == 1
    assert b.get(model.Site, site.id).notes == "Б-гийн тэмдэглэл"
    assert sc.record_sync_status(b, "site", site.id) == "pending"
    sync(b)
    sync(a)
    for store in (a, b):
        merged = store.get(model.Site, site.id)
        assert (merged.notes, merged.holder) == ("Б-гийн тэмдэглэл", "Шинэ эзэмшигч")
    assert_converged(live_server, [a, b])


def test_conflicting_plot_outlines_are_kept_and_resolved(live_server: LiveServer, tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    coord = enrolled(live_server, tmp_path / "c", "Зохицуулагч", "coordinator")
    site = new_site(a)
    plot = new_plot(a, site.id)
    for s in (a, b, coord):
        sync(s)
    for store, lon in ((a, 106.0), (b, 107.0)):
        p = store.get(model.Plot, plot.id)
        p.geometry = square(lon, 44.0)
        store.save(p)
    sync(a)
    report = sync(b)
    assert report.conflicts == 1
    for s in (a, b, coord):
        sync(s)
        assert sc.record_sync_status(s, "plot", plot.id) == "conflict"
    conflicts = sc.open_conflicts(coord, "plot", plot.id)
    assert len(conflicts) == 1 and conflicts[0]["fields"] == ["geometry", "area_ha"]
    # Every replica shows the same provisional outline.
    outlines = {str(s.get(model.Plot, plot.id).geometry) for s in (a, b, coord)}
    assert len(outlines) == 1
    chosen = conflicts[0]["server_value"]
    sc.resolve_conflict(coord, "plot", plot.id, conflicts[0]["conflict_id"], chosen)
    sync(coord)
    for s in (a, b):
        sync(s)
        assert sc.record_sync_status(s, "plot", plot.id) == "confirmed"
    assert_converged(live_server, [a, b, coord])


def test_revoked_device_is_refused(live_server: LiveServer, tmp_path: Path) -> None:
    store = enrolled(live_server, tmp_path / "a", "А")
    new_site(store)
    sync(store)
    live_server.store.revoke(store.meta("sync.device_id"))
    new_site(store, "Дараагийн")
    with pytest.raises(SyncRefused) as err:
        sync(store)
    assert err.value.code == "device_revoked"
    assert "revoked" in err.value.message("en")
    assert store.pending_changes() == 1  # kept safely for a later bundle or re-enrolment


def test_cloned_laptop_is_detected(live_server: LiveServer, tmp_path: Path) -> None:
    original = enrolled(live_server, tmp_path / "a", "А")
    new_site(original)
    sync(original)
    original.close()
    shutil.copytree(tmp_path / "a", tmp_path / "clone")
    original = Store.open(tmp_path / "a")
    clone = Store.open(tmp_path / "clone")
    synchelp.OPENED += [original, clone]
    new_site(original, "Эх хувь")
    new_site(clone, "Хуулбар")
    sync(original)
    with pytest.raises(SyncRefused) as err:
        sync(clone)
    assert err.value.code == "device_seq_reused"
    assert "copied" in err.value.message("en")
    names = {r["name_mn"] for r in live_server.store.dump()["site"].values()}
    assert "Хуулбар" not in names and "Эх хувь" in names
    # Enrolled again as a new device, the copy delivers its own work; nothing is doubled.
    from pemdesk.sync.client import enroll

    enroll(clone, live_server.url, live_server.code("А"), again=True)
    sync(clone)
    sync(original)
    sync(clone)
    names = [r["name_mn"] for r in live_server.store.dump()["site"].values()]
    assert sorted(names) == sorted(["Уурхай", "Эх хувь", "Хуулбар"])
    assert_converged(live_server, [original, clone])


def test_demo_records_never_reach_the_server(live_server: LiveServer, tmp_path: Path) -> None:
    from pemdesk.demo import load_demo

    store = enrolled(live_server, tmp_path / "a", "А")
    load_demo(store)
    demo_site = store.list_sites()[0]
    demo_site.notes = "засварласан"
    store.save(demo_site)  # an edit of a demo record is captured, but must stay local
    visit = new_visit(store, demo_site.id)  # a new record under a demo site: local too
    new_finding(store, visit.id)
    real = new_site(store, "Жинхэнэ")
    assert sc.record_sync_status(store, "site", demo_site.id) == "local"
    assert sc.record_sync_status(store, "visit", visit.id) == "local"
    report = sync(store)
    assert report.pushed == 4 and report.acked == 4
    dump = live_server.store.dump()
    assert set(dump["site"]) == {real.id} and "visit" not in dump and "finding" not in dump
    assert sc.record_sync_status(store, "site", demo_site.id) == "local"
    assert sc.record_sync_status(store, "site", real.id) == "confirmed"


def _add_blob(store: Store, data: bytes, kind: str, derived_from: str | None = None) -> str:
    from pemdesk.storage import photos as q

    sha = hashlib.sha256(data).hexdigest()
    rel = f"photos/{sha[:2]}/{sha}"
    path = store.data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    q.add_blob(store, q.BlobRow(sha, len(data), rel, "image/jpeg", kind, derived_from))
    return sha


def test_photos_in_order_resumable_and_on_demand(live_server: LiveServer, tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    rng = random.Random(3)
    original = rng.randbytes(700_000)
    orig_sha = _add_blob(a, original, "original")
    preview_sha = _add_blob(a, rng.randbytes(150_000), "preview", orig_sha)
    thumb_sha = _add_blob(a, rng.randbytes(20_000), "thumb", orig_sha)
    # The photo record names the original: only its owner may give it a thumbnail or preview.
    a.save(model.Photo(sha256=orig_sha))
    order: list[str] = []
    with client_for(a, chunk_size=128 * 1024) as client:
        client.on_chunk = lambda sha, offset: order.append(sha) if sha not in order else None
        report = client.sync(originals=False)
    # Records first (the sync pushed them before any photo), then thumbnails, then previews;
    # the original waits for a faster link or a USB bundle.
    assert report.blobs_uploaded == 2 and report.blobs_deferred == 1
    assert order == [thumb_sha, preview_sha]
    assert live_server.store.blobs_missing([orig_sha, thumb_sha, preview_sha]) == [orig_sha]
    assert sc.upload_queue(a, originals=False) == []
    # The original goes over a link that is cut in the middle of its third chunk.
    with NetProxy(live_server.port) as proxy, client_for(a, proxy.url, chunk_size=128 * 1024) as client:
        proxy.arm(UP, 2 * 128 * 1024 + 60_000)
        report = client.sync()
        assert proxy.counters.cuts == 1
        payload = report.blob_bytes
    assert live_server.store.blob_path(orig_sha).read_bytes() == original
    # At most one chunk was sent again after the cut.
    assert len(original) < payload <= len(original) + 128 * 1024
    # Another monitor fetches the thumbnail on demand.
    with client_for(b) as client:
        path = client.download_blob(orig_sha, "thumb")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == thumb_sha
        path = client.download_blob(orig_sha, "preview")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == preview_sha


def test_server_killed_during_pushes(live_server: LiveServer, tmp_path: Path) -> None:
    store = enrolled(live_server, tmp_path / "a", "А")
    site = new_site(store)
    for i in range(600):
        new_plot(store, site.id, f"Т{i}", lon=105 + i / 1000)
    errors: list[BaseException] = []

    def pusher() -> None:
        own = Store.open(tmp_path / "a")
        try:
            with client_for(own, push_batch=10, retries=0) as client:
                client.sync()
        except (Offline, SyncRefused) as exc:
            errors.append(exc)
        finally:
            own.close()

    thread = threading.Thread(target=pusher)
    thread.start()
    deadline = time.monotonic() + 30
    while len(live_server.store.applied_ops()) < 50 and time.monotonic() < deadline:
        time.sleep(0.005)
    live_server.restart()  # SIGKILL mid-push, then start again on the same data
    thread.join()
    assert errors, "the server was meant to die in the middle of the pushes"
    acked = {r["op_id"] for r in store.outbox() if r["state"] == "acked"}
    # Acknowledgements are truthful: every op marked acked is durable on the server.
    server_ops = {o for _, _, o, _ in live_server.store.applied_ops()}
    assert acked <= server_ops
    sync(store)
    sync(store)
    assert store.pending_changes() == 0
    assert_converged(live_server, [store])


@pytest.mark.parametrize("n_devices", [6])
def test_concurrent_pushers_never_hide_a_change_from_a_puller(
        backend: str | None, tmp_path: Path, n_devices: int) -> None:
    """The PostgreSQL out-of-order-commit trap: a puller must never skip a server_seq."""
    from synchelp import T0, op

    from pemdesk.ids import new_id
    from pemdesk.sync.server.store import ServerStore

    srv = ServerStore.open(tmp_path / "srv", backend)
    devices = [srv.enroll(srv.issue_code(f"М{i}"), "ab" * 32)["device_id"] for i in range(n_devices)]
    created: set[str] = set()
    seen: dict[str, int] = {}
    done = threading.Event()

    def push(dev: str) -> None:
        for batch in range(15):
            ops = []
            for k in range(5):
                rid = new_id()
                created.add(rid)
                ops.append(op(batch * 5 + k + 1, "person", rid,
                              fields={"name": rid, "role": "monitor", "created_at": T0,
                                      "updated_at": T0}))
            srv.apply_push(dev, ops)

    def pull() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = srv.changes_since("all", after, limit=7)
            for change in page.changes:
                seen[change["id"]] = change["server_seq"]
            after = page.next_after
            if finished and not page.has_more:
                return

    puller = threading.Thread(target=pull)
    puller.start()
    pushers = [threading.Thread(target=push, args=(d,)) for d in devices]
    for t in pushers:
        t.start()
    for t in pushers:
        t.join()
    done.set()
    puller.join()
    srv.close()
    assert len(created) == n_devices * 75
    assert set(seen) == created
    assert sorted(seen.values()) == list(range(1, len(created) + 1))


def test_an_edit_of_someone_elses_visit_is_refused_and_undone(live_server: LiveServer,
                                                              tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    site = new_site(a)
    visit = new_visit(a, site.id)
    sync(a)
    sync(b)
    theirs = b.get(model.Visit, visit.id)
    theirs.notes = "Б засав"
    b.save(theirs)
    report = sync(b)
    assert report.rejected == 1
    # The server's copy is shown again; the refused edit is kept in the outbox as evidence.
    assert b.get(model.Visit, visit.id).notes == ""
    refused = [r for r in b.outbox(visit.id) if r["state"] == "rejected"]
    assert len(refused) == 1 and '"not_owner"' in refused[0]["result"]
    assert '"Б засав"' in refused[0]["fields"]
    # Shown as refused (with the reason in sync problems) until the record changes again.
    assert sc.record_sync_status(b, "visit", visit.id) == "refused"
    assert sc.summary(b)["rejected"] == 1
    assert_converged(live_server, [a, b])
