"""The visit report a PEM committee signs: header, map, observations, findings, photos, signatures.

``collect_visit`` reads everything from the store (on the database thread in the GUI);
``render_visit`` lays it out and needs no store, so the GUI can render off the database thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pemdesk import model
from pemdesk.i18n import format_date, format_datetime
from pemdesk.labels import label
from pemdesk.minerals import mineral_text
from pemdesk.plausibility import split_outliers, visit_photo_doubts
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
from pemdesk.reports.cases import collect_visit_cases, signoff_sections, visit_sections
from pemdesk.reports.fonts import FONT
from pemdesk.reports.photos import PhotoSource, photo_file, photo_flowables
from pemdesk.reports.readings import collect_visit_readings, readings_section
from pemdesk.reports.sitemap import MapContent, site_map
from pemdesk.reports.verification import Verification, qr_drawing, visit_verification

if TYPE_CHECKING:
    from pemdesk.storage import Store, VisitDetail

PHOTOS_PER_PAGE = 6


@dataclass
class VisitReportData:
    detail: VisitDetail
    site_plots: list[model.Plot]
    photo_points: list[model.PhotoPoint]
    photo_files: dict[str, PhotoSource | None]
    verification: Verification
    created_by: model.Person | None = None
    previous: model.Visit | None = None  # the revision this one replaces
    extra: dict[str, Any] = field(default_factory=dict)


def collect_visit(store: Store, visit_id: str) -> VisitReportData:
    detail = store.visit_detail(visit_id)
    created_by = None
    if detail.visit.created_by and store.exists(model.Person, detail.visit.created_by):
        created_by = store.get(model.Person, detail.visit.created_by)
    return VisitReportData(
        detail=detail,
        site_plots=store.list_plots(site_id=detail.site.id),
        photo_points=store.list_photo_points(detail.site.id),
        photo_files={p.id: photo_file(store, p) for p in detail.photos},
        verification=visit_verification(detail.visit, store.meta("sync.server_url")),  # enrolled
        created_by=created_by,
        previous=(
            store.get(model.Visit, detail.visit.supersedes)
            if detail.visit.supersedes and store.exists(model.Visit, detail.visit.supersedes)
            else None
        ),
        extra={"cases": collect_visit_cases(store, visit_id),
               "readings": collect_visit_readings(store, detail.visit)},
    )


def render_visit(
    data: VisitReportData,
    target: Path | str | BinaryIO,
    *,
    lang: str = "mn",
    public: bool = False,
    report_id: str | None = None,
    photos_per_page: int = PHOTOS_PER_PAGE,
) -> BuiltReport:
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    from pemdesk.catalogue import Catalogue
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    catalogue = Catalogue.load()
    d = data.detail
    visit, site = d.visit, d.site
    aimag, soum = common.place_names(site, lang)
    sealed = data.verification.digest is not None
    finished = visit.status == model.VisitStatus.FINISHED
    if sealed:
        note = ""
    elif finished:
        note = _("Not sealed: this visit was finished without a seal; it cannot be verified.")
    else:
        note = _("Not sealed: this is a draft, not the signed record.")
    meta = ReportMeta(
        lang=lang, title=_("Visit report"), digest=data.verification.digest, digest_note=note
    )
    if report_id:
        meta.report_id = report_id
    story: list[Any] = []

    # --- title and header, with the QR code on the right -----------------------------------
    title = _("Environmental monitoring visit report")
    if public:
        title += " — " + _("public copy")
    head: list[Any] = [
        para(title, st["title"]),
        para(common.site_title(site, lang), st["subtitle"]),
    ]
    if site.is_demo:
        head.append(
            para(_("DEMO DATA: invented site and company, for practice only."), st["cell_alert"])
        )
    if not finished:
        head.append(
            para(_("DRAFT: this visit is not finished and sealed; do not sign."), st["cell_alert"])
        )
    pairs = [
        (_("Site"), site.name(lang)),
        (_("Kind of site"), label(site.kind, lang)),
        (_("Licence"), site.licence_no),
        (_("Licence holder"), site.holder),
        (_("Mineral"), mineral_text(site.mineral, lang)),
        (_("Aimag, soum"), f"{aimag}, {soum}"),
        (_("Date"), format_date(visit.started_at, lang)),
        (_("Time"), common.time_range(visit.started_at, visit.ended_at, lang)),
        (
            _("Visit position"),
            common.position_text(visit.lon, visit.lat)
            + (f" ({label(visit.position_source, lang)})" if visit.position_source else ""),
        ),
        (_("Weather"), visit.weather),
        (_("Purpose"), visit.purpose),
        (
            _("Status"),
            f"{label(visit.status, lang)}, {_('revision')} {visit.revision}"
            + (
                f", {_('finished')} {format_datetime(visit.finished_at, lang)}"
                if visit.finished_at
                else ""
            ),
        ),
        (_("Record id"), visit.id),
        (
            _("Replaces"),
            f"{_('revision')} {data.previous.revision}, {data.previous.id}"
            + (f", {_('seal')} {data.previous.seal_digest[:16]}…" if data.previous.seal_digest
               else "")
            if data.previous
            else "",
        ),
    ]
    qr_w = 40 * MM
    header_block = key_values(pairs, st, label_mm=34, width=FRAME_WIDTH - qr_w - 4 * MM)
    if data.verification.payload:
        qr_cell: list[Any] = [
            qr_drawing(data.verification.payload, size_mm=36),
            para(
                _(
                    "Check this paper against the sealed record: scan the code or run "
                    "“pemdesk verify --qr”."
                ),
                st["caption"],
            ),
        ]
    else:
        qr_cell = [para(_("No verification code: the visit is not sealed."), st["caption"])]
    top = Table(
        [[head + [Spacer(1, 2 * MM), header_block], qr_cell]], colWidths=[FRAME_WIDTH - qr_w, qr_w]
    )
    top.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story.append(top)

    # --- participants ------------------------------------------------------------------------
    story.append(para(_("Participants"), st["h2"]))
    people = _participant_rows(d, lang, public)
    if public:
        story.append(
            table(
                [_("No."), _("Role"), _("Organisation")],
                [[str(i), r, o] for i, (_n, r, o, _p) in enumerate(people, 1)],
                [12, 60, 106],
                st=st,
            )
        )
    else:
        story.append(
            table(
                [_("No."), _("Name"), _("Role"), _("Organisation"), _("Phone")],
                [[str(i), n, r, o, p] for i, (n, r, o, p) in enumerate(people, 1)],
                [10, 42, 40, 60, 26],
                st=st,
            )
        )

    # --- map ---------------------------------------------------------------------------------
    story.append(para(_("Map of the site"), st["h2"]))
    visit_plot_ids = frozenset(visit.plot_ids)
    # Photos taken far away or at another time never stretch the map; they are listed apart.
    doubts = visit_photo_doubts(visit, site, d.photos)
    on_map, apart = split_outliers(d.photos, doubts)
    story.append(
        site_map(
            MapContent(
                site=site,
                plots=data.site_plots,
                highlight_plot_ids=visit_plot_ids,
                visit=visit,
                photos=on_map,
                photo_points=data.photo_points,
            ),
            FRAME_WIDTH / MM,
            105,
            lang,
        )
    )
    if apart:
        numbers = {p.id: n for n, p in enumerate(d.photos, start=1)}
        lines = [
            f"<b>{numbers[p.id]}.</b> {esc(p.original_name or p.sha256[:12])}: "
            + esc(" ".join(doubt.message(lang) for doubt in doubts[p.id]))
            for p in apart
        ]
        story.append(
            para(
                "<b>"
                + esc(_("Photos not shown on the map (far from the site or the visit's time)"))
                + ":</b><br/>"
                + "<br/>".join(lines),
                st["cell_alert"],
            )
        )
    if d.plots:
        story.append(
            para(
                _("Plots visited")
                + ": "
                + "; ".join(
                    f"{p.name} ({label(p.stage, lang)}, {common_area(p, lang)})" for p in d.plots
                ),
                st["small"],
            )
        )

    # --- observations ------------------------------------------------------------------------
    story.append(para(_("Observations and measurements"), st["h2"]))
    if d.observations:
        rows, extra = [], []
        for i, o in enumerate(d.observations, start=1):
            indicator = catalogue.get(o.indicator) if o.indicator in catalogue else None
            value: Any = o.value_text if o.value_num is None else o.value_num
            if (
                indicator is not None
                and indicator.value_type == "boolean"
                and o.value_num is not None
            ):
                value = bool(o.value_num)
            shown = indicator.format_value(value, lang) if indicator else str(value)
            broken = (
                catalogue.exceedances(o.indicator, value)
                if (indicator and indicator.is_numeric and o.value_num is not None)
                else []
            )
            limit = catalogue.primary_limit(o.indicator) if indicator else None
            limits_text = (
                "; ".join(
                    indicator.limit_text(lim, lang)
                    for lim in (broken or ([limit] if limit else []))
                )
                if indicator
                else ""
            )
            method = ", ".join(x for x in (o.method, o.instrument) if x)
            value_cell = para(
                shown + (" ▲" if broken else ""), st["cell_alert"] if broken else st["cell"]
            )
            flag = para(
                _("Exceeds") if broken else (_("Within limit") if limit else "—"),
                st["cell_alert"] if broken else st["cell"],
            )
            rows.append(
                [
                    indicator.name(lang) if indicator else o.indicator,
                    value_cell,
                    o.unit if o.unit != "count" else "",
                    method,
                    limits_text,
                    flag,
                ]
            )
            if broken:
                extra.append(("BACKGROUND", (0, i), (-1, i), "#fbe3e6"))
            if o.comment:
                rows[-1][0] = para(
                    f"{esc(rows[-1][0])}<br/><font size=7>{esc(o.comment)}</font>",
                    st["cell"],
                    markup=True,
                )
        story.append(
            table(
                [
                    _("Indicator"),
                    _("Value"),
                    _("Unit"),
                    _("Method, instrument"),
                    _("Limit (source)"),
                    _("Assessment"),
                ],
                rows,
                [42, 18, 16, 32, 50, 20],
                st=st,
                extra_style=[(a, b, c, _hex(e)) for a, b, c, e in extra],
            )
        )
        story.append(
            para(
                _(
                    "▲ the value is beyond a limit. A single reading is compared with "
                    "limits set for averages (24-hour, annual): it is a sign to "
                    "follow up, not a legal finding by itself."
                ),
                st["muted"],
            )
        )
    else:
        story.append(para(_("No observations were recorded."), st["body"]))

    story += readings_section(data.extra.get("readings"), lang)

    # --- findings ----------------------------------------------------------------------------
    story.append(para(_("Findings"), st["h2"]))
    if d.findings:
        rows = []
        for f in d.findings:
            follow = label(f.follow_up, lang)
            if f.follow_up_due:
                follow += f", {_('due')} {format_date(f.follow_up_due, lang)}"
            if f.follow_up_note:
                follow += f". {f.follow_up_note}"
            severe = f.severity in (model.Severity.HIGH, model.Severity.CRITICAL)
            rows.append(
                [
                    common.finding_category(f.category, lang),
                    f.description,
                    para(label(f.severity, lang), st["cell_alert"] if severe else st["cell"]),
                    follow,
                ]
            )
        story.append(
            table(
                [_("Category"), _("Description"), _("Severity"), _("Follow-up")],
                rows,
                [26, 92, 20, 40],
                st=st,
            )
        )
    else:
        story.append(para(_("No findings were recorded."), st["body"]))
    story += visit_sections(data.extra.get("cases"), d.findings, lang, public)

    if visit.notes:
        story.append(para(_("Notes"), st["h2"]))
        story.append(para(visit.notes, st["body"]))

    # --- signatures --------------------------------------------------------------------------
    story += signoff_sections(data.extra.get("cases"), d.findings, lang, public)
    story.append(para(_("Signatures"), st["h2"]))
    story.append(
        para(
            _("We took part in this visit and confirm that this report is a true record of it."),
            st["small"],
        )
    )
    sig_rows = []
    for name, role, _org, _phone in people:
        who = role if public else f"{name}\n{role}"
        sig_rows.append([who, "", ""])
    sig = table(
        [_("Participant"), _("Signature"), _("Date")],
        sig_rows,
        [70, 70, 38],
        st=st,
        extra_style=[
            ("LINEBELOW", (1, 1), (2, -1), 0.6, _hex("#333333")),
            ("TOPPADDING", (0, 1), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
        ],
    )
    story.append(sig)

    # --- photos ------------------------------------------------------------------------------
    if not d.photos:
        return build_pdf(story, target, meta)
    import os
    from concurrent.futures import ThreadPoolExecutor

    # Photos decode on other threads while the pages before them are laid out.
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        story.append(PageBreak())
        story.append(para(_("Photos"), st["h2"]))
        story += _photo_grid(data, lang, st, photos_per_page, pool)
        return build_pdf(story, target, meta)


def common_area(plot: model.Plot, lang: str) -> str:
    from pemdesk.i18n import format_number

    return f"{format_number(plot.area_ha or 0, 2)} {Texts(lang)('ha')}"


def _hex(colour: str) -> Any:
    from reportlab.lib import colors

    return colors.HexColor(colour)


def _participant_rows(d: VisitDetail, lang: str, public: bool) -> list[tuple[str, str, str, str]]:
    rows = []
    for participant, person in d.participants:
        rows.append(
            (
                "" if public else person.name,
                label(participant.role, lang),
                person.organisation,
                "" if public else person.phone,
            )
        )
    return rows


def _photo_grid(
    data: VisitReportData,
    lang: str,
    st: dict[str, Any],
    per_page: int = PHOTOS_PER_PAGE,
    pool: Any = None,
) -> list[Any]:
    """Photos ``per_page`` to a page (2: one across; 4 or 6: two across), each captioned."""
    from reportlab.platypus import PageBreak, Table, TableStyle

    _ = Texts(lang)
    columns = 1 if per_page <= 2 else 2
    rows_per_page = max(1, per_page // columns)
    col_w = FRAME_WIDTH / columns
    caption_h = 13 * MM
    box_w = col_w - 6 * MM
    box_h = (228 * MM) / rows_per_page - caption_h - 4 * MM
    cells: list[Any] = []
    images = photo_flowables(
        [data.photo_files.get(p.id) for p in data.detail.photos],
        box_w,
        box_h,
        _("Photo file not on this computer"),
        pool,
    )
    for n, (photo, img) in enumerate(zip(data.detail.photos, images, strict=True), start=1):
        bits = [f"<b>{n}.</b> {esc(format_datetime(photo.taken_at, lang))}"]
        pos = common.position_text(photo.lon, photo.lat)
        if pos:
            bits.append(esc(pos))
        if photo.bearing is not None:
            bits.append(f"{esc(_('bearing'))} {common.bearing_text(photo.bearing)}")
        bits.append(f"SHA-256 {photo.sha256[:12]}")
        caption = " · ".join(bits)
        if photo.caption:
            caption += "<br/>" + esc(photo.caption)
        if photo.original_name:
            caption += "<br/>" + esc(photo.original_name)
        cells.append([img, para(caption, st["caption"], markup=True)])
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    if len(rows[-1]) < columns:
        rows[-1] += [""] * (columns - len(rows[-1]))
    out: list[Any] = []
    # One table per page, so a page holds exactly ``per_page`` photos whatever their shape.
    for first in range(0, len(rows), rows_per_page):
        if out:
            out.append(PageBreak())
        t = Table(rows[first : first + rows_per_page], colWidths=[col_w] * columns)
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * MM),
                ]
            )
        )
        out.append(t)
    return out


def write_visit_report(
    store: Store,
    visit_id: str,
    target: Path | str | BinaryIO,
    *,
    lang: str = "mn",
    public: bool = False,
    photos_per_page: int = PHOTOS_PER_PAGE,
) -> BuiltReport:
    """Collect and render in one call (CLI, batch, tests)."""
    return render_visit(
        collect_visit(store, visit_id),
        target,
        lang=lang,
        public=public,
        photos_per_page=photos_per_page,
    )
