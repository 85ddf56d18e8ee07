"""Demo findings as cases, grievances, EMP commitments and sign-offs (called by ``demo.py``).

Runs inside the demo's transaction with capture suppressed (demo data never reaches a server).
Finished demo visits get their cases, assessments, re-inspections and sign-offs written directly
(the store refuses them on a finished visit) and are then sealed again, so they verify.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta

from pemdesk import model
from pemdesk.cases.records import (
    Assessment,
    AssessmentResult,
    Channel,
    Commitment,
    Complainant,
    FindingCase,
    FindingStep,
    Grievance,
    GrievanceCategory,
    GrievanceStatus,
    Outcome,
    Party,
    SignKind,
    SignOff,
    StepKind,
)
from pemdesk.labels import label
from pemdesk.storage import Store
from pemdesk.storage.records import from_row

COMMITMENTS = (
    ("Тээврийн замыг өдөрт 2 удаа услах", "өдөрт 2 удаа", "08-31"),
    ("Эвдэрсэн 12 га талбайд техникийн нөхөн сэргээлт хийх", "12 га", "09-30"),
    ("Ойролцоох 3 худгийн усны түвшинг сар бүр хэмжих", "сар бүр, 3 худаг", "12-31"),
    ("Хог хаягдлыг зориулалтын цэгт төвлөрүүлэх", "100 %", "10-31"),
)
RESULTS = (AssessmentResult.MET, AssessmentResult.PARTLY, AssessmentResult.NOT_MET,
           AssessmentResult.MET)
RESPONSES = (
    ("Усалгааны машиныг нэмж, өдөрт 2 удаа усална.", "Усалгааны хуваарь гаргах"),
    ("Сувгийг засч, тунгаагуур байгуулна.", "Тунгаагуур барих"),
    ("Хогийг ачиж, зориулалтын цэг рүү зөөнө.", "Хог цэвэрлэх"),
)


def strokes(rng: random.Random) -> list[list[list[float]]]:
    """A made-up signature: two or three flowing strokes inside the pad's 300 × 100 frame."""
    out = []
    x = 20.0 + rng.uniform(0, 20)
    for _k in range(rng.randint(2, 3)):
        length = rng.uniform(60, 110)
        stroke = []
        freq, phase = rng.uniform(2.5, 4.5), rng.uniform(0, 3)
        for i in range(60):
            t = i / 59
            loop = 14 * math.sin(t * freq * 2 * math.pi + phase)
            stroke.append([round(x + t * length + 6 * math.cos(t * freq * 2 * math.pi), 1),
                           round(52 + loop * (1 - 0.35 * t) - 10 * t, 1)])
        out.append(stroke)
        x += length + rng.uniform(5, 15)
    return out


