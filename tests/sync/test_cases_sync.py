"""Cases over real sync (SQLite and PostgreSQL servers): answers made offline on two laptops both
survive; a confidential complainant never reaches a monitor's laptop; a tampered sign-off is
named by verify on the laptop that received the sealed visit."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from synchelp import LiveServer, client_for, enrolled, new_person, new_site

from pemdesk import model, visits
from pemdesk.cases.records import (
    Complainant,
    FindingCase,
    FindingStep,
    Grievance,
    GrievanceCategory,
    Party,
    SignKind,
    SignOff,
    StepKind,
)
from pemdesk.storage import Store
from pemdesk.storage import cases as cs
from pemdesk.verify import verify

SECRET = "Нууцлалтай Гомдолч"
STROKE = [[[10, 50], [40, 20], [80, 70], [120, 30]]]


def sync(store: Store) -> Any:
    with client_for(store) as client:
        report = client.sync()
    return report


def _sealed_visit_with_finding(store: Store) -> tuple[model.Visit, model.Finding, str]:
    site = new_site(store)
    person = new_person(store)
    visit = visits.start_visit(store, site.id, monitor=person,
                               started_at="2026-05-01T02:00:00.000Z")
    visit = store.get(model.Visit, visit.id)
    visit.purpose, visit.lon, visit.lat = "Гомдлын шалгалт", 105.0, 44.0
    store.save(visit)
    finding = store.save(model.Finding(visit_id=visit.id, category="dust",
                                       description="Замын тоос"))
    cs.save_case(store, FindingCase(finding.id, visit.id, site.id, Party.COMPANY,
                                    due_on="2026-06-01"))
    cs.save_signoff(store, SignOff(visit.id, "Бат", SignKind.SIGNED, strokes=STROKE,
                                   party=Party.COMMITTEE, person_id=person.id))
    dissent = cs.save_signoff(store, SignOff(visit.id, "Компанийн төлөөлөгч", SignKind.DISSENT,
                                             party=Party.COMPANY, reason="Тоос манайх биш",
                                             finding_id=finding.id, typed_name="Болд"))
    visits.finish_visit(store, visit.id)
    return visit, finding, dissent.id


def test_cases_sync_answers_confidentiality_and_sealed_signoffs(
        live_server: LiveServer, tmp_path: Path) -> None:
    a = enrolled(live_server, tmp_path / "a", "А")
    b = enrolled(live_server, tmp_path / "b", "Б")
    coord = enrolled(live_server, tmp_path / "c", "Зохицуулагч", "coordinator")
    visit, finding, dissent_id = _sealed_visit_with_finding(a)
    grievance = cs.save_grievance(
        a, Grievance(visit.site_id, "2026-04-20", GrievanceCategory.DUST, "Бэлчээрт тоос",
                     visit_ids=[visit.id], finding_ids=[finding.id]),
        Complainant("", name=SECRET, contact="99001122", confidential=True))
    sync(a)
    sync(b)
    sync(coord)

    # Both laptops answer the same finding while offline; both answers survive everywhere.
    cs.add_step(a, FindingStep(finding.id, StepKind.NOTE, "2026-05-05", by_name="А",
                               text="Компанид мэдэгдсэн"))
    cs.add_step(b, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-06", by_name="Болд",
                               by_party=Party.COMPANY, text="Замыг өдөрт 2 удаа усална",
                               planned_by="2026-05-20"))
    cs.add_step(a, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-06", by_name="Сум",
                               by_party=Party.SOUM, text="Сум хяналт тавина"))
    for store in (a, b, a, b):
        report = sync(store)
        assert not report.rejected, report
    for store in (a, b):
        row = cs.finding_row(store, finding.id)
        assert {s.by_name for s in row.steps} == {"А", "Болд", "Сум"}
        assert row.status == "answered"

    # The confidential complainant: the server withholds the identity from monitor B.
    raw = sqlite3.connect(str(b.path))
    name, contact, confidential = raw.execute(
        "SELECT name, contact, confidential FROM grievance_complainant WHERE id = ?",
        [grievance.id]).fetchone()
    raw.close()
    assert (name, contact, confidential) == ("", "", 1)
    assert SECRET.encode() not in b.path.read_bytes()
    wal = b.path.with_name(b.path.name + "-wal")
    assert not wal.exists() or SECRET.encode() not in wal.read_bytes()
    row_b = cs.grievance_row(b, grievance.id)
    assert row_b.complainant_name("en") == "confidential"
    assert row_b.grievance.description == "Бэлчээрт тоос"
    # The coordinator and the laptop that registered it keep it.
    sync(coord)
    assert cs.complainant_of(coord, grievance.id).name == SECRET  # type: ignore[union-attr]
    assert cs.complainant_of(a, grievance.id).name == SECRET  # type: ignore[union-attr]
    # A monitor who tries to overwrite it is refused, and not told the name in the refusal.
    b.conn.execute("UPDATE grievance_complainant SET contact = 'x' WHERE id = ?", [grievance.id])
    b.conn.commit()
    with client_for(b) as client:
        report = client.sync()
    assert report.rejected
    assert SECRET not in str(report)
    applied = live_server.store.applied_ops()
    assert applied

    # A public grievance slip from the coordinator's laptop hides the name.
    from pemdesk.reports.cases import write_grievance_slip

    out = tmp_path / "slip.pdf"
    write_grievance_slip(coord, grievance.id, out, lang="mn", public=True)
    text = _pdf_text(out)
    assert "Бэлчээрт тоос" in text and SECRET not in text and "нууцлалтай" in text

    # The sealed visit with its sign-offs reached B: it verifies, and a tampered dissent is named.
    assert verify(b, visit.id, check_files=False).ok
    raw = sqlite3.connect(str(b.path), isolation_level=None)
    raw.execute("UPDATE signoff SET reason = 'Зөвшөөрч байна' WHERE id = ?", [dissent_id])
    raw.close()
    report = verify(b, visit.id, check_files=False)
    assert not report.ok
    named = [p for p in report.visits[0].problems if p.section == "signoffs"]
    assert named and named[0].record_id == dissent_id and named[0].field == "reason"
    for store in (a, b, coord):
        store.close()


def _pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
