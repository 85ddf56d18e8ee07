"""Reports of findings as cases: the visit report's sections (sign-offs and dissent, commitments
assessed, findings re-inspected), the follow-up report of a site, the compliance report of a site
or an aimag, and the grievance acknowledgement slip.

``collect_*`` read the store; ``render_*`` need no store. Public variants print roles and parties
instead of names and never a confidential complainant's identity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pemdesk import model
from pemdesk.cases.records import (
    Assessment,
    AssessmentResult,
    Commitment,
    FindingCase,
    FindingStep,
    SignKind,
    SignOff,
    case_label,
)
from pemdesk.cases.signature import HEIGHT, WIDTH
from pemdesk.i18n import format_date, format_number
from pemdesk.labels import label
from pemdesk.reports import common
from pemdesk.reports.base import (
    FRAME_WIDTH,
    MM,
    BuiltReport,
    ReportMeta,
    Texts,
    esc,
    key_values,
    para,
    styles,
    table,
)
from pemdesk.reports.photos import PhotoSource, photo_file, photo_flowables

if TYPE_CHECKING:
    from pemdesk.storage import Store
    from pemdesk.storage.cases import AssessedCommitment, FindingRow, GrievanceRow

RESULTS = (AssessmentResult.MET, AssessmentResult.PARTLY, AssessmentResult.NOT_MET,
           AssessmentResult.NOT_CHECKED)


def signature_drawing(strokes: list[list[list[float]]], width_mm: float = 45) -> Any:
    """The vector strokes of a signature, drawn at ``width_mm`` (as vectors in the PDF)."""
    from reportlab.graphics.shapes import Drawing, PolyLine
    from reportlab.lib import colors

    scale = width_mm * MM / WIDTH
    d = Drawing(WIDTH * scale, HEIGHT * scale)
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        points: list[float] = []
        for x, y in stroke:
            points += [x * scale, (HEIGHT - y) * scale]  # the pad's y grows downwards
        d.add(PolyLine(points, strokeColor=colors.HexColor("#0d2c6b"), strokeWidth=0.9,
                       strokeLineCap=1, strokeLineJoin=1))
    return d


# --- the visit report's sections -------------------------------------------------------------
@dataclass
class VisitCases:
    signoffs: list[SignOff] = field(default_factory=list)
    assessments: list[tuple[Assessment, Commitment]] = field(default_factory=list)
    cases: dict[str, FindingCase] = field(default_factory=dict)
    reinspected: list[tuple[FindingStep, FindingRow]] = field(default_factory=list)
    grievance_refs: dict[str, str] = field(default_factory=dict)


def collect_visit_cases(store: Store, visit_id: str) -> VisitCases:
    from pemdesk.storage import cases as cs

    out = VisitCases(signoffs=cs.signoffs_of(store, visit_id))
    for a in cs.assessments_in(store, visit_id):
        out.assessments.append((a, store.get(Commitment, a.commitment_id)))
    out.cases = {c.finding_id: c for c in cs.cases_in(store, visit_id)}
    for step in cs.reinspections_in(store, visit_id):
        out.reinspected.append((step, cs.finding_row(store, step.finding_id)))
    for row in cs.grievances(store, site_id=store.get(model.Visit, visit_id).site_id):
        out.grievance_refs[row.grievance.id] = row.grievance.ref_no
    return out


def visit_sections(vc: VisitCases | None, findings: list[model.Finding], lang: str,
                   public: bool) -> list[Any]:
    """Cases of the visit's findings, re-inspections and commitments assessed (after findings)."""
    if vc is None:
        return []
    _ = Texts(lang)
    st = styles()
    story: list[Any] = []
    numbered = {f.id: n for n, f in enumerate(findings, 1)}
    if vc.cases:
        story.append(para(_("Who must fix the findings, and by when"), st["h2"]))
        rows = []
        for f in findings:
            c = vc.cases.get(f.id)
            if c is None:
                continue
            who = case_label(c.responsible_party, lang)
            if c.responsible_name and not public:
                who += f", {c.responsible_name}"
            evidence = []
            if c.photo_ids:
                evidence.append(f"{_('photos')}: {len(c.photo_ids)}")
            if c.observation_ids:
                evidence.append(f"{_('measurements')}: {len(c.observation_ids)}")
            if c.grievance_id and c.grievance_id in vc.grievance_refs:
                evidence.append(f"{_('complaint')} {vc.grievance_refs[c.grievance_id]}")
            rows.append([str(numbered[f.id]), f.description, who,
                         format_date(c.due_on, lang), "; ".join(evidence)])
        story.append(table([_("No."), _("Finding"), _("Responsible"), _("Due"), _("Evidence")],
                           rows, [10, 70, 42, 22, 34], st=st))
    if vc.reinspected:
        story.append(para(_("Findings re-inspected in this visit"), st["h2"]))
        rows = []
        for step, row in vc.reinspected:
            rows.append([format_date(row.visit.started_at, lang), row.finding.description,
                         para(case_label(step.outcome, lang) if step.outcome else "",
                              st["cell_alert"] if step.outcome != "resolved" else st["cell"]),
                         step.text])
        story.append(table([_("Found on"), _("Finding"), _("Outcome"), _("What was seen")],
                           rows, [22, 70, 26, 60], st=st))
    if vc.assessments:
        story.append(para(_("Environmental Management Plan commitments assessed"), st["h2"]))
        rows = []
        for a, commitment in vc.assessments:
            bad = a.result in (AssessmentResult.NOT_MET, AssessmentResult.PARTLY)
            rows.append([commitment.text + (f" ({commitment.target})" if commitment.target
                                            else ""),
                         f"{commitment.year}" + (f", {commitment.source}" if commitment.source
                                                 else ""),
                         para(case_label(a.result, lang), st["cell_alert"] if bad else st["cell"]),
                         a.note])
        story.append(table([_("Commitment (target)"), _("EMP year, source"), _("Result"),
                            _("Note")], rows, [70, 32, 24, 52], st=st))
    return story


