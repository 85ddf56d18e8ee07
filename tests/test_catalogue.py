"""The shipped indicator catalogue and the validation of observation values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pemdesk.catalogue import Catalogue, CatalogueError, Limit
from pemdesk.errors import InvalidInput, NotFound
from pemdesk.resources import resource_path

MNS = "MNS 4585:2016"
WHO = "WHO 2021"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue.load()


def _limit(cat: Catalogue, code: str, source: str, averaging: str | None) -> Limit:
    matches = [x for x in cat.get(code).limits if x.source == source and x.averaging == averaging]
    assert len(matches) == 1, (code, source, averaging)
    return matches[0]


def _raw() -> dict:
    return json.loads(resource_path("catalogue", "indicators.json").read_text(encoding="utf-8"))


# --- the shipped catalogue ----------------------------------------------------------------------


def test_load_is_cached(cat: Catalogue) -> None:
    assert Catalogue.load() is cat


def test_covers_the_groups_and_indicators_users_expect(cat: Catalogue) -> None:
    groups = cat.by_group()
    assert list(groups) == [
        "water",
        "air",
        "noise",
        "soil",
        "vegetation",
        "waste",
        "land",
        "wildlife",
    ]
    expected = [
        "water.ph",
        "water.ec",
        "water.tds",
        "water.turbidity",
        "water.temperature",
        "water.well_level",
        "air.pm25",
        "air.pm10",
        "air.tsp",
        "air.so2",
        "air.no2",
        "noise.laeq",
        "soil.topsoil_depth",
        "soil.erosion_class",
        "soil.contamination_signs",
        "veg.cover_pct",
        "veg.species_count",
        "veg.seedling_survival_pct",
        "waste.type",
        "waste.volume",
        "land.disturbed_area",
        "land.pit_wall_stability",
        "wildlife.signs",
        "wildlife.livestock_signs",
    ]
    for code in expected:
        assert code in cat
    assert sum(len(v) for v in groups.values()) == len(cat.all()) == len(cat)


def test_self_consistent(cat: Catalogue) -> None:
    codes = [i.code for i in cat.all()]
    assert len(codes) == len(set(codes))
    for ind in cat.all():
        assert ind.name_mn and ind.name_en and ind.methods, ind.code
        assert ind.code.split(".")[0] in (ind.group, "veg")
        if ind.is_numeric:
            assert ind.valid_min is not None and ind.valid_max is not None
            assert ind.valid_min < ind.valid_max
        if ind.value_type == "category":
            assert ind.categories and ind.unit == ""
        for limit in ind.limits:
            assert limit.source and limit.note_mn and limit.note_en
    erosion = [c.code for c in cat.get("soil.erosion_class").categories]
    assert erosion == ["none", "slight", "moderate", "severe"]


def test_json_is_exactly_what_the_catalogue_reads() -> None:
    raw = _raw()
    assert raw["schema"] == 1
    assert Catalogue.from_dict(raw).all() == Catalogue.load().all()


@pytest.mark.parametrize(
    ("code", "source", "averaging", "value"),
    [
        ("air.pm10", MNS, "24h", 100),
        ("air.pm10", MNS, "annual", 50),
        ("air.pm25", MNS, "24h", 50),
        ("air.pm25", MNS, "annual", 25),
        ("air.tsp", MNS, "24h", 150),
        ("air.so2", MNS, "24h", 50),
        ("air.no2", MNS, "24h", 50),
        ("noise.laeq", MNS, "day", 60),
        ("noise.laeq", MNS, "night", 45),
        ("air.pm25", WHO, "24h", 15),
        ("air.pm10", WHO, "24h", 45),
    ],
)
def test_product_limits_are_shipped_with_their_source(
    cat: Catalogue, code: str, source: str, averaging: str, value: float
) -> None:
    limit = _limit(cat, code, source, averaging)
    assert limit.kind == "max"
    assert limit.value == value


def test_drinking_water_ph_range(cat: Catalogue) -> None:
    limits = {x.kind: x.value for x in cat.get("water.ph").limits if x.source == "MNS 0900:2018"}
    assert limits == {"min": 6.5, "max": 8.5}


def test_every_limit_source_is_documented() -> None:
    sources_md = resource_path("catalogue", "SOURCES.md").read_text(encoding="utf-8")
    for ind in Catalogue.load().all():
        for limit in ind.limits:
            assert limit.source in sources_md


def test_get_unknown_code(cat: Catalogue) -> None:
    with pytest.raises(NotFound) as info:
        cat.get("water.nope")
    assert "water.nope" in info.value.message("mn")
    assert "water.nope" in info.value.message("en")


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["7,2", "7.2", " 7,2 ", 7.2])
def test_validate_accepts_both_decimal_separators(cat: Catalogue, raw: object) -> None:
    assert cat.validate("water.ph", raw) == pytest.approx(7.2)


@pytest.mark.parametrize(
    "raw", ["abc", "7,2,1", "1.234,5", "nan", "inf", "1_0", "", "  ", None, True, [7]]
)
def test_validate_refuses_non_numbers(cat: Catalogue, raw: object) -> None:
    with pytest.raises(InvalidInput) as info:
        cat.validate("water.ph", raw)
    assert info.value.mn and info.value.en
    assert "pH" in info.value.mn and "pH" in info.value.en


def test_refusal_of_abc_names_indicator_and_value(cat: Catalogue) -> None:
    with pytest.raises(InvalidInput) as info:
        cat.validate("water.ph", "abc")
    assert "abc" in info.value.mn and "abc" in info.value.en
    assert "тоо биш" in info.value.mn
    assert "not a number" in info.value.en


def test_out_of_range_is_refused_in_both_languages(cat: Catalogue) -> None:
    with pytest.raises(InvalidInput) as info:
        cat.validate("water.ph", "15")
    err = info.value
    for message in (err.message("mn"), err.message("en")):
        assert "15" in message
        assert "0–14" in message
        assert "pH" in message
    assert "Усны" in err.mn
    assert "outside the allowed range" in err.en


def test_range_message_carries_the_unit(cat: Catalogue) -> None:
    with pytest.raises(InvalidInput) as info:
        cat.validate("air.pm10", -3)
    assert "0–20000 µg/m³" in info.value.en


def test_range_bounds_are_inclusive(cat: Catalogue) -> None:
    assert cat.validate("water.ph", 0) == 0.0
    assert cat.validate("water.ph", "14") == 14.0
    assert cat.validate("water.temperature", "−1,5") == -1.5


def test_integer_indicator(cat: Catalogue) -> None:
    assert cat.validate("veg.species_count", "12") == 12
    assert isinstance(cat.validate("veg.species_count", 12.0), int)
    with pytest.raises(InvalidInput, match="whole number"):
        cat.validate("veg.species_count", "12,5")
    with pytest.raises(InvalidInput):
        cat.validate("veg.species_count", -1)


def test_category_validation(cat: Catalogue) -> None:
    assert cat.validate("soil.erosion_class", "moderate") == "moderate"
    assert cat.validate("soil.erosion_class", " Severe ") == "severe"
    assert cat.validate("soil.erosion_class", "Дунд") == "moderate"
    with pytest.raises(InvalidInput) as info:
        cat.validate("soil.erosion_class", "extreme")
    assert "extreme" in info.value.en and "Moderate" in info.value.en
    assert "Дунд" in info.value.mn
    ind = cat.get("soil.erosion_class")
    assert ind.format_value("slight", "mn") == "Сул"
    assert ind.format_value("slight", "en") == "Slight"


def test_boolean_and_text(cat: Catalogue) -> None:
    assert cat.validate("land.pit_fenced", "тийм") is True
    assert cat.validate("land.pit_fenced", "No") is False
    assert cat.validate("land.pit_fenced", False) is False
    with pytest.raises(InvalidInput):
        cat.validate("land.pit_fenced", "maybe")
    assert cat.validate("wildlife.species_observed", "  тарвага ") == "тарвага"


# --- limits -------------------------------------------------------------------------------------


def test_pm10_130_exceeds_mns_and_who_24h(cat: Catalogue) -> None:
    broken = cat.exceedances("air.pm10", 130, averaging="24h")
    assert {(x.source, x.value) for x in broken} == {(MNS, 100), (WHO, 45)}


def test_pm10_40_exceeds_nothing_daily(cat: Catalogue) -> None:
    assert cat.exceedances("air.pm10", "40", averaging="24h") == []


def test_exceedances_without_averaging_check_all_limits(cat: Catalogue) -> None:
    broken = cat.exceedances("air.pm10", 60)
    expected = {(MNS, "annual"), (WHO, "24h"), (WHO, "annual")}
    assert {(x.source, x.averaging) for x in broken} == expected


def test_min_limit_and_non_numeric(cat: Catalogue) -> None:
    assert [x.kind for x in cat.exceedances("water.ph", "6,0")] == ["min"]
    assert [x.kind for x in cat.exceedances("water.ph", 9)] == ["max"]
    assert cat.exceedances("water.ph", 6.5) == []
    assert cat.exceedances("soil.erosion_class", "severe") == []
    assert cat.exceedances("noise.laeq", 50, averaging="night")[0].value == 45
    assert cat.exceedances("noise.laeq", 50, averaging="day") == []


def test_exceedances_validate_the_value(cat: Catalogue) -> None:
    with pytest.raises(InvalidInput):
        cat.exceedances("air.pm10", "abc")


def test_primary_limit_prefers_the_national_standard(cat: Catalogue) -> None:
    limit = cat.primary_limit("air.pm25")
    assert limit is not None and limit.source == MNS and limit.value == 50
    annual = cat.primary_limit("air.pm25", averaging="annual")
    assert annual is not None and annual.value == 25
    assert cat.primary_limit("water.ec") is None
    assert cat.get("air.pm10").limit_text(_limit(cat, "air.pm10", MNS, "24h"), "en") == (
        "≤ 100 µg/m³ (24-h mean, MNS 4585:2016)"
    )


# --- broken files -------------------------------------------------------------------------------


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "indicators.json"
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_json_gives_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"schema": 1, "indicators": [')
    with pytest.raises(CatalogueError) as info:
        Catalogue.from_file(path)
    err = info.value
    assert isinstance(err, InvalidInput)
    assert "JSON" in err.en and "эвдэрсэн" in err.mn
    assert str(path) in err.detail and "line 1" in err.detail


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="could not be read"):
        Catalogue.from_file(tmp_path / "absent.json")


def test_unknown_schema(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="version"):
        Catalogue.from_file(_write(tmp_path, {"schema": 99, "indicators": []}))


def _mutated(change) -> dict:
    raw = _raw()
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r["indicators"].append(r["indicators"][0]), "used twice"),
        (lambda r: r["indicators"][0].update(valid_min=20), "valid_min must be less"),
        (lambda r: r["indicators"][0].pop("name_en"), "missing 'name_en'"),
        (lambda r: r["indicators"][0].update(valid_max="14"), "wrong type"),
        (lambda r: r["indicators"][0].update(value_type="colour"), "unknown value_type"),
        (lambda r: r["indicators"][0].update(group="sky"), "not declared"),
        (
            lambda r: next(i for i in r["indicators"] if i["value_type"] == "category").update(
                categories=[]
            ),
            "need categories",
        ),
        (lambda r: r["indicators"][0]["limits"][0].update(kind="below"), "kind must be"),
        (lambda r: r["indicators"][0]["limits"][0].update(source=""), "needs its source"),
        (lambda r: r["indicators"][0]["limits"][0].update(averaging="weekly"), "averaging"),
        (lambda r: r.update(indicators={}), "must be a list"),
        (lambda r: r["indicators"][0].update(decimals="2"), "wrong type"),
    ],
)
def test_inconsistent_catalogue_is_refused(tmp_path: Path, change, problem: str) -> None:
    path = _write(tmp_path, _mutated(change))
    with pytest.raises(CatalogueError) as info:
        Catalogue.from_file(path)
    assert problem in info.value.detail
    assert str(path) in info.value.detail
    assert info.value.mn and info.value.en
