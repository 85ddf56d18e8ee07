"""Storage of findings as cases, grievances, EMP commitments, assessments and sign-offs.

Every write goes through ``Store.save`` in one transaction, so the capture triggers put it in the
outbox. Records that belong to a visit (cases, assessments, sign-offs, re-inspections) are refused
once that visit is finished: they are sealed with it. Lifecycle steps are never edited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from pemdesk import model
from pemdesk.cases import lifecycle, signature
from pemdesk.cases.records import (
    Assessment,
    AssessmentResult,
    CaseStatus,
    Commitment,
    Complainant,
    FindingCase,
    FindingStep,
    Grievance,
    GrievanceStatus,
    SignKind,
    SignOff,
    StepKind,
)
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.ids import new_id, utc_now
from pemdesk.storage.records import from_row

if TYPE_CHECKING:
    from pemdesk.storage.store import Store

LATEST = "NOT EXISTS (SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0)"


def _today(today: date | None) -> date:
    return today or date.today()


def _check_date(value: str | None, mn: str, en: str) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value[:10])
    except ValueError as exc:
        raise InvalidInput(f"{mn}: огноо буруу ({value}).", f"{en}: not a date ({value}).") from exc


# --- finding cases and their lifecycle --------------------------------------------------------
def save_case(store: Store, case: FindingCase) -> FindingCase:
    """Responsible party, due date and evidence of a finding (while its visit is a draft)."""
    with store.atomic():
        finding = store.get(model.Finding, case.finding_id)
        visit = store.get(model.Visit, finding.visit_id)
        store._check_visit_editable(visit.id)
        case.id, case.visit_id, case.site_id = finding.id, visit.id, visit.site_id
        _check_date(case.due_on, "Хугацаа", "Due date")
        for photo_id in case.photo_ids:
            store._require(model.Photo, photo_id)
        for obs_id in case.observation_ids:
            store._require(model.Observation, obs_id)
        store._require(model.Plot, case.plot_id)
        if case.grievance_id is not None:
            store._require(Grievance, case.grievance_id)
        store.save(case)
    return case


def case_of(store: Store, finding_id: str) -> FindingCase | None:
    rows = store._query("SELECT * FROM finding_case WHERE id = ? AND _deleted = 0", [finding_id])
    return from_row(FindingCase, rows[0]) if rows else None


def add_step(store: Store, step: FindingStep) -> FindingStep:
    """Append a lifecycle step. Steps are never edited: a correction is a new step."""
    with store.atomic():
        if store._query("SELECT 1 FROM finding_step WHERE id = ?", [step.id]):
            raise InvalidInput("Энэ алхам аль хэдийн бичигдсэн; засахгүй, шинэ алхам нэмнэ үү.",
                               "This step is already recorded; add a new step instead of "
                               "editing it.", detail=f"step {step.id}")
        store._require(model.Finding, step.finding_id)
        _check_date(step.on_date, "Огноо", "Date")
        _check_date(step.planned_by, "Төлөвлөсөн хугацаа", "Planned date")
        if step.kind == StepKind.RESPONSE and not (step.text.strip()
                                                   or step.planned_action.strip()):
            raise InvalidInput("Хариуцагчийн хариу эсвэл авах арга хэмжээг бичнэ үү.",
                               "Write the responsible party's response or planned action.")
        if step.kind == StepKind.REINSPECTION:
            if step.visit_id is None or step.outcome is None:
                raise InvalidInput("Дахин үзлэгт үзлэг болон дүгнэлт заавал хэрэгтэй.",
                                   "A re-inspection needs its visit and its outcome.")
            store._check_visit_editable(step.visit_id)
        if step.visit_id is not None:
            store._require(model.Visit, step.visit_id)
        if step.kind in (StepKind.REOPENED, StepKind.NOTE) and not step.text.strip():
            raise InvalidInput("Шалтгаан эсвэл тайлбарыг бичнэ үү.", "Write the reason or note.")
        for photo_id in step.photo_ids:
            store._require(model.Photo, photo_id)
        store.save(step)
    return step


def remove_reinspection(store: Store, step_id: str) -> None:
    """Take back a re-inspection recorded in a visit that is still a draft (before sealing)."""
    with store.atomic():
        step = store.get(FindingStep, step_id)
        if step.kind != StepKind.REINSPECTION or step.visit_id is None:
            raise InvalidInput("Зөвхөн ноорог үзлэгийн дахин үзлэгийг буцаана.",
                               "Only a re-inspection of a draft visit can be taken back.")
        store._check_visit_editable(step.visit_id)
        store.delete(FindingStep, step_id)


def lineage(store: Store, finding_id: str) -> list[str]:
    """The finding and the findings it was copied from by amendments (newest first)."""
    ids = [finding_id]
    while True:
        rows = store._query("SELECT extra FROM finding_case WHERE id = ?", [ids[-1]])
        try:
            origin = json.loads(rows[0]["extra"]).get("origin") if rows else None
        except (ValueError, AttributeError):
            origin = None
        if not isinstance(origin, str) or origin in ids:
            return ids
        ids.append(origin)


def steps_of(store: Store, finding_id: str) -> list[FindingStep]:
    """The lifecycle of a finding, including steps recorded against the revisions it amends."""
    ids_ = lineage(store, finding_id)
    marks = ", ".join("?" for _ in ids_)
    rows = store._query(f"SELECT * FROM finding_step WHERE finding_id IN ({marks}) AND "
                        "_deleted = 0", ids_)
    created = {r["id"]: r["created_at"] for r in rows}
    return lifecycle.ordered([from_row(FindingStep, r) for r in rows], created)


@dataclass
class FindingRow:
    """A finding with its case, place and lifecycle, as the register shows it."""

    finding: model.Finding
    case: FindingCase | None
    site: model.Site
    visit: model.Visit
    steps: list[FindingStep] = field(default_factory=list)
    status: CaseStatus = CaseStatus.OPEN
    overdue: bool = False
    days_open: int = 0

    @property
    def due_on(self) -> str | None:
        return self.case.due_on if self.case and self.case.due_on else self.finding.follow_up_due

    def as_json(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": self.finding.id, "site_id": self.site.id, "site": self.site.name_mn,
            "visit_id": self.visit.id, "found_on": self.visit.started_at[:10],
            "category": self.finding.category, "description": self.finding.description,
            "severity": str(self.finding.severity), "status": str(self.status),
            "responsible_party": str(c.responsible_party) if c else None,
            "responsible_name": c.responsible_name if c else "",
            "due_on": self.due_on, "overdue": self.overdue, "days_open": self.days_open,
            "photo_ids": list(c.photo_ids) if c else [],
            "steps": [{"id": s.id, "kind": str(s.kind), "on": s.on_date, "by": s.by_name,
                       "party": str(s.by_party) if s.by_party else None, "text": s.text,
                       "planned_action": s.planned_action, "planned_by": s.planned_by,
                       "visit_id": s.visit_id,
                       "outcome": str(s.outcome) if s.outcome else None}
                      for s in self.steps],
        }


@dataclass(frozen=True)
class FindingFilter:
    site_id: str | None = None
    aimag_code: str | None = None
    status: CaseStatus | None = None
    party: str | None = None
    open_only: bool = False
    overdue_only: bool = False
    exclude_visit_id: str | None = None
    before: str | None = None  # found before this time (re-inspection lists)


def findings(store: Store, f: FindingFilter | None = None,
             today: date | None = None) -> list[FindingRow]:
    """The findings register: every finding of the latest revision of each visit, newest first."""
    f = f or FindingFilter()
    clauses = ["fi._deleted = 0", "v._deleted = 0", LATEST]
    params: list[Any] = []
    if f.site_id:
        clauses.append("v.site_id = ?")
        params.append(f.site_id)
    if f.aimag_code:
        clauses.append("s.aimag_code = ?")
        params.append(f.aimag_code)
    if f.exclude_visit_id:
        clauses.append("v.id <> ?")
        params.append(f.exclude_visit_id)
    if f.before:
        clauses.append("v.started_at < ?")
        params.append(f.before)
    rows = store._query(
        "SELECT fi.id AS fid FROM finding fi JOIN visit v ON v.id = fi.visit_id "
        f"JOIN site s ON s.id = v.site_id WHERE {' AND '.join(clauses)} "
        "ORDER BY v.started_at DESC, fi.created_at, fi.id", params)
    ids = [r["fid"] for r in rows]
    return [r for r in _rows(store, ids, today) if _wanted(r, f)]


def _wanted(row: FindingRow, f: FindingFilter) -> bool:
    if f.status is not None and row.status != f.status:
        return False
    if f.open_only and not lifecycle.is_open(row.status):
        return False
    if f.overdue_only and not row.overdue:
        return False
    return not (f.party and (row.case is None or str(row.case.responsible_party) != f.party))


def _rows(store: Store, finding_ids: list[str], today: date | None) -> list[FindingRow]:
    out: list[FindingRow] = []
    sites: dict[str, model.Site] = {}
    visits_: dict[str, model.Visit] = {}
    for fid in finding_ids:
        finding = store.get(model.Finding, fid)
        visit = visits_.get(finding.visit_id) or store.get(model.Visit, finding.visit_id)
        visits_[visit.id] = visit
        site = sites.get(visit.site_id) or store.get(model.Site, visit.site_id)
        sites[site.id] = site
        steps = steps_of(store, fid)
        status = lifecycle.status_of(steps)
        row = FindingRow(finding, case_of(store, fid), site, visit, steps, status)
        row.overdue = lifecycle.is_overdue(status, row.due_on, _today(today))
        end = next((date.fromisoformat(s.on_date[:10]) for s in reversed(steps)
                    if status == CaseStatus.RESOLVED), None)
        row.days_open = lifecycle.days_between(visit.started_at, end or _today(today))
        out.append(row)
    return out


def finding_row(store: Store, finding_id: str, today: date | None = None) -> FindingRow:
    return _rows(store, [finding_id], today)[0]


def open_findings_for_visit(store: Store, visit_id: str,
                            today: date | None = None) -> list[FindingRow]:
    """The open findings of the visit's site from earlier visits: its re-inspection checklist.

    A finding re-inspected in this very visit stays on the list (with that re-inspection), so
    the checklist does not change under the user's hands.
    """
    visit = store.get(model.Visit, visit_id)
    rows = findings(store, FindingFilter(site_id=visit.site_id, exclude_visit_id=visit_id,
                                         before=visit.started_at), today)
    return [r for r in rows
            if lifecycle.is_open(r.status) or any(s.visit_id == visit_id for s in r.steps)]


def reinspections_in(store: Store, visit_id: str) -> list[FindingStep]:
    rows = store._query("SELECT * FROM finding_step WHERE visit_id = ? AND _deleted = 0 "
                        "ORDER BY created_at, id", [visit_id])
    return [from_row(FindingStep, r) for r in rows]


def cases_in(store: Store, visit_id: str) -> list[FindingCase]:
    rows = store._query("SELECT * FROM finding_case WHERE visit_id = ? AND _deleted = 0 "
                        "ORDER BY created_at, id", [visit_id])
    return [from_row(FindingCase, r) for r in rows]


# --- grievances -------------------------------------------------------------------------------
CONFIDENTIAL_MN = "нууцлалтай"
CONFIDENTIAL_EN = "confidential"


def save_grievance(store: Store, grievance: Grievance,
                   complainant: Complainant | None = None) -> Grievance:
    with store.atomic():
        store._require(model.Site, grievance.site_id)
        if not grievance.description.strip():
            raise InvalidInput("Гомдлын агуулгыг бичнэ үү.", "Write what the complaint is about.")
        if not grievance.received_at:
            raise InvalidInput("Гомдол хүлээн авсан огноог оруулна уу.",
                               "Enter when the complaint was received.")
        _check_date(grievance.received_at, "Хүлээн авсан", "Received")
        _check_date(grievance.closed_on, "Хаасан", "Closed")
        if grievance.status in (GrievanceStatus.RESOLVED, GrievanceStatus.CLOSED):
            grievance.closed_on = grievance.closed_on or utc_now()[:10]
            if not grievance.resolution.strip():
                raise InvalidInput("Гомдлыг хаахдаа шийдвэр, шалтгааныг бичнэ үү.",
                                   "Write the outcome or reason when closing a complaint.")
        for lon, lat in ((grievance.lon, grievance.lat),):
            if (lon is None) != (lat is None) or (
                    lon is not None and lat is not None
                    and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
                raise InvalidInput("Байршил буруу байна.", "The position is not valid.")
        for photo_id in grievance.photo_ids:
            store._require(model.Photo, photo_id)
        for vid in grievance.visit_ids:
            store._require(model.Visit, vid)
        for fid in grievance.finding_ids:
            store._require(model.Finding, fid)
        if not grievance.ref_no:
            grievance.ref_no = _next_ref(store, grievance.received_at[:4])
        store.save(grievance)
        if complainant is not None:
            complainant.id = complainant.grievance_id = grievance.id
            store.save(complainant)
    return grievance


def _next_ref(store: Store, year: str) -> str:
    rows = store._query("SELECT count(*) AS n FROM grievance WHERE substr(received_at, 1, 4) = ?",
                        [year])
    return f"Г-{year}-{rows[0]['n'] + 1:03d}"


def link_grievance(store: Store, grievance_id: str, *, visit_id: str | None = None,
                   finding_id: str | None = None) -> Grievance:
    """Record that a visit or a finding investigates a grievance."""
    with store.atomic():
        g = store.get(Grievance, grievance_id)
        if visit_id and visit_id not in g.visit_ids:
            store._require(model.Visit, visit_id)
            g.visit_ids.append(visit_id)
            if g.status == GrievanceStatus.RECEIVED:
                g.status = GrievanceStatus.INVESTIGATING
        if finding_id and finding_id not in g.finding_ids:
            store._require(model.Finding, finding_id)
            g.finding_ids.append(finding_id)
        store.save(g)
    return g


def complainant_of(store: Store, grievance_id: str) -> Complainant | None:
    rows = store._query("SELECT * FROM grievance_complainant WHERE id = ? AND _deleted = 0",
                        [grievance_id])
    return from_row(Complainant, rows[0]) if rows else None


@dataclass
class GrievanceRow:
    grievance: Grievance
    complainant: Complainant | None
    site: model.Site
    days_open: int

    def complainant_name(self, lang: str = "mn", public: bool = False) -> str:
        """The name as it may be shown: hidden when confidential and ``public``, or not here."""
        c = self.complainant
        if c is None:
            return ""
        if c.confidential and (public or not c.name):
            return CONFIDENTIAL_MN if lang == "mn" else CONFIDENTIAL_EN
        return c.name

    def as_json(self, public: bool = True) -> dict[str, Any]:
        g, c = self.grievance, self.complainant
        hidden = c is not None and c.confidential and public
        return {
            "id": g.id, "ref_no": g.ref_no, "site_id": g.site_id, "site": self.site.name_mn,
            "received_at": g.received_at, "channel": str(g.channel),
            "received_by": g.received_by, "category": str(g.category),
            "description": g.description, "status": str(g.status), "closed_on": g.closed_on,
            "resolution": g.resolution, "days_open": self.days_open,
            "lon": g.lon, "lat": g.lat, "visit_ids": g.visit_ids, "finding_ids": g.finding_ids,
            "confidential": bool(c and c.confidential),
            "complainant": None if c is None or hidden else c.name,
            "contact": None if c is None or hidden else c.contact,
        }


def grievances(store: Store, site_id: str | None = None, aimag_code: str | None = None,
               today: date | None = None) -> list[GrievanceRow]:
    clauses, params = ["g._deleted = 0"], []
    if site_id:
        clauses.append("g.site_id = ?")
        params.append(site_id)
    if aimag_code:
        clauses.append("s.aimag_code = ?")
        params.append(aimag_code)
    rows = store._query(f"SELECT g.* FROM grievance g JOIN site s ON s.id = g.site_id WHERE "
                        f"{' AND '.join(clauses)} ORDER BY g.received_at DESC, g.id", params)
    out = []
    sites: dict[str, model.Site] = {}
    for r in rows:
        g = from_row(Grievance, r)
        site = sites.setdefault(g.site_id, store.get(model.Site, g.site_id))
        end = date.fromisoformat(g.closed_on[:10]) if g.closed_on else _today(today)
        out.append(GrievanceRow(g, complainant_of(store, g.id), site,
                                lifecycle.days_between(g.received_at, end)))
    return out


def grievance_row(store: Store, grievance_id: str, today: date | None = None) -> GrievanceRow:
    g = store.get(Grievance, grievance_id)
    for row in grievances(store, site_id=g.site_id, today=today):
        if row.grievance.id == grievance_id:
            return row
    raise NotFound(f"Гомдол олдсонгүй: {grievance_id}", f"No grievance with id {grievance_id}.")


# --- EMP commitments and assessments ----------------------------------------------------------
def save_commitment(store: Store, commitment: Commitment) -> Commitment:
    with store.atomic():
        store._require(model.Site, commitment.site_id)
        if not commitment.text.strip():
            raise InvalidInput("Амлалтын агуулгыг бичнэ үү.", "Write the commitment.")
        if not 1990 <= int(commitment.year) <= 2100:
            raise InvalidInput("Он 1990-2100 хооронд байна.", "The year must be 1990–2100.")
        _check_date(commitment.due_on, "Хугацаа", "Due date")
        store.save(commitment)
    return commitment


def commitments(store: Store, site_id: str | None = None, year: int | None = None,
                aimag_code: str | None = None) -> list[Commitment]:
    clauses, params = ["c._deleted = 0"], []
    for column, value in (("c.site_id", site_id), ("c.year", year), ("s.aimag_code", aimag_code)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    rows = store._query("SELECT c.* FROM emp_commitment c JOIN site s ON s.id = c.site_id "
                        f"WHERE {' AND '.join(clauses)} ORDER BY c.year, c.due_on, c.text",
                        params)
    return [from_row(Commitment, r) for r in rows]


def save_assessment(store: Store, assessment: Assessment) -> Assessment:
    """A visit's assessment of a commitment (one per commitment and visit: saving again edits)."""
    with store.atomic():
        store._check_visit_editable(assessment.visit_id)
        store._require(model.Visit, assessment.visit_id)
        store._require(Commitment, assessment.commitment_id)
        for photo_id in assessment.photo_ids:
            store._require(model.Photo, photo_id)
        same = store._query("SELECT id FROM commitment_assessment WHERE visit_id = ? AND "
                            "commitment_id = ? AND _deleted = 0",
                            [assessment.visit_id, assessment.commitment_id])
        if same and same[0]["id"] != assessment.id:
            assessment.id = same[0]["id"]
        store.save(assessment)
    return assessment