def signoff_sections(vc: VisitCases | None, findings: list[model.Finding], lang: str,
                     public: bool) -> list[Any]:
    """Each party's sign-off, dissent with its reason, or absence (part of the sealed record)."""
    if vc is None or not vc.signoffs:
        return []
    _ = Texts(lang)
    st = styles()
    numbered = {f.id: n for n, f in enumerate(findings, 1)}
    story: list[Any] = [para(_("Sign-off by the parties"), st["h2"]),
                        para(_("Confirmed on the laptop before the visit was sealed; the seal "
                               "covers these sign-offs and every dissent."), st["small"])]
    rows = []
    dissent_style = []
    for i, s in enumerate(vc.signoffs, start=1):
        who = " / ".join(x for x in (s.role, case_label(s.party, lang) if s.party else "") if x)
        if not public:
            who = f"{s.name}\n{who}" if who else s.name
        mark: Any = ""
        if public and s.kind != SignKind.ABSENT:
            mark = _("signed on the laptop") if s.kind != SignKind.TYPED else _("name typed")
        elif s.strokes:
            mark = signature_drawing(s.strokes, 42)
        elif s.typed_name:
            mark = para(f"<i>{esc(s.typed_name)}</i> ({esc(_('typed'))})", st["cell"], markup=True)
        what = case_label(s.kind, lang)
        if s.kind == SignKind.DISSENT:
            about = (f"{_('finding')} {numbered[s.finding_id]}: " if s.finding_id in numbered
                     else "")
            what = f"{what}: {about}{s.reason}"
            dissent_style.append(("BACKGROUND", (0, i), (-1, i), _hex("#fdecea")))
        rows.append([who, para(what, st["cell_alert"] if s.kind == SignKind.DISSENT
                               else st["cell"]), mark,
                     format_date(s.signed_at, lang) if s.kind != SignKind.ABSENT else ""])
    story.append(table([_("Participant"), _("Sign-off"), _("Signature"), _("Date")], rows,
                       [46, 62, 50, 20], st=st, extra_style=dissent_style))
    return story


def _hex(colour: str) -> Any:
    from reportlab.lib import colors

    return colors.HexColor(colour)


# --- follow-up report of a site ---------------------------------------------------------------
@dataclass
class FollowUpData:
    site: model.Site
    rows: list[FindingRow]
    photos: dict[str, model.Photo]
    photo_files: dict[str, PhotoSource | None]


