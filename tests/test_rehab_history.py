"""Stage history: dated changes, the derived stage, hectares by stage at any date, and the
migration that gives every existing plot its history."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.rehab import stages as st
from pemdesk.rehab.records import StageChange
from pemdesk.storage import Store
from pemdesk.storage import rehab as rs
from pemdesk.storage.db import migrate


def square(lon: float, lat: float, d: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_plot(
    store: Store, site: model.Site, name: str, lon: float = 106.8, **kw: object
) -> model.Plot:
    plot = model.Plot(site_id=site.id, name=name, geometry=square(lon, 43.0), **kw)  # type: ignore[arg-type]
    return store.save(plot)


def test_a_new_plot_gets_its_first_record_and_changes_update_the_stage(store: Store) -> None:
    site = make_site(store)
    plot = make_plot(store, site, "A", disturbed_on="2019-05-01")
    first = rs.history(store, plot.id)
    assert [(c.from_stage, c.to_stage, c.changed_on) for c in first] == [
        (None, "disturbed", "2019-05-01")
    ]
    visit = make_visit(store, site)
    rs.record_stage_change(
        store,
        StageChange(
            plot.id, model.PlotStage.TECHNICAL, "2021-07-10", visit_id=visit.id, recorded_by="Бат"
        ),
    )
    rs.record_stage_change(store, StageChange(plot.id, model.PlotStage.BIOLOGICAL, "2023-06-01"))
    got = store.get(model.Plot, plot.id)
    assert got.stage == "biological" and got.technical_on == "2021-07-10"
    changes = rs.history(store, plot.id)
    assert [(c.from_stage, c.to_stage) for c in changes] == [
        (None, "disturbed"),
        ("disturbed", "technical"),
        ("technical", "biological"),
    ]
    assert changes[1].visit_id == visit.id and changes[1].recorded_by == "Бат"
    # The plot's create comes before its first history record (the server needs the plot).
    ops = [(o["entity"], o["entity_id"], o["op"]) for o in store.outbox()]
    assert ops.index(("plot", plot.id, "create")) < ops.index(
        ("plot_stage_change", first[0].id, "create"))
    # Every change is in the outbox, so it syncs.
    assert {o["entity_id"] for o in store.outbox() if o["entity"] == "plot_stage_change"} == {
        c.id for c in changes
    }
    # A backdated change between two others changes the past, not today's stage.
    rs.record_stage_change(
        store,
        StageChange(
            plot.id, model.PlotStage.DISTURBED, "2022-01-01", note="erosion destroyed the works"
        ),
    )
    assert store.get(model.Plot, plot.id).stage == "biological"
    assert st.stage_at(rs.history(store, plot.id), "2022-06-30") == "disturbed"
    # A change recorded by mistake is removed (a synced tombstone) and the stage derived again.
    latest = rs.history(store, plot.id)[-1]
    rs.delete_stage_change(store, latest.id)
    assert store.get(model.Plot, plot.id).stage == "disturbed"  # the 2022 change is last now
    assert any(o["entity_id"] == latest.id and o["op"] == "delete" for o in store.outbox())
    lone = make_plot(store, site, "B", lon=107.0)
    with pytest.raises(InvalidInput):
        rs.delete_stage_change(store, rs.history(store, lone.id)[0].id)


def test_bad_changes_are_refused_and_nothing_is_saved(store: Store) -> None:
    site = make_site(store)
    plot = make_plot(store, site, "A", disturbed_on="2019-05-01")
    before = len(store.outbox())
    for change in (
        StageChange(plot.id, model.PlotStage.DISTURBED, "2020-01-01"),  # already there
        StageChange(plot.id, model.PlotStage.TECHNICAL, "2999-01-01"),  # future
        StageChange(plot.id, model.PlotStage.TECHNICAL, "2020-13-01"),  # not a date
        StageChange(plot.id, model.PlotStage.TECHNICAL, "2020-01-01", photo_ids=["nope"]),
        StageChange(plot.id, model.PlotStage.TECHNICAL, "2018-01-01"),  # before the history
    ):
        with pytest.raises(Exception) as info:
            rs.record_stage_change(store, change)
        assert getattr(info.value, "mn", "") and getattr(info.value, "en", "")
    assert len(store.outbox()) == before
    assert len(rs.history(store, plot.id)) == 1


def test_editing_plot_stage_directly_still_records_history(store: Store) -> None:
    site = make_site(store)
    plot = make_plot(store, site, "A")
    plot.stage = model.PlotStage.TECHNICAL
    store.save(plot)
    changes = rs.history(store, plot.id)
    assert [(c.from_stage, c.to_stage) for c in changes] == [
        (None, "disturbed"),
        ("disturbed", "technical"),
    ]


def test_hectares_by_stage_at_any_date_equal_the_sum_over_the_history(store: Store) -> None:
    rng = random.Random(15)
    site = make_site(store)
    plots = [
        make_plot(store, site, f"P{i}", lon=106.0 + i * 0.05, disturbed_on="2015-01-01")
        for i in range(12)
    ]
    stages = list(model.PlotStage)
    for plot in plots:
        for year in range(2016, 2026):
            if rng.random() < 0.4:
                current = st.current_stage(rs.history(store, plot.id))
                choices = [s for s in stages if s != current]
                rs.record_stage_change(
                    store,
                    StageChange(
                        plot.id, rng.choice(choices), f"{year}-{rng.randint(1, 12):02d}-15"
                    ),
                )
    rows = rs.plot_rows(store, site_id=site.id)
    for day in ("2014-12-31", "2015-01-01", "2018-06-30", "2021-12-31", "2025-12-31"):
        got = st.hectares_by_stage([r.history for r in rows], day)
        # Independent check: replay each plot's history by hand.
        expected = {s: 0.0 for s in stages}
        for plot in plots:
            stage = None
            for c in sorted(rs.history(store, plot.id), key=lambda c: c.changed_on):
                if c.changed_on <= day:
                    stage = c.to_stage
            if stage is not None:
                expected[model.PlotStage(stage)] += store.get(model.Plot, plot.id).area_ha or 0
        assert got == pytest.approx(expected), day
        total = sum(got.values())
        assert total == pytest.approx(
            0
            if day < "2015-01-01"
            else sum(store.get(model.Plot, p.id).area_ha or 0 for p in plots)
        )
    # Today's hectares by stage match the plots' stage column.
    now = st.hectares_by_stage([r.history for r in rows])
    for stage in stages:
        assert now[stage] == pytest.approx(
            sum(p.area_ha or 0 for p in store.list_plots(site_id=site.id) if p.stage == stage)
        )


def test_migration_gives_every_existing_plot_its_history(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "pemdesk.sqlite", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn, target=4)
    conn.execute(
        "INSERT INTO site (id, name_mn, kind, aimag_code, soum_code, created_at, updated_at)"
        " VALUES ('s', 'S', 'mine', 'a', 'b', 'x', 'x')"
    )
    rows = [
        ("p1", "disturbed", None, None, None, None),
        ("p2", "biological", "2018-04-01", "2020-09-01", "2022-06-01", None),
        ("p3", "handed_over", None, "2019-08-01", None, "2024-09-30"),
    ]
    for pid, stage, *dates in rows:
        conn.execute(
            "INSERT INTO plot (id, site_id, name, stage, area_ha, disturbed_on, technical_on,"
            " biological_on, handed_over_on, created_at, updated_at) VALUES "
            "(?, 's', ?, ?, 2.0, ?, ?, ?, ?, '2017-03-03T00:00:00Z', 'x')",
            [pid, pid, stage, *dates],
        )
    migrate(conn)
    got = {}
    for pid, frm, to, on in conn.execute(
        "SELECT plot_id, from_stage, to_stage, changed_on FROM plot_stage_change "
        "ORDER BY plot_id, changed_on"
    ):
        got.setdefault(pid, []).append((frm, to, on))
    assert got == {
        "p1": [(None, "disturbed", "2017-03-03")],
        "p2": [
            (None, "disturbed", "2018-04-01"),
            ("disturbed", "technical", "2020-09-01"),
            ("technical", "biological", "2022-06-01"),
        ],
        "p3": [(None, "technical", "2019-08-01"), ("technical", "handed_over", "2024-09-30")],
    }
    # Same ids on every laptop: derived from the plot, so the server sees one record each.
    ids = [r[0] for r in conn.execute("SELECT id FROM plot_stage_change ORDER BY id")]
    assert "p2:technical" in ids
    conn.close()
    with Store.open(tmp_path) as store:
        for pid, stage, *_ in rows:
            assert st.current_stage(rs.history(store, pid)) == stage
