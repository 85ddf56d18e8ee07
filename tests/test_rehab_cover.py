"""Vegetation cover by the Canopeo method: known cover on generated images (noise, shadows, soil
colours) within 2 points, the mask saved, corrections kept beside the computed value, and a real
photo a person can judge."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from factories import make_site, make_visit
from pemdesk import model
from pemdesk.errors import Interrupted, InvalidInput
from pemdesk.progress import Progress
from pemdesk.rehab import cover as cv
from pemdesk.storage import Store
from pemdesk.storage import rehab as rs

# Soils of Mongolian mine sites and steppe: pale loess, brown, reddish, grey spoil, dark.
SOILS = [(205, 190, 160), (150, 120, 90), (175, 105, 75), (130, 126, 120), (80, 70, 62)]
GREENS = [(70, 130, 45), (95, 150, 60), (50, 105, 40), (110, 160, 80)]


def scene(
    seed: int,
    cover: float,
    size: tuple[int, int] = (480, 640),
    shadow: bool = True,
    noise: float = 8.0,
    grain: int = 16,
    jitter: float = 0.35,
) -> tuple[np.ndarray, np.ndarray]:
    """An image whose true canopy mask is known: clumps of plants on soil, noise and a shadow."""
    rng = np.random.default_rng(seed)
    h, w = size
    # Smooth random field thresholded at the quantile that gives the wanted cover exactly.
    field = rng.normal(size=(h // grain + 1, w // grain + 1))
    field = np.kron(field, np.ones((grain, grain)))[:h, :w]
    field += jitter * rng.normal(size=(h, w))
    truth = field > np.quantile(field, 1 - cover) if cover > 0 else np.zeros((h, w), bool)
    soil = np.array(SOILS[seed % len(SOILS)], np.float32)
    soil2 = np.array(SOILS[(seed + 2) % len(SOILS)], np.float32)
    mix = (rng.random((h // 32 + 1, w // 32 + 1)) > 0.5).astype(np.float32)
    mix = np.kron(mix, np.ones((32, 32)))[:h, :w, None]
    img = soil * (1 - mix) + soil2 * mix
    green = np.array(GREENS[seed % len(GREENS)], np.float32)
    img = np.where(truth[..., None], green * rng.uniform(0.8, 1.2, (h, w, 1)), img)
    if shadow:  # a soft shadow over a third of the frame (plants and soil alike)
        x = np.linspace(0, 1, w)[None, :, None]
        img = img * np.where(x < 0.33, 0.6, 1.0)
    # Camera noise: mostly luminance (all channels together), a little chroma per channel.
    img += rng.normal(0, noise, (h, w, 1)) + rng.normal(0, noise / 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), truth


@pytest.mark.parametrize("seed", range(10))
def test_cover_within_two_points_of_the_known_cover(seed: int) -> None:
    truth_cover = [0.0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 0.22, 0.5][seed]
    img, truth = scene(seed, truth_cover)
    result = cv.cover_of_array(img)
    assert result.cover_pct == pytest.approx(100 * truth.mean(), abs=2.0)
    # And it is the right pixels, not just the right count.
    assert (result.mask == truth).mean() > 0.97


def test_the_paper_thresholds_classify_single_pixels() -> None:
    px = np.array(
        [
            [
                [60, 120, 40],
                [120, 120, 40],
                [60, 120, 119],
                [70, 80, 70],
                [255, 255, 255],
                [0, 0, 0],
                [0, 30, 0],
                [200, 60, 30],
            ]
        ],
        np.uint8,
    )
    assert cv.classify(px)[0].tolist() == [True, False, False, False, False, False, True, False]


def test_limits_dry_vegetation_and_snow_are_not_green() -> None:
    """Documented limits, asserted so they stay documented: straw-coloured grass and snow give 0."""
    dry = np.full((50, 50, 3), (190, 170, 110), np.uint8)
    snow = np.full((50, 50, 3), (235, 240, 248), np.uint8)
    assert cv.cover_of_array(dry).cover_pct == 0
    assert cv.cover_of_array(snow).cover_pct == 0


def test_reduced_decoding_stays_within_one_point(tmp_path: Path) -> None:
    # Plants a few dozen pixels across, as in a 12-MP photo taken standing over the ground.
    img, _truth = scene(3, 0.4, size=(1500, 2000), shadow=True, grain=64, jitter=0.1)
    path = tmp_path / "big.jpg"
    Image.fromarray(img).save(path, quality=92)  # as cameras save: 4:2:0
    full = cv.cover_of_file(path, params=cv.CoverParams(max_pixels=10**8))
    small = cv.cover_of_file(path, params=cv.CoverParams(max_pixels=400_000))
    assert small.width * small.height <= 400_000 < full.width * full.height
    assert small.cover_pct == pytest.approx(full.cover_pct, abs=1.0)


def _photo(store: Store, tmp_path: Path, img: np.ndarray, name: str = "a.jpg") -> model.Photo:
    from pemdesk.photos.importer import ImportOptions, import_photos

    path = tmp_path / name
    Image.fromarray(img).save(path, quality=95, subsampling=0)
    site = store.list_sites()[0] if store.list_sites() else make_site(store)
    visit = make_visit(store, site)
    report = import_photos(store, [path], ImportOptions(visit_id=visit.id))
    photo_id = report.files[0].photo_id
    assert photo_id is not None
    return store.get(model.Photo, photo_id)


def test_measure_saves_the_mask_and_keeps_the_correction_beside(
    store: Store, tmp_path: Path
) -> None:
    img, truth = scene(4, 0.35, shadow=False)
    photo = _photo(store, tmp_path, img)
    cover = rs.measure_cover(store, photo.id)
    assert cover.cover_pct == pytest.approx(100 * truth.mean(), abs=2.0)
    assert cover.method == "canopeo-2015" and cover.params["p3"] == 20.0
    path = rs.mask_path(store, cover)
    assert path is not None
    with Image.open(path) as mask_img:
        mask = np.asarray(mask_img.convert("L")) > 0
    assert mask.shape == truth.shape and (mask == truth).mean() > 0.97
    fixed = rs.correct_cover(store, photo.id, 30.0, "shadow on the left", by="Бат")
    assert (fixed.cover_pct, fixed.manual_pct, fixed.value) == (cover.cover_pct, 30.0, 30.0)
    again = rs.measure_cover(store, photo.id)  # measuring again keeps the person's value
    assert again.manual_pct == 30.0 and again.id == cover.id
    with pytest.raises(InvalidInput) as info:
        rs.correct_cover(store, photo.id, 140)
    assert info.value.mn and info.value.en
    assert rs.cover_of(store, photo.id).manual_pct == 30.0  # type: ignore[union-attr]
    # Masks do not sync: on a laptop without it, it is made again from the photo, same bytes.
    before = path.read_bytes()
    path.unlink()
    remade = rs.ensure_mask(store, rs.cover_of(store, photo.id))  # type: ignore[arg-type]
    assert remade == path and path.read_bytes() == before


def test_batch_reports_progress_and_cancels(store: Store, tmp_path: Path) -> None:
    img, _ = scene(1, 0.2, size=(120, 160))
    ids = [_photo(store, tmp_path, np.roll(img, i, axis=1), f"p{i}.jpg").id for i in range(5)]
    progress = Progress()
    seen: list[int] = []

    class Cancelling(Progress):
        def step(self, n: int = 1) -> None:
            super().step(n)
            seen.append(self.done)
            if self.done == 2:
                self.cancel()

    done = rs.measure_many(store, ids[:3], progress)
    assert progress.done == progress.total == 3 and all(
        not isinstance(r, Exception) for _, r in done
    )
    with pytest.raises(Interrupted):
        rs.measure_many(store, ids, Cancelling())
    assert seen == [1, 2]
    assert rs.cover_of(store, ids[4]) is None and rs.cover_of(store, ids[1]) is not None


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really")
    with pytest.raises(InvalidInput) as info:
        cv.cover_of_file(bad)
    assert "Зургийг" in info.value.mn and "cannot be read" in info.value.en


def test_real_photo_a_person_can_judge(shared_data: Path, tmp_path: Path) -> None:
    """Autumn countryside (Nikon P6000): green pines are canopy, the brown dead leaves in front
    and the ploughed field are not. The photo and its mask side by side are in
    docs/screenshots/rehab-cover-real.png."""
    path = shared_data / "photos" / "gps" / "DSCN0010.jpg"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    result = cv.cover_of_file(path)
    assert 5 < result.cover_pct < 15
    m = result.mask
    assert m[70:190, 170:590].mean() > 0.2  # the umbrella pines
    assert m[300:340, 300:600].mean() < 0.01  # the ploughed field
    out = io.BytesIO(cv.mask_png(m))
    assert Image.open(out).size == (m.shape[1], m.shape[0])
