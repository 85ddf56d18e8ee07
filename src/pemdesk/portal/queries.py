"""Read-only questions the portal's pages ask of the read model (the laptop schema).

Figures only: records are read with the store's own methods (``visit_detail``, ``list_plots``),
rehabilitation progress with ``storage.rehab`` and limits with the catalogue, so every number
means here what it means on the desktop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pemdesk import model
from pemdesk.catalogue import Catalogue
from pemdesk.exporters.filters import LATEST, RecordFilter
from pemdesk.geo.symbology import PLOT_STAGE_COLOURS
from pemdesk.storage import Store

Filters = RecordFilter


def parse_filters(q: Any, **extra: Any) -> RecordFilter:
    """The filters of a request's query string (bad values are ignored, never an error)."""
    def text(name: str, limit: int = 64) -> str:
        return str(q.get(name) or "").strip()[:limit]

    year_text = text("year", 4)
    stage = text("stage", 20)
    return RecordFilter(aimag=text("aimag"), soum=text("soum"), site=text("site"),
                        year=int(year_text) if year_text.isdigit() else None,
                        stage=stage if stage in {s.value for s in model.PlotStage} else "",
                        date_from=_iso_date(text("from", 10)), date_to=_iso_date(text("to", 10)),
                        **extra)


def query_string(f: RecordFilter) -> str:
    from urllib.parse import urlencode

    pairs = {"aimag": f.aimag, "soum": f.soum, "site": f.site, "year": str(f.year or ""),
             "stage": f.stage, "from": f.date_from, "to": f.date_to}
    return urlencode({k: v for k, v in pairs.items() if v})


def _iso_date(text: str) -> str:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat() if text else ""
    except ValueError:
        return ""


def rows(store: Store, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cur = store.conn.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- dashboard -------------------------------------------------------------------------------
@dataclass
class Dashboard:
    visits_total: int = 0
    finished_total: int = 0
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_soum_month: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)  # age bucket -> severity -> n
    findings_open: int = 0
    over_limits: list[dict[str, Any]] = field(default_factory=list)
    hectares: list[dict[str, Any]] = field(default_factory=list)  # aimag, soum, stage -> ha
    hectares_by_stage: dict[str, float] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)


AGE_BUCKETS = (("0-30", 0, 30), ("31-90", 31, 90), ("91-365", 91, 365), ("365+", 366, 10**6))


def dashboard(store: Store, f: Filters, today: datetime | None = None) -> Dashboard:
    d = Dashboard()
    where, params = f.visit_where()
    base = f"FROM visit v JOIN site s ON s.id = v.site_id WHERE {where}"
    r = rows(store, f"SELECT count(*) AS n, sum(v.status = 'finished') AS fin {base}", params)[0]
    d.visits_total, d.finished_total = int(r["n"] or 0), int(r["fin"] or 0)
    d.by_soum_month = rows(store, "SELECT s.aimag_code AS aimag, s.soum_code AS soum, "
                           "substr(v.started_at, 1, 7) AS month, count(*) AS n "
                           f"{base} GROUP BY 1, 2, 3 ORDER BY 3, 1, 2", params)
    months: dict[str, int] = {}
    for row in d.by_soum_month:
        months[row["month"]] = months.get(row["month"], 0) + int(row["n"])
    d.by_month = sorted(months.items())
    # Open findings by age (days since the visit) and severity.
    now = (today or datetime.now(UTC)).date()
    d.findings = {b[0]: {s.value: 0 for s in model.Severity} for b in AGE_BUCKETS}
    for row in rows(store, "SELECT fi.severity AS sev, substr(v.started_at, 1, 10) AS day, "
                    "count(*) AS n FROM finding fi JOIN visit v ON v.id = fi.visit_id "
                    f"JOIN site s ON s.id = v.site_id WHERE fi._deleted = 0 AND "
                    f"fi.follow_up != 'resolved' AND {where} GROUP BY 1, 2", params):
        try:
            age = (now - datetime.fromisoformat(row["day"]).date()).days
        except ValueError:
            continue
        for name, lo, hi in AGE_BUCKETS:
            if lo <= age <= hi:
                d.findings[name][row["sev"]] = d.findings[name].get(row["sev"], 0) + int(row["n"])
                break
        d.findings_open += int(row["n"])
    d.over_limits = over_limits(store, f)
    # Rehabilitation: hectares by stage per aimag and soum (the plots' current stage).
    pwhere, pparams = f.plot_where()
    d.hectares = rows(store, "SELECT s.aimag_code AS aimag, s.soum_code AS soum, p.stage AS stage, "
                      "count(*) AS plots, coalesce(sum(p.area_ha), 0) AS ha FROM plot p "
                      f"JOIN site s ON s.id = p.site_id WHERE {pwhere} "
                      "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", pparams)
    for row in d.hectares:
        d.hectares_by_stage[row["stage"]] = d.hectares_by_stage.get(row["stage"], 0.0) + row["ha"]
    return d


