"""The server's apply path and changes feed, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from synchelp import finding_fields, geojson, op, plot_fields, site_fields, square, visit_fields

from pemdesk.ids import new_id
from pemdesk.sync import protocol
from pemdesk.sync.protocol import ErrorCode, ProtocolError
from pemdesk.sync.server.store import ServerStore


@pytest.fixture
def srv(backend: str | None, tmp_path: Path) -> Any:
    store = ServerStore.open(tmp_path / "srv", backend)
    yield store
    store.close()


def device(srv: ServerStore, monitor: str = "Бат", role: str | None = None) -> str:
    return str(srv.enroll(srv.issue_code(monitor, role), "ab" * 32)["device_id"])


def a_site(srv: ServerStore, dev: str, seq: int = 1) -> str:
    """A site record on the server (the parent most other records need)."""
    sid = new_id()
    res = srv.apply_push(dev, [op(seq, "site", sid, fields=site_fields())])
    assert res.results[0]["status"] == "applied", res.results
    return sid


def test_enrol_code_is_one_time(srv: ServerStore) -> None:
    code = srv.issue_code("Бат")
    first = srv.enroll(code, "cd" * 32)
    # The same laptop asking again (a lost answer) gets the same device; anyone else is refused.
    assert srv.enroll(code, "cd" * 32)["device_id"] == first["device_id"]
    with pytest.raises(ProtocolError) as err:
        srv.enroll(code, "ef" * 32)
    assert err.value.code == ErrorCode.BAD_CODE
    with pytest.raises(ProtocolError):
        srv.enroll(code.lower().replace("-", " "), "ef" * 32)  # normalised, still used


def test_push_is_idempotent_and_gap_free(srv: ServerStore) -> None:
    dev = device(srv)
    sid = new_id()
    ops = [op(1, "site", sid, fields=site_fields()),
           op(2, "site", sid, "patch", {"notes": "a"}, base=0),
           op(3, "site", sid, "patch", {"notes": "b"}, base=0)]
    first = srv.apply_push(dev, ops)
    assert first.high_water == 3
    assert [r["status"] for r in first.results] == ["applied"] * 3
    again = srv.apply_push(dev, ops)
    assert [r["duplicate"] for r in again.results] == [True] * 3
    assert [r["server_seq"] for r in again.results] == [r["server_seq"] for r in first.results]
    assert srv.latest_seq() == 3
    page = srv.changes_since("all", 0)
    assert [c["server_seq"] for c in page.changes] == [3]
    assert page.changes[0]["data"]["notes"] == "b" and page.changes[0]["version"] == 3
    # A retry that overlaps the stored run and adds new ops applies only the new ones.
    more = srv.apply_push(dev, [*ops[2:], op(4, "site", sid, "patch", {"notes": "c"})])
    assert more.results[0]["duplicate"] and more.results[1]["status"] == "applied"
    assert srv.latest_seq() == 4


def test_gap_and_clone_are_refused_with_nothing_applied(srv: ServerStore) -> None:
    dev = device(srv)
    sid = new_id()
    srv.apply_push(dev, [op(1, "site", sid, fields=site_fields())])
    with pytest.raises(ProtocolError) as gap:
        srv.apply_push(dev, [op(3, "site", sid, "patch", {"notes": "x"})])
    assert gap.value.code == ErrorCode.SEQ_GAP and gap.value.extra["expected"] == 2
    with pytest.raises(ProtocolError) as clone:
        srv.apply_push(dev, [op(1, "site", sid, fields=site_fields()),
                             op(2, "site", sid, "patch", {"notes": "x"})])
    assert clone.value.code == ErrorCode.DEVICE_SEQ_REUSED
    assert srv.latest_seq() == 1 and srv.device(dev).high_water == 1  # type: ignore[union-attr]


def test_revoked_and_unknown_devices_are_refused(srv: ServerStore) -> None:
    dev = device(srv)
    assert srv.revoke(dev)
    with pytest.raises(ProtocolError) as err:
        srv.apply_push(dev, [op(1, "site", new_id(), fields=site_fields())])
    assert err.value.code == ErrorCode.DEVICE_REVOKED
    with pytest.raises(ProtocolError) as err:
        srv.apply_push(new_id(), [])
    assert err.value.code == ErrorCode.UNAUTHORIZED


def test_shared_records_merge_fields_and_keep_clashes(srv: ServerStore) -> None:
    a, b = device(srv, "А"), device(srv, "Б")
    sid = new_id()
    srv.apply_push(a, [op(1, "site", sid, fields=site_fields())])  # version 1
    # Both edited version 1: different fields merge, the same field clashes.
    srv.apply_push(a, [op(2, "site", sid, "patch", {"notes": "from A", "holder": "H"}, base=1,
                          hlc="2026-06-02T00:00:00.000Z")])
    res = srv.apply_push(b, [op(1, "site", sid, "patch", {"notes": "from B", "mineral": "алт"},
                                base=1, hlc="2026-06-01T00:00:00.000Z")])
    assert res.results[0]["status"] == "conflict"
    change = srv.changes_since("all", 0, conflicts=True).changes[0]
    assert change["data"]["holder"] == "H" and change["data"]["mineral"] == "алт"
    # The provisional winner is the server's order (B arrived last), not a device's clock.
    assert change["data"]["notes"] == "from B"
    assert change["conflict"] and len(change["conflicts"]) == 1
    kept = change["conflicts"][0]
    assert kept["server_value"] == {"notes": "from A"}
    assert kept["incoming_value"] == {"notes": "from B"}
    assert kept["provisional"] == "incoming"
    # A coordinator resolves; the record is clean again and the chosen value stands.
    coord = device(srv, "Зохицуулагч", "coordinator")
    srv.apply_push(coord, [op(1, "site", sid, "resolve",
                              {"conflict_id": kept["conflict_id"], "values": {"notes": "merged"}},
                              base=3)])
    change = srv.changes_since("all", 0).changes[0]
    assert change["data"]["notes"] == "merged" and not change["conflict"]


def test_geometry_is_never_merged(srv: ServerStore) -> None:
    a, b = device(srv, "А"), device(srv, "Б")
    pid = new_id()
    sid = a_site(srv, a)
    g_a, g_b = geojson(106.0), geojson(107.0)
    srv.apply_push(a, [op(2, "plot", pid, fields=plot_fields(sid))])
    srv.apply_push(a, [op(3, "plot", pid, "patch", {"geometry": g_a, "area_ha": 2.0}, base=1,
                          hlc="2026-06-03T00:00:00.000Z")])
    # B's clock is earlier, but B arrives later: the server's order decides, not the clocks.
    srv.apply_push(b, [op(1, "plot", pid, "patch", {"geometry": g_b, "area_ha": 3.0}, base=1,
                          hlc="2026-06-01T00:00:00.000Z")])
    change = [c for c in srv.changes_since("all", 0, conflicts=True).changes
              if c["entity"] == "plot"][0]
    # B is later: its outline and its area win together; A's outline is kept in the conflict.
    assert (change["data"]["geometry"], change["data"]["area_ha"]) == (g_b, 3.0)
    kept = change["conflicts"][0]
    assert kept["fields"] == ["geometry", "area_ha"]
    assert kept["server_value"] == {"geometry": g_a, "area_ha": 2.0}
    # Conflict details go to coordinators only: a plain pull page carries the flag alone.
    plain = [c for c in srv.changes_since("all", 0).changes if c["entity"] == "plot"][0]
    assert plain["conflict"] and "conflicts" not in plain


def test_visits_are_owner_only(srv: ServerStore) -> None:
    a, b = device(srv, "А"), device(srv, "Б")
    vid, fid = new_id(), new_id()
    sid = a_site(srv, a)
    srv.apply_push(a, [op(2, "visit", vid, fields=visit_fields(sid)),
                       op(3, "finding", fid, fields=finding_fields(vid))])
    res = srv.apply_push(b, [op(1, "visit", vid, "patch", {"notes": "not mine"}, base=1),
                             op(2, "finding", new_id(), fields=finding_fields(vid)),
                             op(3, "finding", fid, "delete", base=1)])
    assert [r["status"] for r in res.results] == ["rejected"] * 3
    assert res.results[0]["reason"] == "not_owner"
    assert res.results[0]["canonical"]["data"]["notes"] == ""
    assert res.high_water == 3  # refusals never block the queue
    # The owner's second laptop may edit.
    a2 = str(srv.enroll(srv.issue_code("А"), "ef" * 32)["device_id"])
    res = srv.apply_push(a2, [op(1, "visit", vid, "patch", {"notes": "mine"}, base=1)])
    assert res.results[0]["status"] == "applied"


def test_update_beats_concurrent_delete(srv: ServerStore) -> None:
    a, b = device(srv, "А"), device(srv, "Б")
    pid = new_id()
    sid = a_site(srv, a)
    srv.apply_push(a, [op(2, "plot", pid, fields=plot_fields(sid))])
    srv.apply_push(a, [op(3, "plot", pid, "patch", {"name": "шинэ"}, base=1)])
    res = srv.apply_push(b, [op(1, "plot", pid, "delete", base=1)])
    assert res.results[0]["status"] == "conflict"
    change = [c for c in srv.changes_since("all", 0).changes if c["entity"] == "plot"][0]
    assert not change["deleted"] and change["conflict"]
    # A delete made after seeing every edit is a plain tombstone.
    srv.apply_push(b, [op(2, "plot", pid, "delete", base=3)])
    change = [c for c in srv.changes_since("all", 0).changes if c["entity"] == "plot"][0]
    assert change["deleted"] and change["data"]["name"] == "шинэ"


def test_skip_ops_keep_the_sequence_dense(srv: ServerStore) -> None:
    dev = device(srv)
    res = srv.apply_push(dev, [protocol.skip_op(1, new_id()), op(2, "site", new_id(),
                                                                 fields=site_fields())])
    assert [r["status"] for r in res.results] == ["skipped", "applied"]
    assert srv.latest_seq() == 1


def test_old_schema_ops_are_upcast(srv: ServerStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def v1_to_v2(o: protocol.Op) -> protocol.Op:
        fields = dict(o["fields"])
        if "note" in fields:  # pretend v1 called the column "note"
            fields["notes"] = fields.pop("note")
        return {**o, "fields": fields}

    monkeypatch.setitem(protocol.UPCASTERS, 1, v1_to_v2)
    dev = device(srv)
    sid = new_id()
    srv.apply_push(dev, [op(1, "site", sid, fields=site_fields(note="old"), schema=1)])
    data = srv.changes_since("all", 0).changes[0]["data"]
    assert data["notes"] == "old" and "note" not in data


def test_pull_pages_in_order(srv: ServerStore) -> None:
    dev = device(srv)
    srv.apply_push(dev, [op(i + 1, "site", new_id(), fields=site_fields()) for i in range(25)])
    seen, after = [], 0
    while True:
        page = srv.changes_since("all", after, limit=10)
        seen += [c["server_seq"] for c in page.changes]
        after = page.next_after
        if not page.has_more:
            break
    assert seen == list(range(1, 26))


def test_blob_upload_resumes_and_verifies(srv: ServerStore) -> None:
    import hashlib

    dev = device(srv)
    data = bytes(range(256)) * 1000
    sha = hashlib.sha256(data).hexdigest()
    assert srv.blobs_missing([sha]) == [sha]
    upload_id, offset, done = srv.upload_create(dev, sha, len(data))
    assert (offset, done) == (0, False)
    srv.upload_write(dev, upload_id, 0, data[:100_000], hashlib.sha256(data[:100_000]).hexdigest())
    # Creating again (a lost response) finds the same upload and its offset.
    assert srv.upload_create(dev, sha, len(data))[:2] == (upload_id, 100_000)
    with pytest.raises(ProtocolError) as err:
        srv.upload_write(dev, upload_id, 50, b"x", None)
    assert err.value.code == ErrorCode.OFFSET_MISMATCH
    with pytest.raises(ProtocolError) as err:
        srv.upload_write(dev, upload_id, 100_000, data[100_000:], "0" * 64)
    assert err.value.code == ErrorCode.CHECKSUM_MISMATCH
    assert srv.upload_write(dev, upload_id, 100_000, data[100_000:], None) == (len(data), True)
    assert srv.blob_path(sha).read_bytes() == data and srv.blobs_missing([sha]) == []
    assert srv.upload_create(dev, sha, len(data))[2] is True


def test_protocol_bodies_and_ops() -> None:
    value = {"б": [1, 2.5, None], "a": "Өмнөговь"}
    assert protocol.canonical_json(value) == '{"a":"Өмнөговь","б":[1,2.5,null]}'.encode()
    for enc in ("zstd", "gzip", "identity"):
        assert protocol.decode_body(protocol.encode_body(value, enc), enc) == value
    bomb = protocol.compress(b"0" * (2 * 1024 * 1024), "zstd")
    with pytest.raises(ProtocolError) as err:
        protocol.decompress(bomb, "zstd", limit=1024 * 1024)
    assert err.value.code == ErrorCode.TOO_LARGE
    with pytest.raises(ProtocolError):
        protocol.decode_body(b"garbage", "zstd")
    with pytest.raises(ProtocolError):
        protocol.validate_op({"device_seq": 0, "op_id": "x", "op": "create"})
    with pytest.raises(ProtocolError):
        protocol.validate_op({**op(1, "site; drop", "x"), "entity": "Site;"})
    assert protocol.field_groups("plot", ["notes", "area_ha"]) == [("geometry", "area_ha"),
                                                                    ("notes",)]
    assert square(0, 0)["type"] == "Polygon"
