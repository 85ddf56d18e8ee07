"""Rehabilitation records through the real server, on SQLite and PostgreSQL: a stage change on
one laptop reaches another with its history intact; targets are the coordinators' and reach
every laptop; cover corrections travel beside the computed value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synchelp import LiveServer, client_for, enrolled, new_person, new_site, new_visit, square

from pemdesk import model
from pemdesk.rehab import stages as st
from pemdesk.rehab.records import RehabTarget, StageChange, TargetLevel
from pemdesk.storage import Store
from pemdesk.storage import rehab as rs


def sync(store: Store) -> Any:
    with client_for(store) as client:
        return client.sync()


def _history(store: Store, plot_id: str) -> list[tuple[Any, ...]]:
    return [(c.id, c.from_stage, c.to_stage, c.changed_on, c.visit_id, c.person_id,
             tuple(c.photo_ids), c.note) for c in rs.history(store, plot_id)]


def test_a_stage_change_reaches_another_laptop_with_its_history(
    live_server: LiveServer, tmp_path: Path
) -> None:
    a = enrolled(live_server, tmp_path / "a", "Бат")
    b = enrolled(live_server, tmp_path / "b", "Дулмаа")
    site = new_site(a)
    plot = model.Plot(site_id=site.id, name="Талбай", disturbed_on="2019-04-01",
                      geometry=square(105.0, 44.0))
    a.save(plot)
    person = new_person(a, "Бат")
    visit = new_visit(a, site.id, person.id)
    rs.record_stage_change(a, StageChange(plot.id, model.PlotStage.TECHNICAL, "2024-06-02",
                                          visit_id=visit.id, person_id=person.id,
                                          recorded_by="Бат", note="газар тэгшилсэн"))
    sync(a)
    sync(b)
    assert _history(b, plot.id) == _history(a, plot.id)
    assert b.get(model.Plot, plot.id).stage == "technical"
    # B moves it on; A receives it, and the stage both derive is the same.
    rs.record_stage_change(b, StageChange(plot.id, model.PlotStage.BIOLOGICAL, "2025-07-01",
                                          recorded_by="Дулмаа"))
    sync(b)
    sync(a)
    assert _history(a, plot.id) == _history(b, plot.id)
    assert [h[2] for h in _history(a, plot.id)] == ["disturbed", "technical", "biological"]
    for store in (a, b):
        assert store.get(model.Plot, plot.id).stage == "biological"
        assert st.stage_at(rs.history(store, plot.id), "2024-12-31") == "technical"
        assert store.pending_changes() == 0
    # Both laptops changing the same plot offline keep both records: nothing is lost.
    rs.record_stage_change(a, StageChange(plot.id, model.PlotStage.HANDED_OVER, "2026-01-10"))
    rs.record_stage_change(b, StageChange(plot.id, model.PlotStage.TECHNICAL, "2026-01-05",
                                          note="ургамал ургаагүй"))
    sync(a)
    sync(b)
    sync(a)
    assert _history(a, plot.id) == _history(b, plot.id)
    assert len(_history(a, plot.id)) == 5
    assert st.current_stage(rs.history(a, plot.id)) == "handed_over"
    a.close()
    b.close()


def test_targets_are_written_by_coordinators_and_reach_every_laptop(
    live_server: LiveServer, tmp_path: Path
) -> None:
    boss = enrolled(live_server, tmp_path / "c", "Зохицуулагч", role="coordinator")
    monitor = enrolled(live_server, tmp_path / "m", "Бат")
    target = RehabTarget(TargetLevel.NATIONAL, 2026, model.PlotStage.TECHNICAL, 9000.0,
                         name="Campaign 2026")
    rs.save_target(boss, target)
    sync(boss)
    sync(monitor)
    got = [t for t in rs.list_targets(monitor, 2026, builtin=False)]
    assert [(t.id, t.area_ha, t.name) for t in got] == [(target.id, 9000.0, "Campaign 2026")]
    # A monitor's own edit is refused by the server and does not spread.
    mine = got[0]
    mine.area_ha = 1.0
    rs.save_target(monitor, mine)
    sync(monitor)
    refused = [o for o in monitor.outbox() if o["entity"] == "rehab_target" and o["op"] == "patch"]
    assert [o["state"] for o in refused] == ["rejected"]
    assert "coordinator_only" in refused[0]["result"]
    sync(monitor)
    assert rs.list_targets(monitor, 2026, builtin=False)[0].area_ha == 9000.0  # undone locally
    sync(boss)
    assert rs.list_targets(boss, 2026, builtin=False)[0].area_ha == 9000.0
    boss.close()
    monitor.close()



def test_cover_and_its_correction_reach_another_laptop(
    live_server: LiveServer, tmp_path: Path
) -> None:
    import numpy as np
    from PIL import Image

    from pemdesk.photos.importer import ImportOptions, import_photos

    a = enrolled(live_server, tmp_path / "a", "Бат")
    b = enrolled(live_server, tmp_path / "b", "Дулмаа")
    site = new_site(a)
    visit = new_visit(a, site.id)
    rng = np.random.default_rng(3)
    img = np.where(rng.random((120, 160, 1)) < 0.3, (70, 130, 45), (176, 150, 118)).astype(np.uint8)
    path = tmp_path / "p.jpg"
    Image.fromarray(img).save(path, quality=95, subsampling=0)
    report = import_photos(a, [path], ImportOptions(visit_id=visit.id))
    photo_id = report.files[0].photo_id
    assert photo_id is not None
    measured = rs.measure_cover(a, photo_id)
    rs.correct_cover(a, photo_id, 33.0, "сүүдэр", by="Бат")
    sync(a)
    sync(b)
    got = rs.cover_of(b, photo_id)
    assert got is not None and got.id == measured.id
    assert (got.cover_pct, got.manual_pct, got.manual_note, got.manual_by) == (
        measured.cover_pct, 33.0, "сүүдэр", "Бат")
    assert not [o for o in a.outbox() if o["state"] == "rejected"]
    a.close()
    b.close()
