"""Rehabilitation evidence for the demo data (called by ``demo.load_demo`` inside its
capture-suppressed transaction, so none of it reaches a server).

Every demo plot gets the stage history its stage dates imply; plots that moved on get a visit
and a person on the change; each Ömnögovi site with a plot past technical rehabilitation gets a photo
point with a repeat photo per year (generated ground with plants whose cover grows), measured by
the Canopeo method; handed-over plots get their acceptance act; Ömnögovi gets demo aimag targets.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence

import numpy as np

from pemdesk import model
from pemdesk.rehab.records import (
    Acceptance,
    AcceptanceKind,
    Decision,
    RehabTarget,
    TargetBasis,
    TargetLevel,
)
from pemdesk.storage import Store

MARK = "ЖИШЭЭ / DEMO"
YEARS = (2024, 2025, 2026)


def ground_photo(seed: int, cover: float, size: tuple[int, int] = (600, 800)) -> np.ndarray:
    """A photo of the ground looking down: soil with clumps of plants covering ``cover``."""
    rng = np.random.default_rng(seed)
    h, w = size
    field = rng.normal(size=(h // 24 + 2, w // 24 + 2))
    from PIL import Image

    smooth = np.asarray(Image.fromarray(field.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BICUBIC))
    smooth = smooth + 0.25 * rng.normal(size=(h, w))
    canopy = smooth > np.quantile(smooth, 1 - cover) if cover > 0 else np.zeros((h, w), bool)
    soil = np.array((176, 150, 118), np.float32) * rng.uniform(0.85, 1.1, (h, w, 1))
    pebbles = rng.random((h, w)) > 0.985
    soil[pebbles] = (120, 112, 104)
    green = np.array((78, 128, 48), np.float32) * rng.uniform(0.75, 1.25, (h, w, 1))
    img = np.where(canopy[..., None], green, soil)
    img += rng.normal(0, 5, (h, w, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def add_rehab_demo(store: Store, new_id: Callable[[], str], people: Sequence[model.Person]) -> None:
    from pemdesk.gazetteer import Gazetteer
    from pemdesk.storage import rehab as rs

    rng = random.Random(15)
    omnogovi = Gazetteer.load().find_aimag("Өмнөговь").code
    monitors = [p for p in people if p.role == model.PersonRole.MONITOR] or list(people)
    sites = [s for s in store.list_sites() if s.is_demo]
    for site_index, site in enumerate(sites):
        plots = store.list_plots(site_id=site.id)
        visits = sorted(
            (store.get(model.Visit, v.id) for v in store.list_visits()
             if v.site_id == site.id), key=lambda v: v.started_at)
        for plot in plots:
            for change in rs._implied(plot):
                on = change.changed_on
                visit = next((v for v in visits if v.started_at[:10] >= on), None)
                if change.from_stage is not None and visit is not None:
                    change.visit_id = visit.id
                    change.person_id = visit.created_by
                    change.recorded_by = next(
                        (p.name for p in people if p.id == visit.created_by), "")
                change.note = MARK
                store.save(change)
            if plot.stage == model.PlotStage.HANDED_OVER and plot.handed_over_on:
                members = [{"name": p.name, "role": str(p.role), "organisation": p.organisation}
                           for p in rng.sample(list(people), 4)]
                store.save(Acceptance(
                    plot_id=plot.id, kind=AcceptanceKind.BIOLOGICAL,
                    accepted_on=plot.handed_over_on, decision=Decision.ACCEPTED,
                    members=members, act_no=f"НС-{plot.handed_over_on[:4]}/{site_index + 1:02d}",
                    criteria={"stage.technical_done": "yes", "stage.biological_done": "yes",
                              "evidence.photo_points": "yes", "veg.cover_photo": "yes",
                              "veg.cover_quadrat": "no", "veg.species_count": "yes",
                              "veg.height": "unknown", "mns5917.numeric": "unknown"},
                    notes=MARK, id=new_id()))
        growing = [p for p in plots if p.stage in (model.PlotStage.BIOLOGICAL,
                                                   model.PlotStage.HANDED_OVER)]
        if growing and site.aimag_code == omnogovi:  # the repeat photos of the demo aimag
            _photo_point(store, new_id, site, growing[0], site_index, monitors)
    aimag = omnogovi
    if any(s.aimag_code == aimag for s in sites):
        for year, ha in ((2024, 40.0), (2025, 60.0)):
            store.save(RehabTarget(
                level=TargetLevel.AIMAG, year=year, stage=model.PlotStage.TECHNICAL, area_ha=ha,
                aimag_code=aimag, basis=TargetBasis.IN_YEAR, name=f"{MARK} аймгийн зорилт",
                source=MARK, id=new_id()))


def _photo_point(store: Store, new_id: Callable[[], str], site: model.Site, plot: model.Plot,
                 site_index: int, monitors: Sequence[model.Person]) -> None:
    from pemdesk.photos.files import PhotoFiles
    from pemdesk.rehab import cover as cv
    from pemdesk.storage import photos as q
    from pemdesk.storage import rehab as rs

    lon, lat = site.lon or 105.0, site.lat or 45.0
    point = model.PhotoPoint(site_id=site.id, plot_id=plot.id, name=f"ЗЦ-{site_index + 1}",
                             lon=round(lon + 0.001, 6), lat=round(lat + 0.001, 6), bearing=180.0,
                             notes=MARK, id=new_id())
    store.save(point)
    files = PhotoFiles(store.data_dir)
    start = 0.04 + 0.03 * site_index
    for k, year in enumerate(YEARS):
        img = ground_photo(1000 * site_index + k, min(0.85, start + 0.16 * k))
        buffer = io.BytesIO()
        from PIL import Image

        Image.fromarray(img).save(buffer, "JPEG", quality=88)
        tmp = store.data_dir / f".demo-photo-{k}.jpg"
        tmp.write_bytes(buffer.getvalue())
        try:
            stored = files.put(tmp)
        finally:
            tmp.unlink(missing_ok=True)
        q.add_blob(store, q.BlobRow(stored.sha256, stored.size, files.relative(stored.path),
                                    "image/jpeg", "original"))
        photo = model.Photo(
            sha256=stored.sha256, photo_point_id=point.id, taken_at=f"{year}-07-15T04:00:00.000Z",
            lon=point.lon, lat=point.lat, bearing=180.0, position_source="gps",
            width=img.shape[1], height=img.shape[0], size_bytes=stored.size,
            original_name=f"{MARK} {point.name} {year}.jpg", caption=MARK, id=new_id())
        store.save(photo)
        result = cv.cover_of_array(img)
        rs.save_cover_result(store, photo.id, result)
        if k == len(YEARS) - 1 and site_index == 0:
            # A person looked at the mask and corrected the newest value (kept beside it).
            rs.correct_cover(store, photo.id, round(result.cover_pct + 2.0, 1),
                             "ЖИШЭЭ: сүүдэрт ургамал тоологдоогүй", monitors[0].name)
