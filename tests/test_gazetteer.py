"""The shipped aimag/soum reference data and its API (no Qt).

The cross-checks at the end compare with independent NSO/HDX polygons and a postcode gazetteer
kept outside the project (``<repo>/../shared/data/mongolia_boundaries``); they skip when absent.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pemdesk.errors import InvalidInput, NotFound
from pemdesk.gazetteer import UB_CODE, Gazetteer, mongolian_sort_key, name

REPO = Path(__file__).resolve().parents[1]
BOUNDARIES = REPO / "resources" / "boundaries"
SHIP_SOURCE = REPO.parent / "shared/data/ship/geoboundaries-MNG-ADM2_simplified.geojson"
CHECK_DIR = REPO.parent / "shared/data/mongolia_boundaries"

CYRILLIC_NAME = re.compile(r"^[А-ЯЁӨҮ][а-яёөү]*(?:[ -][А-ЯЁӨҮа-яёөү][а-яёөү]*)*$")
LATIN_NAME = re.compile(r"^[A-ZÖÜ][a-zöü]*(?:[ -][A-ZÖÜ][a-zöü]*)*$")

# HDX/NSO first-level pcodes (= postcode prefixes) -> ISO 3166-2:MN.
HDX_TO_ISO = {
    "11": "MN-1", "21": "MN-061", "22": "MN-051", "23": "MN-039", "41": "MN-047",
    "42": "MN-064", "43": "MN-049", "44": "MN-063", "45": "MN-037", "46": "MN-053",
    "48": "MN-059", "61": "MN-035", "62": "MN-055", "63": "MN-067", "64": "MN-069",
    "65": "MN-073", "67": "MN-041", "81": "MN-057", "82": "MN-065", "83": "MN-071",
    "84": "MN-043", "85": "MN-046",
}  # fmt: skip

OYU_TOLGOI = (106.85, 43.0)
CENTRAL_UB = (106.917, 47.918)  # Sükhbaatar Square


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


# --- contents --------------------------------------------------------------------------------


def test_counts(gaz: Gazetteer) -> None:
    assert len(gaz.soums()) == 329
    codes = [a.code for a in gaz.aimags()]
    assert len(codes) == 22 and UB_CODE in codes
    assert len(set(codes) - {UB_CODE}) == 21
    assert all(re.fullmatch(r"MN-(0\d\d|1)", c) for c in codes)
    assert gaz.soums(UB_CODE) == []  # the source has no UB districts


def test_every_soum_has_names_and_an_aimag(gaz: Gazetteer) -> None:
    aimag_codes = {a.code for a in gaz.aimags()} - {UB_CODE}
    for s in gaz.soums():
        assert CYRILLIC_NAME.match(s.name_mn), s
        assert LATIN_NAME.match(s.name_en), s
        assert s.aimag_code in aimag_codes, s
        assert s.code.startswith("MNG-ADM2-") and s.name_src
    for a in gaz.aimags():
        assert CYRILLIC_NAME.match(a.name_mn) and LATIN_NAME.match(a.name_en), a
    # Every aimag has soums; names are unique within an aimag.
    for code in aimag_codes:
        names = [s.name_mn for s in gaz.soums(code)]
        assert names and len(names) == len(set(names)), code


def test_mongolian_letters_where_they_belong(gaz: Gazetteer) -> None:
    assert gaz.aimag("MN-053").name_mn == "Өмнөговь"
    assert gaz.aimag("MN-053").name_en == "Ömnögovi"
    assert gaz.aimag("MN-055").name_mn == "Өвөрхангай"
    assert gaz.aimag("MN-041").name_mn == "Хөвсгөл"
    assert gaz.aimag("MN-051").name_mn == "Сүхбаатар"
    assert gaz.aimag("MN-047").name_mn == "Төв"
    assert gaz.aimag("MN-071").name_en == "Bayan-Ölgii"
    assert gaz.aimag("MN-073").name_en == "Arkhangai"
    assert gaz.find_soum("Ханбогд", "MN-053").name_en == "Khanbogd"
    assert gaz.find_soum("Цогтцэций", "MN-053").name_en == "Tsogttsetsii"
    assert gaz.find_soum("Замын-Үүд").aimag_code == "MN-063"
    assert gaz.find_soum("Өлзийт", "MN-059").name_src == "Olziit"
    assert gaz.find_soum("Есөнзүйл").name_en == "Yesönzüil"


_LETTERS = "а б в г д е ё ж з и й к л м н о ө п р с т у ү ф х ц ч ш щ ъ ы ь э ю я"
_LATIN = "a b v g d e yo j z i i k l m n o ö p r s t u ü f kh ts ch sh sh _ y i e yu ya"
_ROMAN = {c: r.strip("_") for c, r in zip(_LETTERS.split(), _LATIN.split(), strict=True)}


def _romanise(text: str) -> str:
    """The documented scheme (ATTRIBUTION.md), written out again as the test's oracle."""
    out, prev = [], " "
    for ch in text.lower():
        out.append("ye" if ch == "е" and prev in " -аеёиоөуүэюяы" else _ROMAN.get(ch, ch))
        prev = ch
    parts = re.split(r"([ -])", "".join(out))
    return "".join(w[:1].upper() + w[1:] for w in parts)


