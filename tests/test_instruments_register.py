"""The instrument register (issue 14): where every instrument is, checked edits, moving an
instrument to a new deployment, and undoing an import — all without Qt."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import make_site
from pemdesk.errors import InvalidInput
from pemdesk.instruments import register as reg
from pemdesk.instruments.formats import read_file
from pemdesk.storage import Store
from pemdesk.storage import readings as rs
from pemdesk.storage import sync_client as sc


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


def _readings(store: Store, tmp_path: Path, deployment: str, day: str = "2025-01-02") -> str:
    f = tmp_path / f"r-{day}.csv"
    f.write_text("time,pm10\n" + "".join(f"{day} {h:02d}:00,{10 + h}\n" for h in range(6)),
                 encoding="utf-8")
    return rs.import_parsed(store, deployment, read_file(f, tz="+08:00")).batches[0]


def test_register_lists_every_instrument_with_where_it_is(store: Store) -> None:
    site = make_site(store, "Тоосны цэг")
    a = reg.save_instrument(store, {"serial": "DT-1", "make": "TSI", "model": "DustTrak 8530"})
    b = reg.save_instrument(store, {"serial": "HB-9", "make": "Onset", "model": "HOBO U20"})
    rs.add_deployment(store, a, site.id, "2025-01-01T00:00:00Z")
    rows = {r["serial"]: r for r in reg.register(store)}
    assert set(rows) == {"DT-1", "HB-9"}
    assert rows["DT-1"]["site_name_mn"] == "Тоосны цэг" and rows["DT-1"]["deployments"] == 1
    assert rows["HB-9"]["deployment_id"] is None and rows["HB-9"]["id"] == b


def test_edits_are_checked_in_both_languages(store: Store) -> None:
    iid = reg.save_instrument(store, {"serial": "AQ-1", "make": "Aeroqual"})
    with pytest.raises(InvalidInput) as dup:
        reg.save_instrument(store, {"serial": " AQ-1 "})  # the same serial, spaces around
    assert "AQ-1" in dup.value.en and "AQ-1" in dup.value.mn
    with pytest.raises(InvalidInput):
        reg.save_instrument(store, {"serial": "  "})
    with pytest.raises(InvalidInput) as order:
        reg.save_instrument(store, {"calibrated_on": "2026-03-01", "calibration_due": "2026-01-01"},
                            iid)
    assert "before" in order.value.en
    with pytest.raises(InvalidInput):
        reg.save_instrument(store, {"calibrated_on": "1/3/2026"}, iid)
    with pytest.raises(InvalidInput):
        reg.save_instrument(store, {"factor": 0}, iid)
    reg.save_instrument(store, {"make": "Aeroqual", "model": "AQS 1", "owner": "Сум",
                                "calibrated_on": "2026-01-05", "calibration_due": "2027-01-05",
                                "factor": 0.92}, iid)
    row = rs.get_instrument(store, iid)
    assert (row["model"], row["owner"], row["factor"], row["serial"]) == ("AQS 1", "Сум", 0.92, "AQ-1")


def test_moving_an_instrument_ends_its_deployment_and_keeps_the_readings(
        store: Store, tmp_path: Path) -> None:
    first = make_site(store, "Эхний цэг")
    second = make_site(store, "Дараагийн цэг")
    iid = reg.save_instrument(store, {"serial": "PA-7", "make": "PurpleAir"})
    old = rs.add_deployment(store, iid, first.id, "2025-01-01T00:00:00Z",
                            corrections=["epa2021_purpleair"])
    _readings(store, tmp_path, old)
    with pytest.raises(InvalidInput):  # before the current deployment began
        reg.move_instrument(store, iid, second.id, "2024-12-31T00:00:00Z")
    with pytest.raises(InvalidInput):
        reg.move_instrument(store, iid, second.id, "tomorrow")
    new = reg.move_instrument(store, iid, second.id, "2025-02-01T00:00:00Z", height_m=2.5)
    assert rs.get_deployment(store, old)["ended_at"] == "2025-02-01T00:00:00Z"
    moved = rs.get_deployment(store, new)
    assert moved["site_id"] == second.id and moved["height_m"] == 2.5
    assert moved["corrections"] == ["epa2021_purpleair"] and moved["ended_at"] is None
    assert [i[1] for i in rs.indicators(store, old)] == [6]  # the readings stayed
    assert rs.indicators(store, new) == []
    here = {r["serial"]: r for r in reg.register(store)}["PA-7"]
    assert here["deployment_id"] == new and here["deployments"] == 2


def test_an_import_removed_is_gone_and_the_removal_syncs(store: Store, tmp_path: Path) -> None:
    site = make_site(store)
    iid = reg.save_instrument(store, {"serial": "SN-5"})
    dep = rs.add_deployment(store, iid, site.id, "2025-01-01T00:00:00Z")
    keep = _readings(store, tmp_path, dep, "2025-01-02")
    drop = _readings(store, tmp_path, dep, "2025-01-03")
    assert [b["id"] for b in rs.batches(store, dep)] == [keep, drop]
    before = len(sc.pending_ops(store, limit=None))
    assert rs.remove_import(store, drop) == 6
    assert [b["id"] for b in rs.batches(store, dep)] == [keep]
    assert rs.indicators(store, dep)[0][1] == 6
    ops = sc.pending_ops(store, limit=None)[before:]
    assert any(o["entity"] == "reading_batch" and o["entity_id"] == drop for o in ops)
    with pytest.raises(InvalidInput):
        rs.remove_import(store, drop)  # twice: refused by name, nothing changes
