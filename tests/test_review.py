"""The review before sealing and the plausibility of dates and photos (Qt-free)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factories import make_site, make_visit
from pemdesk import model, visits
from pemdesk.errors import InvalidInput
from pemdesk.ids import to_iso
from pemdesk.plausibility import photo_doubts, visit_date_problems
from pemdesk.review import REVIEW_SECTIONS, ReviewItem, ReviewSection, review_visit


def _ready_visit(store, started: str = "2026-06-01T02:00:00.000Z") -> model.Visit:
    site = make_site(store)
    person = store.save(model.Person(name="Б. Болд"))
    visit = make_visit(store, site, started)
    visit.purpose = "Тоосны хяналт"
    store.save(visit)
    store.save(model.Participant(visit_id=visit.id, person_id=person.id, role=model.PersonRole.HERDER))
    store.save(model.Observation(visit_id=visit.id, indicator="air.pm10", value_num=90.1))
    return visit


def test_a_future_start_or_an_end_before_the_start_is_refused_by_the_store(store) -> None:
    site = make_site(store)
    future = to_iso(datetime.now(UTC) + timedelta(days=365))
    with pytest.raises(InvalidInput) as error:
        store.save(model.Visit(site_id=site.id, started_at=future))
    assert "future" in error.value.en and "ирээдүй" in error.value.mn
    with pytest.raises(InvalidInput, match="before the start"):
        store.save(
            model.Visit(
                site_id=site.id,
                started_at="2026-06-01T02:00:00.000Z",
                ended_at="2026-05-01T02:00:00.000Z",
            )
        )
    # a few minutes ahead is a laptop clock, not a mistake
    soon = to_iso(datetime.now(UTC) + timedelta(minutes=3))
    store.save(model.Visit(site_id=site.id, started_at=soon))


def test_date_problems_name_each_impossible_date() -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert visit_date_problems("2026-12-04T10:00:00Z", "2026-12-04T11:00:00Z", now) == []
    assert len(visit_date_problems("2027-12-04T19:22:00Z", "2026-12-04T19:27:00Z", now)) == 3


def test_a_photo_from_italy_doubts_time_and_place() -> None:
    photo = model.Photo(sha256="a" * 64, taken_at="2026-06-20T09:00:00.000Z", lon=12.5, lat=41.9)
    doubts = photo_doubts(
        photo,
        started_at="2026-06-01T02:00:00.000Z",
        ended_at="2026-06-01T05:00:00.000Z",
        site_lon=106.85,
        site_lat=43.0,
    )
    assert {d.code for d in doubts} == {"time", "distance"}
    assert "km" in doubts[1].en and "км" in doubts[1].mn
    near = model.Photo(sha256="b" * 64, taken_at="2026-06-01T03:00:00.000Z", lon=106.9, lat=43.01)
    assert (
        photo_doubts(
            near,
            started_at="2026-06-01T02:00:00.000Z",
            ended_at="2026-06-01T05:00:00.000Z",
            site_lon=106.85,
            site_lat=43.0,
        )
        == []
    )


def test_review_lists_exceedances_honestly_and_blocks_doubtful_photos(store) -> None:
    visit = _ready_visit(store)
    review = review_visit(store, visit.id)
    assert review.can_seal
    [exceed] = [i for i in review.section("exceedances").items if "MNS" in i.en]
    # 90.1 µg/m³ breaks only the annual MNS value, and one reading is not an annual mean
    assert "single reading above the annual limit value of MNS 4585:2016 (50 µg/m³)" in exceed.en
    assert "24-h limit value of MNS" not in " ".join(i.en for i in review.section("exceedances").items)
    assert exceed.action == "make_finding"
    assert [i.en for i in review.section("participants").items][0].startswith("Б. Болд")

    store.save(
        model.Photo(
            sha256="c" * 64, visit_id=visit.id, taken_at="2026-06-01T03:00:00.000Z",
            lon=12.5, lat=41.9, original_name="roma.jpg",
        )
    )  # fmt: skip
    review = review_visit(store, visit.id)
    assert not review.can_seal
    [photo] = review.section("photos").items
    assert photo.action == "detach_photo" and "roma.jpg" in photo.en and "km" in photo.en
    from pemdesk.photos.library import remove_from_visit

    remove_from_visit(store, photo.record_id)
    finished = visits.finish_visit(store, visit.id)
    assert finished.status == model.VisitStatus.FINISHED and finished.seal_digest


def test_other_modules_add_review_sections_that_can_block(store, monkeypatch) -> None:
    import sys
    import types

    def signoffs(_store, detail):
        return ReviewSection(
            "signoff", "Гарын үсэг", "Sign-off",
            items=[ReviewItem("Гарын үсэг дутуу", "A signature is missing", "block")],
        )  # fmt: skip

    module = types.ModuleType("pemdesk_test_review")
    module.signoffs = signoffs
    monkeypatch.setitem(sys.modules, "pemdesk_test_review", module)
    REVIEW_SECTIONS.append("pemdesk_test_review:signoffs")
    try:
        visit = _ready_visit(store)
        review = review_visit(store, visit.id)
        assert review.section("signoff").items[0].level == "block" and not review.can_seal
        with pytest.raises(InvalidInput, match="signature is missing"):
            visits.finish_visit(store, visit.id)
    finally:
        REVIEW_SECTIONS.remove("pemdesk_test_review:signoffs")


def test_import_says_at_once_when_a_photo_does_not_fit_its_visit(store, tmp_path) -> None:
    from pemdesk.photos import ImportOptions, import_photos
    from photos_fixtures import make_jpeg

    visit = _ready_visit(store)
    far = make_jpeg(tmp_path / "kenya.jpg", lat=-1.3, lon=36.8, taken="2026:06:01 11:00:00",
                    offset="+08:00")  # fmt: skip
    near = make_jpeg(tmp_path / "near.jpg", lat=43.001, lon=106.851, taken="2026:06:01 11:00:00",
                     offset="+08:00", color=(9, 9, 9))  # fmt: skip
    summary = import_photos(store, [far, near], ImportOptions(visit_id=visit.id))
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in summary.files}
    assert by_name["kenya.jpg"].status == "imported"  # kept as evidence, but flagged
    assert "km from the site" in by_name["kenya.jpg"].message("en")
    assert not any(n.code.startswith("doubt") for n in by_name["near.jpg"].notes)
