"""The site / plot rehabilitation summary: plots by stage, visit history, indicators over time,
photo-point pairs (earliest against latest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pemdesk import model
from pemdesk.i18n import format_date, format_number
from pemdesk.labels import label
from pemdesk.minerals import mineral_text
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
from pemdesk.reports.fonts import FONT
from pemdesk.reports.photos import PhotoSource, photo_file, photo_flowable
from pemdesk.reports.sitemap import MapContent, site_map

if TYPE_CHECKING:
    from pemdesk.storage import Store
    from pemdesk.storage.reports import SeriesPoint

# Indicators shown first in the charts (rehabilitation first), then the rest in catalogue order.
CHART_FIRST = (
    "veg.cover_pct",
    "veg.seedling_survival_pct",
    "veg.species_count",
    "soil.topsoil_depth",
)
MAX_CHARTS = 8


@dataclass
class VisitRow:
    visit: model.Visit
    participants: int
    observations: int
    findings: int
    open_findings: int


@dataclass
class SiteReportData:
    site: model.Site
    plots: list[model.Plot]
    visits: list[VisitRow]
    series: list[SeriesPoint]
    photo_points: list[model.PhotoPoint]
    pairs: list[tuple[model.PhotoPoint, model.Photo, model.Photo | None]]
    photo_files: dict[str, PhotoSource | None]
    rehab: Any = None  # pemdesk.reports.rehab.RehabData


def collect_site(store: Store, site_id: str) -> SiteReportData:
    from pemdesk.storage import VisitFilter
    from pemdesk.storage import reports as q

    site = store.get(model.Site, site_id)
    visits = []
    for v in reversed(store.list_visits(VisitFilter(site_id=site_id))):  # oldest first
        d = store.visit_detail(v.id)
        visits.append(
            VisitRow(
                v,
                len(d.participants),
                len(d.observations),
                len(d.findings),
                sum(f.follow_up != model.FollowUpStatus.RESOLVED for f in d.findings),
            )
        )
    pairs = q.photo_point_pairs(store, site_id)
    files = {}
    for _pp, first, last in pairs:
        for photo in (first, last):
            if photo is not None:
                files[photo.id] = photo_file(store, photo)
    return SiteReportData(
        site=site,
        plots=store.list_plots(site_id=site_id),
        visits=visits,
        series=q.site_observation_series(store, site_id),
        photo_points=store.list_photo_points(site_id),
        pairs=pairs,
        photo_files=files,
        rehab=_collect_rehab(store, site_id),
    )


def _collect_rehab(store: Store, site_id: str) -> Any:
    from pemdesk.reports.rehab import collect_rehab

    return collect_rehab(store, site_id=site_id)


def render_site(
    data: SiteReportData,
    target: Path | str | BinaryIO,
    *,
    lang: str = "mn",
    report_id: str | None = None,
) -> BuiltReport:
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    from pemdesk.catalogue import Catalogue
    from pemdesk.reports.base import build_pdf
    from pemdesk.reports.charts import stacked_bars, time_series

    _ = Texts(lang)
    st = styles()
    catalogue = Catalogue.load()
    site = data.site
    aimag, soum = common.place_names(site, lang)
    meta = ReportMeta(lang=lang, title=_("Site rehabilitation summary"))
    if report_id:
        meta.report_id = report_id
    story: list[Any] = [
        para(_("Site rehabilitation summary"), st["title"]),
        para(common.site_title(site, lang), st["subtitle"]),
    ]
    if site.is_demo:
        story.append(
            para(_("DEMO DATA: invented site and company, for practice only."), st["cell_alert"])
        )
    total_ha = sum(p.area_ha or 0 for p in data.plots)
    finished = [v for v in data.visits if v.visit.status == model.VisitStatus.FINISHED]
    story.append(
        key_values(
            [
                (_("Site"), site.name(lang)),
                (_("Kind of site"), label(site.kind, lang)),
                (_("Licence"), site.licence_no),
                (_("Licence holder"), site.holder),
                (_("Mineral"), mineral_text(site.mineral, lang)),
                (_("Aimag, soum"), f"{aimag}, {soum}"),
                (_("Position"), common.position_text(site.lon, site.lat)),
                (_("Plots"), f"{len(data.plots)}, {format_number(total_ha, 2)} {_('ha')}"),
                (_("Visits"), f"{len(data.visits)} ({_('finished')}: {len(finished)})"),
                (_("Record id"), site.id),
            ],
            st,
            label_mm=34,
        )
    )

    story.append(para(_("Map of the site"), st["h2"]))
    story.append(
        site_map(
            MapContent(site=site, plots=data.plots, photo_points=data.photo_points),
            FRAME_WIDTH / MM,
            95,
            lang,
        )
    )

    # --- plots by stage ----------------------------------------------------------------------
    story.append(para(_("Plots by stage"), st["h2"]))
    stage_rows = []
    for stage in model.PlotStage:
        plots = [p for p in data.plots if p.stage == stage]
        ha = sum(p.area_ha or 0 for p in plots)
        share = f"{format_number(100 * ha / total_ha, 1)} %" if total_ha else ""
        stage_rows.append([label(stage, lang), str(len(plots)), format_number(ha, 2), share])
    stage_rows.append(
        [
            _("Total"),
            str(len(data.plots)),
            format_number(total_ha, 2),
            "100.0 %" if total_ha else "",
        ]
    )
    from pemdesk.geo import symbology as sym

    bars = stacked_bars(
        [
            (
                _("Hectares"),
                [sum(p.area_ha or 0 for p in data.plots if p.stage == s) for s in model.PlotStage],
                None,
            )
        ],
        [(label(s, lang), sym.PLOT_STAGE_COLOURS[s]) for s in model.PlotStage],
        unit=_("ha"),
        width_mm=FRAME_WIDTH / MM,
    )
    story.append(
        table(
            [_("Stage"), _("Plots"), _("Area, ha"), _("Share")],
            stage_rows,
            [70, 30, 40, 38],
            st=st,
            extra_style=[("FONTNAME", (0, -1), (-1, -1), FONT)],
        )
    )
    story.append(Spacer(1, 2 * MM))
    story.append(bars)

    story.append(para(_("Plots"), st["h3"]))
    plot_rows = []
    for p in data.plots:
        dates = "; ".join(
            f"{text}: {format_date(day, lang)}"
            for text, day in (
                (_("disturbed"), p.disturbed_on),
                (_("technical"), p.technical_on),
                (_("biological"), p.biological_on),
                (_("handed over"), p.handed_over_on),
            )
            if day
        )
        goal = ""
        if p.target_year:
            goal = f"{label(p.target_stage or model.PlotStage.HANDED_OVER, lang)}, {p.target_year}"
        plot_rows.append(
            [p.name, label(p.stage, lang), format_number(p.area_ha or 0, 2), dates, goal]
        )
    story.append(
        table(
            [_("Plot"), _("Stage"), _("Area, ha"), _("Dates of stages"), _("Target")],
            plot_rows,
            [24, 34, 18, 66, 36],
            st=st,
        )
    )

    # --- history of visits -------------------------------------------------------------------
    story.append(para(_("History of visits"), st["h2"]))
    if data.visits:
        rows = [
            [
                format_date(r.visit.started_at, lang),
                label(r.visit.status, lang),
                str(r.visit.revision),
                r.visit.purpose,
                str(r.participants),
                str(r.observations),
                f"{r.findings} ({r.open_findings} {_('open')})" if r.findings else "0",
            ]
            for r in data.visits
        ]
        story.append(
            table(
                [
                    _("Date"),
                    _("Status"),
                    _("Rev."),
                    _("Purpose"),
                    _("Participants"),
                    _("Observations"),
                    _("Findings"),
                ],
                rows,
                [20, 20, 18, 50, 22, 22, 26],
                st=st,
            )
        )
    else:
        story.append(para(_("No visits yet."), st["body"]))

    # --- indicators over time ----------------------------------------------------------------
    by_code: dict[str, list[tuple[str, float]]] = {}
    for point in data.series:
        if point.value_num is None or point.indicator not in catalogue:
            continue
        if not catalogue.get(point.indicator).is_numeric:
            continue
        by_code.setdefault(point.indicator, []).append((point.started_at, point.value_num))
    order = [c for c in CHART_FIRST if c in by_code] + sorted(
        c for c in by_code if c not in CHART_FIRST
    )
    charts = []
    for code in order[:MAX_CHARTS]:
        indicator = catalogue.get(code)
        limit = catalogue.primary_limit(code)
        charts.append(
            time_series(
                indicator.name(lang),
                by_code[code],
                unit=indicator.unit if indicator.unit != "count" else "",
                limit=limit.value if limit and limit.kind == "max" else None,
                limit_label=limit.source if limit else "",
                width_mm=FRAME_WIDTH / MM / 2 - 2,
                height_mm=42,
            )
        )
    if charts:
        story.append(para(_("Indicators over time"), st["h2"]))
        story.append(
            para(
                _(
                    "Dashed red line: the limit of the national standard (or the "
                    "guideline), where the indicator has one."
                ),
                st["muted"],
            )
        )
        grid = [
            charts[i : i + 2] + ([""] if i + 1 >= len(charts) else [])
            for i in range(0, len(charts), 2)
        ]
        t = Table(grid, colWidths=[FRAME_WIDTH / 2] * 2)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story.append(t)

    # --- photo points: earliest against latest -----------------------------------------------
    if data.pairs:
        story.append(PageBreak())
        story.append(para(_("Photo points: earliest and latest photo"), st["h2"]))
        box_w, box_h = FRAME_WIDTH / 2 - 6 * MM, 62 * MM
        for pp, first, last in data.pairs:
            story.append(
                para(
                    f"{pp.name} — {common.position_text(pp.lon, pp.lat)}"
                    + (
                        f", {_('bearing')} {common.bearing_text(pp.bearing)}"
                        if pp.bearing is not None
                        else ""
                    ),
                    st["h3"],
                )
            )
            cells, captions = [], []
            for photo in (first, last):
                if photo is None:
                    cells.append(para(_("Only one photo so far."), st["muted"]))
                    captions.append("")
                    continue
                cells.append(
                    photo_flowable(
                        data.photo_files.get(photo.id),
                        box_w,
                        box_h,
                        _("Photo file not on this computer"),
                    )
                )
                captions.append(
                    para(
                        f"{esc(format_date(photo.taken_at, lang))} · SHA-256 {photo.sha256[:12]}"
                        + (f"<br/>{esc(photo.caption)}" if photo.caption else ""),
                        st["caption"],
                        markup=True,
                    )
                )
            t = Table([cells, captions], colWidths=[FRAME_WIDTH / 2] * 2)
            t.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), FONT),
                        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(t)
    if data.rehab is not None:
        from pemdesk.reports.rehab import rehab_sections

        story += rehab_sections(data.rehab, data.rehab.store, lang, site=True)
    return build_pdf(story, target, meta)


def write_site_report(
    store: Store, site_id: str, target: Path | str | BinaryIO, *, lang: str = "mn"
) -> BuiltReport:
    return render_site(collect_site(store, site_id), target, lang=lang)
