"""The whole cycle of a finding, driven through the real widgets: a complaint is registered; a
visit investigates it, records a finding with photo evidence, assesses two EMP commitments, three
parties sign and the company representative dissents on the finding; the visit is sealed and its
report shows the dissent and the commitments; the next visit lists the open finding; the
company's response is recorded; a follow-up visit resolves it; the follow-up report shows the
whole history."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from factories import make_site
from pemdesk import model, visits
from pemdesk.cases.records import (
    AssessmentResult,
    CaseStatus,
    Commitment,
    GrievanceCategory,
    Outcome,
    Party,
    SignKind,
    StepKind,
)
from pemdesk.photos import ImportOptions, import_photos
from pemdesk.storage import Store, VisitFilter
from pemdesk.storage import cases as cs
from photos_fixtures import make_jpeg

pytestmark = pytest.mark.ui
TIMEOUT = 8000


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def on_disk(data_dir: Path, fn: Any) -> Any:
    with Store.open(data_dir) as s:
        return fn(s)


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> Any:
    from pemdesk.ui.main_window import MainWindow

    w = MainWindow(tmp_path / "data")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    offer = getattr(w, "_demo_offer", None)
    if offer is not None:
        offer.reject()
    yield w
    for editor in list(w.editors.values()):
        editor.close()
    if getattr(w, "cases_window", None) is not None:
        w.cases_window.close()
    w.close()


def draw(qtbot: Any, pad: Any) -> None:
    """A signature drawn with the mouse."""
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(20, 60))
    for x in range(25, 260, 15):
        QTest.mouseMove(pad, QPoint(x, 40 + (x // 15 % 3) * 20))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(260, 60))


def sign(qtbot: Any, page: Any, person_id: str | None, kind: SignKind, **kw: Any) -> None:
    page.choose_person(person_id)
    page.set_kind(kind)
    if kind in (SignKind.SIGNED, SignKind.DISSENT):
        draw(qtbot, page.pad)
        assert not page.pad.is_empty()
    if kind == SignKind.DISSENT:
        page.reason.setPlainText(kw["reason"])
        page.about.setCurrentIndex(page.about.findData(kw["finding_id"]))
    before = len(page.data.signoffs)
    page.save()
    qtbot.waitUntil(lambda: len(page.data.signoffs) == before + 1, timeout=TIMEOUT)


def test_whole_cycle(qtbot: Any, window: Any, tmp_path: Path) -> None:
    data_dir = window.data_dir
    with Store.open(data_dir) as s:
        site = make_site(s)
        c1 = cs.save_commitment(s, Commitment(site.id, 2026, "Замыг өдөрт 2 удаа услах",
                                              target="өдөрт 2 удаа", source="БОМТ 2026, х. 14"))
        c2 = cs.save_commitment(s, Commitment(site.id, 2026, "Худгийн түвшинг сар бүр хэмжих",
                                              target="сар бүр"))
        me = s.save(model.Person("Д. Батболд", model.PersonRole.MONITOR))
        herder = s.save(model.Person("Л. Төмөр", model.PersonRole.HERDER))
        company = s.save(model.Person("Э. Үүрийнтуяа", model.PersonRole.COMPANY))
        inspector = s.save(model.Person("Ц. Ганзориг", model.PersonRole.INSPECTOR))

    # 1. A complaint is registered in the grievance form.
    cases = window.open_cases()
    gtab = cases.grievances
    qtbot.waitUntil(lambda: gtab.data is not None, timeout=TIMEOUT)
    form = gtab.form()
    form.site.setCurrentIndex(form.site.findData(site.id))
    form.received.setText("2026-05-20")
    form.name.setText("Нууц Малчин")
    form.contact.setText("99112233")
    form.confidential.setChecked(True)
    form.category.setCurrentIndex(form.category.findData(str(GrievanceCategory.DUST)))
    form.position.setText("43.01, 106.86")
    form.description.setPlainText("Уурхайн замын тоос бэлчээрт сууж байна.")
    form.accept()
    gtab.new(form)
    qtbot.waitUntil(lambda: gtab.table.rowCount() == 1, timeout=TIMEOUT)
    grievance = on_disk(data_dir, lambda s: cs.grievances(s)[0])
    assert grievance.complainant.confidential

    # 2. A visit investigates it: a finding with photo evidence.
    with Store.open(data_dir) as s:
        visit = visits.start_visit(s, site.id, monitor=me, started_at="2026-06-01T02:00:00.000Z")
        for person in (herder, company, inspector):
            s.save(model.Participant(visit.id, person.id, person.role))
        v = s.get(model.Visit, visit.id)
        v.purpose = "Гомдлын шалгалт"
        s.save(v)
        photo = make_jpeg(tmp_path / "dust.jpg", color=(160, 140, 90))
        import_photos(s, [photo], ImportOptions(visit_id=visit.id))
        photo_id = s.visit_detail(visit.id).photos[0].id
    editor = window.open_visit(visit.id)
    qtbot.waitUntil(lambda: editor.detail is not None and not editor.read_only, timeout=TIMEOUT)
    row = editor.add_finding_row()
    editor.findings.item(row, 0).setText("dust")
    editor.findings.item(row, 1).setText("Замыг услаагүй, тоос их")
    with qtbot.waitSignal(editor.saved, timeout=TIMEOUT):
        editor.save_now()
    follow = editor.followup_page
    qtbot.waitUntil(lambda: follow.data is not None and len(follow.data.findings) == 1,
                    timeout=TIMEOUT)
    finding_id = follow.data.findings[0].id
    follow.select_finding(finding_id)
    follow.party.setCurrentIndex(follow.party.findData(str(Party.COMPANY)))
    follow.due.setText("2026-07-01")
    follow.grievance.setCurrentIndex(follow.grievance.findData(grievance.grievance.id))
    follow.evidence.item(0).setCheckState(Qt.CheckState.Checked)
    follow.save_case()
    qtbot.waitUntil(lambda: on_disk(data_dir, lambda s: cs.case_of(s, finding_id)) is not None,
                    timeout=TIMEOUT)
    case = on_disk(data_dir, lambda s: cs.case_of(s, finding_id))
    assert case.photo_ids == [photo_id] and case.grievance_id == grievance.grievance.id

    # 3. Two commitments assessed.
    assess = editor.assessment_page
    qtbot.waitUntil(lambda: assess.data is not None and len(assess.data.commitments) == 2,
                    timeout=TIMEOUT)
    assess.assess(c1.id, AssessmentResult.NOT_MET, "Зам хуурай, тоостой")
    qtbot.waitUntil(lambda: len(assess.data.assessments) == 1, timeout=TIMEOUT)
    assess.assess(c2.id, AssessmentResult.MET)
    qtbot.waitUntil(lambda: len(assess.data.assessments) == 2, timeout=TIMEOUT)

    # 4. Three parties sign; the company representative dissents on the finding.
    editor.finish()  # the Review page, where the sign-off step is and sealing happens
    review = editor.review_page
    page = editor.signoff_page
    qtbot.waitUntil(lambda: page.data is not None and review.review is not None, timeout=TIMEOUT)
    sign(qtbot, page, me.id, SignKind.SIGNED)
    # Once signing has begun, everyone must be accounted for before sealing.
    qtbot.waitUntil(lambda: review.review is not None and len(
        [i for i in review.review.section("signoffs").items if i.level == "block"]) == 3,
        timeout=TIMEOUT)
    assert not review.can_seal
    page.choose_person(herder.id)
    page.set_kind(SignKind.TYPED)
    page.save()
    qtbot.waitUntil(lambda: len(page.data.signoffs) == 2, timeout=TIMEOUT)
    sign(qtbot, page, inspector.id, SignKind.SIGNED)
    reason = "Тоос нийтийн замаас үүссэн, манай замаас биш"
    sign(qtbot, page, company.id, SignKind.DISSENT, reason=reason, finding_id=finding_id)
    assert page.table.rowCount() == 4
    kinds = on_disk(data_dir, lambda s: sorted(str(x.kind) for x in cs.signoffs_of(s, visit.id)))
    assert kinds == ["dissent", "signed", "signed", "typed"]
    assert page.person.count() == 1  # only "someone else" is left to choose

    # 5. Sealed; the report shows the dissent and the commitments.
    qtbot.waitUntil(lambda: review.review is not None and review.can_seal, timeout=TIMEOUT)
    dissents = [i for i in review.review.section("signoffs").items if i.level == "warn"]
    assert len(dissents) == 1 and reason in dissents[0].en
    editor.seal()
    qtbot.waitUntil(lambda: on_disk(data_dir, lambda s: s.get(model.Visit, visit.id).status)
                    == model.VisitStatus.FINISHED, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: editor.read_only, timeout=TIMEOUT)
    assert not page.save_button.isEnabled()
    from pemdesk.reports.visit import write_visit_report
    from pemdesk.verify import verify

    out = tmp_path / "visit.pdf"
    with Store.open(data_dir) as s:
        assert verify(s, visit.id).ok
        write_visit_report(s, visit.id, out, lang="en")
    text = pdf_text(out)
    assert "Dissent" in text and "манай замаас биш" in text
    assert "Замыг өдөрт 2 удаа услах" in text and "Not met" in text
    editor.close()

    # 6. The next visit to the site lists the open finding to re-inspect.
    with Store.open(data_dir) as s:
        nxt = visits.start_visit(s, site.id, monitor=me, started_at="2026-06-20T02:00:00.000Z")
    editor2 = window.open_visit(nxt.id)
    qtbot.waitUntil(lambda: editor2.followup_page.data is not None, timeout=TIMEOUT)
    follow2 = editor2.followup_page
    assert [r.finding.id for r in follow2.data.checklist] == [finding_id]
    assert follow2.checklist.rowCount() == 1

    # 7. The company's response, recorded in the findings register.
    ftab = cases.findings
    ftab.refresh()
    qtbot.waitUntil(lambda: ftab.data is not None and len(ftab.data.rows) == 1, timeout=TIMEOUT)
    ftab.select(finding_id)
    from pemdesk.ui.cases.register import ResponseDialog

    dialog = ResponseDialog(ftab, "x", StepKind.RESPONSE)
    dialog.on.setText("2026-06-10")
    dialog.by.setText("Э. Үүрийнтуяа")
    dialog.party.setCurrentIndex(dialog.party.findData(str(Party.COMPANY)))
    dialog.text.setPlainText("Усалгааны машин нэмж, өдөрт 2 удаа усална.")
    dialog.action.setText("Усалгааны хуваарь")
    dialog.planned_by.setText("2026-06-15")
    dialog.accept()
    ftab.add_step(StepKind.RESPONSE, dialog)
    qtbot.waitUntil(lambda: ftab.current() is not None
                    and ftab.current().status == CaseStatus.ANSWERED, timeout=TIMEOUT)
    assert "Усалгааны машин" in ftab.history.toPlainText()
    assert ftab.photos.count() == 1  # the evidence opens with the finding
    viewer = ftab.open_photo(ftab.photos.item(0))
    assert viewer is not None and viewer.photo.id == photo_id
    viewer.close()

    # 8. The follow-up visit resolves it.
    follow2.refresh()
    qtbot.waitUntil(lambda: follow2.checklist.rowCount() == 1, timeout=TIMEOUT)
    follow2.select_check(finding_id)
    follow2.outcome.setCurrentIndex(follow2.outcome.findData(str(Outcome.RESOLVED)))
    follow2.seen.setText("Зам усалсан, тоосгүй")
    follow2.record_reinspection()
    qtbot.waitUntil(lambda: on_disk(data_dir, lambda s: cs.finding_row(s, finding_id)).status
                    == CaseStatus.RESOLVED, timeout=TIMEOUT)
    row = on_disk(data_dir, lambda s: cs.finding_row(s, finding_id))
    assert row.status == CaseStatus.RESOLVED
    assert [s.kind for s in row.steps] == [StepKind.RESPONSE, StepKind.REINSPECTION]

    # 9. The follow-up report shows the whole history.
    out = tmp_path / "followup.pdf"
    from pemdesk.reports.cases import write_followup

    with Store.open(data_dir) as s:
        write_followup(s, site.id, out, lang="en")
    text = pdf_text(out)
    # The same reports as the program's preview makes them (on the database thread).
    from pemdesk.ui.reports.jobs import ReportRequest

    with Store.open(data_dir) as s:
        for kind, key in (("followup", site.id), ("compliance", site.id),
                          ("compliance", site.aimag_code), ("grievance", grievance.grievance.id)):
            pdf = ReportRequest(kind, key, "x", supports_public=True).make(s, "mn", public=True)
            assert pdf.startswith(b"%PDF"), kind
    for expected in ("Замыг услаагүй", "Found", "Response", "Усалгааны машин",
                     "Re-inspection", "Fixed", "Зам усалсан", "Resolved findings"):
        assert expected in text, expected
    editor2.close()


def test_the_cases_windows_are_in_mongolian(qtbot: Any, demo_dir: Path) -> None:
    from pemdesk.ui.cases.register import GrievanceForm, ResponseDialog
    from pemdesk.ui.main_window import MainWindow
    from test_ui_mongolian import untranslated

    w = MainWindow(demo_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.loaded, timeout=TIMEOUT)
    cases = w.open_cases()
    qtbot.waitUntil(lambda: cases.findings.data is not None and cases.grievances.data
                    is not None, timeout=TIMEOUT)
    problems: list[str] = []
    for i in range(cases.tabs.count()):
        cases.tabs.setCurrentIndex(i)
        problems += untranslated(cases)
    form = GrievanceForm(cases, cases.grievances.data.sites)
    form.show()
    problems += untranslated(form)
    form.close()
    dialog = ResponseDialog(cases, "x", StepKind.RESPONSE)
    dialog.show()
    problems += untranslated(dialog)
    dialog.close()
    with Store.open(demo_dir) as s:
        draft = s.list_visits(VisitFilter(status=model.VisitStatus.DRAFT))[0]
    editor = w.open_visit(draft.id)
    qtbot.waitUntil(lambda: editor.followup_page.data is not None, timeout=TIMEOUT)
    for page in (editor.followup_page, editor.assessment_page):
        editor.tabs.setCurrentWidget(page)
        problems += untranslated(page)
    editor.finish()
    qtbot.waitUntil(lambda: editor.signoff_page.data is not None, timeout=TIMEOUT)
    for kind in (SignKind.SIGNED, SignKind.DISSENT):
        editor.signoff_page.set_kind(kind)
        problems += untranslated(editor.signoff_page)
    assert problems == []
    editor.close()
    cases.close()
    w.close()
