"""Geo queries and geo-file imports against the store (map layers, tracks, imported features).

Imports run in one transaction: a file that fails half-way leaves the store as it was. A file
already imported the same way (same content, same target) is reported as a duplicate; that local
bookkeeping lives in ``sync_meta`` under ``geo_import.<sha256>.<as>.<site>``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.ids import utc_now

if TYPE_CHECKING:
    from pemdesk.importers.common import GeoFeature, GeoFile
    from pemdesk.storage.store import Store

TARGETS = ("plots", "sites", "tracks", "points", "waypoints")


@dataclass
class ImportResult:
    path: Path
    status: str  # imported | duplicate | error
    message: str = ""
    features: int = 0  # records created
    ignored: int = 0  # features whose geometry does not fit the target
    # every item of the file that did not become a record, by reason (reader's and ours)
    skipped: dict[str, int] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)  # table -> ids


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def explode(feature: GeoFeature) -> list[GeoFeature]:
    """GeometryCollections split into one Multi* feature per kind (points, lines, polygons)."""
    from pemdesk.importers.common import GeoFeature

    g = feature.geometry
    if g["type"] != "GeometryCollection":
        return [feature]
    groups: dict[str, list[Any]] = {"Point": [], "LineString": [], "Polygon": []}
    stack = list(g.get("geometries", []))
    while stack:
        part = stack.pop(0)
        t = part["type"]
        if t == "GeometryCollection":
            stack.extend(part.get("geometries", []))
        elif t.startswith("Multi"):
            groups[t[5:]].extend(part["coordinates"])
        else:
            groups[t].append(part["coordinates"])
    out = []
    for t, coords in groups.items():
        if not coords:
            continue
        geom = (
            {"type": t, "coordinates": coords[0]}
            if len(coords) == 1
            else {"type": f"Multi{t}", "coordinates": coords}
        )
        out.append(
            GeoFeature(
                geom,
                feature.name,
                feature.properties,
                feature.folder,
                feature.started_at,
                feature.ended_at,
            )
        )
    return out


def default_target(feature: GeoFeature, site_id: str | None) -> str | None:
    kind = feature.kind
    if kind == "line":
        return "tracks"
    if kind == "polygon":
        return "plots" if site_id else "sites"
    if kind == "point":
        # a GPS file's points are field points (waypoints layer), attachable later; a point
        # that carries a viewing direction, given a site, is a photo point
        if site_id and _bearing_of(feature.properties) is not None:
            return "points"
        return "waypoints"
    return None


def _fits(kind: str, target: str) -> bool:
    return (target, kind) in {
        ("plots", "polygon"),
        ("sites", "polygon"),
        ("sites", "point"),
        ("tracks", "line"),
        ("points", "point"),
        ("waypoints", "point"),
    }


def _feature_error(
    geofile: GeoFile, n: int, feature: GeoFeature, exc: InvalidInput
) -> InvalidInput:
    label = f"«{feature.name}»" if feature.name else f"#{n}"
    return InvalidInput(
        f"{geofile.path.name}, {label}: {exc.mn}",
        f"{geofile.path.name}, feature {label}: {exc.en}",
        detail=exc.detail,
    )


def _site_from(feature: GeoFeature, name: str) -> model.Site:
    from shapely.geometry import shape

    from pemdesk.gazetteer import Gazetteer

    geom = shape(feature.geometry)
    point = geom.representative_point() if feature.kind == "polygon" else geom.centroid
    soum = Gazetteer.load().locate(point.x, point.y)
    if soum is None:
        raise InvalidInput(
            "Монгол Улсын нутаг дэвсгэрээс гадуур байна; объект болгож оруулах боломжгүй.",
            "it lies outside Mongolia, so it cannot become a site.",
            detail=f"{point.x:.5f}, {point.y:.5f}",
        )
    props = feature.properties
    return model.Site(
        name_mn=name,
        aimag_code=soum.aimag_code,
        soum_code=soum.code,
        kind=model.SiteKind.LICENCE_AREA if feature.kind == "polygon" else model.SiteKind.OTHER,
        licence_no=str(props.get("licence_no") or props.get("licence") or ""),
        holder=str(props.get("holder") or ""),
        lon=round(point.x, 7),
        lat=round(point.y, 7),
        boundary=feature.geometry if feature.kind == "polygon" else None,
    )


def _stage_of(props: dict[str, Any]) -> model.PlotStage:
    value = str(props.get("stage") or "").strip().lower()
    try:
        return model.PlotStage(value)
    except ValueError:
        return model.PlotStage.DISTURBED


def _bearing_of(props: dict[str, Any]) -> float | None:
    for key in ("bearing", "direction", "azimuth", "course"):
        try:
            if props.get(key) not in (None, ""):
                return float(props[key]) % 360
        except (TypeError, ValueError):
            pass
    return None


def import_geofile(
    store: Store,
    geofile: GeoFile,
    as_: str | None = None,
    site_id: str | None = None,
    *,
    selection: Sequence[int] | None = None,
    targets: dict[int, str] | None = None,
    check_duplicate: bool = True,
) -> ImportResult:
    """Create records from a read file, all or nothing.

    ``as_`` forces one target for every feature (features of another geometry are ignored and
    counted); otherwise polygons become plots (or sites without ``site_id``), lines tracks and
    points waypoints (field points, attached to ``site_id`` when given). ``selection``/``targets`` (by feature index) come from
    the GUI preview.
    """
    if as_ is not None and as_ not in TARGETS:
        raise ValueError(as_)
    if site_id is not None:
        store.get(model.Site, site_id)  # NotFound with a clear sentence
    sha = file_sha256(geofile.path) if geofile.path.is_file() else ""
    meta_key = f"geo_import.{sha}.{as_ or 'auto'}.{site_id or '-'}"
    result = ImportResult(path=geofile.path, status="imported")
    result.skipped.update(geofile.skipped_by_reason())
    if check_duplicate and sha and store.meta(meta_key):
        result.status = "duplicate"
        result.message = "already imported"
        return result
    stem = geofile.path.stem
    chosen = set(range(len(geofile.features))) if selection is None else set(selection)
    with store.atomic():
        for n, feature in enumerate(geofile.features):
            if n not in chosen:
                result.skipped["not selected"] = result.skipped.get("not selected", 0) + 1
                continue
            target = (targets or {}).get(n) or as_
            for part in explode(feature):
                t = target or default_target(part, site_id)
                if t is None or not _fits(part.kind, t):
                    result.ignored += 1
                    reason = f"{part.kind} cannot become {t or 'a record'}"
                    result.skipped[reason] = result.skipped.get(reason, 0) + 1
                    continue
                name = part.name or f"{stem} {n + 1}"
                try:
                    ids = _create(store, part, t, name, site_id, geofile)
                except InvalidInput as exc:
                    raise _feature_error(geofile, n + 1, part, exc) from exc
                result.created.setdefault(t, []).extend(ids)
                result.features += len(ids)
        if result.features == 0:
            raise InvalidInput(
                f"{geofile.path.name}: оруулах зүйл алга ({_counts_text(geofile, 'mn')}). "
                "Өөр төрлөөр оруулахын тулд --as-ийг заана уу.",
                f"{geofile.path.name}: nothing to import ({_counts_text(geofile, 'en')}). "
                "Say --as to import it as something else.",
                detail=f"as={as_ or 'auto'} site={site_id or '-'}",
            )
        if sha:
            store.set_meta(meta_key, json.dumps({"at": utc_now(), "created": result.created}))
    return result


_KINDS = {
    "polygon": ("олон өнцөгт", "polygons"),
    "line": ("шугам", "lines"),
    "point": ("цэг", "points"),
    "collection": ("цуглуулга", "collections"),
}


def _counts_text(geofile: GeoFile, lang: str) -> str:
    i = 0 if lang == "mn" else 1
    counts = geofile.counts()
    parts = [f"{_KINDS.get(k, (k, k))[i]}: {v}" for k, v in sorted(counts.items())]
    for reason, n in geofile.skipped_by_reason().items():
        parts.append(f"{skip_reason_text(reason, lang)}: {n}")
    return ", ".join(parts) or "0"


_SKIP_REASONS_MN = {
    "no usable geometry": "ашиглах геометргүй",
    "feature without geometry": "геометргүй объект",
    "geometry that cannot be read": "уншигдахгүй геометр",
    "track with fewer than 2 points": "2-оос цөөн цэгтэй зам",
    "route with fewer than 2 points": "2-оос цөөн цэгтэй маршрут",
    "not selected": "сонгоогүй",
}


def skip_reason_text(reason: str, lang: str) -> str:
    """A skip reason (kept in English in results and JSON) in the user's language."""
    if lang != "mn":
        return reason
    if reason in _SKIP_REASONS_MN:
        return _SKIP_REASONS_MN[reason]
    kind, sep, target = reason.partition(" cannot become ")
    if sep:
        return f"{_KINDS.get(kind, (kind, kind))[0]} → {target}: тохирохгүй"
    return reason


