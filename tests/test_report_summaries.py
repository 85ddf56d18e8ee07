"""Site summaries, progress reports by aimag/soum, batches with cancel, the site map."""

from __future__ import annotations

from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.cli import main
from pemdesk.gazetteer import Gazetteer
from pemdesk.progress import Progress
from pemdesk.reports.area import collect_area, write_area_report
from pemdesk.reports.batch import batch_visit_reports, safe_name, visits_for_batch
from pemdesk.reports.site import write_site_report
from pemdesk.storage import VisitFilter
from pemdesk.storage import reports as q
from report_helpers import needs_poppler, pdffonts, pdftotext

pytestmark = needs_poppler


def _all_embedded(pdf: Path) -> None:
    for row in pdffonts(pdf):
        assert "DejaVuSans" in row[0] and row[-5] == "yes", row


def test_site_summary(demo_store, tmp_path: Path) -> None:
    site = demo_store.list_sites()[0]
    pp = model.PhotoPoint(site_id=site.id, name="ЗЦ-1", lon=site.lon, lat=site.lat, bearing=120)
    demo_store.save(pp)
    pdf = tmp_path / "site.pdf"
    built = write_site_report(demo_store, site.id, pdf)
    assert built.pages >= 2
    text = pdftotext(pdf)
    assert site.name_mn in text
    assert Gazetteer.load().soum(site.soum_code).name_mn in text
    for plot in demo_store.list_plots(site_id=site.id):
        assert plot.name in text
    assert "Үзлэгийн түүх" in text and "Үзүүлэлтийн өөрчлөлт" in text
    assert "Хүлээлгэн өгсөн" in text  # the stages, by name
    _all_embedded(pdf)
    en = tmp_path / "site-en.pdf"
    write_site_report(demo_store, site.id, en, lang="en")
    assert "History of visits" in pdftotext(en)


def test_photo_point_pairs_are_earliest_and_latest(demo_store, tmp_path: Path) -> None:
    from pemdesk.photos import ImportOptions, import_photos
    from photos_fixtures import make_jpeg

    site = demo_store.list_sites()[0]
    pp = model.PhotoPoint(site_id=site.id, name="ЗЦ-2", lon=site.lon, lat=site.lat, bearing=30)
    demo_store.save(pp)
    srcs = [make_jpeg(tmp_path / f"y{year}.jpg", color=(20 * i, 120, 60),
                      taken=f"{year}:06:01 10:00:00", offset="+08:00")
            for i, year in enumerate((2023, 2025, 2024))]
    import_photos(demo_store, srcs, ImportOptions(photo_point_id=pp.id, auto_assign=False))
    pairs = q.photo_point_pairs(demo_store, site.id)
    assert len(pairs) == 1
    point, first, last = pairs[0]
    assert point.id == pp.id and first.taken_at.startswith("2023")
    assert last is not None and last.taken_at.startswith("2025")
    pdf = tmp_path / "pairs.pdf"
    write_site_report(demo_store, site.id, pdf)
    text = pdftotext(pdf)
    assert "ЗЦ-2" in text and first.sha256[:12] in text and last.sha256[:12] in text


def test_progress_report_for_an_aimag_and_a_soum(demo_store, tmp_path: Path) -> None:
    gaz = Gazetteer.load()
    aimag = gaz.find_aimag("Өмнөговь")
    data = collect_area(demo_store, aimag.code, year=2026)
    assert len(data.sites) == 3
    total = sum(sum(s.ha_by_stage.values()) for s in data.sites)
    plots = [p for s in data.sites for p in demo_store.list_plots(site_id=s.site.id)]
    assert total == pytest.approx(sum(p.area_ha for p in plots))
    assert all(s.target_met_ha <= s.target_ha for s in data.sites)
    pdf = tmp_path / "aimag.pdf"
    write_area_report(demo_store, aimag.code, None, pdf, year=2026)
    text = pdftotext(pdf)
    assert "Нөхөн сэргээлтийн явцын тайлан" in text and "Өмнөговь аймаг" in text
    for s in data.sites:
        assert s.site.name_mn.split()[0] in text
    assert "Сумаар" in text  # the by-soum table of an aimag report
    _all_embedded(pdf)
    out = tmp_path / "soum.pdf"
    rc = main(["--data-dir", str(demo_store.data_dir), "report", "progress", "--aimag",
               "Өмнөговь", "--soum", "Ханбогд", "--year", "2026", "-o", str(out)])
    assert rc == 0
    text = pdftotext(out)
    assert "Ханбогд сум" in text and "Цагаан овоо" in text and "Хөх нуур" not in text


def test_open_findings_leave_out_resolved_and_superseded(demo_store) -> None:
    site_ids = [s.id for s in demo_store.list_sites()]
    found = q.open_findings(demo_store, site_ids)
    assert found and all(f.finding.follow_up != model.FollowUpStatus.RESOLVED for f in found)


def test_batch_writes_whole_reports_and_cancels(demo_store, tmp_path: Path) -> None:
    ids = visits_for_batch(demo_store, VisitFilter(status=model.VisitStatus.FINISHED))
    assert len(ids) == 36
    progress = Progress()
    result = batch_visit_reports(demo_store, ids[:3], tmp_path / "a", progress=progress)
    assert len(result.written) == 3 and progress.done == 3 and progress.total == 3
    assert result.pages >= 6 and not result.failed
    assert all(p.stat().st_size > 10_000 for p in result.written)

    cancelling = Progress()

    import threading  # the GUI cancels from another thread in the same way

    def cancel_soon() -> None:
        while cancelling.done < 2:
            threading.Event().wait(0.005)
        cancelling.cancel()

    t = threading.Thread(target=cancel_soon)
    t.start()
    result = batch_visit_reports(demo_store, ids, tmp_path / "b", progress=cancelling)
    t.join()
    assert result.cancelled and 2 <= len(result.written) < len(ids)
    files = list((tmp_path / "b").iterdir())
    assert sorted(files) == sorted(result.written)  # no half-written or .partial files


def test_batch_cli_and_file_names(demo_store, tmp_path: Path, capsys) -> None:
    rc = main(["--data-dir", str(demo_store.data_dir), "report", "batch", "--aimag", "Төв",
               "--from", "2025-01-01", "--to", "2025-12-31", "-o", str(tmp_path / "out"),
               "--json"])
    assert rc == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert len(result["written"]) == 6 and result["pages"] >= 12
    assert all(Path(p).name.startswith("2025-") for p in result["written"])
    assert safe_name('Туул: "гол"/хэсэг') == "Туул-голхэсэг"


def test_site_map_without_positions_still_draws() -> None:
    from pemdesk.reports.sitemap import MapContent, site_map

    site = model.Site(name_mn="Туршилт", aimag_code="MN-053", soum_code="x")
    drawing = site_map(MapContent(site=site), 170, 100, "mn")
    assert drawing.width > 0
