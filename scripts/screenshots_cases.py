"""Screenshots of findings as cases for docs/screenshots/cases-*.png (both languages).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_cases.py

Makes a demo data folder, then grabs: the findings register (with a finding's history and
evidence), the complaint form, the commitments editor, a draft visit's follow-up page and its
sign-off step on the Review page (signed, typed, a dissent being written), and pages of the
reports (visit report sign-offs and commitments, follow-up, aimag compliance, complaint slip).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def wait(condition: Callable[[], object], timeout_s: float = 20) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return
        time.sleep(0.02)
    raise TimeoutError("the window did not get there")


def settle(n: int = 30) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(n):
        QApplication.processEvents()
        time.sleep(0.01)


def gui(data: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from pemdesk import model
    from pemdesk.storage import Store, VisitFilter
    from pemdesk.storage import cases as cs
    from pemdesk.ui.app import make_app

    app = QApplication.instance() or make_app([])
    assert app is not None  # kept alive while the windows exist
    with Store.open(data) as store:
        answered = next(r for r in cs.findings(store) if r.status == "answered" and r.case)
        secret = next(r for r in cs.grievances(store) if r.complainant and
                      r.complainant.confidential)
        draft = next(v for v in store.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))
                     if v.site_id == answered.site.id)
    import random

    rng = random.Random(7)
    for lang in ("mn", "en"):
        shoot(lang, data, answered, secret, draft, rng)


def shoot(lang: str, data: Path, answered: Any, secret: Any, draft: Any, rng: Any) -> None:
    from pemdesk import i18n, model
    from pemdesk.cases.records import SignKind
    from pemdesk.demo_cases import strokes
    from pemdesk.ui.cases.register import GrievanceForm
    from pemdesk.ui.main_window import MainWindow

    i18n.set_language(lang)
    w = MainWindow(data)
    w.resize(1280, 800)
    w.show()
    wait(lambda: w.loaded)
    cases = w.open_cases()
    cases.resize(1280, 800)
    ftab = cases.findings
    wait(lambda: ftab.data is not None)
    ftab.select(answered.finding.id)
    settle()
    cases.grab().save(str(OUT / f"cases-register-{lang}.png"))
    cases.tabs.setCurrentWidget(cases.commitments)
    cases.commitments.choose_site(answered.site.id)
    wait(lambda: bool(cases.commitments.items))
    cases.commitments.table.selectRow(0)
    settle()
    cases.grab().save(str(OUT / f"cases-commitments-{lang}.png"))
    gtab = cases.grievances
    wait(lambda: gtab.data is not None)
    form = GrievanceForm(cases, gtab.data.sites, secret.grievance, secret.complainant)
    form.show()
    settle()
    form.grab().save(str(OUT / f"cases-grievance-form-{lang}.png"))
    form.close()
    cases.tabs.setCurrentWidget(gtab)
    settle()
    cases.grab().save(str(OUT / f"cases-grievances-{lang}.png"))

    editor = w.open_visit(draft.id)
    editor.resize(1280, 800)
    wait(lambda: editor.detail is not None)
    follow = editor.followup_page
    editor.tabs.setCurrentWidget(follow)
    wait(lambda: follow.data is not None)
    if follow.checklist.rowCount():
        follow.checklist.selectRow(0)
    settle()
    editor.grab().save(str(OUT / f"cases-followup-{lang}.png"))
    editor.finish()
    page = editor.signoff_page
    wait(lambda: page.data is not None and editor.review_page.review is not None)
    if lang == "mn":  # two confirmations recorded once; both languages show them
        people = [(p, person) for p, person in page.data.participants]
        page.choose_person(people[0][1].id)
        page.pad.set_strokes(strokes(rng))
        page.save()
        wait(lambda: len(page.data.signoffs) == 1)
        page.choose_person(people[1][1].id)
        page.set_kind(SignKind.TYPED)
        page.save()
        wait(lambda: len(page.data.signoffs) == 2)
    company = next((person for _p, person in page.data.participants
                    if person.role == model.PersonRole.COMPANY), None)
    page.choose_person(company.id if company else None)
    if company is None:  # the company's representative came without being listed
        from pemdesk.cases.records import Party
        from pemdesk.ui.cases.common import set_combo_data

        page.name.setText("Э. Үүрийнтуяа")
        page.role.setText("Компанийн төлөөлөгч" if lang == "mn" else
                          "Company representative")
        set_combo_data(page.party, str(Party.COMPANY))
        page.typed.setText("Э. Үүрийнтуяа")
    page.set_kind(SignKind.DISSENT)
    page.pad.set_strokes(strokes(rng))
    page.reason.setPlainText("Тоос нийтийн замаас үүссэн; манай уурхайн замаас биш."
                             if lang == "mn" else
                             "The dust comes from the public road, not from our haul road.")
    if page.about.count() > 1:
        page.about.setCurrentIndex(1)
    wait(lambda: editor.review_page.review is not None)
    from PySide6.QtWidgets import QScrollArea

    editor.resize(1280, 900)
    settle(20)
    scroll = page.parentWidget()
    while scroll is not None and not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if scroll is not None:
        scroll.ensureWidgetVisible(page.save_button)
    settle(60)
    editor.grab().save(str(OUT / f"cases-signoff-{lang}.png"))
    page.pad.clear()
    editor.close()
    cases.close()
    w.close()
    settle()


def reports(data: Path) -> None:
    from pemdesk.reports.cases import write_compliance, write_followup, write_grievance_slip
    from pemdesk.reports.visit import write_visit_report
    from pemdesk.storage import Store
    from pemdesk.storage import cases as cs

    tmp = Path(tempfile.mkdtemp(prefix="cases-shots-"))
    with Store.open(data) as store:
        dissent = store._query("SELECT visit_id FROM signoff WHERE kind = 'dissent' AND "
                               "visit_id IN (SELECT id FROM visit WHERE status = 'finished') "
                               "LIMIT 1")[0]["visit_id"]
        site_id = store._query("SELECT site_id FROM visit WHERE id = ?", [dissent])[0]["site_id"]
        secret = next(r for r in cs.grievances(store) if r.complainant and
                      r.complainant.confidential)
        aimag = store._query("SELECT aimag_code FROM site WHERE id = ?", [site_id])[0][
            "aimag_code"]
        for lang in ("mn", "en"):
            pdf = tmp / f"visit-{lang}.pdf"
            write_visit_report(store, dissent, pdf, lang=lang)
            marker = "Санал зөрөлдсөн:" if lang == "mn" else "Dissent:"
            page = next(i for i in range(1, 9) if marker in _page_text(pdf, i))
            _png(pdf, page, f"cases-report-visit-signoff-{lang}")
            write_followup(store, site_id, tmp / f"f-{lang}.pdf", lang=lang)
            _png(tmp / f"f-{lang}.pdf", 1, f"cases-report-followup-{lang}")
            write_compliance(store, tmp / f"c-{lang}.pdf", aimag_code=aimag, lang=lang)
            _png(tmp / f"c-{lang}.pdf", 1, f"cases-report-compliance-{lang}")
            write_grievance_slip(store, secret.grievance.id, tmp / f"g-{lang}.pdf", lang=lang,
                                 public=True)
            _png(tmp / f"g-{lang}.pdf", 1, f"cases-report-slip-public-{lang}")


def _page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else ""


def _png(pdf: Path, page: int, name: str) -> None:
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l",
                    str(page), str(pdf), str(OUT / name)], check=True)


def main() -> int:
    from pemdesk.demo import load_demo
    from pemdesk.storage import Store

    data = Path(tempfile.mkdtemp(prefix="cases-demo-"))
    with Store.open(data) as store:
        load_demo(store)
    OUT.mkdir(parents=True, exist_ok=True)
    reports(data)
    gui(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
