"""A proxy cuts the connection at every byte offset of a small reference session, in both
directions; the client's retry must converge with nothing lost and nothing duplicated.

The reference session is one enrolled laptop with 3 new records: hello, one push, one pull
(about 2.1 KB up, 1.3 KB down, headers included). Every offset is cut, in each direction, on
SQLite and on PostgreSQL (~70 ms a run on a quiet machine: a fresh laptop folder, an enrolment, a
sync through the proxy). The cut fires once; the retry goes through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from synchelp import LiveServer, client_for

from pemdesk import model
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync.client import META_DEVICE, META_URL, SyncReport
from pemdesk.sync.netproxy import DOWN, UP, NetProxy

pytestmark = pytest.mark.slow


def make_template(folder: Path) -> None:
    from pemdesk.device_key import load_or_create

    with Store.open(folder) as store:
        load_or_create(folder)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def prepare(server: LiveServer, template: Path, folder: Path, proxy_url: str
            ) -> tuple[Store, list[str]]:
    from pemdesk.device_key import load_or_create

    shutil.copytree(template, folder)
    store = Store.open(folder)
    ids = []
    for name in ("Бат", "Дорж", "Сараа"):
        person = model.Person(name=name)
        store.save(person)
        ids.append(person.id)
    key = load_or_create(folder)
    result = server.store.enroll(server.code("М"), key.public_hex, folder.name)
    store.set_meta(META_URL, proxy_url)
    store.set_meta(META_DEVICE, result["device_id"])
    # Start pulling from the current end, so the session is the same size every time.
    sc.pull_apply(store, [], epoch=server.store.epoch, next_after=server.store.latest_seq())
    return store, ids


def check(server: LiveServer, store: Store, ids: list[str]) -> None:
    device = store.meta(META_DEVICE)
    assert [r["state"] for r in store.outbox()] == ["acked"] * 3
    db = server.store.db
    with db.connection() as conn:
        applied = db.query(conn, "SELECT device_seq, op_id FROM applied_op WHERE device_id = ? "
                           "ORDER BY device_seq", [device])
        marks = ",".join("?" for _ in ids)
        records = db.query(conn, f"SELECT id, version, data FROM record WHERE id IN ({marks})", ids)
    assert [(s, o) for s, o in applied] == [(r["device_seq"], r["op_id"]) for r in store.outbox()]
    assert sorted(r[0] for r in records) == sorted(ids)
    assert all(int(r[1]) == 1 for r in records)  # created once, never twice
    for rid, _, data in records:
        assert json.loads(data)["name"] == store.get(model.Person, rid).name
        assert sc.record_sync_status(store, "person", rid) == "confirmed"
    assert sc.cursor(store)[1] == server.store.latest_seq()


# ~2,200 runs of a whole session: on a 2-core machine shared with other work one direction
# can pass the suite's 300 s default (it did at load average 8 on 2026-12-04).
@pytest.mark.timeout(900)
@pytest.mark.parametrize("direction", [UP, DOWN])
def test_cut_at_every_offset(backend: str | None, fast_tmp: Path, direction: str) -> None:
    tmp_path = fast_tmp
    live_server = LiveServer(tmp_path / "server", backend)
    live_server.data_dir.mkdir()
    live_server.start()
    try:
        run_cuts(live_server, tmp_path, direction)
    finally:
        live_server.stop()


def run_cuts(live_server: LiveServer, tmp_path: Path, direction: str) -> None:
    template = tmp_path / "template"
    make_template(template)
    # The reference run measures the session and where each message starts.
    with NetProxy(live_server.port) as proxy:
        store, ids = prepare(live_server, template, tmp_path / "ref", proxy.url)
        sizes: list[int] = []
        with client_for(store) as client:
            original = client.t.client.send

            def send(request: Any, **kw: Any) -> Any:
                response = original(request, **kw)
                sizes.append(proxy.counters.up if direction == UP else proxy.counters.down)
                return response

            client.t.client.send = send  # type: ignore[method-assign]
            client.sync()
        check(live_server, store, ids)
        store.close()
        total = proxy.counters.up if direction == UP else proxy.counters.down
    assert len(sizes) == 3 and 500 < total < 5000
    for k in range(total + 1):
        with NetProxy(live_server.port) as proxy:
            store, ids = prepare(live_server, template, tmp_path / f"run{direction}{k}", proxy.url)
            proxy.arm(direction, k)
            try:
                with client_for(store, retries=3, backoff_s=0.001, stall_s=5) as client:
                    client.sync()
                passed = proxy.counters.up if direction == UP else proxy.counters.down
                # Sizes vary by a few bytes between runs (compressed ids, the cursor's digits):
                # only an offset past this run's end may go uncut.
                assert proxy.counters.cuts == 1 or k >= passed
                check(live_server, store, ids)
            except BaseException as exc:
                raise AssertionError(f"cut {direction} at byte {k} of {total}") from exc
            finally:
                store.close()
            shutil.rmtree(tmp_path / f"run{direction}{k}")


def test_photo_upload_cut_at_offsets(backend: str | None, fast_tmp: Path) -> None:
    """A 10 KB photo in 3 chunks of 4 KiB (create, 3 × PATCH, ~12 KB up): cut every 71st byte
    (SQLite) or 157th (PostgreSQL) in each direction, and every byte within 4 of the session's
    start and end; the file arrives whole, at most one chunk of payload is sent again, and the
    laptop marks it present."""
    import hashlib
    import random

    from pemdesk.storage import photos as q

    server = LiveServer(fast_tmp / "server", backend)
    server.data_dir.mkdir()
    server.start()
    template = fast_tmp / "template"
    make_template(template)
    chunk = 4096
    stride = 71 if backend is None else 157
    try:
        for direction in (UP, DOWN):
            total, k, boundaries = None, 0, [0]
            while total is None or k <= total:
                data = random.Random(k * 2 + (direction == UP)).randbytes(10_000)
                sha = hashlib.sha256(data).hexdigest()
                folder = fast_tmp / f"photo{direction}{k}"
                with NetProxy(server.port) as proxy:
                    store, _ = prepare(server, template, folder, proxy.url)
                    rel = f"photos/{sha[:2]}/{sha}"
                    (folder / rel).parent.mkdir(parents=True)
                    (folder / rel).write_bytes(data)
                    q.add_blob(store, q.BlobRow(sha, len(data), rel, "image/jpeg", "original"))
                    with client_for(store, retries=3, backoff_s=0.001, stall_s=5,
                                    chunk_size=chunk) as client:
                        if total is not None:
                            proxy.arm(direction, k)
                        report = SyncReport()
                        try:
                            client.upload_blobs(report)
                        except BaseException as exc:
                            raise AssertionError(f"photo cut {direction} at {k}") from exc
                        passed = proxy.counters.up if direction == UP else proxy.counters.down
                    assert server.store.blob_path(sha).read_bytes() == data, (direction, k)
                    assert q.blob(store, sha)["upload_state"] == "present"
                    assert len(data) <= report.blob_bytes <= len(data) + chunk, (direction, k)
                    store.close()
                    if total is None:  # the uncut reference run
                        total = passed
                        boundaries = [0, passed]
                    else:
                        assert proxy.counters.cuts == 1 or k >= passed
                shutil.rmtree(folder)
                near = any(abs(k - b) < 4 for b in boundaries)
                k += 1 if near else stride
    finally:
        server.stop()