def _create(
    store: Store, f: GeoFeature, target: str, name: str, site_id: str | None, geofile: GeoFile
) -> list[str]:
    if target in ("plots", "points") and not site_id:
        raise InvalidInput(
            "талбай ба зургийн цэгийг аль объектод хамаарахыг заана уу (--site).",
            "say which site the plots or photo points belong to (--site).",
        )
    if target == "plots":
        assert site_id is not None
        plot = model.Plot(
            site_id=site_id,
            name=name,
            stage=_stage_of(f.properties),
            geometry=f.geometry,
            notes=str(f.properties.get("notes") or ""),
        )
        store.save(plot)
        return [plot.id]
    if target == "sites":
        site = _site_from(f, name)
        store.save(site)
        return [site.id]
    if target == "tracks":
        track = model.Track(
            name=name,
            geometry=f.geometry,
            site_id=site_id,
            started_at=f.started_at,
            ended_at=f.ended_at,
            source_file=geofile.path.name,
        )
        store.save(track)
        return [track.id]
    coords = (
        [f.geometry["coordinates"]] if f.geometry["type"] == "Point" else f.geometry["coordinates"]
    )
    if target == "waypoints":
        return _waypoints(store, f, coords, name, site_id, geofile)
    assert site_id is not None
    ids = []
    for i, (lon, lat) in enumerate(coords, 1):
        pp = model.PhotoPoint(
            site_id=site_id,
            name=name if len(coords) == 1 else f"{name} {i}",
            lon=lon,
            lat=lat,
            bearing=_bearing_of(f.properties),
            notes=str(f.properties.get("description") or ""),
        )
        store.save(pp)
        ids.append(pp.id)
    return ids


