"""Targets as data: CSV/XLSX import with bilingual row errors, the shipped national target, and
progress of actual hectares (from stage histories) against imported targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import make_site
from pemdesk import model
from pemdesk.gazetteer import Gazetteer
from pemdesk.rehab import targets as tg
from pemdesk.rehab.records import StageChange
from pemdesk.storage import Store
from pemdesk.storage import rehab as rs
from test_rehab_history import make_plot


def test_the_campaign_is_the_first_national_target(store: Store) -> None:
    (campaign,) = [t for t in rs.list_targets(store) if t.level == "national"]
    assert (campaign.year, campaign.area_ha, campaign.stage) == (2024, 8000, "technical")
    assert "2024" in campaign.name and campaign.source


def test_import_csv_then_xlsx_updates_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    csv_file = tmp_path / "t.csv"
    csv_file.write_text(
        "түвшин;аймаг;сум;он;үе шат;талбай га;нэр\n"
        "аймаг;Өмнөговь;;2024;техникийн;1 200,5;Аймгийн зорилт\n"
        "сум;Өмнөговь;Ханбогд;2024;биологийн;300;\n"
        "national;;;2025;technical;9000;Campaign 2025\n",
        encoding="utf-8",
    )
    result = rs.import_targets_file(store, csv_file)
    assert (result.added, result.updated) == (3, 0)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["level", "aimag", "soum", "year", "stage", "area_ha", "name"])
    sheet.append(["aimag", "MN-053", None, 2024, "technical", 1500, "Аймгийн зорилт"])
    book.save(tmp_path / "t.xlsx")
    result = rs.import_targets_file(store, tmp_path / "t.xlsx")
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    aimag = Gazetteer.load().find_aimag("Өмнөговь").code
    got = [t for t in rs.list_targets(store, 2024, builtin=False) if t.level == "aimag"]
    assert [(t.aimag_code, t.area_ha) for t in got] == [(aimag, 1500.0)]
    soum = [t for t in rs.list_targets(store, 2024) if t.level == "soum"][0]
    assert soum.soum_code == Gazetteer.load().find_soum("Ханбогд").code
    assert any(o["entity"] == "rehab_target" for o in store.outbox())


def test_bad_rows_are_all_reported_and_nothing_is_saved(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "year,stage,area_ha,aimag\n2024,technical,100,Өмнөговь\n"
        "20x4,technical,5,\n2024,green,5,\n2024,technical,-3,\n2024,technical,5,Атлантис\n",
        encoding="utf-8",
    )
    with pytest.raises(tg.TargetImportError) as info:
        rs.import_targets_file(store, f)
    rows = [row for row, _ in info.value.problems]
    assert rows == [3, 4, 5, 6]
    assert "3-р мөр" in info.value.mn and "row 3" in info.value.en
    assert rs.list_targets(store, builtin=False) == []
    missing = tmp_path / "nohead.csv"
    missing.write_text("year,area_ha\n2024,5\n", encoding="utf-8")
    with pytest.raises(tg.InvalidInput) as info2:
        rs.import_targets_file(store, missing)
    assert "stage" in info2.value.en


def test_progress_against_imported_targets(store: Store, tmp_path: Path) -> None:
    site = make_site(store)  # in Khanbogd, Ömnögovi
    plots = [
        make_plot(store, site, f"P{i}", lon=106.0 + i * 0.05, disturbed_on="2020-01-01")
        for i in range(4)
    ]
    area = [store.get(model.Plot, p.id).area_ha or 0 for p in plots]
    rs.record_stage_change(store, StageChange(plots[0].id, model.PlotStage.TECHNICAL, "2024-05-01"))
    rs.record_stage_change(store, StageChange(plots[1].id, model.PlotStage.TECHNICAL, "2023-05-01"))
    rs.record_stage_change(
        store, StageChange(plots[1].id, model.PlotStage.BIOLOGICAL, "2024-08-01")
    )
    rs.record_stage_change(store, StageChange(plots[2].id, model.PlotStage.TECHNICAL, "2025-02-01"))
    f = tmp_path / "t.csv"
    f.write_text(
        "level,aimag,year,stage,area_ha,basis,name\n"
        "aimag,Өмнөговь,2024,technical,100,in_year,A\n"
        "aimag,Өмнөговь,2024,technical,100,cumulative,B\n"
        "aimag,Өмнөговь,2024,biological,50,in_year,C\n"
        "aimag,Дорнод,2024,technical,10,in_year,D\n",
        encoding="utf-8",
    )
    rs.import_targets_file(store, f)
    got = {p.target.name: p for p in rs.target_progress(store, 2024)}
    # In-year: first reached technical (or later) during 2024 — plot 0 only (plot 1 in 2023).
    assert got["A"].actual_ha == pytest.approx(area[0]) and got["A"].plots == 1
    assert got["B"].actual_ha == pytest.approx(area[0] + area[1])
    assert got["C"].actual_ha == pytest.approx(area[1])
    assert got["D"].actual_ha == 0 and got["D"].plots == 0
    national = [p for p in got.values() if p.target.level == "national"][0]
    assert national.actual_ha == pytest.approx(area[0])
    assert got["A"].share == pytest.approx(area[0] / 100)
