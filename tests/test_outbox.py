"""Every write to a synced table lands in the outbox, in the same transaction, whatever the path."""

from __future__ import annotations

import json

import pytest

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.storage import Store
from pemdesk.storage.migrations import synced_tables


def ops(store: Store, entity_id: str) -> list[tuple[str, dict]]:
    return [(r["op"], json.loads(r["fields"])) for r in store.outbox(entity_id)]


def test_every_synced_table_has_its_three_capture_triggers(store: Store) -> None:
    tables = synced_tables(store.conn)
    assert {"site", "plot", "visit", "observation", "photo"} <= set(tables)
    triggers = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    for table in tables:
        for suffix in ("ins", "upd", "del"):
            assert f"{table}_outbox_{suffix}" in triggers


def test_create_patch_delete_are_captured_with_changed_fields_only(store: Store) -> None:
    site = make_site(store)
    site.holder = "Шинэ ХХК"
    store.save(site)
    store.save(site)  # no change: no op
    store.delete(model.Site, site.id)
    recorded = ops(store, site.id)
    assert [op for op, _ in recorded] == ["create", "patch", "delete"]
    assert recorded[0][1]["name_mn"] == "Тест уурхай"
    assert set(recorded[1][1]) == {"holder"}
    seqs = [r["device_seq"] for r in store.outbox()]
    assert seqs == list(range(1, len(seqs) + 1)), "device_seq is dense"


def test_generic_writes_outside_the_store_api_are_captured_too(store: Store) -> None:
    site = make_site(store)
    store.db["site"].update(site.id, {"mineral": "алт"})
    store.conn.execute("DELETE FROM site WHERE id = ?", [site.id])
    assert [op for op, _ in ops(store, site.id)] == ["create", "patch", "delete"]


def test_a_failed_write_leaves_no_outbox_entry(store: Store) -> None:
    visit = make_visit(store, make_site(store))
    before = len(store.outbox())
    with pytest.raises(InvalidInput):
        store.save(model.Observation(visit.id, "water.ph", value_num=99.0))
    with pytest.raises(InvalidInput), store.atomic():
        store.save(model.Observation(visit.id, "water.ph", value_num=7.0))
        raise InvalidInput("x", "x")
    assert len(store.outbox()) == before


def test_every_record_type_save_path_records_an_op(store: Store) -> None:
    site = make_site(store)
    plot = store.save(model.Plot(site.id, "A"))
    person = store.save(model.Person("Б. Сарантуяа"))
    visit = store.save(model.Visit(site.id, "2026-06-01T00:00:00.000Z", plot_ids=[plot.id]))
    records = [
        store.save(model.Participant(visit.id, person.id, model.PersonRole.SOUM_OFFICIAL)),
        store.save(model.Observation(visit.id, "veg.cover_pct", value_num=30.0)),
        store.save(model.Finding(visit.id, "dust", "Тоос")),
        store.save(model.PhotoPoint(site.id, "Цэг 1", 106.8, 43.0, bearing=90.0)),
        store.save(model.Photo("ab" * 32, visit_id=visit.id)),
        store.save(model.Track("Зам", {"type": "LineString", "coordinates": [[106, 43], [106.1, 43]]})),
        plot, person, visit, site,
    ]
    store.add_observations([model.Observation(visit.id, "air.pm10", value_num=float(i)) for i in range(3)])
    entities = {r["entity_id"] for r in store.outbox()}
    assert {r.id for r in records} <= entities
    assert sum(1 for r in store.outbox() if r["entity"] == "visit_plot") == 1
    assert sum(1 for r in store.outbox() if r["entity"] == "observation") == 4


def test_capture_can_be_suppressed_for_remote_changes_only_inside_its_transaction(store: Store) -> None:
    with store.capture_suppressed():
        site = make_site(store)
    assert store.outbox(site.id) == []
    site.mineral = "зэс"
    store.save(site)
    assert [op for op, _ in ops(store, site.id)] == ["patch"]
    assert store.conn.execute("SELECT applying_remote FROM sync_ctx").fetchone() == (0,)


def test_floats_are_exact_when_handed_out_and_overwritten_values_keep_their_order(
    store: Store,
) -> None:
    from pemdesk.storage import sync_client as sc

    site = make_site(store)
    site.lon = 105.84442185152504
    store.save(site)
    site.lon = 106.12345678901234
    store.save(site)
    by_seq = {o["device_seq"]: o for o in sc.pending_ops(store, limit=None)}
    lons = [o["fields"].get("lon") for o in by_seq.values() if o["entity_id"] == site.id]
    # The last write travels exactly; the overwritten one keeps its place in history.
    assert lons[-1] == 106.12345678901234
    assert lons[-2] is not None and abs(lons[-2] - 105.84442185152504) < 1e-9
    again = {o["device_seq"]: o["fields"] for o in sc.pending_ops(store, limit=None)}
    assert again == {s: o["fields"] for s, o in by_seq.items()}, "handed out once, then frozen"


def test_bulk_creates_reserve_their_sequence_numbers_in_write_order(store: Store) -> None:
    visit = make_visit(store, make_site(store))
    store.add_observations(
        [model.Observation(visit.id, "air.pm10", value_num=1 / 3 + i) for i in range(5)]
    )
    later = store.save(model.Finding(visit.id, "dust", "Тоос"))
    rows = store.outbox()
    seqs = [r["device_seq"] for r in rows]
    assert seqs == list(range(1, len(seqs) + 1)), "dense, nothing reserved is lost"
    obs = [r for r in rows if r["entity"] == "observation"]
    assert len(obs) == 5 and all(r["op"] == "create" for r in obs)
    assert obs[-1]["device_seq"] < next(r["device_seq"] for r in rows if r["entity_id"] == later.id)
    assert json.loads(obs[1]["fields"])["value_num"] == 1 / 3 + 1