def carry_over(store: Store, old: model.Visit, new: model.Visit, copies: dict[str, str]) -> None:
    """An amendment's new revision keeps the cases and assessments of the one it amends (with
    its copies of findings, photos and measurements); each copied case remembers its origin
    (``extra.origin``), so the finding's lifecycle continues. Sign-offs are not copied: the
    parties confirm the new revision themselves."""
    for case in cases_in(store, old.id):
        if case.finding_id not in copies:
            continue
        fid = copies[case.finding_id]
        store.save(replace(case, id=fid, finding_id=fid, visit_id=new.id,
                           photo_ids=[copies.get(p, p) for p in case.photo_ids],
                           observation_ids=[copies.get(o, o) for o in case.observation_ids]))
        store.conn.execute("UPDATE finding_case SET extra = ?, updated_at = ? WHERE id = ?",
                           [json.dumps({"origin": case.finding_id}), utc_now(), fid])
    for a in assessments_in(store, old.id):
        store.save(replace(a, id=new_id(), visit_id=new.id,
                           photo_ids=[copies.get(p, p) for p in a.photo_ids]))


def remove_assessment(store: Store, assessment_id: str) -> None:
    with store.atomic():
        a = store.get(Assessment, assessment_id)
        store._check_visit_editable(a.visit_id)
        store.delete(Assessment, assessment_id)


