"""Storage of rehabilitation evidence: targets, stage history, acceptance acts, photo cover.

Every write goes through ``Store.save`` inside one transaction, so the capture triggers put it
into the outbox like any other record. A plot's ``stage`` column is kept equal to the stage its
history derives, in the same transaction as the history change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pemdesk import model
from pemdesk.errors import InvalidInput
from pemdesk.ids import new_id, utc_now
from pemdesk.progress import Progress
from pemdesk.rehab import stages as st
from pemdesk.rehab import targets as tg
from pemdesk.rehab.records import Acceptance, PhotoCover, RehabTarget, StageChange
from pemdesk.storage.records import from_row

if TYPE_CHECKING:
    from pemdesk.rehab.cover import CoverParams
    from pemdesk.storage.store import Store

MASK_FOLDER = "cover_masks"


# --- stage history ---------------------------------------------------------------------------
def history(store: Store, plot_id: str) -> list[StageChange]:
    """The plot's stage changes, oldest first (same-day changes in recording order)."""
    rows = store._query(
        "SELECT * FROM plot_stage_change WHERE plot_id = ? AND _deleted = 0 "
        "ORDER BY changed_on, created_at, id",
        [plot_id],
    )
    return [from_row(StageChange, r) for r in rows]


def all_changes(store: Store, plot_ids: Iterable[str] | None = None) -> list[StageChange]:
    rows = store._query(
        "SELECT * FROM plot_stage_change WHERE _deleted = 0 ORDER BY changed_on, created_at, id"
    )
    wanted = set(plot_ids) if plot_ids is not None else None
    return [from_row(StageChange, r) for r in rows if wanted is None or r["plot_id"] in wanted]


def record_stage_change(store: Store, change: StageChange) -> StageChange:
    """Add a dated stage change (validated against the history) and update the plot's stage."""
    with store.atomic():
        plot = store.get(model.Plot, change.plot_id)
        if change.visit_id is not None:
            store._require(model.Visit, change.visit_id)
        if change.person_id is not None:
            store._require(model.Person, change.person_id)
        for photo_id in change.photo_ids:
            store._require(model.Photo, photo_id)
        past = history(store, plot.id)
        st.check_change(past, change)
        store.save(change)
        _sync_plot_stage(store, plot, [*past, change])
    return change


def delete_stage_change(store: Store, change_id: str) -> None:
    """Remove a change recorded by mistake (a tombstone, synced); the stage is derived again."""
    with store.atomic():
        change = store.get(StageChange, change_id)
        if len(history(store, change.plot_id)) <= 1:
            raise InvalidInput(
                "Талбайн түүхийн цорын ганц бичлэгийг устгах боломжгүй.",
                "The only record of a plot's history cannot be removed.",
            )
        store.delete(StageChange, change_id)
        plot = store.get(model.Plot, change.plot_id)
        _sync_plot_stage(store, plot, history(store, plot.id))


def _sync_plot_stage(store: Store, plot: model.Plot, changes: list[StageChange]) -> None:
    stage = st.current_stage(changes)
    if stage is None:
        return
    updates: dict[str, Any] = {}
    if plot.stage != stage:
        updates["stage"] = str(stage)
    # The plot's stage dates follow the history (first date each stage was reached).
    for s in model.PlotStage:
        column = f"{s.value}_on"
        first = next((c.changed_on for c in st.ordered(changes) if c.to_stage == s), None)
        if first and getattr(plot, column) != first:
            updates[column] = first
    if updates:
        updates["updated_at"] = utc_now()
        sets = ", ".join(f'"{k}" = ?' for k in updates)
        store.conn.execute(f"UPDATE plot SET {sets} WHERE id = ?", [*updates.values(), plot.id])


@dataclass
class PlotRow:
    """A plot with where it is, for the arithmetic over many plots."""

    plot: model.Plot
    aimag_code: str
    soum_code: str
    site_name: str
    history: st.PlotHistory