def collect_followup(store: Store, site_id: str) -> FollowUpData:
    from pemdesk.storage import cases as cs

    site = store.get(model.Site, site_id)
    rows = cs.findings(store, cs.FindingFilter(site_id=site_id))
    photos: dict[str, model.Photo] = {}
    for row in rows:
        wanted = list(row.case.photo_ids if row.case else [])
        for step in row.steps:
            wanted += step.photo_ids
        for pid in wanted:
            if pid not in photos and store.exists(model.Photo, pid):
                photos[pid] = store.get(model.Photo, pid)
    return FollowUpData(site, rows, photos, {p: photo_file(store, ph) for p, ph in photos.items()})


def render_followup(data: FollowUpData, target: Path | str | BinaryIO, *, lang: str = "mn",
                    public: bool = False) -> BuiltReport:
    from reportlab.platypus import Table, TableStyle

    from pemdesk.reports.base import build_pdf
    from pemdesk.reports.fonts import FONT

    _ = Texts(lang)
    st = styles()
    site = data.site
    aimag, soum = common.place_names(site, lang)
    story: list[Any] = [para(_("Follow-up of findings"), st["title"]),
                        para(common.site_title(site, lang), st["subtitle"])]
    open_rows = [r for r in data.rows if r.status != "resolved"]
    done_rows = [r for r in data.rows if r.status == "resolved"]
    story.append(key_values([
        (_("Aimag, soum"), f"{aimag}, {soum}"), (_("Licence"), site.licence_no),
        (_("Licence holder"), site.holder),
        (_("Open findings"), str(len(open_rows))),
        (_("Overdue"), str(sum(1 for r in open_rows if r.overdue))),
        (_("Resolved findings"), str(len(done_rows))),
    ], st))
    for heading, rows in ((_("Open findings"), open_rows), (_("Resolved findings"), done_rows)):
        story.append(para(heading, st["h2"]))
        if not rows:
            story.append(para(_("None."), st["body"]))
        for n, row in enumerate(rows, 1):
            f, c = row.finding, row.case
            status = case_label(row.status, lang)
            if row.overdue:
                status += " — " + _("OVERDUE")
            story.append(para(f"{n}. {f.description}", st["h3"]))
            pairs = [
                (_("Found"), f"{format_date(row.visit.started_at, lang)} "
                             f"({common.finding_category(f.category, lang)}, "
                             f"{label(f.severity, lang)})"),
                (_("Status"), f"{status}, {row.days_open} {_('days')}"),
                (_("Responsible"), (case_label(c.responsible_party, lang)
                                    + (f", {c.responsible_name}" if c.responsible_name
                                       and not public else "")) if c else ""),
                (_("Due"), format_date(row.due_on, lang)),
                (_("Position"), common.position_text(f.lon, f.lat)),
            ]
            story.append(key_values(pairs, st, label_mm=30))
            history = [[format_date(row.visit.started_at, lang), _("Found"), "", f.description]]
            for s in row.steps:
                who = s.by_name if not public else ""
                party = case_label(s.by_party, lang) if s.by_party else ""
                what = s.text
                if s.planned_action:
                    what += f" {_('Planned')}: {s.planned_action}"
                if s.planned_by:
                    what += f" ({_('by')} {format_date(s.planned_by, lang)})"
                kind = case_label(s.kind, lang)
                if s.outcome:
                    kind += f": {case_label(s.outcome, lang)}"
                history.append([format_date(s.on_date, lang), kind,
                                ", ".join(x for x in (who, party) if x), what])
            story.append(table([_("Date"), _("Step"), _("By"), _("What")], history,
                               [20, 34, 36, 88], st=st))
            pids = list(c.photo_ids if c else []) + [p for s in row.steps for p in s.photo_ids]
            pids = [p for p in dict.fromkeys(pids) if p in data.photos]
            if pids:
                box = (FRAME_WIDTH - 8 * MM) / 3
                images = photo_flowables([data.photo_files.get(p) for p in pids], box, box * 0.75,
                                         _("Photo file not on this computer"))
                cells = []
                for pid, img in zip(pids, images, strict=True):
                    ph = data.photos[pid]
                    cells.append([img, para(f"{format_date(ph.taken_at, lang)} · "
                                            f"SHA-256 {ph.sha256[:12]}", st["caption"])])
                grid: list[list[Any]] = [cells[i:i + 3] for i in range(0, len(cells), 3)]
                grid[-1] += [""] * (3 - len(grid[-1]))
                t = Table(grid, colWidths=[FRAME_WIDTH / 3] * 3)
                t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("FONTNAME", (0, 0), (-1, -1), FONT)]))
                story.append(t)
    return build_pdf(story, target, ReportMeta(lang=lang, title=_("Follow-up of findings")))


