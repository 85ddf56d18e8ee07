"""The visit workflow: start, autosave-style partial saves, finish rules, amend as a revision."""

from __future__ import annotations

import dataclasses

import pytest

from pemdesk import model, visits
from pemdesk.errors import InvalidInput
from pemdesk.storage import VisitFilter


@pytest.fixture
def site(store):
    s = model.Site(
        name_mn="Туршилтын уурхай", aimag_code="MN-053", soum_code=_khanbogd(), lon=107.2, lat=43.2
    )
    return store.save(s)


def _khanbogd() -> str:
    from pemdesk.gazetteer import Gazetteer

    return Gazetteer.load().find_soum("Ханбогд", "MN-053").code


@pytest.fixture
def me() -> model.Person:
    return model.Person(name="Д. Батболд", role=model.PersonRole.MONITOR)


def test_start_visit_takes_site_position_and_adds_the_monitor(store, site, me) -> None:
    v = visits.start_visit(store, site.id, monitor=me)
    assert v.status == model.VisitStatus.DRAFT
    assert (v.lon, v.lat, v.position_source) == (107.2, 43.2, model.PositionSource.SITE)
    detail = store.visit_detail(v.id)
    assert [p.name for _pp, p in detail.participants] == ["Д. Батболд"]
    assert v.created_by == me.id
    # starting a second visit does not duplicate the person
    visits.start_visit(store, site.id, monitor=me)
    assert len(store.list_people()) == 1


def test_save_draft_writes_only_changes_and_removes_dropped_rows(store, site, me) -> None:
    v = visits.start_visit(store, site.id, monitor=me)
    draft = visits.load_draft(store, v.id)
    draft.visit.purpose = "Тоосны хяналт"
    draft.observations = [
        model.Observation(visit_id=v.id, indicator="air.pm10", value_num=80.0),
        model.Observation(visit_id=v.id, indicator="water.ph", value_num=7.2),
    ]
    draft.findings = [model.Finding(visit_id=v.id, category="тоос", description="Зам тоостой")]
    visits.save_draft(store, draft)
    outbox_before = len(store.outbox())
    visits.save_draft(store, visits.load_draft(store, v.id))  # nothing changed: nothing written
    assert len(store.outbox()) == outbox_before
    again = visits.load_draft(store, v.id)
    assert again.visit.purpose == "Тоосны хяналт"
    assert sorted(o.indicator for o in again.observations) == ["air.pm10", "water.ph"]
    again.observations = [o for o in again.observations if o.indicator == "air.pm10"]
    visits.save_draft(store, again)
    assert [o.indicator for o in store.observations_of(v.id)] == ["air.pm10"]


def test_finish_requires_purpose_participant_and_a_record(store, site) -> None:
    v = visits.start_visit(store, site.id)
    with pytest.raises(InvalidInput) as info:
        visits.finish_visit(store, v.id)
    en = info.value.message("en")
    assert "purpose" in en and "participant" in en and "observation, finding or photo" in en
    assert "оролцогч" in info.value.message("mn")
    assert store.get(model.Visit, v.id).status == model.VisitStatus.DRAFT


def _complete(store, site, me) -> model.Visit:
    v = visits.start_visit(store, site.id, monitor=me)
    draft = visits.load_draft(store, v.id)
    draft.visit.purpose = "Тогтмол хяналт"
    draft.observations = [model.Observation(visit_id=v.id, indicator="air.pm10", value_num=120.0)]
    visits.save_draft(store, draft)
    return v


def test_finish_locks_the_visit_and_runs_hooks(store, site, me, monkeypatch) -> None:
    v = _complete(store, site, me)
    seen = []

    def hook(s, visit):
        assert visit.status == model.VisitStatus.DRAFT
        seen.append(visit.id)
        visit.seal_digest = "d" * 64

    monkeypatch.setattr(visits, "FINISH_HOOKS", [hook])
    monkeypatch.setattr(visits, "_finish_hooks", lambda: list(visits.FINISH_HOOKS))
    done = visits.finish_visit(store, v.id)
    assert seen == [v.id]
    assert done.status == model.VisitStatus.FINISHED
    assert done.finished_at and done.ended_at
    assert done.seal_digest == "d" * 64
    with pytest.raises(InvalidInput):
        store.save(dataclasses.replace(done, notes="changed later"))
    with pytest.raises(InvalidInput):
        store.save(model.Observation(visit_id=v.id, indicator="water.ph", value_num=7.0))


def test_finish_always_seals(store, site, me) -> None:
    v = _complete(store, site, me)
    done = visits.finish_visit(store, v.id)
    assert done.status == model.VisitStatus.FINISHED
    assert done.seal_digest and done.seal_signature


def test_a_broken_seal_module_stops_finishing_instead_of_skipping_the_seal(
    store, site, me, monkeypatch
) -> None:
    """Item 12: a visit was finished without a seal when pemdesk.seal failed to import."""
    import sys

    v = _complete(store, site, me)
    monkeypatch.setitem(sys.modules, "pemdesk.seal", None)  # import fails
    with pytest.raises(ImportError):
        visits.finish_visit(store, v.id)
    assert store.get(model.Visit, v.id).status == model.VisitStatus.DRAFT


def test_amend_makes_a_new_revision_and_keeps_the_old(store, site, me) -> None:
    v = _complete(store, site, me)
    visits.finish_visit(store, v.id)
    new = visits.amend_visit(store, v.id)
    assert new.id != v.id and new.revision == 2 and new.supersedes == v.id
    assert new.status == model.VisitStatus.DRAFT
    assert [o.value_num for o in store.observations_of(new.id)] == [120.0]
    assert len(store.visit_detail(new.id).participants) == 1
    # the earlier revision stays, unchanged and visible on request
    old = store.get(model.Visit, v.id)
    assert old.status == model.VisitStatus.FINISHED
    assert [x.id for x in store.list_visits(VisitFilter(site_id=site.id))] == [new.id]
    everything = store.list_visits(VisitFilter(site_id=site.id, latest_only=False))
    assert {x.id for x in everything} == {v.id, new.id}
    # amending again returns the same draft; the chain is visible
    assert visits.amend_visit(store, v.id).id == new.id
    assert [x.revision for x in visits.revisions(store, v.id)] == [1, 2]
    # the revision can be edited and finished in turn
    draft = visits.load_draft(store, new.id)
    draft.observations[0].value_num = 95.0
    visits.save_draft(store, draft)
    visits.finish_visit(store, new.id)
    with pytest.raises(InvalidInput):
        visits.amend_visit(store, v.id)  # only the latest revision is amended
    third = visits.amend_visit(store, new.id)
    assert third.revision == 3
