"""Hostile and careless devices against the real server (subprocess), on SQLite and PostgreSQL.

Each numbered attack of issue 11 that concerns the server is reproduced here. Every one must end
in a 4xx or a refused op, with nothing applied, the server still up, and an honest laptop still
syncing (pulling everything, converging with the server).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile import RawDevice, create, patch
from synchelp import (
    LiveServer,
    client_for,
    enrolled,
    finding_fields,
    geojson,
    new_site,
    observation_fields,
    photo_fields,
    plot_fields,
    site_fields,
    visit_fields,
)

from pemdesk.ids import new_id
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync import protocol as p


@pytest.fixture
def bystander(live_server: LiveServer, tmp_path: Path) -> Iterator[Store]:
    """An honest laptop with a site of its own, synced."""
    store = enrolled(live_server, tmp_path / "honest", "Сайн")
    new_site(store, "Шударга")
    with client_for(store) as client:
        client.sync()
    yield store
    store.close()


def still_serving(server: LiveServer, store: Store) -> None:
    """The server answers, and an honest laptop syncs and equals the server, record by record."""
    assert server.proc is not None and server.proc.poll() is None, server.read_log()
    assert httpx.get(f"{server.url}/v1/info", timeout=5, verify=False).status_code == 200
    with client_for(store) as client:
        client.sync()
        client.sync()
    # Record by record; hand-made creates leave out columns the laptop fills with its defaults.
    server_dump = server.store.dump()
    laptop = {entity: {rid: {k: v for k, v in row.items() if k in server_dump[entity][rid]}
                       for rid, row in rows.items() if rid in server_dump.get(entity, {})}
              for entity, rows in sc.canonical_dump(store).items()}
    assert {e: set(r) for e, r in sc.canonical_dump(store).items() if r} == {
        e: set(r) for e, r in server_dump.items() if r}
    assert json.dumps(laptop, sort_keys=True) == json.dumps(server_dump, sort_keys=True)
    # A laptop enrolled after the attack pulls everything too.
    fresh = enrolled(server, store.data_dir.parent / f"fresh-{new_id()[-6:]}", "Шинэ")
    try:
        with client_for(fresh) as client:
            report = client.sync()
        assert report.pulled == sum(len(v) for v in server.store.dump().values())
    finally:
        fresh.close()


# --- 2. authenticate before reading ----------------------------------------------------------
BOMB = p.compress(b"[" * (60 * 1024 * 1024), "zstd")  # ~5 KB that inflate to 60 MB


@pytest.mark.parametrize("path", ["/v1/sync/hello", "/v1/sync/push", "/v1/blobs/have"])
def test_unsigned_bomb_is_refused_unread(live_server: LiveServer, bystander: Store,
                                         path: str) -> None:
    headers = {"content-encoding": "zstd", p.H_DEVICE: new_id(), p.H_TIME: "x", p.H_NONCE: "n",
               p.H_SIG: "00" * 64}
    r = httpx.post(live_server.url + path, content=BOMB, headers=headers, timeout=10)
    assert r.status_code == 401
    still_serving(live_server, bystander)


def test_signed_bombs_and_deep_json_are_4xx(live_server: LiveServer, bystander: Store) -> None:
    dev = RawDevice(live_server, "Муу")
    # Decompresses past the limit: 413. Deep nesting, garbage, wrong encoding: 400. Never 500.
    assert dev.send("POST", "/v1/sync/push", raw=BOMB).status_code == 413
    deep = p.compress(b"[" * 100_000 + b"]" * 100_000, "zstd")
    assert dev.send("POST", "/v1/sync/push", raw=deep).status_code == 400
    for path in ("/v1/sync/hello", "/v1/blobs/have"):  # small bodies only: past the limit
        assert dev.send("POST", path, raw=deep).status_code in (400, 413)
    shallow_but_deep = p.compress(b"[" * 40 + b"]" * 40, "zstd")
    assert dev.send("POST", "/v1/sync/hello", raw=shallow_but_deep).status_code == 400
    assert dev.send("POST", "/v1/sync/push", raw=b"\x28\xb5\x2f\xfd garbage").status_code == 400
    assert dev.send("POST", "/v1/sync/push", raw=b"{}", encoding="br").status_code == 400
    r = httpx.post(live_server.url + "/v1/enroll", content=b"[" * 100_000, timeout=10)
    assert r.status_code in (400, 413)
    dev.close()
    still_serving(live_server, bystander)


# --- 12. the signature covers the body and every header that changes meaning ------------------
def test_relayed_changes_and_replays_are_refused(live_server: LiveServer, bystander: Store
                                                 ) -> None:
    dev = RawDevice(live_server, "Муу")
    sid = new_id()
    body = p.compress(json.dumps({"ops": [{**create("site", sid, site_fields()), "device_seq": 1,
                                           "op_id": new_id(), "base_version": 0,
                                           "hlc": "2026-06-01T00:00:00.000Z",
                                           "schema_version": 2}]}).encode(), "zstd")
    headers = dev.headers("POST", "/v1/sync/push", body, {"content-encoding": "zstd"})
    # A relay swapping the encoding, or the body, breaks the signature (or the digest).
    for change in ({"content-encoding": "gzip"}, {"content-digest": p.content_digest(b"x")}):
        r = dev.http.post("/v1/sync/push", content=body, headers={**headers, **change})
        assert r.status_code in (400, 401), r.text
    r = dev.http.post("/v1/sync/push", content=body + b" ", headers=headers)
    assert r.status_code == 400  # the body does not match its signed digest
    pull_headers = dev.headers("GET", "/v1/sync/pull?scope=all&after=0&limit=10", b"")
    assert dev.http.get("/v1/sync/pull?scope=all&after=0&limit=10",
                        headers=pull_headers).status_code == 200
    # Nonces are kept in the database: the same request after a restart is still a replay.
    live_server.restart()
    assert dev.http.get("/v1/sync/pull?scope=all&after=0&limit=10",
                        headers=pull_headers).status_code == 401
    # A time outside the window: clock_skew, with the server's time to sign with.
    old = dev.headers("GET", "/v1/sync/pull?scope=all&after=0&limit=10", b"",
                      stamp="2020-01-01T00:00:00+00:00")
    r = dev.http.get("/v1/sync/pull?scope=all&after=0&limit=10", headers=old)
    assert r.status_code == 401 and r.json()["error"] == "clock_skew" and r.json()["server_now"]
    # Upload headers are signed too: a relay cannot turn a small declared upload into a big one.
    sha = "ab" * 32
    meta = f"sha256 {p.b64(sha.encode())},kind {p.b64(b'original')}"
    signed = dev.headers("POST", "/v1/blobs/uploads", b"",
                         {"upload-length": "10", "upload-metadata": meta})
    r = dev.http.post("/v1/blobs/uploads", headers={**signed, "upload-length": "1000000"})
    assert r.status_code == 401
    assert live_server.store.dump().get("site", {}).get(sid) is None
    dev.close()
    still_serving(live_server, bystander)


def test_a_laptop_with_a_wrong_clock_still_syncs(live_server: LiveServer, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = enrolled(live_server, tmp_path / "skewed", "Цаг")
    new_site(store, "Цаг буруу")
    with client_for(store) as client:
        client.t.clock_offset_s = -3 * 24 * 3600  # three days slow
        report = client.sync()
    assert report.acked == 1
    store.close()


def test_answers_are_signed_with_the_pinned_key(live_server: LiveServer, bystander: Store) -> None:
    from pemdesk.sync.transport import SyncRefused

    with client_for(bystander) as client:
        client.t.server_key = live_server.store.public_key_hex
        client.sync()  # every answer verifies
        client.t.server_key = "11" * 32  # a key the answers were not signed with
        with pytest.raises(SyncRefused) as err:
            client.sync()
    assert err.value.code == "bad_server_signature"


# --- 3. planting records in someone else's finished visit ------------------------------------
def test_no_planting_in_another_monitors_finished_visit(live_server: LiveServer,
                                                        bystander: Store) -> None:
    owner, planter = RawDevice(live_server, "Эзэн"), RawDevice(live_server, "Хорлогч")
    sid, vid, oid = new_id(), new_id(), new_id()
    assert {r["status"] for r in owner.push(
        create("site", sid, site_fields()), create("visit", vid, visit_fields(sid)),
        create("observation", oid, observation_fields(vid)),
        patch("visit", vid, {"status": "finished", "finished_at": "2026-06-01T03:00:00Z"}),
    )} == {"applied"}
    before = live_server.store.dump()
    mine, child, photo = new_id(), new_id(), new_id()
    results = planter.push(
        create("visit", mine, visit_fields(sid)),
        create("observation", child, observation_fields(mine, value_num=999.0)),
        create("photo", photo, photo_fields("cd" * 32, mine)),
        patch("observation", child, {"visit_id": vid}),  # moved into the sealed visit
        patch("photo", photo, {"visit_id": vid}),
        create("observation", new_id(), observation_fields(vid)),  # straight in
        patch("observation", oid, {"value_num": 1.0}),  # the owner's own record
        {"entity": "observation", "entity_id": oid, "op": "delete", "fields": {}, "base_version": 1},
    )
    assert [r["status"] for r in results[:3]] == ["applied"] * 3
    assert [r.get("reason") for r in results[3:]] == ["not_owner"] * 5
    # Even the owner cannot change a finished visit: an amendment is a new revision.
    refused = owner.push(patch("observation", oid, {"value_num": 8.0}),
                         patch("visit", vid, {"notes": "later"}, base=2),
                         create("finding", new_id(), finding_fields(vid)))
    assert [r.get("reason") for r in refused] == ["visit_finished"] * 3
    after = live_server.store.dump()
    assert after["observation"][oid] == before["observation"][oid]
    assert after["visit"][vid] == before["visit"][vid]
    assert after["observation"][child]["visit_id"] == mine
    owner.close(), planter.close()
    still_serving(live_server, bystander)


# --- 4. one bad value must not stop every laptop from pulling --------------------------------
BAD_SITE_PATCHES: list[tuple[dict[str, Any], str]] = [
    ({"name_mn": None}, "required:name_mn"),
    ({"notes": {"a": 1}}, "not_text:notes"),
    ({"holder": 10**30}, "not_text:holder"),
    ({"lon": 10**30}, "out_of_range:lon"),
    ({"lon": 200.0}, "out_of_range:lon"),
    ({"boundary": "not json"}, "not_geojson:boundary"),
    ({"boundary": json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})},
     "ring_not_closed:boundary"),
    ({"aimag_code": "ZZ"}, "unknown_aimag:aimag_code"),
    ({"kind": "castle"}, "not_allowed:kind"),
    ({"secret_column": 1}, "unknown_field:secret_column"),
    ({"created_at": "2020-01-01T00:00:00Z"}, "write_once:created_at"),
    ({"is_demo": 1}, "server_owned:is_demo"),
]


def test_bad_values_are_refused_and_reach_nobody(live_server: LiveServer, bystander: Store
                                                 ) -> None:
    dev = RawDevice(live_server, "Хайхрамжгүй")
    sid, oid, vid = new_id(), new_id(), new_id()
    assert dev.push(create("site", sid, site_fields()))[0]["status"] == "applied"
    results = dev.push(*[patch("site", sid, fields) for fields, _ in BAD_SITE_PATCHES])
    assert [r.get("reason") for r in results] == [reason for _, reason in BAD_SITE_PATCHES]
    assert all(r["status"] == "rejected" and r["canonical"]["version"] == 1 for r in results)
    # 1e400 is a JSON number too (it parses as infinity).
    body = {"ops": [{**patch("site", sid, {}), "device_seq": dev.seq + 1, "op_id": new_id(),
                     "hlc": "2026-06-01T00:00:00Z", "schema_version": 2}]}
    text = json.dumps(body).replace('"fields": {}', '"fields": {"lat": 1e400}').encode()
    r = dev.send("POST", "/v1/sync/push", raw=p.compress(text, "zstd"))
    dev.seq += 1
    assert r.json()["results"][0]["reason"] == "not_finite:lat"
    no_time = observation_fields(vid)
    del no_time["created_at"]
    results = dev.push(create("observation", oid, no_time),  # no created_at, no visit either
                       create("visit", vid, visit_fields(new_id())),  # a site that is nowhere
                       create("plot", new_id(), plot_fields(sid, geometry="not json")),
                       create("castle", new_id(), {"created_at": "2026-06-01T00:00:00Z"}),

                       patch("site", sid, {"notes": "fine"}, base=2**61))
    assert [r.get("reason") for r in results] == [
        "required:created_at", "missing_reference:site_id", "not_geojson:geometry",
        "unknown_entity", "base_version_ahead"]
    dump = live_server.store.dump()
    assert dump["site"][sid]["name_mn"] == "Уурхай" and dump["site"][sid]["is_demo"] == 0
    assert "castle" not in dump and oid not in dump.get("observation", {})
    dev.close()
    still_serving(live_server, bystander)


# --- 5. server-owned fields, forged clocks, conflict details ---------------------------------
def _person(name: str) -> dict[str, Any]:
    return {"name": name, "role": "monitor", "organisation": "", "phone": "", "notes": "",
            "created_at": "2026-06-01T00:00:00.000Z", "updated_at": "2026-06-01T00:00:00.000Z",
            "extra": "{}", "_version": 0, "_deleted": 0, "_conflict": 0}


def test_created_by_is_write_once_and_cannot_claim_another_monitor(
        live_server: LiveServer, bystander: Store) -> None:
    """A visit's author (``created_by``, sealed) cannot be rewritten by a patch, and another
    monitor's device cannot author a visit as someone else's person: refused, nothing applied."""
    bat, dorj = RawDevice(live_server, "Бат"), RawDevice(live_server, "Дорж")
    sid, p_bat, p_dorj, vid = new_id(), new_id(), new_id(), new_id()
    assert [r["status"] for r in bat.push(
        create("site", sid, site_fields()), create("person", p_bat, _person("Бат")),
        create("person", p_dorj, _person("Дорж")),
        create("visit", vid, visit_fields(sid, created_by=p_bat)))] == ["applied"] * 4
    before = live_server.store.dump()
    results = bat.push(patch("visit", vid, {"created_by": p_dorj}),
                       patch("visit", vid, {"created_by": None}),
                       patch("visit", vid, {"created_by": p_dorj, "notes": "миний"}))
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "write_once:created_by")] * 3
    # Another monitor's device claims Бат's authorship on a new visit (and via a re-create).
    stolen, own = new_id(), new_id()
    results = dorj.push(create("visit", stolen, visit_fields(sid, created_by=p_bat)),
                        create("visit", vid, visit_fields(sid, created_by=p_dorj)),
                        create("visit", own, visit_fields(sid, created_by=p_dorj)))
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "not_author:created_by"), ("rejected", results[1].get("reason")),
        ("applied", None)]
    assert str(results[1].get("reason")).startswith(("write_once:", "not_owner"))
    after = live_server.store.dump()
    assert after["visit"][vid] == before["visit"][vid]
    assert stolen not in after["visit"] and after["visit"][own]["created_by"] == p_dorj
    # Бат's own device may go on authoring visits as Бат; Бат's device cannot take Дорж's.
    results = bat.push(create("visit", new_id(), visit_fields(sid, created_by=p_bat)),
                       create("visit", new_id(), visit_fields(sid, created_by=p_dorj)))
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None), ("rejected", "not_author:created_by")]
    bat.close(), dorj.close()
    still_serving(live_server, bystander)


def test_clocks_do_not_decide_and_conflicts_stay_with_coordinators(
        live_server: LiveServer, bystander: Store) -> None:
    a, b = RawDevice(live_server, "А"), RawDevice(live_server, "Б")
    coordinator = RawDevice(live_server, "Зохицуулагч", "coordinator")
    sid, pid = new_id(), new_id()
    a.push(create("site", sid, site_fields()), create("plot", pid, plot_fields(sid)))
    a.push(patch("plot", pid, {"geometry": geojson(106.0)}))
    # B claims a capture time far in the future: it does not win because of that; it arrived
    # later, and the server's order decides. Both outlines are kept.
    far = {**patch("plot", pid, {"geometry": geojson(107.0)}), "hlc": "2999-01-01T00:00:00Z"}
    assert b.push(far)[0]["status"] == "conflict"
    c = {**patch("plot", pid, {"geometry": geojson(108.0)}, base=2),
         "hlc": "2000-01-01T00:00:00Z"}
    assert a.push(c)[0]["status"] == "conflict"  # B's change came after A's base
    plot = live_server.store.dump()["plot"][pid]
    assert plot["geometry"] == geojson(108.0)  # the latest arrival, whatever the clocks said
    # Monitors see the flag; only coordinators get both values.
    mine = [ch for ch in b.pull() if ch["id"] == pid][0]
    assert mine["conflict"] and "conflicts" not in mine
    assert b.send("GET", "/v1/conflicts").status_code == 403
    theirs = [ch for ch in coordinator.pull() if ch["id"] == pid][0]
    assert len(theirs["conflicts"]) == 2
    for dev in (a, b, coordinator):
        dev.close()
    still_serving(live_server, bystander)


# --- 6 and 12. photos: derivatives, MIME, quota, permissions ---------------------------------
def _upload(dev: RawDevice, data: bytes, kind: str = "original", mime: str = "image/jpeg",
            derived_from: str = "", length: int | None = None) -> httpx.Response:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    meta = f"sha256 {p.b64(sha.encode())},kind {p.b64(kind.encode())},mime {p.b64(mime.encode())}"
    if derived_from:
        meta += f",derived_from {p.b64(derived_from.encode())}"
    created = dev.send("POST", "/v1/blobs/uploads", extra={
        "upload-length": str(len(data) if length is None else length), "upload-metadata": meta})
    if created.status_code != 201:
        return created
    checksum = f"sha256 {p.b64(hashlib.sha256(data).digest())}"
    return dev.send("PATCH", created.headers["location"], raw=data, encoding="identity",
                    extra={"upload-offset": "0", "upload-checksum": checksum})


def test_photo_files_cannot_be_hijacked(live_server: LiveServer, bystander: Store) -> None:
    import hashlib

    owner, other = RawDevice(live_server, "Эзэн"), RawDevice(live_server, "Өөр")
    original = b"\xff\xd8 original photo" * 100
    sha = hashlib.sha256(original).hexdigest()
    sid, vid = new_id(), new_id()
    owner.push(create("site", sid, site_fields()), create("visit", vid, visit_fields(sid)),
               create("photo", new_id(), photo_fields(sha, vid)))
    assert _upload(owner, original).status_code == 204
    assert _upload(owner, b"\xff\xd8 owner's thumb", "thumb", derived_from=sha).status_code == 204
    # Another monitor's "thumbnail" of that photo is refused before a byte is stored.
    assert _upload(other, b"\xff\xd8 fake", "thumb", derived_from=sha).status_code == 403
    got = other.send("GET", f"/v1/blobs/{sha}?variant=thumb")
    assert got.status_code == 200 and got.content == b"\xff\xd8 owner's thumb"
    # Whatever type a device declares, a non-image is a download, never a page.
    assert _upload(other, b"<script>alert(1)</script>", mime="text/html").status_code == 204
    html = hashlib.sha256(b"<script>alert(1)</script>").hexdigest()
    got = owner.send("GET", f"/v1/blobs/{html}")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"
    # A 1 TiB declaration is refused at once.
    assert _upload(other, b"x", length=2**40).status_code == 413
    # The server's files are its own.
    data_dir = live_server.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    blob = live_server.store.blob_path(sha)
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    if live_server.database_url is None:
        assert stat.S_IMODE((data_dir / "server.sqlite").stat().st_mode) == 0o600
    owner.close(), other.close()
    still_serving(live_server, bystander)


def test_quota_and_expired_uploads(tmp_path: Path, backend: str | None) -> None:
    import hashlib
    from datetime import UTC, datetime, timedelta

    from pemdesk.sync.server.store import ServerStore

    srv = ServerStore.open(tmp_path / "srv", backend)
    dev = srv.enroll(srv.issue_code("Квот"), "ab" * 32)["device_id"]
    srv.device_quota = 1000
    upload_id, _, _ = srv.upload_create(dev, "aa" * 32, 600)
    with pytest.raises(p.ProtocolError) as err:
        srv.upload_create(dev, "bb" * 32, 600)
    assert err.value.code == p.ErrorCode.QUOTA_EXCEEDED
    srv.upload_write(dev, upload_id, 0, b"x" * 10, hashlib.sha256(b"x" * 10).hexdigest())
    part = srv.data_dir / "uploads" / f"{upload_id}.part"
    assert part.exists()
    with srv.db.transaction() as conn:
        srv.db.execute(conn, "UPDATE upload SET expires_at = ?",
                       [(datetime.now(UTC) - timedelta(days=1)).isoformat()])
    assert srv.sweep_uploads() == 1 and not part.exists()
    srv.upload_create(dev, "bb" * 32, 600)  # the expired one no longer counts
    srv.close()


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def flood(server: LiveServer, device_id: str, rounds: int = 3) -> tuple[float, list[int]]:
    """20 unauthenticated requests at once, each a ~60 KB body that would inflate to 60 MB
    (3 rounds), while /v1/info is timed; (worst /v1/info seconds, statuses)."""
    import threading
    import time

    bomb = p.compress(b"0" * (60 * 1024 * 1024), "zstd")
    statuses: list[int] = []
    stop = threading.Event()

    def attacker(n: int) -> None:
        with httpx.Client(timeout=30, verify=False) as http:
            for _ in range(rounds):
                headers = {"content-encoding": "zstd"}
                if n % 2:  # claims an enrolled device, signs nothing valid
                    headers.update({p.H_DEVICE: device_id, p.H_TIME: "2026-01-01T00:00:00Z",
                                    p.H_NONCE: new_id(), p.H_SIG: "00" * 64})
                r = http.post(f"{server.url}/v1/sync/push", content=bomb, headers=headers)
                statuses.append(r.status_code)

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    worst = 0.0
    with httpx.Client(timeout=30, verify=False) as http:
        while any(t.is_alive() for t in threads):
            start = time.perf_counter()
            assert http.get(f"{server.url}/v1/info").status_code == 200
            worst = max(worst, time.perf_counter() - start)
            time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join()
    return worst, statuses


@pytest.mark.slow
def test_unauthenticated_flood_costs_no_memory(live_server: LiveServer, bystander: Store) -> None:
    assert live_server.proc is not None
    dev = RawDevice(live_server, "Бөмбөг")
    worst, statuses = flood(live_server, dev.device_id)
    peak_mb = _rss_kb(live_server.proc.pid, "VmHWM") / 1024
    assert set(statuses) == {401} and len(statuses) == 60
    assert peak_mb < 200, f"server peak RSS {peak_mb:.0f} MB"
    assert worst < 0.5, f"/v1/info took {worst * 1000:.0f} ms under the flood"
    dev.close()
    still_serving(live_server, bystander)
