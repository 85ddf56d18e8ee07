"""Queries behind the printed reports (site summaries, progress by aimag/soum).

Only the latest revision of a visit counts: a visit that a newer revision supersedes is left out,
as in the visit list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pemdesk import model
from pemdesk.storage.records import from_row

if TYPE_CHECKING:
    from pemdesk.storage.store import Store

_LATEST = "v._deleted = 0 AND NOT EXISTS (SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0)"


@dataclass
class SeriesPoint:
    indicator: str
    started_at: str
    visit_id: str
    value_num: float | None
    value_text: str | None


def site_observation_series(store: Store, site_id: str) -> list[SeriesPoint]:
    """Every observation made on the site's visits, oldest visit first."""
    rows = store._query(
        f"SELECT o.indicator, v.started_at, v.id AS visit_id, o.value_num, o.value_text "
        f"FROM observation o JOIN visit v ON v.id = o.visit_id "
        f"WHERE o._deleted = 0 AND v.site_id = ? AND {_LATEST} "
        f"ORDER BY v.started_at, o.indicator, o.created_at",
        [site_id],
    )
    return [SeriesPoint(**r) for r in rows]


def photo_point_pairs(
    store: Store, site_id: str
) -> list[tuple[model.PhotoPoint, model.Photo, model.Photo | None]]:
    """For each photo point of the site that has photos: (point, earliest, latest or None)."""
    out: list[tuple[model.PhotoPoint, model.Photo, model.Photo | None]] = []
    for point in store.list_photo_points(site_id):
        rows = store._query(
            "SELECT * FROM photo WHERE photo_point_id = ? AND _deleted = 0 "
            "ORDER BY coalesce(taken_at, created_at), id",
            [point.id],
        )
        if not rows:
            continue
        first = from_row(model.Photo, rows[0])
        last = from_row(model.Photo, rows[-1]) if len(rows) > 1 else None
        out.append((point, first, last))
    return out


def site_photos(store: Store, site_id: str) -> list[model.Photo]:
    """Photos of the site's (latest) visits, for the site map."""
    rows = store._query(
        f"SELECT p.* FROM photo p JOIN visit v ON v.id = p.visit_id "
        f"WHERE p._deleted = 0 AND v.site_id = ? AND {_LATEST} ORDER BY p.taken_at, p.id",
        [site_id],
    )
    return [from_row(model.Photo, r) for r in rows]


@dataclass
class SiteProgress:
    site: model.Site
    ha_by_stage: dict[model.PlotStage, float] = field(default_factory=dict)
    plots_by_stage: dict[model.PlotStage, int] = field(default_factory=dict)
    target_ha: float = 0.0  # area due at its target stage by the report year
    target_met_ha: float = 0.0  # of that, area that has reached its target stage
    visits: int = 0
    visits_finished: int = 0
    last_visit: str | None = None
    open_findings: int = 0


_STAGE_ORDER = {stage: i for i, stage in enumerate(model.PlotStage)}


def progress_by_site(
    store: Store,
    aimag_code: str,
    soum_code: str | None = None,
    *,
    year: int,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[SiteProgress]:
    """Hectares per stage against plot targets, visits made and open findings, per site."""
    sites = store.list_sites(aimag_code=aimag_code, soum_code=soum_code)
    out: list[SiteProgress] = []
    for site in sites:
        entry = SiteProgress(site=site)
        for plot in store.list_plots(site_id=site.id):
            area = plot.area_ha or 0.0
            stage = model.PlotStage(plot.stage)
            entry.ha_by_stage[stage] = entry.ha_by_stage.get(stage, 0.0) + area
            entry.plots_by_stage[stage] = entry.plots_by_stage.get(stage, 0) + 1
            if plot.target_year is not None and plot.target_year <= year:
                target = model.PlotStage(plot.target_stage or model.PlotStage.HANDED_OVER)
                entry.target_ha += area
                if _STAGE_ORDER[stage] >= _STAGE_ORDER[target]:
                    entry.target_met_ha += area
        clauses, params = [_LATEST, "v.site_id = ?"], [site.id]
        if date_from:
            clauses.append("v.started_at >= ?")
            params.append(date_from)
        if date_to:
            clauses.append("v.started_at <= ?")
            params.append(date_to + ("~" if len(date_to) == 10 else ""))
        row = store._query(
            f"SELECT count(*) AS n, sum(v.status = 'finished') AS finished, "
            f"max(v.started_at) AS last FROM visit v WHERE {' AND '.join(clauses)}",
            params,
        )[0]
        entry.visits, entry.visits_finished = row["n"], row["finished"] or 0
        entry.last_visit = row["last"]
        entry.open_findings = len(open_findings(store, [site.id]))
        out.append(entry)
    return out


@dataclass
class OpenFinding:
    finding: model.Finding
    site_id: str
    visit_started_at: str


def open_findings(store: Store, site_ids: list[str]) -> list[OpenFinding]:
    """Findings not yet resolved, on the latest revisions of the sites' visits, oldest first."""
    if not site_ids:
        return []
    marks = ", ".join("?" for _ in site_ids)
    rows: list[dict[str, Any]] = store._query(
        f"SELECT f.*, v.site_id AS _site_id, v.started_at AS _started_at "
        f"FROM finding f JOIN visit v ON v.id = f.visit_id "
        f"WHERE f._deleted = 0 AND f.follow_up != 'resolved' AND v.site_id IN ({marks}) "
        f"AND {_LATEST} ORDER BY v.started_at, f.created_at",
        site_ids,
    )
    return [OpenFinding(from_row(model.Finding, r), r["_site_id"], r["_started_at"]) for r in rows]
