"""Numbers cross the sync bit for bit (issue 11 item 7), through the real server on SQLite and
PostgreSQL: random floats (subnormals and 17-significant-digit values included) written on one
laptop compare bit-exactly on another, and sealed visits still verify on every laptop."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from synchelp import LiveServer, client_for, enrolled, new_person, new_site

from pemdesk import model
from pemdesk.storage import Store
from pemdesk.verify import verify
from pemdesk.visits import finish_visit


def sync(store: Store) -> Any:
    with client_for(store) as client:
        return client.sync()


def bits(value: float | None) -> bytes | None:
    return None if value is None else struct.pack("<d", value)


LON = st.floats(min_value=-180, max_value=180, allow_nan=False, allow_subnormal=True)
LAT = st.floats(min_value=-90, max_value=90, allow_nan=False, allow_subnormal=True)
PH = st.floats(min_value=0, max_value=14, allow_nan=False, allow_subnormal=True)
# Values SQLite's JSON functions printed with 15 digits (the bug), and the extremes.
EDGE = [105.84442185152504, 43.123456789012345, 5e-324, 2.2250738585072014e-308,
        0.1 + 0.2, 179.99999999999997, -89.99999999999999, 1 / 3]


def _write_visit(store: Store, person: model.Person, site: model.Site, lon: float, lat: float,
                 phs: list[float]) -> tuple[model.Visit, list[model.Observation]]:
    visit = store.save(model.Visit(site.id, "2026-06-01T02:00:00.000Z", purpose="шалгалт",
                                   lon=lon, lat=lat))
    store.save(model.Participant(visit.id, person.id, model.PersonRole.MONITOR))
    observations = [model.Observation(visit.id, "water.ph", value_num=v, lon=lon, lat=lat)
                    for v in phs[:2]]
    for obs in observations:
        store.save(obs)
    # The bulk path too (reserved outbox blocks, materialised at push time).
    bulk = [model.Observation(visit.id, "water.ph", value_num=v, lat=lat) for v in phs[2:]]
    store.add_observations(bulk)
    return visit, observations + bulk


@pytest.fixture
def pair(live_server: LiveServer, tmp_path: Path) -> Any:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    person = new_person(a, "Д. Оюун")
    site = new_site(a)
    yield a, b, person, site
    a.close()
    b.close()


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lon=LON, lat=LAT, phs=st.lists(PH, min_size=3, max_size=6))
@example(lon=EDGE[0], lat=EDGE[1], phs=[EDGE[2], EDGE[3], EDGE[4], EDGE[7], 13.999999999999998])
def test_floats_arrive_bit_for_bit_and_seals_verify(pair: Any, lon: float, lat: float,
                                                    phs: list[float]) -> None:
    a, b, person, site = pair
    visit, observations = _write_visit(a, person, site, lon, lat, phs)
    # An edit after creation travels as a patch with the exact value too.
    first = observations[0]
    first.value_num = phs[-1]
    a.save(first)
    finish_visit(a, visit.id)
    pushed = sync(a)
    assert pushed.rejected == 0, [r["result"] for r in a.outbox() if r["state"] == "rejected"]
    sync(b)
    sync(a)  # the author's own records come back from the server: they must not change
    for store in (a, b):
        got = store.get(model.Visit, visit.id)
        assert (bits(got.lon), bits(got.lat)) == (bits(lon), bits(lat)), store.data_dir
        for obs in observations:
            mine = store.get(model.Observation, obs.id)
            assert bits(mine.value_num) == bits(obs.value_num), (obs.value_num, mine.value_num)
            assert bits(mine.lat) == bits(lat)
        report = verify(store, visit.id, check_files=False)
        assert report.ok, [p.message("en") for v in report.visits for p in v.problems]