def _waypoints(
    store: Store,
    f: GeoFeature,
    coords: list[list[float]],
    name: str,
    site_id: str | None,
    geofile: GeoFile,
) -> list[str]:
    props = f.properties
    ele: Any = props.get("ele", props.get("elevation"))
    try:
        ele_m = float(ele) if ele not in (None, "") else None
    except (TypeError, ValueError):
        ele_m = None
    when = props.get("time") or props.get("timestamp") or props.get("when")
    ids = []
    for i, (lon, lat) in enumerate(coords, 1):
        wp = model.Waypoint(
            name=name if len(coords) == 1 else f"{name} {i}",
            lon=lon,
            lat=lat,
            ele=ele_m,
            recorded_at=str(when) if when else None,
            description=str(props.get("description") or props.get("desc") or ""),
            symbol=str(props.get("symbol") or props.get("sym") or ""),
            source_file=geofile.path.name,
            site_id=site_id,
        )
        store.save(wp)
        ids.append(wp.id)
    return ids


def list_waypoints(store: Store, site_id: str | None = None) -> list[model.Waypoint]:
    from pemdesk.storage.records import from_row

    where, params = ("AND site_id = ?", [site_id]) if site_id else ("", [])
    rows = _rows(
        store,
        f"SELECT * FROM waypoint WHERE _deleted = 0 {where} ORDER BY recorded_at, name",
        params,
    )
    return [from_row(model.Waypoint, r) for r in rows]


ATTACH_TO = {"site": "site_id", "visit": "visit_id", "photo_point": "photo_point_id",
             "observation": "observation_id"}


