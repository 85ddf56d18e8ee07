"""Property (issue 11): any sequence of valid and invalid edits from three laptops, synced in any
order, converges to the same state on every laptop and the server; invalid values reach nobody.

Invalid edits are written straight into a laptop's database (what a careless or hostile copy of
the program could do), so the laptop's own checks never see them: the capture triggers send
them, and only the server's schema stands between them and everyone else.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from synchelp import (
    LiveServer,
    client_for,
    dumps,
    enrolled,
    new_finding,
    new_plot,
    new_site,
    new_visit,
)

from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc

INVALID = {
    "aimag": ("site", "UPDATE site SET aimag_code = 'ZZ' WHERE id = ?"),
    "demo": ("site", "UPDATE site SET is_demo = 1 WHERE id = ?"),
    "range": ("site", "UPDATE site SET lon = 500.0 WHERE id = ?"),
    "geometry": ("plot", "UPDATE plot SET geometry = 'not json' WHERE id = ?"),
    "severity": ("finding", "UPDATE finding SET severity = 'apocalyptic' WHERE id = ?"),
}
ACTIONS = st.sampled_from(["site", "plot", "visit", "note", "sync", *INVALID])


def _ids(store: Store, table: str) -> list[str]:
    return [r[0] for r in store.conn.execute(f"SELECT id FROM {table} WHERE _deleted = 0 "
                                             "ORDER BY id")]


def act(store: Store, action: str, n: int) -> None:
    sites = _ids(store, "site")
    if action == "site" or not sites:
        new_site(store, f"Объект {n}")
    elif action == "plot":
        new_plot(store, sites[n % len(sites)], f"Талбай {n}", lon=105 + n / 1000)
    elif action == "visit":
        new_finding(store, new_visit(store, sites[n % len(sites)]).id, f"ажиглалт {n}")
    elif action == "note":
        store.conn.execute("UPDATE site SET notes = ? WHERE id = ?", [f"тэмдэглэл {n}",
                                                                     sites[n % len(sites)]])
    elif action == "sync":
        with client_for(store) as client:
            client.sync()
    else:
        table, sql = INVALID[action]
        rows = _ids(store, table)
        if rows:
            store.conn.execute(sql, [rows[n % len(rows)]])


def clean(dump: dict[str, dict[str, dict[str, Any]]]) -> bool:
    """No invalid value anywhere in a dump."""
    for row in dump.get("site", {}).values():
        if row["aimag_code"] == "ZZ" or row.get("is_demo") or (
                isinstance(row.get("lon"), float) and not -180 <= row["lon"] <= 180):
            return False
    for row in dump.get("plot", {}).values():
        if row.get("geometry") == "not json":
            return False
    return all(r["severity"] != "apocalyptic" for r in dump.get("finding", {}).values())


pytestmark = pytest.mark.slow

# Every kind of invalid edit, on records of its own laptop and of another one.
EVERY_ATTACK = [(0, "site"), (0, "plot"), (0, "visit"), (0, "sync"), (1, "sync"), (1, "aimag"),
                (1, "sync"), (1, "range"), (1, "geometry"), (1, "severity"), (2, "note"),
                (0, "severity"), (1, "sync"), (0, "sync"), (2, "demo"), (2, "sync")]


@settings(max_examples=3, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 2), ACTIONS), min_size=6, max_size=14))
@example(steps=EVERY_ATTACK)
def test_valid_and_invalid_edits_from_three_laptops_converge(
        backend: str | None, tmp_path_factory: pytest.TempPathFactory,
        steps: list[tuple[int, str]]) -> None:
    from conftest import fresh_pg_url

    tmp = tmp_path_factory.mktemp("prop")
    server = LiveServer(tmp / "srv", fresh_pg_url() if backend else None)
    server.data_dir.mkdir()
    server.start()
    laptops: list[Store] = []
    try:
        laptops = [enrolled(server, tmp / f"l{i}", f"Хяналт {i}") for i in range(3)]
        for n, (who, action) in enumerate(steps):
            act(laptops[who], action, n)
        for _ in range(2):
            for store in laptops:
                with client_for(store) as client:
                    client.sync()
        expected = server.store.dump()
        assert clean(expected), json.dumps(expected, ensure_ascii=False)[:2000]
        if steps == EVERY_ATTACK:
            refused = [s for *_, s in server.store.applied_ops() if s == "rejected"]
            assert len(refused) >= 5, server.store.applied_ops()
        for store in laptops:
            assert store.pending_changes() == 0
            assert dumps(sc.canonical_dump(store)) == dumps(expected), store.data_dir
    finally:
        for store in laptops:
            store.close()
        server.stop()