def assessments_in(store: Store, visit_id: str) -> list[Assessment]:
    rows = store._query("SELECT * FROM commitment_assessment WHERE visit_id = ? AND _deleted = 0 "
                        "ORDER BY created_at, id", [visit_id])
    return [from_row(Assessment, r) for r in rows]


@dataclass
class AssessedCommitment:
    commitment: Commitment
    assessments: list[tuple[Assessment, model.Visit]]

    @property
    def latest(self) -> Assessment | None:
        checked = [a for a, _v in self.assessments if a.result != AssessmentResult.NOT_CHECKED]
        return checked[-1] if checked else None


def assessed_commitments(store: Store, site_id: str | None = None,
                         aimag_code: str | None = None) -> list[AssessedCommitment]:
    """Commitments with every assessment by a latest-revision visit, oldest first."""
    out = []
    for c in commitments(store, site_id=site_id, aimag_code=aimag_code):
        rows = store._query(
            "SELECT a.* FROM commitment_assessment a JOIN visit v ON v.id = a.visit_id "
            f"WHERE a.commitment_id = ? AND a._deleted = 0 AND v._deleted = 0 AND {LATEST} "
            "ORDER BY v.started_at, a.created_at", [c.id])
        pairs = [(from_row(Assessment, r), store.get(model.Visit, r["visit_id"])) for r in rows]
        out.append(AssessedCommitment(c, pairs))
    return out