def test_english_names_follow_one_scheme(gaz: Gazetteer) -> None:
    units = [*gaz.soums(), *gaz.aimags()]
    wrong = [(u.name_mn, u.name_en) for u in units if _romanise(u.name_mn) != u.name_en]
    assert wrong == []


def test_special_cases(gaz: Gazetteer) -> None:
    by_src = {(s.aimag_code, s.name_src): s for s in gaz.soums()}
    assert by_src[("MN-051", "Baruun-Urt - Uulbayan")].name_mn == "Баруун-Урт"
    assert by_src[("MN-051", "Uulbayan")].name_mn == "Уулбаян"
    assert by_src[("MN-051", "Airag")].name_mn == "Мөнххаан"
    assert by_src[("MN-059", "Saihandulaan")].name_mn == "Сайнцагаан"
    assert by_src[("MN-041", "Khatgal")].name_mn == "Алаг-Эрдэнэ"
    assert by_src[("MN-041", "Hatgal")].name_mn == "Хатгал"
    assert by_src[("MN-055", "Arvaiheer")].name_mn == "Арвайхээр"
    assert by_src[("MN-053", "Dalanzadgad")].name_mn == "Даланзадгад"
    centres = {a.code: gaz.center_soum(a.code) for a in gaz.aimags()}
    assert centres["MN-055"] == by_src[("MN-055", "Arvaiheer")]
    assert centres["MN-1"] is None


def test_aimags_sorted_the_mongolian_way(gaz: Gazetteer) -> None:
    names = [a.name_mn for a in gaz.aimags()]
    assert names[0] == "Архангай" and names[-1] == "Хэнтий"
    assert names.index("Орхон") < names.index("Өвөрхангай") < names.index("Өмнөговь")
    assert names.index("Өмнөговь") < names.index("Сүхбаатар")
    assert names.index("Увс") < names.index("Улаанбаатар")
    assert sorted(["Үенч", "Ургамал", "Ховд"], key=mongolian_sort_key) == [
        "Ургамал",
        "Үенч",
        "Ховд",
    ]


# --- API -------------------------------------------------------------------------------------


def test_lookup_and_errors(gaz: Gazetteer) -> None:
    s = gaz.find_soum("Khanbogd")
    assert gaz.soum(s.code) is s
    assert name(s, "mn") == "Ханбогд" and name(s, "en") == "Khanbogd"
    assert name(gaz.aimag(UB_CODE), "en") == "Ulaanbaatar"
    for call in (lambda: gaz.soum("nope"), lambda: gaz.aimag("MN-999"), lambda: gaz.soums("x")):
        with pytest.raises(NotFound) as err:
            call()
        assert "олдсонгүй" in err.value.message("mn") and "no " in err.value.message("en")
    with pytest.raises(NotFound):
        gaz.soum_geometry("nope")
    with pytest.raises(NotFound):
        gaz.find_soum("Atlantis")
    with pytest.raises(NotFound):
        gaz.find_soum("Ханбогд", "MN-073")