def write_followup(store: Store, site_id: str, target: Path | str | BinaryIO, *,
                   lang: str = "mn", public: bool = False) -> BuiltReport:
    return render_followup(collect_followup(store, site_id), target, lang=lang, public=public)


# --- compliance report ------------------------------------------------------------------------
@dataclass
class ComplianceData:
    title_place: str  # the site's or the aimag's name
    sites: dict[str, model.Site]
    commitments: list[AssessedCommitment]
    aimag_code: str | None = None


def collect_compliance(store: Store, *, site_id: str | None = None,
                       aimag_code: str | None = None) -> ComplianceData:
    from pemdesk.storage import cases as cs

    if site_id:
        site = store.get(model.Site, site_id)
        sites = {site.id: site}
        place = site.name_mn
    else:
        sites = {s.id: s for s in store.list_sites(aimag_code=aimag_code)}
        place = aimag_code or ""
    assessed = cs.assessed_commitments(store, site_id=site_id,
                                       aimag_code=None if site_id else aimag_code)
    return ComplianceData(place, sites, assessed, aimag_code if not site_id else None)


def _tally(items: list[AssessedCommitment]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item in items:
        latest = item.latest
        counts[str(latest.result) if latest else "unassessed"] += 1
    return counts


def _rate(counts: Counter[str]) -> str:
    checked = counts["met"] + counts["partly"] + counts["not_met"]
    if not checked:
        return "—"
    return f"{format_number(100 * (counts['met'] + 0.5 * counts['partly']) / checked, 0)} %"


def render_compliance(data: ComplianceData, target: Path | str | BinaryIO, *,
                      lang: str = "mn") -> BuiltReport:
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    title = _("Compliance with Environmental Management Plans")
    story: list[Any] = [para(title, st["title"])]
    if data.aimag_code is not None:
        from pemdesk.gazetteer import Gazetteer

        try:
            place = Gazetteer.load().aimag(data.aimag_code).name(lang)
        except Exception:  # noqa: BLE001 - an unknown code: print it
            place = data.aimag_code
        story.append(para(f"{place} {_('aimag')}", st["subtitle"]))
    else:
        site = next(iter(data.sites.values()))
        story.append(para(common.site_title(site, lang), st["subtitle"]))
        story.append(key_values([(_("Licence"), site.licence_no),
                                 (_("Licence holder"), site.holder)], st))
    story.append(para(_("Compliance is the share of checked commitments met, a partly met one "
                        "counting half; each commitment is judged by its latest assessment."),
                      st["muted"]))
    years = sorted({c.commitment.year for c in data.commitments})
    heads = [_("Year"), _("Commitments"), case_label(AssessmentResult.MET, lang),
             case_label(AssessmentResult.PARTLY, lang), case_label(AssessmentResult.NOT_MET, lang),
             _("Not assessed"), _("Compliance")]

    def summary_row(first: str, items: list[AssessedCommitment]) -> list[str]:
        n = _tally(items)
        return [first, str(len(items)), str(n["met"]), str(n["partly"]), str(n["not_met"]),
                str(n["not_checked"] + n["unassessed"]), _rate(n)]

    story.append(para(_("Over the years"), st["h2"]))
    if not data.commitments:
        story.append(para(_("No commitments are recorded."), st["body"]))
    story.append(table(heads, [summary_row(str(y), [c for c in data.commitments
                                                      if c.commitment.year == y]) for y in years],
                       [18, 24, 22, 24, 24, 26, 24], st=st))
    if data.aimag_code is not None:
        story.append(para(_("By site"), st["h2"]))
        rows = []
        for site in sorted(data.sites.values(), key=lambda s: s.name_mn):
            items = [c for c in data.commitments if c.commitment.site_id == site.id]
            if items:
                rows.append(summary_row(site.name(lang), items))
        story.append(table([_("Site"), *heads[1:]], rows, [44, 20, 20, 22, 22, 24, 22], st=st))
    story.append(para(_("Commitments"), st["h2"]))
    rows = []
    for item in data.commitments:
        c = item.commitment
        history = "; ".join(f"{format_date(v.started_at, lang)}: {case_label(a.result, lang)}"
                            for a, v in item.assessments)
        latest = item.latest
        where = data.sites[c.site_id].name(lang) if c.site_id in data.sites else ""
        rows.append([str(c.year), (f"{where}: " if data.aimag_code is not None else "") + c.text
                     + (f" ({c.target})" if c.target else ""),
                     format_date(c.due_on, lang), c.source,
                     para(case_label(latest.result, lang) if latest else _("Not assessed"),
                          st["cell_alert"] if latest and latest.result in
                          (AssessmentResult.NOT_MET, AssessmentResult.PARTLY) else st["cell"]),
                     history])
    if rows:
        story.append(table([_("Year"), _("Commitment (target)"), _("Due"), _("Source"),
                            _("Latest result"), _("Assessments")], rows,
                           [12, 60, 20, 24, 22, 40], st=st))
    return build_pdf(story, target, ReportMeta(lang=lang, title=_("EMP compliance")))


def write_compliance(store: Store, target: Path | str | BinaryIO, *, site_id: str | None = None,
                     aimag_code: str | None = None, lang: str = "mn") -> BuiltReport:
    return render_compliance(collect_compliance(store, site_id=site_id, aimag_code=aimag_code),
                             target, lang=lang)


# --- grievance acknowledgement slip -----------------------------------------------------------
def render_grievance_slip(row: GrievanceRow, target: Path | str | BinaryIO, *, lang: str = "mn",
                          public: bool = False) -> BuiltReport:
    from pemdesk.i18n import format_datetime
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    g = row.grievance
    c = row.complainant
    aimag, soum = common.place_names(row.site, lang)
    story: list[Any] = [para(_("Acknowledgement of a complaint"), st["title"]),
                        para(f"{_('Reference')} {g.ref_no}", st["subtitle"])]
    hidden = c is not None and c.confidential and public
    received = (format_datetime(g.received_at, lang) if "T" in g.received_at
                else format_date(g.received_at, lang))
    story.append(key_values([
        (_("Received"), received),
        (_("How"), case_label(g.channel, lang)),
        (_("Received by"), g.received_by),
        (_("Complainant"), row.complainant_name(lang, public)),
        (_("Contact"), "" if hidden or c is None else c.contact),
        (_("Site"), common.site_title(row.site, lang)),
        (_("Aimag, soum"), f"{aimag}, {soum}"),
        (_("Place"), common.position_text(g.lon, g.lat)),
        (_("Category"), case_label(g.category, lang)),
        (_("Status"), f"{case_label(g.status, lang)}, {row.days_open} {_('days')}"),
    ], st))
    story.append(para(_("The complaint"), st["h2"]))
    story.append(para(g.description, st["body"]))
    if c is not None and c.confidential:
        story.append(para(_("The complainant asked for confidentiality: their name and contact "
                            "are kept by the monitoring committee's coordinator only and are "
                            "not shown in public reports."), st["small"]))
    story.append(para(_("What happens next"), st["h2"]))
    story.append(para(_("The monitoring committee will look into the complaint at the site, "
                        "record what it finds, and tell you the outcome. Keep this slip: its "
                        "reference number identifies your complaint."), st["body"]))
    story.append(para(_("Received and registered by (signature)") + ": "
                      + "_" * 40, st["body"]))
    return build_pdf(story, target, ReportMeta(lang=lang, title=_("Acknowledgement of a complaint")))


def write_grievance_slip(store: Store, grievance_id: str, target: Path | str | BinaryIO, *,
                         lang: str = "mn", public: bool = False) -> BuiltReport:
    from pemdesk.storage import cases as cs

    return render_grievance_slip(cs.grievance_row(store, grievance_id), target, lang=lang,
                                 public=public)
