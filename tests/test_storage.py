"""The local store: records round-trip, references are checked, finished visits are locked."""

from __future__ import annotations

import pytest

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.gazetteer import Gazetteer
from pemdesk.storage import Store, VisitFilter


def test_site_roundtrip_keeps_cyrillic_and_types(store: Store) -> None:
    site = make_site(store, "Өндөр үүрийн уурхай")
    again = store.get(model.Site, site.id)
    assert again == site
    assert again.kind is model.SiteKind.MINE
    assert again.name_mn == "Өндөр үүрийн уурхай"


def test_unknown_ids_raise_not_found_in_both_languages(store: Store) -> None:
    with pytest.raises(NotFound) as info:
        store.get(model.Site, "no-such-id")
    assert "олдсонгүй" in info.value.mn and "No site" in info.value.en
    with pytest.raises(NotFound):
        store.save(model.Visit(site_id="no-such-site", started_at="2026-06-01T00:00:00Z"))
    assert store.count_visits() == 0


def test_soum_must_belong_to_aimag(store: Store) -> None:
    soum = Gazetteer.load().find_soum("Ханбогд")
    with pytest.raises(InvalidInput):
        store.save(model.Site(name_mn="x", aimag_code="MN-047", soum_code=soum.code))


def test_observation_values_are_validated_against_the_catalogue(store: Store) -> None:
    visit = make_visit(store, make_site(store))
    ok = store.save(model.Observation(visit.id, "water.ph", value_text="7,4"))
    assert store.get(model.Observation, ok.id).value_num == pytest.approx(7.4)
    with pytest.raises(InvalidInput) as info:
        store.save(model.Observation(visit.id, "water.ph", value_num=15.0))
    assert "14" in info.value.en
    with pytest.raises(NotFound):
        store.save(model.Observation(visit.id, "no.such.indicator", value_num=1.0))
    assert [o.id for o in store.observations_of(visit.id)] == [ok.id]


def test_plot_area_is_computed_geodesically_and_invalid_polygons_refused(store: Store) -> None:
    site = make_site(store)
    square = {"type": "Polygon", "coordinates": [[[106.0, 43.0], [106.01, 43.0], [106.01, 43.01],
                                                  [106.0, 43.01], [106.0, 43.0]]]}
    plot = store.save(model.Plot(site.id, "Талбай", geometry=square))
    # ~0.01° x 0.01° at 43° N: 814 m x 1111 m ≈ 90.5 ha.
    assert 89 < store.get(model.Plot, plot.id).area_ha < 92
    bowtie = {"type": "Polygon", "coordinates": [[[106.0, 43.0], [106.01, 43.01], [106.01, 43.0],
                                                  [106.0, 43.01], [106.0, 43.0]]]}
    with pytest.raises(InvalidInput):
        store.save(model.Plot(site.id, "Буруу", geometry=bowtie))
    assert len(store.list_plots(site.id)) == 1


def test_finished_visit_and_its_children_are_locked(store: Store) -> None:
    site = make_site(store)
    visit = make_visit(store, site)
    obs = store.save(model.Observation(visit.id, "air.pm10", value_num=40.0))
    visit.status = model.VisitStatus.FINISHED
    store.save(visit)
    visit.notes = "changed later"
    with pytest.raises(InvalidInput):
        store.save(visit)
    obs.value_num = 41.0
    with pytest.raises(InvalidInput):
        store.save(obs)
    with pytest.raises(InvalidInput):
        store.save(model.Observation(visit.id, "air.pm10", value_num=10.0))
    with pytest.raises(InvalidInput):
        store.delete(model.Observation, obs.id)
    assert store.get(model.Observation, obs.id).value_num == 40.0


def test_a_finished_visits_photos_are_locked(store: Store) -> None:
    site = make_site(store)
    visit = make_visit(store, site)
    photo = store.save(model.Photo("cd" * 32, visit_id=visit.id, caption="Уурхайн хана"))
    loose = store.save(model.Photo("ef" * 32))
    visit.status = model.VisitStatus.FINISHED
    store.save(visit)
    photo.caption = "changed"
    with pytest.raises(InvalidInput):
        store.save(photo)
    photo.caption, photo.visit_id = "Уурхайн хана", None
    with pytest.raises(InvalidInput):
        store.save(photo)  # taking it out of the sealed visit
    loose.visit_id = visit.id
    with pytest.raises(InvalidInput):
        store.save(loose)  # slipping one in
    assert [p.id for p in store.visit_detail(visit.id).photos] == [photo.id]


def test_visit_plots_and_detail(store: Store) -> None:
    site = make_site(store)
    p1 = store.save(model.Plot(site.id, "A"))
    p2 = store.save(model.Plot(site.id, "B"))
    person = store.save(model.Person("Д. Батболд"))
    visit = store.save(model.Visit(site.id, "2026-06-01T00:00:00.000Z", plot_ids=[p1.id, p2.id]))
    store.save(model.Participant(visit.id, person.id, model.PersonRole.HERDER))
    visit.plot_ids = [p2.id]
    store.save(visit)
    detail = store.visit_detail(visit.id)
    assert [p.id for p in detail.plots] == [p2.id]
    assert detail.participants[0][1].name == "Д. Батболд"
    assert detail.participants[0][0].role is model.PersonRole.HERDER