def test_find_soum_either_language_loosely(gaz: Gazetteer) -> None:
    khanbogd = gaz.find_soum("Ханбогд", "MN-053")
    for spelling in ("khanbogd", "HANBOGD", "ханбогд сум", "Khanbogd soum", "Хан-богд"):
        assert gaz.find_soum(spelling) == khanbogd, spelling
    assert gaz.find_soum("Ölziit", "MN-059") == gaz.find_soum("olziit", "MN-059")
    assert gaz.find_soum("Byanhairhan").name_mn == "Баянхайрхан"  # source spelling
    # A wrong source name does not shadow the real soum of that name.
    assert gaz.find_soum("Saihandulaan").aimag_code == "MN-063"
    with pytest.raises(InvalidInput):
        gaz.find_soum("Булган")  # six soums are called Bulgan
    assert len(gaz.find_soums("bulgan")) == 6
    assert gaz.find_soum("Bulgan", "MN-053").name_mn == "Булган"
    assert gaz.find_aimag("omnogovi").code == "MN-053"
    assert gaz.find_aimag("Улаанбаатар").code == UB_CODE


def test_locate(gaz: Gazetteer) -> None:
    s = gaz.locate(*OYU_TOLGOI)
    assert s is not None and s.name_mn == "Ханбогд"
    assert gaz.aimag(s.aimag_code).name_mn == "Өмнөговь"
    assert gaz.locate(*CENTRAL_UB) is None  # Ulaanbaatar has no soums in the data
    assert gaz.locate_aimag(*CENTRAL_UB) == gaz.aimag(UB_CODE)
    assert gaz.locate(2.35, 48.85) is None and gaz.locate_aimag(2.35, 48.85) is None
    # Aimag-centre towns nested as holes: the town, not the soum around it.
    dalanzadgad = gaz.locate(104.42, 43.57)
    assert dalanzadgad is not None and dalanzadgad.name_mn == "Даланзадгад"
    erdenet = gaz.locate(104.08, 49.03)
    assert erdenet is not None and erdenet.aimag_code == "MN-035"
    # Every soum's representative point locates back to that soum.
    for soum in gaz.soums():
        p = gaz.soum_geometry(soum.code).representative_point()
        assert gaz.locate(p.x, p.y) == soum
        assert gaz.locate_aimag(p.x, p.y) == gaz.aimag(soum.aimag_code)


def test_geometry_is_consistent(gaz: Gazetteer) -> None:
    import shapely

    for a in gaz.aimags():
        g = gaz.aimag_geometry(a.code)
        assert g.is_valid and not g.is_empty, a
    ub = gaz.aimag_geometry(UB_CODE)
    assert ub.geom_type == "MultiPolygon" and len(ub.geoms) == 3
    whole = shapely.union_all([gaz.aimag_geometry(a.code) for a in gaz.aimags()])
    country = gaz.country_geometry()
    assert country.geom_type == "Polygon" and not country.interiors
    assert abs(whole.area - country.area) < 1e-6 * country.area
    assert country.bounds == pytest.approx((87.73762, 41.5804176, 119.931949, 52.1496))