def plot_rows(
    store: Store,
    aimag_code: str | None = None,
    soum_code: str | None = None,
    site_id: str | None = None,
) -> list[PlotRow]:
    clauses, params = ["p._deleted = 0", "s._deleted = 0"], []
    for column, value in (
        ("s.aimag_code", aimag_code),
        ("s.soum_code", soum_code),
        ("s.id", site_id),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    rows = store._query(
        "SELECT p.*, s.aimag_code AS _aimag, s.soum_code AS _soum, s.name_mn AS _site "
        f"FROM plot p JOIN site s ON s.id = p.site_id WHERE {' AND '.join(clauses)} "
        "ORDER BY s.name_mn, p.name",
        params,
    )
    plots = [from_row(model.Plot, r) for r in rows]
    changes = all_changes(store, [p.id for p in plots])
    by_plot: dict[str, list[StageChange]] = {p.id: [] for p in plots}
    for c in changes:
        by_plot[c.plot_id].append(c)
    out = []
    for plot, row in zip(plots, rows, strict=True):
        cs = by_plot[plot.id] or _implied(plot)
        out.append(
            PlotRow(
                plot,
                row["_aimag"],
                row["_soum"],
                row["_site"],
                st.PlotHistory(plot.id, plot.area_ha or 0.0, tuple(cs)),
            )
        )
    return out


def _implied(plot: model.Plot) -> list[StageChange]:
    """A history for a plot that has none stored (e.g. made with change capture off): its stage
    dates, as the migration would have recorded them."""
    out: list[StageChange] = []
    reached = list(model.PlotStage).index(model.PlotStage(plot.stage))
    previous: model.PlotStage | None = None
    for i, stage in enumerate(list(model.PlotStage)[: reached + 1]):
        on = getattr(plot, f"{stage.value}_on")
        if not on and i < reached:
            continue
        out.append(
            StageChange(
                plot.id, stage, (on or "1970-01-01")[:10], previous, id=f"{plot.id}:{stage.value}"
            )
        )
        previous = stage
    return out


# --- targets ---------------------------------------------------------------------------------
def list_targets(
    store: Store, year: int | None = None, *, builtin: bool = True
) -> list[RehabTarget]:
    """Targets in the store, plus the shipped ones not imported yet (``builtin``)."""
    rows = store._query(
        "SELECT * FROM rehab_target WHERE _deleted = 0 ORDER BY year, level, aimag_code, soum_code"
    )
    out = [from_row(RehabTarget, r) for r in rows]
    if builtin:
        have = {tg.target_key(t) for t in out}
        out += [replace(t) for t in tg.builtin_targets() if tg.target_key(t) not in have]
    if year is not None:
        out = [t for t in out if t.year == year]
    return sorted(out, key=lambda t: (t.year, str(t.level), t.aimag_code or "", t.soum_code or ""))


@dataclass
class ImportResult:
    added: int
    updated: int
    unchanged: int


def import_targets(store: Store, targets: list[RehabTarget]) -> ImportResult:
    """Add or update targets (same level, place, year, stage and name = the same target), in one
    transaction."""
    result = ImportResult(0, 0, 0)
    with store.atomic():
        existing = {tg.target_key(t): t for t in list_targets(store, builtin=False)}
        for t in targets:
            old = existing.get(tg.target_key(t))
            if old is None:
                store.save(t)
                result.added += 1
                continue
            t.id = old.id
            if t == old:
                result.unchanged += 1
            else:
                store.save(t)
                result.updated += 1
    return result


def import_targets_file(store: Store, path: Path | str) -> ImportResult:
    return import_targets(store, tg.read_targets(Path(path)))


def save_target(store: Store, target: RehabTarget) -> RehabTarget:
    """One target from the coordinators' editor (validated like an imported row)."""
    if not target.area_ha or target.area_ha <= 0 or target.area_ha > tg.MAX_AREA_HA:
        raise InvalidInput("Талбай (га) 0-ээс их байх ёстой.", "The hectares must be above 0.")
    if target.level == "aimag" and not target.aimag_code:
        raise InvalidInput("Аймгийн зорилтод аймгийг сонгоно уу.", "Choose the aimag of an aimag target.")
    if target.level == "soum" and not target.soum_code:
        raise InvalidInput("Сумын зорилтод сумыг сонгоно уу.", "Choose the soum of a soum target.")
    if not 1990 <= target.year <= 2100:
        raise InvalidInput("Он 1990–2100 хооронд байна.", "The year must be 1990–2100.")
    if target.id.startswith("builtin-"):
        target = replace(target, id=new_id())
    with store.atomic():
        store.save(target)
    return target


def target_progress(
    store: Store,
    year: int | None = None,
    aimag_code: str | None = None,
    soum_code: str | None = None,
) -> list[tg.TargetProgress]:
    """Targets (of the year; in the aimag/soum: those of its scope and the national ones)
    against the hectares of the plots in their scope."""
    targets = list_targets(store, year)
    if aimag_code:
        targets = [t for t in targets if t.level == "national" or t.aimag_code == aimag_code]
    if soum_code:
        targets = [t for t in targets if t.level != "soum" or t.soum_code == soum_code]
    rows = plot_rows(store)
    return tg.progress(targets, [(r.aimag_code, r.soum_code, r.history) for r in rows])


# --- acceptance ------------------------------------------------------------------------------
def save_acceptance(store: Store, act: Acceptance, *, apply_stage: bool = True) -> Acceptance:
    """Save an acceptance act; an accepted act also records the stage it leads to."""
    from pemdesk.rehab.acceptance import check_acceptance, stage_after

    with store.atomic():
        store._require(model.Plot, act.plot_id)
        store._require(model.Visit, act.visit_id)
        check_acceptance(act)
        store.save(act)
        target = stage_after(act)
        if apply_stage and target is not None:
            past = history(store, act.plot_id)
            if st.stage_at(past, act.accepted_on) != target:
                record_stage_change(
                    store,
                    StageChange(
                        act.plot_id,
                        target,
                        act.accepted_on,
                        visit_id=act.visit_id,
                        note=f"acceptance {act.act_no or act.id}",
                    ),
                )
    return act


def acceptances(store: Store, plot_id: str | None = None) -> list[Acceptance]:
    where, params = ("AND plot_id = ?", [plot_id]) if plot_id else ("", [])
    rows = store._query(
        f"SELECT * FROM plot_acceptance WHERE _deleted = 0 {where} ORDER BY accepted_on, id", params
    )
    return [from_row(Acceptance, r) for r in rows]


# --- vegetation cover ------------------------------------------------------------------------
def cover_of(store: Store, photo_id: str) -> PhotoCover | None:
    rows = store._query(
        # Two laptops may each have measured the photo: a record a person corrected wins.
        "SELECT * FROM photo_cover WHERE photo_id = ? AND _deleted = 0 "
        "ORDER BY manual_pct IS NOT NULL DESC, updated_at DESC, id DESC LIMIT 1",
        [photo_id],
    )
    return from_row(PhotoCover, rows[0]) if rows else None


def mask_path(store: Store, cover: PhotoCover) -> Path | None:
    if not cover.mask_sha256:
        return None
    path = store.data_dir / MASK_FOLDER / f"{cover.mask_sha256}.png"
    return path if path.is_file() else None


def ensure_mask(store: Store, cover: PhotoCover) -> Path | None:
    """The cover's mask file, recomputed from the photo when it is not on this computer (masks
    do not sync; the record's values are left as they are)."""
    from pemdesk.rehab import cover as cv

    path = mask_path(store, cover)
    if path is not None:
        return path
    photo = store.get(model.Photo, cover.photo_id)
    source = photo_source(store, photo)
    if source is None:
        return None
    params = cv.CoverParams(**{k: v for k, v in cover.params.items()
                               if k in ("p1", "p2", "p3", "max_pixels")})
    result = cv.cover_of_file(source[0], source[1], params)
    path, _sha = cv.save_mask(result.mask, store.data_dir / MASK_FOLDER)
    return path


def photo_source(store: Store, photo: model.Photo) -> tuple[Path, int] | None:
    """The photo's original (best) or its upright preview, with the orientation to apply."""
    from pemdesk.photos.files import PhotoFiles

    files = PhotoFiles(store.data_dir)
    original = files.original_path(photo.sha256)
    if original.is_file():
        return original, photo.orientation or 1
    preview = files.preview_path(photo.sha256)
    if preview.is_file():
        return preview, 1
    return None


def measure_cover(store: Store, photo_id: str, params: CoverParams | None = None) -> PhotoCover:
    """Compute the photo's cover, save the mask, keep any manual correction already made."""
    from pemdesk.rehab import cover as cv

    photo = store.get(model.Photo, photo_id)
    source = photo_source(store, photo)
    if source is None:
        raise InvalidInput(
            "Энэ зургийн файл энэ компьютерт алга (синк хийгдээгүй байж магадгүй).",
            "This photo's file is not on this computer (it may not have synced yet).",
            detail=photo_id,
        )
    result = cv.cover_of_file(source[0], source[1], params)
    return save_cover_result(store, photo_id, result)


def save_cover_result(store: Store, photo_id: str, result: Any) -> PhotoCover:
    from pemdesk.rehab import cover as cv

    _path, sha = cv.save_mask(result.mask, store.data_dir / MASK_FOLDER)
    with store.atomic():
        existing = cover_of(store, photo_id)
        record = existing or PhotoCover(photo_id=photo_id, method=cv.METHOD, cover_pct=0.0)
        record.method = cv.METHOD
        record.cover_pct = result.cover_pct
        record.params = result.params.as_dict()
        record.mask_sha256 = sha
        record.sample_width, record.sample_height = result.width, result.height
        store.save(record)
    return record


def measure_many(
    store: Store,
    photo_ids: list[str],
    progress: Progress | None = None,
    params: CoverParams | None = None,
) -> list[tuple[str, PhotoCover | InvalidInput]]:
    """Cover of many photos, each saved as it is done (a cancel keeps the finished ones)."""
    progress = progress or Progress()
    progress.update(done=0, total=len(photo_ids))
    out: list[tuple[str, PhotoCover | InvalidInput]] = []
    for photo_id in photo_ids:
        progress.check()
        try:
            out.append((photo_id, measure_cover(store, photo_id, params)))
        except InvalidInput as exc:
            out.append((photo_id, exc))
        progress.step()
    return out


def correct_cover(
    store: Store, photo_id: str, manual_pct: float | None, note: str = "", by: str = ""
) -> PhotoCover:
    """A person's correction of a photo's cover, kept beside the computed value (None clears)."""
    if manual_pct is not None and not 0 <= manual_pct <= 100:
        raise InvalidInput("Бүрхэвч 0–100 % хооронд байна.", "Cover must be between 0 and 100 %.")
    with store.atomic():
        record = cover_of(store, photo_id)
        if record is None:
            raise InvalidInput(
                "Эхлээд бүрхэвчийг тооцоолно уу.", "Measure the cover first, then correct it."
            )
        record.manual_pct = manual_pct
        record.manual_note = note
        record.manual_by = by
        store.save(record)
    return record


def site_visit_photos(store: Store, site_id: str) -> list[model.Photo]:
    """Photos of the site's latest visit revisions in one query: visits newest first, each
    visit's photos by time (what ``visit_detail(v).photos`` over ``list_visits`` gives, without
    a query per visit: a site with 1,000 visits made the rehabilitation tab hold the database
    thread for 150 ms at every site chosen)."""
    rows = store._query(
        "SELECT p.* FROM photo p JOIN visit v ON v.id = p.visit_id "
        "WHERE p._deleted = 0 AND v._deleted = 0 AND v.site_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0) "
        "ORDER BY v.started_at DESC, v.id DESC, p.taken_at, p.id",
        [site_id],
    )
    return [from_row(model.Photo, r) for r in rows]


@dataclass
class CoverPoint:
    photo: model.Photo
    cover: PhotoCover
    photo_point_id: str | None
    plot_id: str | None


def cover_series(
    store: Store,
    site_id: str | None = None,
    plot_id: str | None = None,
    photo_point_id: str | None = None,
) -> list[CoverPoint]:
    """Measured photos with their photo point and plot, oldest first (the cover trends)."""
    clauses, params = ["c._deleted = 0", "p._deleted = 0"], []
    if site_id:
        clauses.append("pp.site_id = ?")
        params.append(site_id)
    if plot_id:
        clauses.append("pp.plot_id = ?")
        params.append(plot_id)
    if photo_point_id:
        clauses.append("pp.id = ?")
        params.append(photo_point_id)
    rows = store._query(
        "SELECT c.id AS _cover_id, p.*, pp.plot_id AS _plot FROM photo_cover c "
        "JOIN photo p ON p.id = c.photo_id JOIN photo_point pp ON pp.id = p.photo_point_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY coalesce(p.taken_at, p.created_at), p.id",
        params,
    )
    out = []
    for r in rows:
        photo = from_row(model.Photo, r)
        cover = cover_of(store, photo.id)
        if cover is not None:
            out.append(CoverPoint(photo, cover, photo.photo_point_id, r["_plot"]))
    return out


# --- the map at a date -----------------------------------------------------------------------
def map_data_as_of(store: Store, data: Any, as_of: str) -> Any:
    """The map's rows as they were on ``as_of`` (YYYY-MM-DD): each plot at the stage its history
    gives for that day (plots not yet recorded are left out), visits and photos made later left
    out. ``data`` is a ``storage.geo.MapData``; a new one is returned."""
    from dataclasses import replace as copy

    day = as_of[:10]
    changes: dict[str, list[StageChange]] = {}
    for change in all_changes(store):
        changes.setdefault(change.plot_id, []).append(change)
    plots = []
    for row in data.plots:
        cs = changes.get(row["id"])
        if not cs:  # no stored history: the one its stage dates imply
            cs = _implied(store.get(model.Plot, row["id"]))
        stage = st.stage_at(cs, day)
        if stage is not None:
            plots.append({**row, "stage": str(stage)})
    visits = [v for v in data.visits if (v.get("started_at") or "")[:10] <= day]
    photos = [p for p in data.photos if not p.get("taken_at") or p["taken_at"][:10] <= day]
    return copy(data, plots=plots, visits=visits, photos=photos)


def history_span(store: Store) -> tuple[str, str] | None:
    """The first and last dates of any stage history (for the map's time slider)."""
    rows = store._query(
        "SELECT min(changed_on) AS lo, max(changed_on) AS hi FROM plot_stage_change "
        "WHERE _deleted = 0"
    )
    lo = rows[0]["lo"] if rows else None
    lo = lo or min((c.changed_on for r in plot_rows(store) for c in r.history.changes),
                   default=None)
    if lo is None:
        return None
    return lo[:10], max(rows[0]["hi"] or lo, utc_now()[:10])[:10]


# --- biological indicators per plot ----------------------------------------------------------
BIOLOGICAL = ("veg.cover_pct", "veg.cover_photo_pct", "veg.species_count", "veg.height")


def plot_indicators(store: Store, plot_id: str) -> dict[str, dict[str, float]]:
    """Biological indicators of a plot by date: observations typed on visits that include the
    plot (their latest revisions; the mean when several on a day) and the mean photo cover of the
    plot's photo points (``veg.cover_photo_pct``). {date: {indicator: value}}."""
    rows = store._query(
        "SELECT substr(v.started_at, 1, 10) AS day, o.indicator, avg(o.value_num) AS value "
        "FROM observation o JOIN visit v ON v.id = o.visit_id "
        "JOIN visit_plot vp ON vp.visit_id = v.id AND vp._deleted = 0 "
        "WHERE vp.plot_id = ? AND o._deleted = 0 AND v._deleted = 0 AND o.value_num IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM visit n WHERE n.supersedes = v.id AND n._deleted = 0) "
        f"AND o.indicator IN ({', '.join('?' for _ in BIOLOGICAL)}) GROUP BY day, o.indicator",
        [plot_id, *BIOLOGICAL],
    )
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        out.setdefault(r["day"], {})[r["indicator"]] = float(r["value"])
    photo: dict[str, list[float]] = {}
    for cp in cover_series(store, plot_id=plot_id):
        if cp.photo.taken_at:
            photo.setdefault(cp.photo.taken_at[:10], []).append(cp.cover.value)
    for day, values in photo.items():
        out.setdefault(day, {})["veg.cover_photo_pct"] = sum(values) / len(values)
    return dict(sorted(out.items()))
