"""``pemdesk export csv|xlsx|gpkg`` on a laptop's data folder (the same exporters as the portal)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from world import World, populate

from pemdesk.cli import main
from pemdesk.storage import Store


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("laptop")
    store = Store.open(path)
    populate(World(None, store, ""))  # type: ignore[arg-type]
    store.close()
    return path


def run(folder: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["--data-dir", str(folder), "export", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_csv_zip_and_single_table_with_dates(folder: Path, tmp_path: Path, capsys) -> None:
    out = run(folder, "csv", "-o", str(tmp_path / "all.zip"), capsys=capsys)
    assert out["counts"] == {"visits": 4, "observations": 3, "findings": 3}
    with zipfile.ZipFile(tmp_path / "all.zip") as z:
        assert sorted(z.namelist()) == ["findings.csv", "observations.csv", "visits.csv"]
        text = z.read("visits.csv").decode("utf-8-sig")
    assert "Оюу толгой туршилт" in text and "Өмнөговь" in text
    out = run(folder, "csv", "--table", "visits", "--from", "2026-06-01", "--to", "2026-06-12",
              "-o", str(tmp_path / "v.csv"), capsys=capsys)
    assert out["counts"] == {"visits": 1}


def test_xlsx_and_bad_date(folder: Path, tmp_path: Path, capsys) -> None:
    from openpyxl import load_workbook

    run(folder, "xlsx", "-o", str(tmp_path / "t.xlsx"), capsys=capsys)
    wb = load_workbook(tmp_path / "t.xlsx")
    obs = wb["observations"]
    header = [c.value for c in obs[1]]
    over = [row[header.index("over_limit")] for row in obs.iter_rows(min_row=2, values_only=True)]
    assert sorted(over) == [0, 0, 1]  # pH 9.1 is over 8.5
    assert main(["--data-dir", str(folder), "export", "xlsx", "--from", "2026-13-01",
                 "-o", str(tmp_path / "x.xlsx")]) != 0
    assert "ЖЖЖЖ-СС-ӨӨ" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_geopackage_opens_in_gdal(folder: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "m.gpkg"
    out = run(folder, "gpkg", "-o", str(target), capsys=capsys)
    assert out["counts"] == {"sites": 2, "plots": 3, "visits": 4, "photo_points": 1}
    # read back without GDAL: the GeoPackage tables the specification requires, and the shapes
    import sqlite3

    from fudgeo.geometry import MultiPolygon

    with closing(sqlite3.connect(target)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert db.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents "
                          "ORDER BY rowid").fetchall() == [
            (n, "features", 4326) for n in ("sites", "plots", "visits", "photo_points")]
        assert dict(db.execute("SELECT table_name, geometry_type_name FROM "
                               "gpkg_geometry_columns").fetchall())["plots"] == "MULTIPOLYGON"
        blob, name, area = db.execute(
            "SELECT geom, name, area_ha FROM plots WHERE name = 'Талбай 2'").fetchone()
        assert blob[:2] == b"GP" and isinstance(area, float)
        shape = MultiPolygon.from_gpkg(blob)
        assert shape.srs_id == 4326 and len(shape.polygons) == 1
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (Debian gdal-bin) is not installed")
    text = subprocess.run(["ogrinfo", "-al", str(target)], capture_output=True, text=True,
                          check=True).stdout
    assert "Талбай 2" in text and "#e69f00" in text
    check = subprocess.run(["ogrinfo", "-q", "-sql", "SELECT count(*) FROM visits", str(target)],
                           capture_output=True, text=True, check=True)
    assert "= 4" in check.stdout
    assert "Warning" not in check.stderr and "ERROR" not in check.stderr, check.stderr
