"""The visit report: content, fonts, QR verification, public copy, wrapping, photos."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pemdesk import model
from pemdesk.catalogue import Catalogue
from pemdesk.cli import main
from pemdesk.gazetteer import Gazetteer
from pemdesk.reports import collect_visit, render_visit, write_visit_report
from pemdesk.storage import VisitFilter
from report_helpers import needs_poppler, page_count, pdffonts, pdftotext, sealed_visit_with_photos

pytestmark = needs_poppler


@pytest.fixture
def sealed(demo_store, tmp_path: Path):
    visit = sealed_visit_with_photos(demo_store, tmp_path / "src", photos=3)
    return demo_store, visit


def _values(store, visit_id: str, lang: str = "mn") -> list[str]:
    catalogue = Catalogue.load()
    out = []
    for o in store.observations_of(visit_id):
        indicator = catalogue.get(o.indicator)
        value = o.value_text if o.value_num is None else o.value_num
        if indicator.value_type == "boolean":
            value = bool(o.value_num)
        out.append(indicator.format_value(value, lang))
    return out


def test_visit_report_carries_the_record(sealed, tmp_path: Path) -> None:
    store, visit = sealed
    pdf = tmp_path / "visit.pdf"
    built = write_visit_report(store, visit.id, pdf)
    assert built.pages >= 2 and pdf.stat().st_size == built.size_bytes
    text = pdftotext(pdf)
    detail = store.visit_detail(visit.id)
    soum = Gazetteer.load().soum(detail.site.soum_code)
    assert detail.site.name_mn in text
    assert soum.name_mn in text
    for value in _values(store, visit.id):
        assert value in text
    for _participant, person in detail.participants:
        assert person.name in text
        assert person.phone in text
    for finding in detail.findings:
        assert finding.description.split()[0] in text
    assert "Хуудас 1 / " in text and f"Хуудас {built.pages} / {built.pages}" in text
    assert visit.seal_digest in text  # the footer, on every page
    assert text.count(visit.seal_digest) >= built.pages
    for photo in detail.photos:
        assert photo.sha256[:12] in text


def test_every_font_is_embedded_and_nothing_is_helvetica(sealed, tmp_path: Path) -> None:
    store, visit = sealed
    for lang in ("mn", "en"):
        pdf = tmp_path / f"visit-{lang}.pdf"
        write_visit_report(store, visit.id, pdf, lang=lang)
        fonts = pdffonts(pdf)
        assert fonts, "no fonts listed"
        for row in fonts:
            name, emb = row[0], row[-5]
            assert "DejaVuSans" in name, row
            assert emb == "yes", row


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) not installed")
def test_qr_code_verifies_and_an_altered_record_fails(sealed, tmp_path: Path, capsys) -> None:
    store, visit = sealed
    pdf = tmp_path / "visit.pdf"
    write_visit_report(store, visit.id, pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                             text=True).stdout.strip()
    assert decoded == f"PEMDESK1|{visit.id}|{visit.revision}|{visit.seal_digest}"
    data_dir = str(store.data_dir)
    assert main(["--data-dir", data_dir, "verify", "--qr", decoded]) == 0
    capsys.readouterr()
    # Change one measured value behind the program's back: the paper no longer matches.
    raw = sqlite3.connect(str(store.path), isolation_level=None)
    raw.execute("UPDATE observation SET value_num = value_num + 1 WHERE visit_id = ? AND "
                "value_num IS NOT NULL AND id = (SELECT min(id) FROM observation WHERE "
                "visit_id = ? AND value_num IS NOT NULL)", [visit.id, visit.id])
    raw.close()
    assert main(["--data-dir", data_dir, "verify", "--qr", decoded]) == 1


def test_public_copy_leaves_out_names_and_phones(sealed, tmp_path: Path) -> None:
    store, visit = sealed
    pdf = tmp_path / "public.pdf"
    write_visit_report(store, visit.id, pdf, public=True)
    text = pdftotext(pdf)
    for _participant, person in store.visit_detail(visit.id).participants:
        assert person.name not in text
        assert person.phone not in text
    assert "олон нийтэд зориулсан хувь" in text
    assert store.visit_detail(visit.id).site.name_mn in text


def test_english_report_keeps_the_cyrillic_names(sealed, tmp_path: Path) -> None:
    store, visit = sealed
    pdf = tmp_path / "en.pdf"
    write_visit_report(store, visit.id, pdf, lang="en")
    text = pdftotext(pdf)
    site = store.visit_detail(visit.id).site
    assert site.name_mn in text and site.name_en in text
    assert "Observations and measurements" in text and "Page 1 of" in text
    for value in _values(store, visit.id, "en"):
        assert value in text


def test_draft_report_has_no_qr_and_says_it_is_not_sealed(demo_store, tmp_path: Path) -> None:
    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    data = collect_visit(demo_store, draft.id)
    assert data.verification.payload is None
    pdf = tmp_path / "draft.pdf"
    render_visit(data, pdf)
    text = pdftotext(pdf)
    assert "НООРОГ" in text
    assert "Баталгаажуулах код алга" in text


def test_long_text_wraps_tables_continue_and_words_stay_whole(demo_store, tmp_path: Path) -> None:
    draft = demo_store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    long_text = (
        "Өмнөговь аймгийн Ханбогд сумын нутагт үйл ажиллагаа явуулж буй уурхайн хүдэр тээвэрлэх "
        "шороон замын дагуу өндөржүүлсэн тоосжилт үүсч, малчдын өвөлжөө, хаваржааны бэлчээрт "
        "тоос суусан нь ургамлын ургалтад сөргөөр нөлөөлж байгааг оролцогчид тэмдэглэв. "
    ) * 3
    for i in range(30):
        demo_store.save(model.Finding(visit_id=draft.id, category="dust",
                                      description=f"{i + 1}. {long_text}"))
    pdf = tmp_path / "long.pdf"
    write_visit_report(demo_store, draft.id, pdf)
    pages = page_count(pdf)
    assert pages >= 4
    header_pages = 0
    for n in range(1, pages + 1):
        page_text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), str(pdf), "-"],
            check=True, capture_output=True, text=True).stdout
        if "Ангилал" in page_text and "Тодорхойлолт" in page_text:
            header_pages += 1
    assert header_pages >= 3, "the findings table's header is not repeated on each page"
    words = set(re.findall(r"\w+", pdftotext(pdf)))
    for word in re.findall(r"\w+", long_text):
        assert word in words, f"{word!r} was broken across lines"


def test_photos_are_downscaled_to_print_size(tmp_path: Path) -> None:
    from PIL import Image

    from pemdesk.reports.photos import print_jpeg
    from photos_fixtures import make_jpeg

    big = make_jpeg(tmp_path / "big.jpg", size=(4000, 3000), orientation=6)
    width_pt = 85 * 72 / 25.4
    data, w, h = print_jpeg(big, width_pt, width_pt, orientation=None)
    import io

    with Image.open(io.BytesIO(data)) as img:
        # EXIF orientation 6: the picture is upright, so portrait.
        assert img.height > img.width
        assert abs(img.height - round(h / 72 * 200)) <= 1  # 200 dpi at the printed size
        assert img.height <= 700
    assert len(data) < 200_000


def test_missing_photo_file_prints_a_note(sealed, tmp_path: Path) -> None:
    store, visit = sealed
    data = collect_visit(store, visit.id)
    data.photo_files = {k: None for k in data.photo_files}
    pdf = tmp_path / "nofiles.pdf"
    render_visit(data, pdf)
    assert "Зургийн файл энэ компьютерт алга" in pdftotext(pdf)


def test_cli_visit_report(sealed, tmp_path: Path, capsys) -> None:
    store, visit = sealed
    out = tmp_path / "cli.pdf"
    rc = main(["--data-dir", str(store.data_dir), "report", "visit", visit.id, "-o", str(out),
               "--lang", "en", "--public", "--photos-per-page", "2"])
    assert rc == 0 and out.is_file()
    assert "Page 1 of" in pdftotext(out)
    six = tmp_path / "six.pdf"
    assert main(["--data-dir", str(store.data_dir), "report", "visit", visit.id, "-o", str(six),
                 "--lang", "en"]) == 0
    assert page_count(out) == page_count(six) + 1  # 3 photos: two pages of 2 against one of 6
    assert not list(tmp_path.glob("*.partial"))
    rc = main(["--data-dir", str(store.data_dir), "report", "visit", "no-such-id", "-o",
               str(tmp_path / "x.pdf")])
    assert rc == 1 and not (tmp_path / "x.pdf").exists()
    assert "no-such-id" in capsys.readouterr().err


def test_heic_original_prints_upright(tmp_path: Path) -> None:
    from pemdesk.reports.photos import print_jpeg
    from photos_fixtures import make_heic

    heic = make_heic(tmp_path / "phone.heic", size=(400, 300))
    stored = tmp_path / "ab" / "abcdef"  # content-addressed: no suffix
    stored.parent.mkdir()
    stored.write_bytes(heic.read_bytes())
    data, w, h = print_jpeg(stored, 200, 200, orientation=1)
    assert data[:2] == b"\xff\xd8" and w > h


def test_amended_revision_names_the_one_it_replaces(sealed, tmp_path: Path) -> None:
    from pemdesk import visits

    store, visit = sealed
    amended = visits.amend_visit(store, visit.id)
    pdf = tmp_path / "rev2.pdf"
    write_visit_report(store, amended.id, pdf)
    text = pdftotext(pdf)
    assert visit.id in text and visit.seal_digest[:16] in text
    assert "хувилбар 2" in text


def test_prints_from_the_cached_preview_when_there_is_one(sealed) -> None:
    from pemdesk.photos.files import PhotoFiles
    from pemdesk.reports.photos import photo_file

    store, visit = sealed
    photo = next(p for p in store.visit_detail(visit.id).photos if p.orientation == 6)
    files = PhotoFiles(store.data_dir)
    assert photo_file(store, photo) == (files.original_path(photo.sha256), 6)
    preview = files.ensure_derived(photo.sha256, photo.orientation, "preview")
    assert photo_file(store, photo) == (preview, 1)  # previews are already upright