# --- sign-offs --------------------------------------------------------------------------------
def save_signoff(store: Store, signoff: SignOff) -> SignOff:
    """A participant's sign-off, dissent or absence on a draft visit (sealed with it)."""
    with store.atomic():
        store._require(model.Visit, signoff.visit_id)
        store._check_visit_editable(signoff.visit_id)
        store._require(model.Person, signoff.person_id)
        if not signoff.name.strip():
            raise InvalidInput("Гарын үсэг зурж буй хүний нэрийг оруулна уу.",
                               "Enter the name of the person signing.")
        signoff.strokes = signature.normalise(signoff.strokes)
        kind = signoff.kind
        if kind == SignKind.SIGNED and not signature.has_ink(signoff.strokes):
            raise InvalidInput("Гарын үсгээ талбарт зурна уу (эсвэл нэрээ бичнэ үү).",
                               "Draw the signature in the pad (or type the name instead).")
        if kind == SignKind.TYPED and not signoff.typed_name.strip():
            raise InvalidInput("Гарын үсгийн оронд нэрээ бичнэ үү.",
                               "Type the name in place of a signature.")
        if kind == SignKind.DISSENT and not signoff.reason.strip():
            raise InvalidInput("Санал зөрөлдсөн шалтгааныг бичнэ үү.",
                               "Write the reason for the dissent.")
        if signoff.finding_id is not None:
            finding = store.get(model.Finding, signoff.finding_id)
            if finding.visit_id != signoff.visit_id:
                raise InvalidInput("Энэ илрүүлэлт тухайн үзлэгийнх биш.",
                                   "That finding is not one of this visit's.")
        if kind == SignKind.ABSENT:
            signoff.strokes, signoff.typed_name = [], ""
        signoff.signed_at = signoff.signed_at or utc_now()
        store.save(signoff)
    return signoff


