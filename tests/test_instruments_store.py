"""Readings in the store: batches (one outbox op each), deduplication, batches from elsewhere,
undo, CSV export, the generic importer on files it has not seen, and the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from factories import make_site
from pemdesk.cli import main
from pemdesk.errors import InvalidInput
from pemdesk.instruments import payload
from pemdesk.instruments.formats import read_file
from pemdesk.instruments.tabular import ColumnMap, Profile
from pemdesk.instruments.timeparse import to_iso
from pemdesk.storage import Store
from pemdesk.storage import readings as rs


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "data")


def _deployment(store: Store) -> str:
    site = make_site(store)
    iid = rs.add_instrument(store, "SN-1", make="Test", kind="generic")
    return rs.add_deployment(store, iid, site.id, "2025-01-01T00:00:00Z")


def _csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_semicolons_decimal_commas_disorder_and_duplicates(tmp_path: Path) -> None:
    f = _csv(tmp_path / "logger.csv", [
        "Logger X-200;;", "Serial number;XY-77;", "",
        "Datum;PM10 [µg/m³];PM2.5 [µg/m³]",
        "02.01.2025 10:00;40,5;20,25", "02.01.2025 09:00;30,5;10,5",
        "02.01.2025 10:00;99;99", "02.01.2025 11:00;;12",
    ], encoding="cp1252")
    parsed = read_file(f, tz="+08:00")
    pm10, pm25 = parsed.get("air.pm10"), parsed.get("air.pm25")
    assert parsed.reordered and parsed.duplicates == 1
    assert pm10.values.tolist() == [30.5, 40.5] and pm25.values.tolist() == [10.5, 20.25, 12.0]
    assert to_iso(pm25.times[0]) == "2025-01-02T01:00:00Z"
    assert parsed.serial == "XY-77"


def test_unreadable_time_refuses_the_file_by_line(tmp_path: Path) -> None:
    f = _csv(tmp_path / "bad.csv", ["time,pm25", "2025-01-01 10:00,5", "2025-01-01 11:00,6",
                                    "2025-01-01 12:00,6", "yesterday noon,7"])
    with pytest.raises(InvalidInput) as err:
        read_file(f)
    assert "bad.csv, line 5" in err.value.en and "yesterday noon" in err.value.en


def test_xlsx_with_a_profile(tmp_path: Path) -> None:
    from datetime import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Station report"])
    ws.append(["When", "Dust", "Water level (cm)"])
    for h in range(3):
        ws.append([datetime(2025, 5, 1, h), 100 + h, 250 + h])
    wb.save(tmp_path / "station.xlsx")
    profile = Profile(name="station", header_line=2, time_columns=["When"], tz="UTC",
                      columns=[ColumnMap("Dust", "air.pm10", "ug/m3"),
                               ColumnMap("Water level (cm)", "water.well_level", "cm")])
    parsed = read_file(tmp_path / "station.xlsx", profile=profile)
    assert parsed.get("air.pm10").values.tolist() == [100, 101, 102]
    assert parsed.get("water.well_level").values.tolist() == pytest.approx([2.5, 2.51, 2.52])
    assert to_iso(parsed.first or 0) == "2025-05-01T00:00:00Z"
    assert Profile.from_json(profile.to_json()) == profile


def test_import_is_one_op_per_batch_deduplicated_and_undoable(store: Store, tmp_path: Path) -> None:
    dep = _deployment(store)
    lines = ["time,PM2.5 (ug/m3)"] + [f"2025-01-01 {h:02d}:{m:02d},{(h * 60 + m) % 50}"
                                      for h in range(24) for m in range(0, 60, 5)]
    parsed = read_file(_csv(tmp_path / "a.csv", lines))
    before = store.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    result = rs.import_parsed(store, dep, parsed)
    assert result.status == "imported" and result.readings == 288
    ops = store.conn.execute("SELECT entity FROM sync_outbox ORDER BY device_seq").fetchall()[before:]
    assert ops == [("reading_batch",)]
    again = rs.import_parsed(store, dep, read_file(tmp_path / "a.csv"))
    assert again.status == "duplicate" and again.readings == 0
    assert store.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == before + 1
    t, v, _f = rs.series(store, dep, "air.pm25")
    assert t.shape[0] == 288 and v[13] == 15.0  # 01:05 → 65 % 50
    rs.delete_batch(store, result.batches[0])
    assert rs.series(store, dep, "air.pm25")[0].shape[0] == 0


def test_batches_from_another_laptop_are_expanded(store: Store, tmp_path: Path) -> None:
    dep = _deployment(store)
    t = np.arange(10, dtype=np.int64) * 60 + 1_735_689_600
    text = payload.encode([("air.pm10", t, np.arange(10.0), np.zeros(10, dtype=np.int64))])
    sha = payload.sha256(text)
    with store.capture_suppressed():  # as the sync client applies a pulled record
        store.conn.execute(
            "INSERT INTO reading_batch (id, deployment_id, count, payload, payload_sha256, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
            (payload.batch_id(dep, sha), dep, 10, text, sha, "2025-01-01T00:00:00Z",
             "2025-01-01T00:00:00Z"))
    times, values, _flags = rs.series(store, dep, "air.pm10")
    assert times.tolist() == t.tolist() and values.tolist() == list(range(10))


def test_schema_refuses_a_tampered_batch() -> None:
    from pemdesk.sync.schema import Invalid, check_record, entity

    ent = entity("reading_batch")
    assert ent is not None
    text = payload.encode([("air.pm10", np.array([1]), np.array([1.0]), np.array([0]))])
    check_record(ent, {"payload": text, "payload_sha256": payload.sha256(text)})
    with pytest.raises(Invalid):
        check_record(ent, {"payload": text, "payload_sha256": "0" * 64})


def test_export_csv_has_flags(store: Store, tmp_path: Path) -> None:
    dep = _deployment(store)
    lines = ["time,PM10 (ug/m3)"] + [f"2025-01-01 00:{m:02d},{20 + m % 3}" for m in range(30)]
    lines[15] = "2025-01-01 00:14,900"
    rs.import_parsed(store, dep, read_file(_csv(tmp_path / "b.csv", lines)))
    out = tmp_path / "out.csv"
    assert rs.export_csv(store, dep, out) == 30
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    spikes = [r for r in rows if "spike" in r["flags"]]
    assert [(r["time_utc"], r["value"]) for r in spikes] == [("2024-12-31T16:14:00Z", "900.0")]


def test_cli_import_and_summary_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    with Store.open(data) as st:
        site = make_site(st)
    lines = ["time,PM2.5 (ug/m3)"] + [f"2025-01-{d:02d} {h:02d}:00,{(60 if d == 1 else 10) + h % 3}"
                                      for d in (1, 2) for h in range(24)]
    f = _csv(tmp_path / "pm.csv", lines)
    bad = _csv(tmp_path / "empty.csv", ["nothing here"])
    code = main(["--data-dir", str(data), "--lang", "en", "import", "readings", str(f), str(bad),
                 "--site", site.id, "--instrument", "AQ-1", "--tz", "+08:00", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    good, refused = out["files"]
    assert (good["status"], good["readings"], good["first"], good["last"]) == (
        "imported", 48, "2024-12-31T16:00:00Z", "2025-01-02T15:00:00Z")
    assert refused["status"] == "error" and "empty.csv" in refused["message"]
    main(["--data-dir", str(data), "--lang", "en", "readings", "summary", "--site", site.id,
          "--json"])
    summary = json.loads(capsys.readouterr().out)["summaries"][0]
    mns = next(x for x in summary["limits"] if x["source"].startswith("MNS")
               and x["averaging"] == "24h")
    assert (mns["valid_periods"], mns["exceedances"]) == (2, 1)
    main(["--data-dir", str(data), "readings", "batches", "--deployment", good["deployment"],
          "--json"])
    batches = json.loads(capsys.readouterr().out)["batches"]
    assert [(b["source_name"], b["count"]) for b in batches] == [("pm.csv", 48)]
    assert main(["--data-dir", str(data), "readings", "remove", batches[0]["id"]]) == 0
    with Store.open(data) as st:
        assert rs.series(st, good["deployment"], "air.pm25")[0].shape[0] == 0


def test_whole_series_from_batches_equals_the_table_rows(store: Store, tmp_path: Path) -> None:
    dep = _deployment(store)
    a = ["time,PM10 (ug/m3)"] + [f"2025-01-01 00:{m:02d},{10 + m % 4}" for m in range(40)]
    b = ["time,PM10 (ug/m3)"] + [f"2025-01-01 00:{m:02d},{50 + m % 4}" for m in range(20, 60)]
    rs.import_parsed(store, dep, read_file(_csv(tmp_path / "a.csv", a)))
    rs.import_parsed(store, dep, read_file(_csv(tmp_path / "b.csv", b)))
    whole = rs.series(store, dep, "air.pm10")
    table = rs.series(store, dep, "air.pm10", 0, 2**40)  # a window reads the table
    for x, y in zip(whole, table, strict=True):
        assert x.tolist() == y.tolist()
    assert whole[0].shape[0] == 60 and whole[1][25] == 10 + 25 % 4  # the first import kept


def test_site_report_and_visit_report_section(store: Store, tmp_path: Path) -> None:
    import pypdfium2

    from factories import make_visit
    from pemdesk.reports.readings import write_site_readings_report
    from pemdesk.reports.visit import collect_visit, render_visit

    dep = _deployment(store)
    site_id = rs.get_deployment(store, dep)["site_id"]
    lines = ["time,PM10 (ug/m3)"] + [f"2026-05-{d:02d} {h:02d}:00,{(140 if d == 20 else 40) + h % 4}"
                                     for d in range(18, 31) for h in range(24)]
    rs.import_parsed(store, dep, read_file(_csv(tmp_path / "pm.csv", lines)))
    out = tmp_path / "site.pdf"
    built = write_site_readings_report(store, site_id, out, lang="en")
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(out))
    assert built.pages >= 1 and "Air and water readings summary" in text
    assert "24-hour means" in text and "MNS 4585:2016" in text
    from pemdesk import model

    site = store.get(model.Site, site_id)
    visit = make_visit(store, site, started="2026-06-01T02:00:00.000Z")
    data = collect_visit(store, visit.id)
    blocks = data.extra["readings"]
    assert len(blocks) == 1
    pm10 = blocks[0].summaries[0]
    mns24 = next(r for r in pm10.limits if r.limit.source.startswith("MNS")
                 and r.averaging == "24h")
    assert (mns24.valid, len(mns24.exceedances)) == (13, 1)  # one day at 141.5 µg/m³
    vout = tmp_path / "visit.pdf"
    render_visit(data, vout, lang="en")
    vtext = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(vout))
    assert "Instrument readings" in vtext
