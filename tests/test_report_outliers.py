"""A visit report whose visit has a photo from another continent: the site map keeps the site's
scale (the outlier is listed apart, not drawn) — issue 16, item 2."""

from __future__ import annotations

from pathlib import Path

from pemdesk import model
from pemdesk.reports import visit as visit_report
from pemdesk.storage import VisitFilter
from report_helpers import needs_poppler, pdftotext


def _visit_with_an_outlier(store) -> model.Visit:
    draft = store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    site = store.get(model.Site, draft.site_id)
    lon, lat = site.lon or draft.lon, site.lat or draft.lat
    store.save(model.Photo(sha256="e" * 64, visit_id=draft.id, lon=lon + 0.001, lat=lat,
                           taken_at=draft.started_at, original_name="near.jpg"))  # fmt: skip
    store.save(model.Photo(sha256="f" * 64, visit_id=draft.id, lon=12.49, lat=41.89,
                           taken_at=draft.started_at, original_name="roma.jpg"))  # fmt: skip
    return draft


def test_an_outlier_photo_does_not_stretch_the_report_map(demo_store, tmp_path: Path, monkeypatch) -> None:
    draft = _visit_with_an_outlier(demo_store)
    drawn = []
    real = visit_report.site_map

    def spy(content, *args, **kwargs):
        drawn.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(visit_report, "site_map", spy)
    data = visit_report.collect_visit(demo_store, draft.id)
    visit_report.render_visit(data, tmp_path / "v.pdf", lang="en")
    [content] = drawn
    names = [p.original_name for p in content.photos]
    assert names == ["near.jpg"]  # the photo 7,000 km away is not on the map
    lons = [p.lon for p in content.photos] + [content.site.lon]
    assert max(lons) - min(lons) < 0.1  # site scale, not a continent


@needs_poppler
def test_the_report_lists_the_outlier_apart(demo_store, tmp_path: Path) -> None:
    draft = _visit_with_an_outlier(demo_store)
    data = visit_report.collect_visit(demo_store, draft.id)
    visit_report.render_visit(data, tmp_path / "v.pdf", lang="en")
    text = " ".join(pdftotext(tmp_path / "v.pdf").split())
    assert "Photos not shown on the map" in text and "roma.jpg" in text and "km from the site" in text