def remove_signoff(store: Store, signoff_id: str) -> None:
    with store.atomic():
        s = store.get(SignOff, signoff_id)
        store._check_visit_editable(s.visit_id)
        store.delete(SignOff, signoff_id)


def signoffs_of(store: Store, visit_id: str) -> list[SignOff]:
    rows = store._query("SELECT * FROM signoff WHERE visit_id = ? AND _deleted = 0 "
                        "ORDER BY created_at, id", [visit_id])
    return [from_row(SignOff, r) for r in rows]


def unsigned_participants(store: Store, visit_id: str) -> list[model.Person]:
    """Participants of the visit with no sign-off, dissent or absence recorded yet."""
    done = {s.person_id for s in signoffs_of(store, visit_id) if s.person_id}
    detail = store.visit_detail(visit_id)
    return [person for _p, person in detail.participants if person.id not in done]


def seal_sections(store: Store, visit_id: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of this visit's sign-offs, assessments, cases and re-inspections (for the seal)."""
    q = store._query
    return {
        "signoffs": q("SELECT * FROM signoff WHERE visit_id = ? AND _deleted = 0", [visit_id]),
        "assessments": q("SELECT * FROM commitment_assessment WHERE visit_id = ? AND "
                         "_deleted = 0", [visit_id]),
        "finding_cases": q("SELECT * FROM finding_case WHERE visit_id = ? AND _deleted = 0",
                           [visit_id]),
        "finding_steps": q("SELECT * FROM finding_step WHERE visit_id = ? AND _deleted = 0",
                           [visit_id]),
    }


def ids(records: Iterable[Any]) -> list[str]:
    return [r.id for r in records]
