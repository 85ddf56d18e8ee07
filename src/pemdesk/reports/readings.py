"""Instrument readings in reports: the visit report's section (deployments of the visit's period
and the ones it serviced) and the site air/water summary report. Averages, completeness,
exceedances and the worst days against the catalogue's limits, with the corrections named."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pemdesk.instruments.families import family_name
from pemdesk.reports.base import BuiltReport, ReportMeta, Texts, para, styles, table

DAY = 86400


@dataclass
class DeploymentBlock:
    label: str
    tz: str
    start: int | None
    end: int | None
    summaries: list[Any] = field(default_factory=list)  # instruments.summary.IndicatorSummary


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_day(seconds: int, tz: str) -> str:
    from pemdesk.instruments.timeparse import resolve_zone

    return datetime.fromtimestamp(seconds, UTC).astimezone(resolve_zone(tz)).strftime("%Y-%m-%d")


def _parse(text: str | None) -> int | None:
    if not text:
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def collect_blocks(store: Any, site_id: str, start: int | None, end: int | None,
                   only: set[str] | None = None) -> list[DeploymentBlock]:
    from pemdesk.instruments.summary import deployment_summaries
    from pemdesk.storage import readings as rs

    blocks = []
    for dep in rs.list_deployments(store, site_id):
        d_first, d_last = _parse(dep["first_at"]), _parse(dep["last_at"])
        if d_first is None or d_last is None:
            continue
        if only is None and ((end is not None and d_first >= end)
                             or (start is not None and d_last < start)):
            continue
        if only is not None and dep["id"] not in only and (
                (end is not None and d_first >= end) or (start is not None and d_last < start)):
            continue
        summaries = [s for s in deployment_summaries(store, dep["id"], start, end) if s.readings]
        if not summaries:
            continue
        label = f"{dep['make'] or family_name(dep['kind'] or '')} {dep['model'] or ''} {dep['serial']}".strip()
        blocks.append(DeploymentBlock(" ".join(label.split()), dep["tz"],
                                      max(d_first, start) if start else d_first,
                                      min(d_last, end) if end else d_last, summaries))
    return blocks


def collect_visit_readings(store: Any, visit: Any) -> list[DeploymentBlock]:
    """The readings since the previous visit to the site (at most 90 days) up to this visit's
    end, of the site's deployments and of those the visit serviced."""
    from pemdesk.storage import readings as rs

    if not store._query("SELECT 1 FROM reading_batch LIMIT 1"):
        return []
    end = _parse(visit.ended_at) or (_parse(visit.started_at) or 0) + DAY
    rows = store._query(
        "SELECT MAX(started_at) AS prev FROM visit WHERE site_id = ? AND started_at < ? "
        "AND id != ? AND _deleted = 0", [visit.site_id, visit.started_at, visit.id])
    prev = _parse(rows[0]["prev"]) if rows and rows[0]["prev"] else None
    start = max(prev or 0, end - 90 * DAY)
    serviced = {r["deployment_id"] for r in rs.visit_deployments(store, visit.id)}
    return collect_blocks(store, visit.site_id, start, end, serviced)


def readings_section(blocks: list[DeploymentBlock] | None, lang: str,
                     heading: bool = True) -> list[Any]:
    """Flowables: per deployment, a table against the limits and a chart of the daily means."""
    if not blocks:
        return []
    from reportlab.platypus import KeepTogether, Spacer

    from pemdesk.catalogue import Catalogue
    from pemdesk.instruments.columns import AUX_INDICATORS
    from pemdesk.reports.charts import time_series

    _ = Texts(lang)
    st = styles()
    cat = Catalogue.load()
    out: list[Any] = []
    if heading:
        out.append(para(_("Instrument readings"), st["h2"]))
    out.append(para(_(
        "Means of readings that passed quality control (range, stuck sensor, spikes). An hour "
        "counts with 75 % of its readings, a 24-hour mean with 75 % of its hours (18 of 24), an "
        "annual mean with 75 % of its days; exceedances count complete periods only."),
        st["muted"]))
    for b in blocks:
        period = (f"{_local_day(b.start, b.tz)} – {_local_day(b.end, b.tz)}"
                  if b.start and b.end else "")
        out.append(para(f"{b.label} · {period} · {_('times in')} {b.tz}", st["h3"]
                        if "h3" in st else st["body"]))
        rows = []
        charts = []
        for s in b.summaries:
            ind = cat.get(s.indicator) if s.indicator in cat else None
            name = ind.name(lang) if ind is not None else (
                AUX_INDICATORS.get(s.indicator, ("", s.indicator, s.indicator))[
                    1 if lang == "mn" else 2])
            corr = s.corrections.text(lang)
            basis = _("{n} readings, {x} excluded by QC").format(n=s.readings, x=s.excluded)
            if not s.limits:
                continue
            for r in s.limits:
                worst = r.worst[0] if r.worst else None
                rows.append([
                    name, ind.limit_text(r.limit, lang) if ind is not None else "",
                    f"{r.valid} / {r.periods}",
                    "—" if r.mean is None else f"{r.mean:.1f}",
                    str(len(r.exceedances)),
                    "—" if worst is None else
                    f"{_local_day(worst.start, b.tz)}: {worst.mean:.1f}",
                    f"{corr}; {basis}",
                ])
            if s.daily and s.daily.valid and ind is not None:
                national = next((lim for lim in ind.limits if lim.is_national
                                 and lim.averaging == "24h"), None)
                pts = [(_iso(p.start), p.mean) for p in s.daily.valid]
                charts.append(time_series(
                    f"{name}: {_('24-hour means')}", pts, unit=ind.unit,
                    limit=national.value if national else None,
                    limit_label=national.source if national else "", width_mm=170,
                    height_mm=50))
        if rows:
            out.append(table([_("Indicator"), _("Limit"), _("Valid periods"), _("Mean"),
                              _("Exceedances"), _("Worst period"), _("Corrections, basis")],
                             rows, [28, 34, 15, 13, 19, 25, 46], st=st, compact=True))
        else:
            out.append(para(_("No indicator of this instrument has a limit in the catalogue."),
                            st["body"]))
        for chart in charts:
            out.append(KeepTogether([Spacer(1, 4), chart]))
        out.append(Spacer(1, 8))
    return out


def write_site_readings_report(store: Any, site_id: str, target: Path | str | BinaryIO, *,
                               lang: str = "mn", start: int | None = None,
                               end: int | None = None) -> BuiltReport:
    """The site's air and water summary: every deployment against the limits."""
    from pemdesk import model
    from pemdesk.reports import common
    from pemdesk.reports.base import build_pdf

    _ = Texts(lang)
    st = styles()
    site = store.get(model.Site, site_id)
    blocks = collect_blocks(store, site_id, start, end)
    meta = ReportMeta(lang=lang, title=_("Air and water readings summary"))
    story: list[Any] = [para(_("Air and water readings summary"), st["title"]),
                        para(common.site_title(site, lang), st["subtitle"])]
    if start or end:
        story.append(para(f"{_iso(start)[:10] if start else '…'} – "
                          f"{_iso(end - 1)[:10] if end else '…'}", st["body"]))
    if not blocks:
        story.append(para(_("No instrument readings were imported for this site."), st["body"]))
    story += readings_section(blocks, lang, heading=False)
    return build_pdf(story, target, meta)