def attach_waypoint(store: Store, waypoint_id: str, kind: str, target_id: str | None) -> None:
    """Attach a field point to a site, visit, photo point or observation (None detaches)."""
    column = ATTACH_TO[kind]
    wp = store.get(model.Waypoint, waypoint_id)
    setattr(wp, column, target_id)
    store.save(wp)


# --- queries for the map and exports ---------------------------------------------------------
def _rows(store: Store, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return store._query(sql, list(params))


def list_tracks(store: Store, site_id: str | None = None) -> list[model.Track]:
    from pemdesk.storage.records import from_row

    where, params = ("AND site_id = ?", [site_id]) if site_id else ("", [])
    rows = _rows(
        store, f"SELECT * FROM track WHERE _deleted = 0 {where} ORDER BY started_at, name", params
    )
    return [from_row(model.Track, r) for r in rows]


@dataclass
class MapData:
    """Everything the map draws, as plain rows (geometry already parsed)."""

    sites: list[dict[str, Any]] = field(default_factory=list)
    plots: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    photo_points: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    waypoints: list[dict[str, Any]] = field(default_factory=list)


def _parsed(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    for r in rows:
        if r.get(column):
            r[column] = json.loads(r[column])
    return rows


def map_data(store: Store, site_id: str | None = None) -> MapData:
    """Rows for the map layers; with ``site_id`` only that site's."""
    site_where = "AND id = ?" if site_id else ""
    child_where = "AND site_id = ?" if site_id else ""
    p = [site_id] if site_id else []
    return MapData(
        sites=_parsed(
            _rows(
                store,
                "SELECT id, name_mn, name_en, kind, aimag_code, soum_code, "
                "licence_no, lon, lat, boundary FROM site WHERE _deleted = 0 "
                f"{site_where}",
                p,
            ),
            "boundary",
        ),
        plots=_parsed(
            _rows(
                store,
                "SELECT id, site_id, name, stage, geometry, area_ha FROM plot "
                f"WHERE _deleted = 0 AND geometry IS NOT NULL {child_where}",
                p,
            ),
            "geometry",
        ),
        visits=_rows(
            store,
            "SELECT v.id, v.site_id, v.lon, v.lat, v.status, v.started_at FROM "
            "visit v WHERE v._deleted = 0 AND v.lon IS NOT NULL AND NOT EXISTS (SELECT 1 "
            "FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0) "
            f"{'AND v.site_id = ?' if site_id else ''}",
            p,
        ),
        photo_points=_rows(
            store,
            "SELECT id, site_id, name, lon, lat, bearing FROM photo_point "
            f"WHERE _deleted = 0 {child_where}",
            p,
        ),
        photos=_rows(
            store,
            "SELECT ph.id, ph.visit_id, ph.lon, ph.lat, ph.bearing, ph.taken_at "
            "FROM photo ph LEFT JOIN visit v ON v.id = ph.visit_id WHERE ph._deleted = 0 "
            f"AND ph.lon IS NOT NULL {'AND v.site_id = ?' if site_id else ''}",
            p,
        ),
        tracks=_parsed(
            _rows(
                store,
                "SELECT id, name, site_id, visit_id, geometry, started_at "
                f"FROM track WHERE _deleted = 0 {child_where}",
                p,
            ),
            "geometry",
        ),
        waypoints=_rows(
            store,
            "SELECT id, name, site_id, visit_id, lon, lat, ele, recorded_at, symbol, description "
            f"FROM waypoint WHERE _deleted = 0 {child_where}",
            p,
        ),
    )


def plot_visits(store: Store, plot_id: str) -> list[model.Visit]:
    """Visits that covered a plot, newest first."""
    from pemdesk.storage.records import from_row

    rows = _rows(
        store,
        "SELECT v.* FROM visit v JOIN visit_plot vp ON vp.visit_id = v.id "
        "WHERE vp.plot_id = ? AND vp._deleted = 0 AND v._deleted = 0 "
        "ORDER BY v.started_at DESC",
        [plot_id],
    )
    return [from_row(model.Visit, r) for r in rows]
