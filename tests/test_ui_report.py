"""Reports in the GUI: preview (pages drawn from the PDF), language switch, save, print, batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from pemdesk import model

pytestmark = pytest.mark.ui
TIMEOUT = 20_000


@pytest.fixture
def window(qtbot, demo_dir: Path):
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    yield w
    w.close()


def test_report_actions_are_in_the_reports_menu(window) -> None:
    actions = window.report_actions
    in_menu = window.menu_reports.actions()
    for action in (actions.visit, actions.site, actions.area, actions.batch):
        assert action in in_menu and action.text()


def test_visit_report_preview_language_save_and_print(qtbot, window, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    site_id = window._site_rows[0].site.id
    window.select_site(site_id)
    qtbot.waitUntil(lambda: window.visits_model.rowCount() > 0, timeout=TIMEOUT)
    visit = window.visits_model.visit(0)
    dialog = window.report_actions.visit_report(visit.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT)
    assert len(dialog.images) >= 2 and dialog.pages_layout.count() == len(dialog.images)
    assert dialog.images[0].width() > 700  # A4 at 96 dpi is 794 px wide
    mn_pdf = dialog.pdf
    assert dialog.public.isVisible() or not dialog.isVisible()

    dialog.lang.setCurrentIndex(1)  # English
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and dialog.pdf != mn_pdf,
                    timeout=TIMEOUT)  # fmt: skip
    saved = dialog.save_to(tmp_path / "visit-en.pdf")
    assert saved.read_bytes().startswith(b"%PDF")
    from report_helpers import POPPLER, pdftotext

    if POPPLER:
        assert "Page 1 of" in pdftotext(saved)

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == len(dialog.images)
    assert (tmp_path / "printed.pdf").stat().st_size > 10_000
    dialog.zoom.setCurrentIndex(0)  # 50 %
    assert dialog.pages_layout.itemAt(0).widget().pixmap().width() < dialog.images[0].width()
    dialog.close()


def test_site_and_area_reports_preview(qtbot, window) -> None:
    from pemdesk.ui.reports.jobs import ReportRequest, area_key

    site = window._site_rows[0].site
    window.select_site(site.id)
    dialog = window.report_actions.site_report()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT)
    assert not dialog.public.isVisible()
    assert dialog.suggested_name.endswith("_summary.pdf")
    area = window.report_actions.preview(
        ReportRequest("area", area_key(site.aimag_code, None, 2026), "Rehabilitation progress report"))
    qtbot.addWidget(area)
    qtbot.waitUntil(lambda: area.save_button.isEnabled(), timeout=TIMEOUT)
    assert area.images and area.suggested_name.endswith("_2026.pdf")


def test_batch_export_writes_reports_with_progress(qtbot, window, tmp_path: Path) -> None:
    from PySide6.QtCore import QDate

    from pemdesk.ui.reports.dialogs import BatchDialog

    site_id = window._site_rows[0].site.id
    dialog = BatchDialog(site_id, window)
    qtbot.addWidget(dialog)
    dialog.date_from.setDate(QDate(2024, 1, 1))
    dialog.date_to.setDate(QDate(2026, 12, 31))
    dialog.folder.setText(str(tmp_path / "out"))
    progress = window.report_actions.run_batch(dialog)
    qtbot.waitUntil(lambda: hasattr(window.report_actions, "last_batch"), timeout=TIMEOUT)
    result = window.report_actions.last_batch
    assert len(result.written) == 4 and progress.done == progress.total == 4  # finished ones
    assert all(p.is_file() for p in result.written)


def test_batch_cancel_keeps_only_whole_reports(qtbot, window, tmp_path: Path) -> None:
    from PySide6.QtCore import QDate

    from pemdesk.ui.reports.dialogs import BatchDialog

    dialog = BatchDialog(None, window)
    qtbot.addWidget(dialog)
    dialog.scope.setCurrentIndex(dialog.scope.findData("all"))
    dialog.drafts.setChecked(True)
    dialog.date_from.setDate(QDate(2024, 1, 1))
    dialog.date_to.setDate(QDate(2026, 12, 31))
    dialog.folder.setText(str(tmp_path / "out"))
    progress = window.report_actions.run_batch(dialog)
    qtbot.waitUntil(lambda: progress.done >= 2, timeout=TIMEOUT)
    progress.cancel()  # what the progress dialog's Cancel button does
    qtbot.waitUntil(lambda: hasattr(window.report_actions, "last_batch"), timeout=TIMEOUT)
    result = window.report_actions.last_batch
    assert result.cancelled and 2 <= len(result.written) < 45
    assert sorted((tmp_path / "out").iterdir()) == sorted(result.written)


def test_visit_report_without_a_selection_says_so(qtbot, window, monkeypatch) -> None:
    told = []
    monkeypatch.setattr(window.report_actions, "_tell", told.append)
    window.visits.clearSelection()
    assert window.report_actions.visit_report() is None and told


def test_draft_visit_report_marks_the_draft(qtbot, window) -> None:
    from report_helpers import POPPLER

    site_id = window._site_rows[0].site.id
    window.select_site(site_id)
    qtbot.waitUntil(lambda: window.visits_model.rowCount() > 0, timeout=TIMEOUT)
    visits = [window.visits_model.visit(i) for i in range(window.visits_model.rowCount())]
    draft = next(v for v in visits if v.status == model.VisitStatus.DRAFT)
    dialog = window.report_actions.visit_report(draft.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT)
    if POPPLER:
        import pypdfium2 as pdfium

        text = pdfium.PdfDocument(dialog.pdf)[0].get_textpage().get_text_range()
        assert "НООРОГ" in text


def test_tree_context_menu_offers_site_and_area_reports(qtbot, window) -> None:
    from pemdesk.ui.main_window import KIND_ROLE

    model_ = window.tree_model
    aimag_item = model_.item(0)
    soum_item = aimag_item.child(0)
    site_item = soum_item.child(0)
    assert site_item.data(KIND_ROLE) == "site"
    actions = window.report_actions
    kind, aimag, soum = actions.area_of(aimag_item.index())
    assert kind == "aimag" and aimag and aimag.startswith("MN-") and soum is None
    kind, aimag2, soum = actions.area_of(soum_item.index())
    assert kind == "soum" and aimag2 == aimag and soum
    site_menu = actions.area_menu(site_item.index())
    assert site_menu is not None and len(site_menu.actions()) == 2
    aimag_menu = actions.area_menu(aimag_item.index())
    assert aimag_menu is not None and len(aimag_menu.actions()) == 1
    aimag_menu.actions()[0].trigger()
    preview = actions.previews[-1]
    qtbot.addWidget(preview)
    assert preview.request.kind == "area" and preview.request.key.startswith(f"{aimag}||")
    qtbot.waitUntil(lambda: preview.save_button.isEnabled(), timeout=TIMEOUT)


def test_public_copy_switch_regenerates(qtbot, window) -> None:
    site_id = window._site_rows[0].site.id
    window.select_site(site_id)
    qtbot.waitUntil(lambda: window.visits_model.rowCount() > 0, timeout=TIMEOUT)
    dialog = window.report_actions.visit_report(window.visits_model.visit(0).id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT)
    first = dialog.pdf
    dialog.public.setChecked(True)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled() and dialog.pdf != first,
                    timeout=TIMEOUT)  # fmt: skip
    assert dialog.suggested_name.endswith("-public.pdf")
