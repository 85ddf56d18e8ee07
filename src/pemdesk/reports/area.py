"""The progress report for an aimag or a soum: hectares per stage against targets, visits made,
open findings — in tables and a chart.

Targets come from the plots themselves: a plot with a target year up to the report's year is due
at its target stage (handed over, unless set otherwise); the area of such plots that has reached
that stage is "met".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pemdesk import model
from pemdesk.i18n import format_date, format_number
from pemdesk.labels import label
from pemdesk.reports import common
from pemdesk.reports.base import (
    FRAME_WIDTH,
    MM,
    BuiltReport,
    ReportMeta,
    Texts,
    key_values,
    para,
    styles,
    table,
)

if TYPE_CHECKING:
    from pemdesk.storage import Store
    from pemdesk.storage.reports import OpenFinding, SiteProgress



@dataclass
class AreaReportData:
    aimag_code: str
    soum_code: str | None
    year: int
    date_from: str
    date_to: str
    sites: list[SiteProgress]
    findings: list[OpenFinding]
    rehab: Any = None  # pemdesk.reports.rehab.RehabData


def collect_area(
    store: Store,
    aimag_code: str,
    soum_code: str | None = None,
    *,
    year: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> AreaReportData:
    from pemdesk.storage import reports as q

    year = year or date.today().year
    date_from = date_from or f"{year}-01-01"
    date_to = date_to or f"{year}-12-31"
    sites = q.progress_by_site(
        store, aimag_code, soum_code, year=year, date_from=date_from, date_to=date_to
    )
    findings = q.open_findings(store, [s.site.id for s in sites])
    from pemdesk.reports.rehab import collect_rehab

    rehab = collect_rehab(store, aimag_code=aimag_code, soum_code=soum_code, year=year)
    return AreaReportData(aimag_code, soum_code, year, date_from, date_to, sites, findings, rehab)


def area_name(aimag_code: str, soum_code: str | None, lang: str) -> str:
    from pemdesk.gazetteer import Gazetteer

    _ = Texts(lang)
    gaz = Gazetteer.load()
    text = _("{aimag} aimag").format(aimag=gaz.aimag(aimag_code).name(lang))
    if soum_code:
        text += ", " + _("{soum} soum").format(soum=gaz.soum(soum_code).name(lang))
    return text


def render_area(
    data: AreaReportData,
    target: Path | str | BinaryIO,
    *,
    lang: str = "mn",
    report_id: str | None = None,
) -> BuiltReport:
    from reportlab.platypus import Spacer

    from pemdesk.geo import symbology as sym
    from pemdesk.reports.base import build_pdf
    from pemdesk.reports.charts import stacked_bars

    _ = Texts(lang)
    st = styles()
    place = area_name(data.aimag_code, data.soum_code, lang)
    meta = ReportMeta(lang=lang, title=_("Rehabilitation progress report"))
    if report_id:
        meta.report_id = report_id
    story: list[Any] = [
        para(_("Rehabilitation progress report"), st["title"]),
        para(f"{place} — {data.year}", st["subtitle"]),
    ]
    if any(s.site.is_demo for s in data.sites):
        story.append(
            para(_("DEMO DATA: invented sites and companies, for practice only."), st["cell_alert"])
        )
    plots = sum(sum(s.plots_by_stage.values()) for s in data.sites)
    total = sum(sum(s.ha_by_stage.values()) for s in data.sites)
    target_ha = sum(s.target_ha for s in data.sites)
    met_ha = sum(s.target_met_ha for s in data.sites)
    visits = sum(s.visits for s in data.sites)
    story.append(
        key_values(
            [
                (_("Area"), place),
                (_("Targets up to"), str(data.year)),
                (
                    _("Visits counted from"),
                    f"{format_date(data.date_from, lang)} – {format_date(data.date_to, lang)}",
                ),
                (_("Sites"), str(len(data.sites))),
                (_("Plots"), f"{plots}, {format_number(total, 2)} {_('ha')}"),
                (_("Due by the target year"), f"{format_number(target_ha, 2)} {_('ha')}"),
                (
                    _("Target met"),
                    f"{format_number(met_ha, 2)} {_('ha')}"
                    + (f" ({format_number(100 * met_ha / target_ha, 1)} %)" if target_ha else ""),
                ),
                (_("Visits made"), str(visits)),
                (_("Open findings"), str(len(data.findings))),
            ],
            st,
            label_mm=46,
        )
    )

    # --- hectares per stage ------------------------------------------------------------------
    story.append(para(_("Hectares per stage"), st["h2"]))
    rows = []
    for stage in model.PlotStage:
        ha = sum(s.ha_by_stage.get(stage, 0.0) for s in data.sites)
        count = sum(s.plots_by_stage.get(stage, 0) for s in data.sites)
        rows.append(
            [
                label(stage, lang),
                str(count),
                format_number(ha, 2),
                f"{format_number(100 * ha / total, 1)} %" if total else "",
            ]
        )
    rows.append([_("Total"), str(plots), format_number(total, 2), "100.0 %" if total else ""])
    story.append(
        table([_("Stage"), _("Plots"), _("Area, ha"), _("Share")], rows, [70, 30, 40, 38], st=st)
    )

    if data.sites:
        story.append(para(_("Hectares per site against targets"), st["h2"]))
        story.append(
            stacked_bars(
                [
                    (
                        s.site.name(lang),
                        [s.ha_by_stage.get(stage, 0.0) for stage in sym.STAGES_FINISHED_FIRST],
                        s.target_ha or None,
                    )
                    for s in data.sites
                ],
                [(label(stage, lang), sym.PLOT_STAGE_COLOURS[stage]) for stage in sym.STAGES_FINISHED_FIRST],
                unit=_("ha"),
                target_label=_("area due by the target year"),
                width_mm=FRAME_WIDTH / MM,
            )
        )
        story.append(Spacer(1, 3 * MM))
        site_rows = []
        for s in data.sites:
            _aimag, soum = common.place_names(s.site, lang)
            pct = (
                f"{format_number(100 * s.target_met_ha / s.target_ha, 0)} %"
                if (s.target_ha)
                else "—"
            )
            site_rows.append(
                [
                    s.site.name(lang),
                    soum,
                    *[format_number(s.ha_by_stage.get(stage, 0.0), 1) for stage in model.PlotStage],
                    format_number(s.target_ha, 1),
                    f"{format_number(s.target_met_ha, 1)} ({pct})",
                    f"{s.visits} ({s.visits_finished})",
                    str(s.open_findings),
                ]
            )
        story.append(
            table(
                [
                    _("Site"),
                    _("Soum"),
                    *[label(stage, lang) for stage in model.PlotStage],
                    _("Due, ha"),
                    _("Met, ha"),
                    _("Visits (finished)"),
                    _("Not resolved"),
                ],
                site_rows,
                [25, 17, 16, 17, 17, 16, 13, 18, 15, 24],
                st=st,
                compact=True,
            )
        )
        if not data.soum_code:
            by_soum: dict[str, list[SiteProgress]] = {}
            for s in data.sites:
                by_soum.setdefault(common.place_names(s.site, lang)[1], []).append(s)
            story.append(para(_("By soum"), st["h3"]))
            story.append(
                table(
                    [
                        _("Soum"),
                        _("Sites"),
                        _("Area, ha"),
                        _("Due, ha"),
                        _("Met, ha"),
                        _("Visits"),
                        _("Not resolved"),
                    ],
                    [
                        [
                            soum,
                            str(len(group)),
                            format_number(sum(sum(s.ha_by_stage.values()) for s in group), 1),
                            format_number(sum(s.target_ha for s in group), 1),
                            format_number(sum(s.target_met_ha for s in group), 1),
                            str(sum(s.visits for s in group)),
                            str(sum(s.open_findings for s in group)),
                        ]
                        for soum, group in sorted(by_soum.items())
                    ],
                    [40, 20, 24, 24, 24, 20, 28],
                    st=st,
                    compact=True,
                )
            )
    else:
        story.append(para(_("No sites are registered in this area."), st["body"]))

    # --- open findings -----------------------------------------------------------------------
    story.append(para(_("Open findings"), st["h2"]))
    if data.findings:
        names = {s.site.id: s.site.name(lang) for s in data.sites}
        rows = []
        for item in data.findings:
            f = item.finding
            follow = label(f.follow_up, lang)
            if f.follow_up_due:
                follow += f", {_('due')} {format_date(f.follow_up_due, lang)}"
            rows.append(
                [
                    names.get(item.site_id, item.site_id),
                    format_date(item.visit_started_at, lang),
                    common.finding_category(f.category, lang),
                    label(f.severity, lang),
                    f.description,
                    follow,
                ]
            )
        story.append(
            table(
                [
                    _("Site"),
                    _("Visit"),
                    _("Category"),
                    _("Severity"),
                    _("Description"),
                    _("Follow-up"),
                ],
                rows,
                [30, 18, 20, 16, 62, 32],
                st=st,
            )
        )
    else:
        story.append(para(_("No open findings."), st["body"]))
    if data.rehab is not None:
        from pemdesk.reports.rehab import rehab_sections

        story += rehab_sections(data.rehab, data.rehab.store, lang, site=False)
    return build_pdf(story, target, meta)


def write_area_report(
    store: Store,
    aimag_code: str,
    soum_code: str | None,
    target: Path | str | BinaryIO,
    *,
    lang: str = "mn",
    year: int | None = None,
) -> BuiltReport:
    return render_area(collect_area(store, aimag_code, soum_code, year=year), target, lang=lang)