def test_import_is_light() -> None:
    code = (
        "import sys, pemdesk.gazetteer as g; g.Gazetteer.load().soums();"
        "print(sorted(m for m in ('shapely', 'pyproj', 'PySide6') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_build_is_reproducible(tmp_path: Path) -> None:
    if not SHIP_SOURCE.exists():
        pytest.skip(f"geoBoundaries source not found at {SHIP_SOURCE}")
    script = REPO / "scripts" / "build_boundaries.py"
    subprocess.run(
        [sys.executable, str(script), str(SHIP_SOURCE), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name_ in ("soums.geojson", "aimags.geojson", "country.geojson"):
        assert (tmp_path / name_).read_bytes() == (BOUNDARIES / name_).read_bytes(), name_
    rebuilt = Gazetteer(tmp_path)
    assert len(rebuilt.soums()) == 329


def test_shipped_files_carry_attribution() -> None:
    for name_ in ("soums.geojson", "aimags.geojson", "country.geojson"):
        fc = json.loads((BOUNDARIES / name_).read_text(encoding="utf-8"))
        assert "OpenStreetMap" in fc["attribution"] and fc["license"] == "ODbL-1.0"
    text = (BOUNDARIES / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors, via geoBoundaries (wmgeolab), ODbL 1.0" in text
    assert "opendatacommons.org/licenses/odbl/1-0" in text


# --- cross-checks against independent data (test-only, outside the project) -------------------


def _check_file(name_: str) -> Path:
    path = CHECK_DIR / name_
    if not path.exists():
        pytest.skip(f"cross-check data not available: {path} (kept outside the project)")
    return path


@pytest.fixture(scope="module")
def hdx_aimags() -> dict[str, object]:
    from shapely.geometry import shape

    path = _check_file("mng_adm1_aimags_hdx_cod_nso_v3.geojson")
    fc = json.loads(path.read_text(encoding="utf-8"))
    return {HDX_TO_ISO[f["properties"]["ADM1_PCODE"]]: shape(f["geometry"]) for f in fc["features"]}


def test_soum_aimags_match_nso(gaz: Gazetteer, hdx_aimags: dict[str, object]) -> None:
    import shapely

    assert set(hdx_aimags) == {a.code for a in gaz.aimags()}
    for soum in gaz.soums():
        p = gaz.soum_geometry(soum.code).representative_point()
        inside = [code for code, g in hdx_aimags.items() if shapely.contains(g, p)]
        assert inside == [soum.aimag_code], (soum, inside)


# Differences from the postcode gazetteer that we accept, each checked by hand.
ACCEPTED_NAME_MISMATCHES = {
    ("MN-039", "Баянхутаг"): "gazetteer writes 'Баян-хутаг'; the soum is Баянхутаг",
    ("MN-041", "Чандмань-Өндөр"): "gazetteer typo 'Чадмань-Өндөр'",
    ("MN-059", "Говь-Угтаал"): "gazetteer writes 'Говьугтаал'; both spellings are in use",
    ("MN-071", "Цагааннуур"): "a village (тосгон) with its own boundary, not a soum",
    ("MN-073", "Ихтамир"): "gazetteer writes 'Их тамир'; the soum is Ихтамир",
    ("MN-073", "Өгийнуур"): "gazetteer writes 'Өлгийнуур'; named after lake Өгий нуур",
}


def _norm(text: str) -> str:
    text = text.strip().lower()
    return text.removesuffix(" сум").strip()


def test_names_match_postcode_gazetteer(gaz: Gazetteer) -> None:
    path = _check_file("mng_admin_gazetteer_mnzipcode.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # Postcode prefixes equal the NSO pcodes; compare soums within their aimag.
    by_aimag: dict[str, set[str]] = {}
    for r in rows:
        if r["level"] == "2" and r["parent_zipcode"]:
            iso = HDX_TO_ISO[r["parent_zipcode"][:2]]
            by_aimag.setdefault(iso, set()).add(_norm(r["name_mn"]))
        if r["level"] == "1" and r["name_mn"] != "Umnugovi":  # upstream error, see PROVENANCE
            assert gaz.aimag(HDX_TO_ISO[r["zipcode"][:2]]).name_mn == r["name_mn"]
    mismatches = {
        (s.aimag_code, s.name_mn)
        for s in gaz.soums()
        if _norm(s.name_mn) not in by_aimag.get(s.aimag_code, set())
    }
    assert mismatches == set(ACCEPTED_NAME_MISMATCHES)
    assert 1 - len(mismatches) / len(gaz.soums()) >= 0.95


# Small aimags whose OSM and NSO borders differ more than the rest (absolute: ~530 and ~110 km²).
AREA_TOLERANCE = {"MN-037": 0.20, "MN-035": 0.15}


def test_aimag_areas_match_nso(gaz: Gazetteer, hdx_aimags: dict[str, object]) -> None:
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for code, hdx in hdx_aimags.items():
        ours = abs(geod.geometry_area_perimeter(gaz.aimag_geometry(code))[0])
        theirs = abs(geod.geometry_area_perimeter(hdx)[0])
        assert ours == pytest.approx(theirs, rel=AREA_TOLERANCE.get(code, 0.05)), code
    total = abs(geod.geometry_area_perimeter(gaz.country_geometry())[0]) / 1e6
    assert total == pytest.approx(1_564_116, rel=0.01)  # km², Mongolia's official area
