"""Rehabilitation evidence in the printed reports: the stage history chart, targets against
actual hectares, vegetation cover per photo point (with the photo pairs and their masks) and per
plot, acceptance acts; the national summary for a coordinator; the acceptance act itself.

The site and progress reports call ``collect_rehab`` and append ``rehab_sections``; the national
summary and the act are reports of their own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pemdesk import model
from pemdesk.i18n import format_date, format_number
from pemdesk.labels import label
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
    from pemdesk.rehab.records import Acceptance, RehabTarget, StageChange
    from pemdesk.rehab.targets import TargetProgress
    from pemdesk.storage import Store
    from pemdesk.storage.rehab import CoverPoint, PlotRow

MAX_POINTS_WITH_PHOTOS = 12


@dataclass
class RehabData:
    year: int
    plots: list[PlotRow]
    years: list[tuple[int, dict[model.PlotStage, float]]]
    targets: list[TargetProgress]
    changes: list[tuple[PlotRow, StageChange]] = field(default_factory=list)
    cover: list[CoverPoint] = field(default_factory=list)
    points: dict[str, model.PhotoPoint] = field(default_factory=dict)
    acts: list[tuple[PlotRow, Acceptance]] = field(default_factory=list)
    indicators: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    store: Any = None  # the Store the data came from (photo files and masks)


def collect_rehab(
    store: Store,
    *,
    site_id: str | None = None,
    aimag_code: str | None = None,
    soum_code: str | None = None,
    year: int | None = None,
    detail: bool = True,
    all_years: bool = False,
) -> RehabData:
    """What the rehabilitation sections print, for a site, an aimag/soum or the whole country."""
    from pemdesk.rehab import stages as st
    from pemdesk.storage import rehab as rs

    year = year or date.today().year
    rows = rs.plot_rows(store, aimag_code, soum_code, site_id)
    histories = [r.history for r in rows]
    years = st.history_years(histories, year)[-12:]
    data = RehabData(
        year=year,
        plots=rows,
        years=st.hectares_over_years(histories, years),
        targets=[],
        store=store,
    )
    if site_id is None:
        if all_years:
            years_with = sorted({t.year for t in rs.list_targets(store) if t.year <= year})
            data.targets = [p for y in years_with for p in rs.target_progress(store, y)]
        else:
            data.targets = rs.target_progress(store, year, aimag_code, soum_code)
    if not detail:
        return data
    by_id = {r.plot.id: r for r in rows}
    for r in rows:
        for c in r.history.changes:
            data.changes.append((r, c))
    data.changes.sort(key=lambda rc: (rc[1].changed_on, rc[0].plot.name))
    if site_id is not None:
        data.indicators = {r.plot.id: rs.plot_indicators(store, r.plot.id) for r in rows}
        data.cover = rs.cover_series(store, site_id=site_id)
        data.points = {p.id: p for p in store.list_photo_points(site_id)}
    data.acts = [(by_id[a.plot_id], a) for a in rs.acceptances(store) if a.plot_id in by_id]
    return data


def stage_history_chart(data: RehabData, lang: str) -> Any:
    from pemdesk.geo import symbology as sym
    from pemdesk.reports.charts import stacked_bars

    _ = Texts(lang)
    return stacked_bars(
        [(str(y), [ha.get(s, 0.0) for s in sym.STAGES_FINISHED_FIRST], None) for y, ha in data.years],
        [(label(s, lang), sym.PLOT_STAGE_COLOURS[s]) for s in sym.STAGES_FINISHED_FIRST],
        unit=_("ha"),
        width_mm=FRAME_WIDTH / MM,
    )


def target_name(t: RehabTarget, lang: str) -> str:
    from pemdesk.gazetteer import Gazetteer

    _ = Texts(lang)
    gaz = Gazetteer.load()
    if t.level == "national":
        place = _("Mongolia")
    elif t.level == "aimag" and t.aimag_code:
        place = gaz.aimag(t.aimag_code).name(lang)
    else:
        place = gaz.soum(t.soum_code).name(lang) if t.soum_code else ""
    return f"{place}: {t.name}" if t.name else place


def targets_table(progress: list[TargetProgress], lang: str, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Spacer

    from pemdesk.reports.charts import stacked_bars

    _ = Texts(lang)
    out: list[Any] = []
    if not progress:
        return [para(_("No rehabilitation targets for this year."), st["body"])]
    rows = []
    for p in progress:
        t = p.target
        basis = _("reached in the year") if t.basis == "in_year" else _("at the end of the year")
        builtin = " *" if t.id.startswith("builtin-") else ""
        rows.append([
            target_name(t, lang) + builtin,
            str(t.year),
            f"{label(model.PlotStage(t.stage), lang)} ({basis})",
            format_number(t.area_ha, 1),
            format_number(p.actual_ha, 1),
            f"{format_number(100 * p.share, 1)} %",
            str(p.plots),
        ])
    out.append(table(
        [_("Target"), _("Year"), _("Stage"), _("Target, ha"), _("Actual, ha"), _("Share"),
         _("Plots")],
        rows, [48, 11, 38, 19, 19, 15, 18], st=st, compact=True))
    if any(p.target.id.startswith("builtin-") for p in progress):
        out.append(para("* " + _("built-in target shipped with the program (source in the table "
                                 "of targets); a coordinator can import a corrected one."),
                        st["small"]))
    out.append(Spacer(1, 2 * MM))
    # Shares, not hectares: a national campaign and a soum target share one scale.
    out.append(stacked_bars(
        [(f"{target_name(p.target, lang)[:36]} {p.target.year}", [100 * p.share], 100.0)
         for p in progress],
        [(_("share of the target reached"), "#1b9e77")],
        unit="%", target_label=_("target"), width_mm=FRAME_WIDTH / MM))
    for p in progress:
        if p.target.source:
            out.append(para(f"{target_name(p.target, lang)} — {_('source')}: {p.target.source}",
                            st["small"]))
    return out


def _mask_flowable(path: Path | None, box_w: float, box_h: float, missing: str) -> Any:
    from PIL import Image
    from reportlab.platypus import Image as RLImage

    from pemdesk.reports.photos import _Missing

    if path is None or not path.is_file():
        return _Missing(box_w, min(box_h, box_w * 0.6), missing)
    with Image.open(path) as img:
        mask = img.convert("L")
        w, h = mask.size
        scale = min(box_w / w, box_h / h)
        out = io.BytesIO()
        mask.save(out, "PNG")
    return RLImage(io.BytesIO(out.getvalue()), width=w * scale, height=h * scale)


def _mask_of(store: Store, cover: Any) -> Path | None:
    from pemdesk.errors import PemdeskError
    from pemdesk.storage import rehab as rs

    try:
        return rs.ensure_mask(store, cover)
    except PemdeskError:
        return None  # a damaged photo: printed as "mask not on this computer"


def cover_sections(data: RehabData, store: Store, lang: str, st: dict[str, Any]) -> list[Any]:
    """Cover over the years per photo point (chart, then the first and last photo with their
    masks) and per plot (the mean of its photo points per date)."""
    from reportlab.platypus import KeepTogether, Table, TableStyle

    from pemdesk.reports.charts import time_series
    from pemdesk.reports.fonts import FONT
    from pemdesk.reports.photos import photo_file, photo_flowable

    _ = Texts(lang)
    out: list[Any] = [para(_("Vegetation cover from photos"), st["h2"])]
    if not data.cover:
        out.append(para(_("No photo of a photo point has been measured yet."), st["body"]))
        return out
    out.append(para(
        _("Green canopy cover by the Canopeo method (Patrignani & Ochsner 2015, Agronomy "
          "Journal 107: 2312–2320): a pixel is canopy when R/G < 0.95, B/G < 0.95 and "
          "2G − R − B > 20. White in a mask is canopy. A value corrected by a person is "
          "printed with the computed one in brackets. The method misses dry (yellow or brown) "
          "vegetation and plants in deep shadow, and counts no snow."), st["small"]))
    by_point: dict[str, list[CoverPoint]] = {}
    for cp in data.cover:
        by_point.setdefault(cp.photo_point_id or "", []).append(cp)
    half = FRAME_WIDTH / 2 - 3 * MM
    for n, (point_id, series) in enumerate(by_point.items()):
        point = data.points.get(point_id)
        name = point.name if point else point_id
        chart = time_series(
            f"{name} — {_('cover')}",
            [((cp.photo.taken_at or "")[:10], cp.cover.value) for cp in series if cp.photo.taken_at],
            unit="%", width_mm=FRAME_WIDTH / MM, height_mm=40, colour="#1b9e77")
        block: list[Any] = [chart]
        if n < MAX_POINTS_WITH_PHOTOS:
            ends = [series[0], series[-1]] if len(series) > 1 else [series[0]]
            cells = []
            captions = []
            for cp in ends:
                cells += [
                    photo_flowable(photo_file(store, cp.photo), half / 2 - 2, 40 * MM,
                                   _("photo not on this computer")),
                    _mask_flowable(_mask_of(store, cp.cover), half / 2 - 2, 40 * MM,
                                   _("mask not on this computer")),
                ]
                value = format_number(cp.cover.value, 1)
                if cp.cover.manual_pct is not None:
                    value += f" ({format_number(cp.cover.cover_pct, 1)})"
                captions += [f"{format_date(cp.photo.taken_at, lang)}: {value} %", ""]
            t = Table([cells, [para(c, st["small"]) for c in captions]],
                      colWidths=[half / 2] * len(cells))
            t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 1)]))
            block.append(t)
        out.append(KeepTogether(block))
    # Per plot: the mean over its photo points on each date.
    plots = {r.plot.id: r.plot for r in data.plots}
    per_plot: dict[str, dict[str, list[float]]] = {}
    for cp in data.cover:
        if cp.plot_id and cp.photo.taken_at:
            per_plot.setdefault(cp.plot_id, {}).setdefault(cp.photo.taken_at[:10], []).append(
                cp.cover.value)
    for plot_id, by_day in per_plot.items():
        if plot_id in plots:
            out.append(time_series(
                f"{plots[plot_id].name} — {_('mean cover of the plot photo points')}",
                [(d, sum(v) / len(v)) for d, v in sorted(by_day.items())],
                unit="%", width_mm=FRAME_WIDTH / MM, height_mm=36, colour="#d95f02"))
    return out


def rehab_sections(data: RehabData, store: Store, lang: str, *, site: bool) -> list[Any]:
    """The sections the site report and the aimag/soum progress report gain."""
    from reportlab.platypus import Spacer

    _ = Texts(lang)
    st = styles()
    out: list[Any] = [para(_("Rehabilitation stage history"), st["h2"])]
    if not data.plots:
        return [*out, para(_("No plots."), st["body"])]
    out.append(para(_("Hectares by stage at the end of each year, from the plots' stage "
                      "histories."), st["small"]))
    out.append(stage_history_chart(data, lang))
    out.append(Spacer(1, 2 * MM))
    if site and data.changes:
        out.append(table(
            [_("Date"), _("Plot"), _("From"), _("To"), _("By"), _("Note")],
            [[format_date(c.changed_on, lang), r.plot.name,
              label(model.PlotStage(c.from_stage), lang) if c.from_stage else "—",
              label(model.PlotStage(c.to_stage), lang), c.recorded_by, c.note]
             for r, c in data.changes],
            [18, 30, 26, 26, 24, 50], st=st, compact=True))
    if not site:
        out.append(para(_("Targets and actual hectares"), st["h2"]))
        out += targets_table(data.targets, lang, st)
    if data.acts:
        out.append(para(_("Acceptance by the commission"), st["h3"]))
        out.append(table(
            [_("Date"), _("Plot"), _("Kind"), _("Decision"), _("Act"), _("Members")],
            [[format_date(a.accepted_on, lang), r.plot.name, _kind(a.kind, lang),
              _decision(a.decision, lang), a.act_no, ", ".join(m["name"] for m in a.members)]
             for r, a in data.acts],
            [18, 30, 22, 22, 18, 64], st=st, compact=True))
    if site:
        out += indicator_sections(data, lang, st)
        out += cover_sections(data, store, lang, st)
    return out


def indicator_sections(data: RehabData, lang: str, st: dict[str, Any]) -> list[Any]:
    """Biological rehabilitation indicators per plot over time (typed and from photos)."""
    from pemdesk.catalogue import Catalogue
    from pemdesk.reports.charts import time_series
    from pemdesk.storage.rehab import BIOLOGICAL

    _ = Texts(lang)
    catalogue = Catalogue.load()
    plots = {r.plot.id: r.plot for r in data.plots}
    out: list[Any] = [para(_("Biological indicators per plot"), st["h2"])]
    shown = False
    for plot_id, by_day in data.indicators.items():
        if not by_day or plot_id not in plots:
            continue
        shown = True
        out.append(para(plots[plot_id].name, st["h3"]))
        names = [catalogue.get(code) for code in BIOLOGICAL]
        out.append(table(
            [_("Date"), *[f"{i.name(lang)}, {i.unit}" for i in names]],
            [[format_date(day, lang),
              *[format_number(v[i.code], 1) if i.code in v else "—" for i in names]]
             for day, v in by_day.items()],
            [20, 30, 30, 30, 30], st=st, compact=True))
        for code in ("veg.cover_pct", "veg.cover_photo_pct"):
            points = [(day, v[code]) for day, v in by_day.items() if code in v]
            if len(points) > 1:
                out.append(time_series(f"{plots[plot_id].name} — {catalogue.get(code).name(lang)}",
                                       points, unit="%", width_mm=FRAME_WIDTH / MM, height_mm=34,
                                       colour="#1b9e77"))
    sources = sorted({s for code in BIOLOGICAL for s in catalogue.get(code).sources})
    if shown:
        out.append(para(_("Methods") + ": " + "; ".join(sources), st["small"]))
    else:
        out.append(para(_("No biological indicator recorded on the plots yet."), st["body"]))
    return out


def _role(role: str, lang: str) -> str:
    try:
        return label(model.PersonRole(role), lang)
    except ValueError:
        return role  # typed by the commission


def _kind(kind: str, lang: str) -> str:
    _ = Texts(lang)
    return _("technical") if kind == "technical" else _("biological")


def _decision(decision: str, lang: str) -> str:
    _ = Texts(lang)
    return {"accepted": _("accepted"), "conditional": _("accepted with conditions"),
            "rejected": _("not accepted")}.get(decision, decision)


# --- the national summary --------------------------------------------------------------------
def render_national(
    store: Store, target: Path | str | BinaryIO, *, lang: str = "mn", year: int | None = None
) -> BuiltReport:
    from reportlab.platypus import Spacer

    from pemdesk.gazetteer import Gazetteer
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    data = collect_rehab(store, year=year, detail=False, all_years=True)
    meta = ReportMeta(lang=lang, title=_("National rehabilitation summary"))
    now = {s: 0.0 for s in model.PlotStage}
    for r in data.plots:
        from pemdesk.rehab.stages import current_stage

        stage = current_stage(r.history.changes)
        if stage is not None:
            now[stage] += r.history.area_ha
    total = sum(now.values())
    story: list[Any] = [
        para(_("National rehabilitation summary"), st["title"]),
        para(f"{_('Mongolia')} — {data.year}", st["subtitle"]),
        key_values([
            (_("Plots"), str(len(data.plots))),
            (_("Area, ha"), format_number(total, 2)),
            *[(label(s, lang), f"{format_number(now[s], 2)} {_('ha')}") for s in model.PlotStage],
            (_("Targets up to"), str(data.year)),
        ], st, label_mm=60),
        para(_("Targets and actual hectares"), st["h2"]),
        *targets_table(data.targets, lang, st),
        para(_("Rehabilitation stage history"), st["h2"]),
        stage_history_chart(data, lang) if data.plots else para(_("No plots."), st["body"]),
        Spacer(1, 3 * MM),
        para(_("By aimag"), st["h2"]),
    ]
    gaz = Gazetteer.load()
    by_aimag: dict[str, dict[model.PlotStage, float]] = {}
    for r in data.plots:
        from pemdesk.rehab.stages import current_stage

        stage = current_stage(r.history.changes)
        if stage is not None:
            bucket = by_aimag.setdefault(r.aimag_code, {s: 0.0 for s in model.PlotStage})
            bucket[stage] += r.history.area_ha
    rows = []
    for code, ha in sorted(by_aimag.items(), key=lambda kv: gaz.aimag(kv[0]).name(lang)):
        due = sum(p.target.area_ha for p in data.targets if p.target.aimag_code == code
                  and p.target.level == "aimag")
        done = sum(p.actual_ha for p in data.targets if p.target.aimag_code == code
                   and p.target.level == "aimag")
        rows.append([gaz.aimag(code).name(lang), *[format_number(ha[s], 1) for s in model.PlotStage],
                     format_number(sum(ha.values()), 1),
                     f"{format_number(done, 1)} / {format_number(due, 1)}" if due else "—"])
    story.append(table(
        [_("Aimag"), *[label(s, lang) for s in model.PlotStage], _("Total"),
         _("Aimag target: actual / target, ha")],
        rows, [30, 18, 20, 20, 20, 18, 30], st=st, compact=True) if rows else
        para(_("No plots."), st["body"]))
    return build_pdf(story, target, meta)


# --- the acceptance act ----------------------------------------------------------------------
def render_act(
    store: Store, act_id: str, target: Path | str | BinaryIO, *, lang: str = "mn"
) -> BuiltReport:
    """The commission's acceptance act of a plot: plot, members, criteria with their sources,
    decision, and signature lines."""
    from reportlab.platypus import Spacer

    from pemdesk.rehab.acceptance import checklist
    from pemdesk.rehab.records import Acceptance
    from pemdesk.reports import common
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    act = store.get(Acceptance, act_id)
    plot = store.get(model.Plot, act.plot_id)
    site = store.get(model.Site, plot.site_id)
    aimag, soum = common.place_names(site, lang)
    cl = checklist()
    meta = ReportMeta(lang=lang, title=_("Rehabilitation acceptance act"))
    answers = {"yes": _("yes"), "no": _("no"), "unknown": _("not checked")}
    story: list[Any] = [
        para(_("Rehabilitation acceptance act"), st["title"]),
        para(f"{site.name(lang)} — {plot.name}", st["subtitle"]),
        key_values([
            (_("Act number"), act.act_no),
            (_("Date"), format_date(act.accepted_on, lang)),
            (_("Aimag, soum"), f"{aimag}, {soum}"),
            (_("Plot"), f"{plot.name}, {format_number(plot.area_ha or 0, 2)} {_('ha')}"),
            (_("Kind of rehabilitation"), _kind(act.kind, lang)),
            (_("Decision"), _decision(act.decision, lang)),
            (_("Standard"), f"{cl.standard_code} — "
             f"{cl.standard_title_mn if lang == 'mn' else cl.standard_title_en}"),
        ], st, label_mm=46),
        para(_("Criteria checked"), st["h2"]),
    ]
    rows = []
    for c in cl.for_kind(act.kind):
        answer = answers.get(act.criteria.get(c.code, "unknown"), "")
        rows.append([c.text(lang), answer, _(c.source)])  # citations stay as published
    for code, answer in act.criteria.items():
        if code.startswith("custom:"):
            rows.append([code[7:], answers.get(answer, answer), _("added by the commission")])
    story.append(table([_("Criterion"), _("Met"), _("Source")], rows, [80, 18, 80], st=st))
    story.append(para(cl.note_mn if lang == "mn" else cl.note_en, st["small"]))
    if act.notes:
        story += [para(_("Notes"), st["h3"]), para(act.notes, st["body"])]
    story.append(para(_("Members of the commission"), st["h2"]))
    story.append(table(
        [_("Name"), _("Role"), _("Organisation"), _("Signature")],
        [[m["name"], _role(m.get("role", ""), lang), m.get("organisation", ""), ""]
         for m in act.members],
        [45, 35, 50, 48], st=st))
    story.append(Spacer(1, 6 * MM))
    return build_pdf(story, target, meta)


def write_national_report(
    store: Store, target: Path | str | BinaryIO, *, lang: str = "mn", year: int | None = None
) -> BuiltReport:
    return render_national(store, target, lang=lang, year=year)