def over_limits(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Per indicator with limits: how many measured values break each (as the desktop judges)."""
    catalogue = Catalogue.load()
    where, params = f.visit_where()
    out: list[dict[str, Any]] = []
    limited = [i for i in catalogue.all() if i.limits and i.is_numeric]
    if not limited:
        return out
    codes = [i.code for i in limited]
    marks = ",".join("?" for _ in codes)
    found = rows(store, "SELECT o.indicator AS code, o.value_num AS value, count(*) AS n "
                 "FROM observation o JOIN visit v ON v.id = o.visit_id JOIN site s ON s.id = "
                 f"v.site_id WHERE o._deleted = 0 AND o.value_num IS NOT NULL AND "
                 f"o.indicator IN ({marks}) AND {where} GROUP BY 1, 2", [*codes, *params])
    by_code: dict[str, list[tuple[float, int]]] = {}
    for row in found:
        by_code.setdefault(row["code"], []).append((float(row["value"]), int(row["n"])))
    for ind in limited:
        values = by_code.get(ind.code, [])
        measured = sum(n for _, n in values)
        if not measured:
            continue
        broken = sum(n for v, n in values if any(lim.is_broken_by(v) for lim in ind.limits))
        out.append({"indicator": ind, "measured": measured, "over": broken})
    return out


# --- sites and visits ------------------------------------------------------------------------
def site_list(store: Store, f: Filters, only: set[str] | None = None,
              licences: Iterable[str] | None = None) -> list[dict[str, Any]]:
    where, params = f.site_where()
    if only is not None:
        if not only:
            return []
        where += f" AND s.id IN ({','.join('?' for _ in only)})"
        params += sorted(only)
    if licences is not None:
        lic = list(licences)
        where += f" AND s.licence_no IN ({','.join('?' for _ in lic) or 'NULL'})"
        params += lic
    return rows(store, "SELECT s.id, s.name_mn, s.name_en, s.aimag_code, s.soum_code, s.licence_no, "
                "s.holder, s.mineral, s.kind, (SELECT count(*) FROM visit v WHERE v.site_id = s.id "
                f"AND v._deleted = 0 AND {LATEST}) AS visits FROM site s WHERE {where} "
                "ORDER BY s.name_mn", params)


def visit_rows(store: Store, f: Filters, *, site_id: str | None = None, finished_only: bool = False,
               limit: int = 500) -> list[dict[str, Any]]:
    where, params = f.visit_where()
    if site_id:
        where += " AND v.site_id = ?"
        params.append(site_id)
    if finished_only:
        where += " AND v.status = 'finished'"
    return rows(store, "SELECT v.id, v.site_id, v.started_at, v.status, v.purpose, v.revision, "
                "v.seal_digest, s.name_mn AS site_name, (SELECT count(*) FROM finding fi WHERE "
                "fi.visit_id = v.id AND fi._deleted = 0) AS findings, (SELECT count(*) FROM photo ph "
                "WHERE ph.visit_id = v.id AND ph._deleted = 0) AS photos FROM visit v JOIN site s "
                f"ON s.id = v.site_id WHERE {where} ORDER BY v.started_at DESC LIMIT ?",
                [*params, limit])


def open_findings(store: Store, site_id: str) -> list[dict[str, Any]]:
    return rows(store, "SELECT fi.*, v.started_at FROM finding fi JOIN visit v ON v.id = "
                "fi.visit_id WHERE v.site_id = ? AND fi._deleted = 0 AND v._deleted = 0 AND "
                "fi.follow_up != 'resolved' ORDER BY v.started_at DESC", [site_id])


def photo_pairs(store: Store, site_id: str) -> list[dict[str, Any]]:
    """Per photo point, the latest photo of each year (the repeat photography pairs)."""
    out = []
    for point in store.list_photo_points(site_id):
        by_year: dict[str, dict[str, Any]] = {}
        for r in rows(store, "SELECT ph.id, ph.sha256, ph.taken_at, ph.caption, ph.visit_id FROM "
                      "photo ph WHERE ph.photo_point_id = ? AND ph._deleted = 0 ORDER BY "
                      "ph.taken_at", [point.id]):
            by_year[(r["taken_at"] or "")[:4] or "?"] = r
        out.append({"point": point, "years": sorted(by_year.items())})
    return out


def seal_of_digest(store: Store, digest: str) -> dict[str, Any] | None:
    """The visit a seal digest belongs to: by its sealed document, else by the visit's field."""
    found = rows(store, "SELECT id AS visit_id, digest, sealed_at FROM visit_seal WHERE digest = ? "
                 "AND _deleted = 0", [digest])
    if found:
        return found[0]
    found = rows(store, "SELECT id AS visit_id, seal_digest AS digest, finished_at AS sealed_at "
                 "FROM visit WHERE seal_digest = ? AND _deleted = 0", [digest])
    return found[0] if found else None


# --- map -------------------------------------------------------------------------------------
class MapCache:
    """Plot shapes parsed once per read-model state (10,000 plots parse in about a second)."""

    def __init__(self) -> None:
        self._key: Any = None
        self._plots: list[dict[str, Any]] = []
        self._tree: Any = None
        self._lock = threading.Lock()

    def in_box(self, store: Store, bbox: tuple[float, float, float, float],
               key: Any = None) -> list[dict[str, Any]]:
        """The plots whose bounds meet the box (an STR-tree of their envelopes)."""
        from shapely.geometry import box

        plots = self.plots(store, key)
        if self._tree is None:
            return []
        return [plots[i] for i in sorted(self._tree.query(box(*bbox)))]

    def plots(self, store: Store, key: Any = None) -> list[dict[str, Any]]:
        """Every plot with its parsed shape; ``key`` (the read model's state) says when to
        parse again, else the plot table's own fingerprint."""
        from shapely import STRtree
        from shapely.geometry import box, shape

        if key is None:
            key = store.conn.execute(
                "SELECT count(*), max(updated_at), sum(_version) FROM plot").fetchone()
        with self._lock:
            if key == self._key:
                return self._plots
            out = []
            for r in rows(store, "SELECT p.id, p.site_id, p.name, p.stage, p.area_ha, p.geometry, "
                          "s.aimag_code, s.soum_code, s.name_mn AS site_name FROM plot p JOIN site s "
                          "ON s.id = p.site_id WHERE p._deleted = 0 AND s._deleted = 0"):
                geom = None
                if r["geometry"]:
                    try:
                        geom = shape(json.loads(r["geometry"]))
                    except (ValueError, TypeError, AttributeError):
                        geom = None
                if geom is None or geom.is_empty:
                    continue
                r["shape"] = geom
                r["bounds"] = geom.bounds
                r["centroid"] = geom.representative_point()
                r.pop("geometry")
                out.append(r)
            self._tree = STRtree([box(*p["bounds"]) for p in out]) if out else None
            self._plots, self._key = out, key
            return out


def tolerance(zoom: int) -> float:
    """Half a screen pixel at this zoom, in degrees (256-pixel tiles)."""
    return 360.0 / (256 * 2 ** max(0, min(zoom, 22))) / 2


def map_features(store: Store, cache: MapCache, f: Filters, bbox: tuple[float, float, float, float],
                 zoom: int, layers: set[str], only_sites: set[str] | None = None,
                 lang: str = "mn", state: Any = None) -> dict[str, Any]:
    """GeoJSON of the map's layers within ``bbox`` at ``zoom``.

    Plots: polygons simplified to half a pixel; below zoom 11 a polygon smaller than a few
    pixels is sent as its point (the map draws it as a dot in the stage colour). Visits and
    photo points only from zoom 9 (there can be 100,000 visits).
    """
    from shapely.geometry import mapping

    feats: list[dict[str, Any]] = []
    tol = tolerance(zoom)
    swhere, sparams = f.site_where()
    site_clause = ""
    if only_sites is not None:
        site_clause = f" AND s.id IN ({','.join('?' for _ in only_sites) or 'NULL'})"
        sparams = [*sparams, *sorted(only_sites)]
    if "sites" in layers:
        for r in rows(store, "SELECT s.id, s.name_mn, s.name_en, s.lon, s.lat, s.aimag_code, "
                      f"s.soum_code, s.kind FROM site s WHERE {swhere}{site_clause} AND s.lon IS "
                      "NOT NULL AND s.lon BETWEEN ? AND ? AND s.lat BETWEEN ? AND ?",
                      [*sparams, bbox[0], bbox[2], bbox[1], bbox[3]]):
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(r["lon"], 5), round(r["lat"], 5)]}, "properties": {
                "layer": "site", "id": r["id"], "name": (r["name_en"] or r["name_mn"])
                if lang == "en" else r["name_mn"], "url": f"/sites/{r['id']}"}})
    if "plots" in layers:
        allowed = None
        if only_sites is not None:
            allowed = only_sites
        digits = max(2, min(7, zoom // 2 + 1))
        for p in cache.in_box(store, bbox, state):
            if (f.aimag and p["aimag_code"] != f.aimag) or (f.soum and p["soum_code"] != f.soum) \
                    or (f.stage and p["stage"] != f.stage) or (f.site and p["site_id"] != f.site) \
                    or (allowed is not None and p["site_id"] not in allowed):
                continue
            b = p["bounds"]
            small = max(b[2] - b[0], b[3] - b[1]) < tol * 6
            if small:
                c = p["centroid"]
                geometry: dict[str, Any] = {"type": "Point", "coordinates": [round(c.x, digits),
                                                                            round(c.y, digits)]}
            else:
                geometry = _rounded(mapping(p["shape"].simplify(tol, preserve_topology=True)), digits)
            stage = p["stage"]
            feats.append({"type": "Feature", "geometry": geometry, "properties": {
                "layer": "plot", "id": p["id"], "name": p["name"], "stage": stage,
                "colour": PLOT_STAGE_COLOURS.get(model.PlotStage(stage), "#888888")
                if stage in model.PlotStage.__members__.values() else "#888888",
                "area_ha": p["area_ha"], "url": f"/sites/{p['site_id']}"}})
    if zoom >= 9 and "visits" in layers:
        where, params = f.visit_where()
        if only_sites is not None:
            where += f" AND v.site_id IN ({','.join('?' for _ in only_sites) or 'NULL'})"
            params += sorted(only_sites)
            where += " AND v.status = 'finished'"
        for r in rows(store, "SELECT v.id, v.lon, v.lat, v.started_at, v.status FROM visit v JOIN "
                      f"site s ON s.id = v.site_id WHERE {where} AND v.lon IS NOT NULL AND v.lon "
                      "BETWEEN ? AND ? AND v.lat BETWEEN ? AND ? LIMIT 5000",
                      [*params, bbox[0], bbox[2], bbox[1], bbox[3]]):
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(r["lon"], 5), round(r["lat"], 5)]}, "properties": {
                "layer": "visit", "id": r["id"], "date": r["started_at"][:10],
                "url": f"/visits/{r['id']}"}})
    if zoom >= 9 and "photo_points" in layers:
        for r in rows(store, "SELECT pp.id, pp.name, pp.lon, pp.lat, pp.site_id FROM photo_point pp "
                      f"JOIN site s ON s.id = pp.site_id WHERE pp._deleted = 0 AND {swhere}"
                      f"{site_clause} AND pp.lon BETWEEN ? AND ? AND pp.lat BETWEEN ? AND ?",
                      [*sparams, bbox[0], bbox[2], bbox[1], bbox[3]]):
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(r["lon"], 5), round(r["lat"], 5)]}, "properties": {
                "layer": "photo_point", "id": r["id"], "name": r["name"],
                "url": f"/sites/{r['site_id']}#photo-points"}})
    return {"type": "FeatureCollection", "features": feats}


def _rounded(geom: dict[str, Any], digits: int) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(x), digits) for x in c]
        return [walk(x) for x in c]

    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def last_days(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).date().isoformat()