def load_cases(store: Store, new_id: Callable[[], str]) -> None:
    rng = random.Random(20261204)
    resealed: set[str] = set()
    sites = [s for s in store.list_sites() if s.is_demo]
    people = {p.role: p for p in store.list_people()}
    first_company = next((s.id for s in sites if s.holder), None)
    for site in sites:
        site_visits = sorted(store.list_visits(), key=lambda v: v.started_at)
        site_visits = [v for v in site_visits if v.site_id == site.id]
        finished = [v for v in site_visits if v.status == model.VisitStatus.FINISHED]
        # EMP commitments of companies, 2024 and 2025, assessed by that year's visits.
        if site.holder:
            for year in (2024, 2025):
                for k, (text, target, due) in enumerate(COMMITMENTS[:3 + (year == 2025)]):
                    c = store.save(Commitment(site.id, year, text, target=target,
                                              due_on=f"{year}-{due}",
                                              source=f"БОМТ {year}, х. {12 + 3 * k}",
                                              licence_no=site.licence_no, id=new_id()))
                    for n, v in enumerate(x for x in finished if x.started_at.startswith(str(year))):
                        result = RESULTS[(k + n + len(site.name_mn)) % len(RESULTS)]
                        store.save(Assessment(c.id, v.id, result, note="Газар дээр шалгав.",
                                              id=new_id()))
                        resealed.add(v.id)
        # Findings become cases; earlier ones pass through every step of the lifecycle.
        for i, v in enumerate(finished):
            for f in store.findings_of(v.id):
                due = (date.fromisoformat(v.started_at[:10]) + timedelta(days=60)).isoformat()
                store.save(FindingCase(f.id, v.id, site.id, Party.COMPANY,
                                       responsible_name=site.holder, due_on=due))
                resealed.add(v.id)
                stage = (i + len(site.name_mn)) % 4  # 0 open, 1 answered, 2 resolved, 3 reopened
                on = date.fromisoformat(v.started_at[:10])
                if stage >= 1:
                    text, action = RESPONSES[i % len(RESPONSES)]
                    store.save(FindingStep(f.id, StepKind.RESPONSE,
                                           (on + timedelta(days=12)).isoformat(),
                                           by_name=people[model.PersonRole.COMPANY].name,
                                           by_party=Party.COMPANY, text=text,
                                           planned_action=action,
                                           planned_by=(on + timedelta(days=45)).isoformat(),
                                           id=new_id()))
                later = [x for x in finished if x.started_at > v.started_at]
                if stage >= 2 and later:
                    follow = later[0]
                    store.save(FindingStep(
                        f.id, StepKind.REINSPECTION, follow.started_at[:10],
                        by_name=people[model.PersonRole.INSPECTOR].name,
                        by_party=Party.INSPECTORATE, visit_id=follow.id,
                        outcome=Outcome.RESOLVED if stage == 2 else Outcome.NOT_RESOLVED,
                        text="Засагдсан." if stage == 2 else "Засагдаагүй хэвээр.",
                        id=new_id()))
                    resealed.add(follow.id)
        # Sign-offs on the finished visits; the company dissents on the first finding of one.
        for i, v in enumerate(finished):
            detail = store.visit_detail(v.id)
            findings = detail.findings
            for participant, person in detail.participants:
                kind = SignKind.SIGNED
                reason, finding_id, typed = "", None, ""
                if person.role == model.PersonRole.COMPANY and findings and i == 1:
                    kind, reason = SignKind.DISSENT, (
                        "Компанийн төлөөлөгч энэ илрүүлэлттэй санал нийлэхгүй байна: тоос "
                        "нийтийн замаас үүссэн.")
                    finding_id, typed = findings[0].id, person.name
                elif person.role == model.PersonRole.HERDER and i % 2:
                    kind, typed = SignKind.TYPED, person.name
                elif person.role == model.PersonRole.NGO and i % 3 == 2:
                    kind = SignKind.ABSENT
                store.save(SignOff(v.id, person.name, kind, role=label(participant.role, "mn"),
                                   party=_party(person.role), person_id=person.id,
                                   strokes=strokes(rng) if kind == SignKind.SIGNED else [],
                                   typed_name=typed, reason=reason, finding_id=finding_id,
                                   signed_at=v.ended_at, id=new_id()))
                resealed.add(v.id)
        # Complaints: one confidential, investigated by a visit with a finding.
        if site.holder and finished:
            v = finished[-1]
            f_ids = [f.id for f in store.findings_of(v.id)]
            for n, (category, text, confidential) in enumerate((
                    (GrievanceCategory.DUST, "Уурхайн замын тоос өвөлжөөний бэлчээрт сууж, мал "
                     "идэшлэхгүй болсон.", True),
                    (GrievanceCategory.WATER, "Худгийн ус багасч, булингартай болсон.", False))):
                received = (date.fromisoformat(v.started_at[:10]) - timedelta(days=20 + n))
                g = store.save(Grievance(
                    site.id, received.isoformat(), category, text,
                    channel=(Channel.IN_PERSON, Channel.PHONE)[n],
                    received_by=people[model.PersonRole.SOUM_OFFICIAL].name,
                    ref_no=f"Г-{received.year}-{site.licence_no[-3:] or '000'}-{n + 1}",
                    lon=site.lon, lat=site.lat,
                    status=GrievanceStatus.INVESTIGATING if n == 0 else GrievanceStatus.RESOLVED,
                    closed_on=None if n == 0 else v.started_at[:10],
                    resolution="" if n == 0 else "Компани худгийг цэвэрлэж, ус нийлүүлэв.",
                    visit_ids=[v.id], finding_ids=f_ids[:1] if n == 0 else [], id=new_id()))
                secret = confidential and site.id == first_company
                store.save(Complainant(g.id, name="Д. Нямдорж" if secret else
                                       ("Ц. Батцэцэг", "Б. Должин")[n],
                                       contact=("99887766", "88112233")[n], confidential=secret))
    from pemdesk.verify import seal_visit

    for visit_id in sorted(resealed):
        rows = store._query("SELECT * FROM visit WHERE id = ?", [visit_id])
        if rows and from_row(model.Visit, rows[0]).seal_digest:
            seal_visit(store, visit_id)


def _party(role: model.PersonRole) -> Party:
    return {
        model.PersonRole.COMPANY: Party.COMPANY,
        model.PersonRole.SOUM_OFFICIAL: Party.SOUM,
        model.PersonRole.INSPECTOR: Party.INSPECTORATE,
        model.PersonRole.HERDER: Party.HERDERS,
        model.PersonRole.CITIZEN: Party.HERDERS,
        model.PersonRole.NGO: Party.NGO,
        model.PersonRole.MONITOR: Party.COMMITTEE,
    }.get(role, Party.OTHER)