def test_list_visits_filters_pages_and_hides_superseded(store: Store) -> None:
    site = make_site(store)
    other = make_site(store, "Өөр")
    days = [f"2025-0{m}-15T03:00:00.000Z" for m in range(1, 10)]
    visits = [make_visit(store, site, d) for d in days]
    make_visit(store, other, "2025-05-01T00:00:00.000Z")
    f = VisitFilter(site_id=site.id, date_from="2025-03-01", date_to="2025-05-15")
    assert [v.started_at[:7] for v in store.list_visits(f)] == ["2025-05", "2025-04", "2025-03"]
    assert store.count_visits(VisitFilter(site_id=site.id)) == 9
    page = store.list_visits(VisitFilter(site_id=site.id), limit=4, offset=4)
    assert [v.id for v in page] == [v.id for v in reversed(visits)][4:8]
    store.save(model.Visit(site.id, days[0], revision=2, supersedes=visits[0].id))
    assert store.count_visits(VisitFilter(site_id=site.id)) == 9
    assert store.count_visits(VisitFilter(site_id=site.id, latest_only=False)) == 10


def test_soft_delete_leaves_a_tombstone(store: Store) -> None:
    site = make_site(store)
    store.delete(model.Site, site.id)
    with pytest.raises(NotFound):
        store.get(model.Site, site.id)
    row = store.conn.execute("SELECT _deleted FROM site WHERE id=?", [site.id]).fetchone()
    assert row == (1,)


def test_nested_atomic_rolls_back_only_the_inner_part(store: Store) -> None:
    with store.atomic():
        make_site(store, "Гадна")
        with pytest.raises(InvalidInput), store.atomic():
            make_site(store, "Дотор")
            raise InvalidInput("x", "x")
    assert [s.name_mn for s in store.list_sites()] == ["Гадна"]


def test_backup_is_a_consistent_copy(store: Store, tmp_path) -> None:
    make_site(store)
    target = store.backup(tmp_path / "copy.sqlite")
    (tmp_path / "restore").mkdir()
    target.replace(tmp_path / "restore" / "pemdesk.sqlite")
    with Store.open(tmp_path / "restore") as restored:
        assert [s.name_mn for s in restored.list_sites()] == ["Тест уурхай"]
        assert restored.check() == []
    with pytest.raises(InvalidInput):
        store.backup(tmp_path / "restore" / "pemdesk.sqlite")


def test_demo_data_is_complete_and_deterministic(demo_store: Store, tmp_path) -> None:
    from pemdesk.demo import load_demo

    sites = demo_store.list_sites()
    assert len(sites) >= 8
    assert len({s.aimag_code for s in sites}) >= 3
    gaz = Gazetteer.load()
    for s in sites:
        assert s.is_demo
        located = gaz.locate(s.lon, s.lat)
        assert located is not None and located.code == s.soum_code, s.name_mn
    plots = demo_store.list_plots()
    assert len(plots) >= 20
    assert {p.stage for p in plots} == set(model.PlotStage)
    visits = demo_store.list_visits()
    assert len(visits) >= 30
    assert len({v.started_at[:4] for v in visits}) >= 3
    from pemdesk.catalogue import Catalogue

    catalogue = Catalogue.load()
    over = [o for v in visits for o in demo_store.observations_of(v.id)
            if o.value_num is not None and catalogue.exceedances(o.indicator, o.value_num)]
    assert over, "some demo observations must be over their limits"
    assert any(demo_store.findings_of(v.id) for v in visits)
    assert demo_store.pending_changes() == 0  # demo data never reaches a server
    assert load_demo(demo_store).already_loaded
    with Store.open(tmp_path / "again") as again:
        load_demo(again)
        assert [s.id for s in again.list_sites()] == [s.id for s in sites]


def test_cancelling_the_demo_load_leaves_nothing_behind(store: Store) -> None:
    from pemdesk.demo import is_loaded, load_demo
    from pemdesk.errors import Interrupted
    from pemdesk.progress import Progress

    class CancelAfterTwoSites(Progress):
        def update(self, done=None, total=None, label=None) -> None:
            if done == 2:
                self.cancel()
            super().update(done, total, label)

    with pytest.raises(Interrupted):
        load_demo(store, CancelAfterTwoSites())
    assert store.list_sites() == [] and not is_loaded(store)
    progress = Progress()
    assert load_demo(store, progress).sites == 9
    assert progress.total == 9 and progress.done == 8


def test_pending_records_counts_records_not_operations(store) -> None:
    """Item 5: one visit edited many times showed as 34 "unsynced changes" (operations)."""
    from factories import make_site, make_visit

    site = make_site(store)
    visit = make_visit(store, site)
    for i in range(10):
        visit.purpose = f"хяналт {i}"
        store.save(visit)
    assert store.pending_changes() > 2  # operations
    assert store.pending_records() == 2  # the site and the visit
