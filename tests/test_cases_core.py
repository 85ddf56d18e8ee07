"""Findings as cases, grievances, EMP commitments and sign-offs in the core (no Qt)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from factories import make_site, make_visit
from pemdesk import model, seal, visits
from pemdesk.cases import lifecycle
from pemdesk.cases.records import (
    Assessment,
    AssessmentResult,
    CaseStatus,
    Commitment,
    Complainant,
    FindingCase,
    FindingStep,
    Grievance,
    GrievanceCategory,
    Outcome,
    Party,
    SignKind,
    SignOff,
    StepKind,
)
from pemdesk.errors import InvalidInput
from pemdesk.storage import Store
from pemdesk.storage import cases as cs
from pemdesk.verify import verify

STROKE = [[[10, 50], [40, 20], [80, 70], [120, 30]]]


def _visit_with_finding(store: Store, site: model.Site, started: str) -> tuple[model.Visit, model.Finding]:
    visit = make_visit(store, site, started)
    person = store.save(model.Person(name="Бат", role=model.PersonRole.MONITOR))
    store.save(model.Participant(visit.id, person.id, person.role))
    visit.purpose = "Шалгалт"
    store.save(visit)
    finding = store.save(model.Finding(visit_id=visit.id, category="dust",
                                       description="Замын тоос"))
    return visit, finding


def test_two_answers_to_one_finding_are_both_kept_and_status_is_derived(store: Store) -> None:
    site = make_site(store)
    visit, finding = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    cs.save_case(store, FindingCase(finding.id, visit.id, site.id, Party.COMPANY,
                                    due_on="2026-06-01"))
    assert cs.finding_row(store, finding.id, date(2026, 5, 2)).status == CaseStatus.OPEN
    assert cs.finding_row(store, finding.id, date(2026, 7, 1)).overdue
    a = cs.add_step(store, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-10",
                                       by_name="Компани", by_party=Party.COMPANY,
                                       text="Усалгаа нэмнэ", planned_by="2026-06-01"))
    cs.add_step(store, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-10",
                                   by_name="Сум", by_party=Party.SOUM, text="Хянана"))
    row = cs.finding_row(store, finding.id, date(2026, 5, 11))
    assert row.status == CaseStatus.ANSWERED and len(row.steps) == 2
    with pytest.raises(InvalidInput):  # never edited
        cs.add_step(store, a)
    with pytest.raises(InvalidInput):  # a response says something
        cs.add_step(store, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-11"))
    # Finish; the next visit to the site lists it to re-inspect, and resolves it.
    visits.finish_visit(store, visit.id)
    nxt, _f2 = _visit_with_finding(store, site, "2026-08-01T02:00:00.000Z")
    todo = cs.open_findings_for_visit(store, nxt.id, date(2026, 8, 1))
    assert [r.finding.id for r in todo] == [finding.id]
    assert todo[0].overdue
    with pytest.raises(InvalidInput):
        cs.add_step(store, FindingStep(finding.id, StepKind.REINSPECTION, "2026-08-01",
                                       visit_id=nxt.id))  # no outcome
    cs.add_step(store, FindingStep(finding.id, StepKind.REINSPECTION, "2026-08-01",
                                   visit_id=nxt.id, outcome=Outcome.RESOLVED, text="Усалсан"))
    row = cs.finding_row(store, finding.id, date(2026, 8, 2))
    assert row.status == CaseStatus.RESOLVED and not row.overdue
    # Still on this visit's checklist (with its re-inspection), off the open register.
    assert [r.finding.id for r in cs.open_findings_for_visit(store, nxt.id)] == [finding.id]
    assert finding.id not in {r.finding.id for r in cs.findings(store, cs.FindingFilter(
        open_only=True))}


def test_lifecycle_rules() -> None:
    def step(kind: StepKind, outcome: Outcome | None = None) -> FindingStep:
        return FindingStep("f", kind, "2026-01-01", outcome=outcome)

    assert lifecycle.status_of([]) == CaseStatus.OPEN
    assert lifecycle.status_of([step(StepKind.RESPONSE)]) == CaseStatus.ANSWERED
    assert lifecycle.status_of([step(StepKind.REINSPECTION, Outcome.PARTLY)]) == \
        CaseStatus.REINSPECTED
    assert lifecycle.status_of([step(StepKind.REINSPECTION, Outcome.RESOLVED),
                                step(StepKind.REOPENED)]) == CaseStatus.REOPENED
    assert lifecycle.status_of([step(StepKind.NOTE)]) == CaseStatus.OPEN
    assert not lifecycle.is_overdue(CaseStatus.RESOLVED, "2000-01-01")
    assert lifecycle.is_overdue(CaseStatus.ANSWERED, "2000-01-01")


def test_register_filters(store: Store) -> None:
    site = make_site(store)
    other = make_site(store, "Өөр уурхай")
    v1, f1 = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    v2, f2 = _visit_with_finding(store, other, "2026-05-02T02:00:00.000Z")
    cs.save_case(store, FindingCase(f1.id, v1.id, site.id, Party.COMPANY, due_on="2026-05-05"))
    cs.save_case(store, FindingCase(f2.id, v2.id, other.id, Party.SOUM, due_on="2027-01-01"))
    today = date(2026, 6, 1)
    assert [r.finding.id for r in cs.findings(store, cs.FindingFilter(site_id=site.id), today)] \
        == [f1.id]
    assert [r.finding.id for r in cs.findings(store, cs.FindingFilter(party="soum"), today)] \
        == [f2.id]
    assert [r.finding.id for r in cs.findings(store, cs.FindingFilter(overdue_only=True),
                                              today)] == [f1.id]
    assert cs.findings(store, cs.FindingFilter(status=CaseStatus.RESOLVED), today) == []


def test_signoffs_are_checked_and_sealed_and_tampering_is_named(store: Store) -> None:
    site = make_site(store)
    visit, finding = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    with pytest.raises(InvalidInput):
        cs.save_signoff(store, SignOff(visit.id, "Бат", SignKind.SIGNED, strokes=[[[1, 1]]]))
    with pytest.raises(InvalidInput):
        cs.save_signoff(store, SignOff(visit.id, "Компани", SignKind.DISSENT))
    with pytest.raises(InvalidInput):
        cs.save_signoff(store, SignOff(visit.id, "Дорж", SignKind.TYPED))
    signed = cs.save_signoff(store, SignOff(visit.id, "Бат", SignKind.SIGNED, strokes=STROKE,
                                            party=Party.COMMITTEE))
    cs.save_signoff(store, SignOff(visit.id, "Дорж", SignKind.TYPED, typed_name="Дорж",
                                   party=Party.HERDERS))
    dissent = cs.save_signoff(store, SignOff(
        visit.id, "Компанийн төлөөлөгч", SignKind.DISSENT, party=Party.COMPANY,
        reason="Тоос манай замаас биш", finding_id=finding.id, typed_name="Г. Болд"))
    cs.save_signoff(store, SignOff(visit.id, "Сүрэн", SignKind.ABSENT, strokes=STROKE))
    visits.finish_visit(store, visit.id)
    doc = json.loads(store.conn.execute("SELECT document FROM visit_seal WHERE id = ?",
                                        [visit.id]).fetchone()[0])
    assert doc["format"] == seal.SEAL_FORMAT_2
    assert {s["kind"] for s in doc["signoffs"]} == {"signed", "typed", "dissent", "absent"}
    assert verify(store, visit.id).ok
    with pytest.raises(InvalidInput):  # sealed with the visit
        cs.save_signoff(store, SignOff(visit.id, "Хожуу", SignKind.TYPED, typed_name="Х"))
    with pytest.raises(InvalidInput):
        cs.remove_signoff(store, signed.id)
    raw = sqlite3.connect(str(store.path), isolation_level=None)
    raw.execute("UPDATE signoff SET reason = 'Зөвшөөрч байна' WHERE id = ?", [dissent.id])
    raw.close()
    report = verify(store, visit.id)
    assert not report.ok
    problem = next(p for p in report.visits[0].problems if p.section == "signoffs")
    assert problem.record_id == dissent.id and problem.field == "reason"
    assert "sign-off" in problem.en and "гарын үсэг" in problem.mn


def test_an_old_format_1_seal_still_verifies(store: Store) -> None:
    site = make_site(store)
    visit, _finding = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    visits.finish_visit(store, visit.id)
    from pemdesk.device_key import load_or_create
    from pemdesk.storage import seals as q
    from pemdesk.verify import current_document

    key = load_or_create(store.data_dir)
    doc = current_document(store, visit.id, fmt=seal.SEAL_FORMAT_1)
    assert "signoffs" not in doc
    digest = seal.digest(doc)
    q.write_seal(store, visit.id, fmt=seal.SEAL_FORMAT_1, revision=1, digest=digest,
                 signature=seal.sign(digest, key), public_key=key.public_hex,
                 previous_digest=None, document=doc)
    assert verify(store, visit.id).ok
    # A sign-off slipped in later is not covered by a format-1 seal, and is not claimed to be.
    assert store.get(model.Visit, visit.id).seal_digest == digest


def test_grievance_confidential_name_is_hidden_in_public_output(store: Store) -> None:
    site = make_site(store)
    g = cs.save_grievance(store, Grievance(site.id, "2026-04-02", GrievanceCategory.DUST,
                                           "Тоос бэлчээрт"),
                          Complainant("", name="Нууц Малчин", contact="99119911",
                                      confidential=True))
    assert g.ref_no.startswith("Г-2026-")
    row = cs.grievance_row(store, g.id, date(2026, 4, 12))
    assert row.days_open == 10
    assert "Нууц" not in json.dumps(row.as_json(public=True), ensure_ascii=False)
    assert row.as_json(public=False)["complainant"] == "Нууц Малчин"
    assert row.complainant_name("en", public=True) == "confidential"
    visit, finding = _visit_with_finding(store, site, "2026-04-10T02:00:00.000Z")
    g = cs.link_grievance(store, g.id, visit_id=visit.id, finding_id=finding.id)
    assert g.status == "investigating" and g.finding_ids == [finding.id]
    with pytest.raises(InvalidInput):
        cs.save_grievance(store, Grievance(site.id, "2026-04-02", GrievanceCategory.DUST, " "))


def test_commitments_and_assessments(store: Store) -> None:
    site = make_site(store)
    c1 = cs.save_commitment(store, Commitment(site.id, 2026, "Замыг өдөрт 2 удаа услах",
                                              target="2 удаа/өдөр", source="БОМТ 2026, х. 14"))
    c2 = cs.save_commitment(store, Commitment(site.id, 2026, "12 га техникийн нөхөн сэргээлт",
                                              due_on="2026-09-30"))
    with pytest.raises(InvalidInput):
        cs.save_commitment(store, Commitment(site.id, 1800, "x"))
    visit, _f = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    a = cs.save_assessment(store, Assessment(c1.id, visit.id, AssessmentResult.NOT_MET))
    # Saving again for the same commitment and visit edits the one assessment.
    again = cs.save_assessment(store, Assessment(c1.id, visit.id, AssessmentResult.PARTLY))
    assert again.id == a.id and len(cs.assessments_in(store, visit.id)) == 1
    cs.save_assessment(store, Assessment(c2.id, visit.id, AssessmentResult.MET))
    assessed = {x.commitment.id: x for x in cs.assessed_commitments(store, site.id)}
    assert assessed[c1.id].latest is not None and assessed[c1.id].latest.result == "partly"
    visits.finish_visit(store, visit.id)
    with pytest.raises(InvalidInput):
        cs.save_assessment(store, Assessment(c2.id, visit.id, AssessmentResult.NOT_MET))
    assert verify(store, visit.id).ok


def test_an_amendment_keeps_the_case_and_its_history(store: Store) -> None:
    site = make_site(store)
    visit, finding = _visit_with_finding(store, site, "2026-05-01T02:00:00.000Z")
    cs.save_case(store, FindingCase(finding.id, visit.id, site.id, Party.COMPANY,
                                    due_on="2026-06-01"))
    c = cs.save_commitment(store, Commitment(site.id, 2026, "Услах"))
    cs.save_assessment(store, Assessment(c.id, visit.id, AssessmentResult.MET))
    visits.finish_visit(store, visit.id)
    cs.add_step(store, FindingStep(finding.id, StepKind.RESPONSE, "2026-05-10", text="Усална"))
    new = visits.amend_visit(store, visit.id)
    rows = cs.findings(store)
    assert len(rows) == 1 and rows[0].visit.id == new.id and rows[0].finding.id != finding.id
    assert rows[0].case is not None and rows[0].case.due_on == "2026-06-01"
    assert rows[0].status == CaseStatus.ANSWERED and rows[0].steps[0].text == "Усална"
    # An answer to the old finding, synced in later, still joins the history.
    cs.add_step(store, FindingStep(finding.id, StepKind.NOTE, "2026-05-11", text="Сум мэдсэн"))
    assert len(cs.finding_row(store, rows[0].finding.id).steps) == 2
    assert [a.result for a in cs.assessments_in(store, new.id)] == ["met"]
    assert cs.signoffs_of(store, new.id) == []
    visits.finish_visit(store, new.id)
    assert verify(store, new.id).ok
