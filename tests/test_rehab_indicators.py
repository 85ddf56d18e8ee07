"""Biological rehabilitation indicators: in the catalogue with their sources, and per plot over
time from typed quadrat values and from photo cover."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import make_site
from pemdesk import model
from pemdesk.catalogue import Catalogue
from pemdesk.storage import Store
from pemdesk.storage import rehab as rs
from test_rehab_cover import _photo, scene
from test_rehab_history import make_plot


def test_biological_indicators_have_sources() -> None:
    cat = Catalogue.load()
    assert any("Daubenmire" in s for s in cat.get("veg.cover_pct").sources)
    assert any("Patrignani" in s for s in cat.get("veg.cover_photo_pct").sources)
    for code in ("veg.species_count", "veg.height"):
        assert any("Herrick" in s for s in cat.get(code).sources)


def test_plot_trend_from_quadrats_and_photos(store: Store, tmp_path: Path) -> None:
    site = make_site(store)
    plot = make_plot(store, site, "A")
    other = make_plot(store, site, "B", lon=107.0)
    for day, covers, species in (("2024-07-01", (20, 30), 6), ("2025-07-02", (40,), 9)):
        visit = store.save(model.Visit(site_id=site.id, started_at=f"{day}T03:00:00.000Z",
                                       plot_ids=[plot.id]))
        for c in covers:
            store.save(model.Observation(visit.id, "veg.cover_pct", value_num=c))
        store.save(model.Observation(visit.id, "veg.species_count", value_num=species))
    elsewhere = store.save(model.Visit(site_id=site.id, started_at="2024-07-01T05:00:00.000Z",
                                       plot_ids=[other.id]))
    store.save(model.Observation(elsewhere.id, "veg.cover_pct", value_num=90))
    point = store.save(model.PhotoPoint(site_id=site.id, plot_id=plot.id, name="P", lon=106.8,
                                        lat=43.0))
    img, truth = scene(2, 0.3, shadow=False)
    photo = _photo(store, tmp_path, img)
    from pemdesk.storage import photos as q

    q.update_photo(store, photo.id, photo_point_id=point.id, taken_at="2025-07-02T04:00:00.000Z")
    rs.measure_cover(store, photo.id)
    got = rs.plot_indicators(store, plot.id)
    assert list(got) == ["2024-07-01", "2025-07-02"]
    assert got["2024-07-01"] == {"veg.cover_pct": 25.0, "veg.species_count": 6.0}
    assert got["2025-07-02"]["veg.cover_pct"] == 40.0
    assert got["2025-07-02"]["veg.cover_photo_pct"] == pytest.approx(100 * truth.mean(), abs=2)
