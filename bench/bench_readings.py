"""Instrument readings benchmark (issue 14).

    .venv/bin/python bench/bench_readings.py [--rows 500000] [--no-chart]

1. Import 1,000,000 readings from one CSV (500,000 one-minute rows × PM2.5 and PM10): parse,
   QC (range, stuck, spike, gap) and store as compressed sync batches with their rows in the
   compact readings table, all through ``read_file`` + ``import_parsed``.  Target: ≤ 10 s.
2. The store part against a raw ``sqlite3.executemany`` of the same 1,000,000 rows in the same
   run into an identical table (same WITHOUT ROWID key, same pragmas) from ready-made tuples.
   Target: ≤ 2×.
3. 24-hour means (and hourly/annual, limits, exceedances, worst days) of a year of 1-minute
   PM10 data (525,600 readings) read from the store.  Target: ≤ 1 s.
4. The chart with 1,000,000 points: 60 pan steps at full range and at one week, each frame a
   synchronous repaint offscreen (1200×600).  Target: frames ≤ 16 ms, checked on the CPU time
   of the GUI thread (as bench_map.py does: on the shared 2-core machine wall time also counts
   the other jobs' turns); the wall times are printed beside it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

T0 = 1_735_660_800  # 2025-01-01T00:00+08:00


def write_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(rows, dtype=np.int64) * 60 + T0
    stamps = np.datetime_as_string(t.astype("datetime64[s]"), unit="s")
    pm25 = np.round(30 + 20 * np.sin(np.arange(rows) / 500) + rng.normal(0, 3, rows), 1)
    pm10 = np.round(pm25 * 1.8 + rng.normal(0, 4, rows), 1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("time_utc,PM2.5 (ug/m3),PM10 (ug/m3)\n")
        fh.writelines(f"{s}Z,{a},{b}\n" for s, a, b in zip(stamps.tolist(), pm25.tolist(),
                                                           pm10.tolist(), strict=True))


def new_store(folder: Path) -> tuple[object, str]:
    from factories import make_site
    from pemdesk.storage import Store
    from pemdesk.storage import readings as rs

    store = Store.open(folder)
    site = make_site(store)
    iid = rs.add_instrument(store, "BENCH-1")
    dep = rs.add_deployment(store, iid, site.id, "2025-01-01T00:00:00Z")
    return store, dep


def bench_import(folder: Path, rows: int) -> dict[str, float]:
    from pemdesk.instruments import qc
    from pemdesk.instruments.formats import read_file
    from pemdesk.storage import readings as rs

    csv_path = folder / "big.csv"
    write_csv(csv_path, rows)
    store, dep = new_store(folder / "store")
    t0 = time.perf_counter()
    parsed = read_file(csv_path)
    t1 = time.perf_counter()
    for s in parsed.series:  # QC alone, for the split (import_parsed runs it again)
        qc.check(s.indicator, s.times, s.values, s.flags)
    t2 = time.perf_counter()
    t3 = time.perf_counter()
    result = rs.import_parsed(store, dep, parsed)
    t4 = time.perf_counter()
    n = result.readings
    store_only = (t4 - t3) - (t2 - t1)
    # Raw executemany of the same rows into an identical table, tuples made beforehand.
    raw = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE reading (dep INTEGER NOT NULL, ind INTEGER NOT NULL, t INTEGER NOT "
                "NULL, value REAL NOT NULL, flags INTEGER NOT NULL DEFAULT 0, batch INTEGER NOT "
                "NULL, PRIMARY KEY (dep, ind, t)) WITHOUT ROWID")
    raw.execute("CREATE INDEX reading_batch_rows ON reading(batch)")
    tuples = [(1, k + 1, t, v, 0, 1) for k, s in enumerate(parsed.series)
              for t, v in zip(s.times.tolist(), s.values.tolist(), strict=True)]
    r0 = time.perf_counter()
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO reading VALUES (?,?,?,?,?,?)", tuples)
    raw.execute("COMMIT")
    r1 = time.perf_counter()
    raw.close()
    store.close()  # type: ignore[attr-defined]
    return {"readings": n, "parse": t1 - t0, "qc": t2 - t1, "store": store_only,
            "total": (t1 - t0) + (t4 - t3), "raw": r1 - r0}


def bench_summary(folder: Path) -> tuple[float, int]:
    from pemdesk.instruments.formats import ParsedFile
    from pemdesk.instruments.model import Series
    from pemdesk.instruments.summary import deployment_summaries
    from pemdesk.storage import readings as rs

    store, dep = new_store(folder / "year")
    n = 365 * 24 * 60
    rng = np.random.default_rng(2)
    t = T0 + np.arange(n, dtype=np.int64) * 60
    v = np.round(60 + 40 * np.sin(np.arange(n) / 3000) + rng.normal(0, 5, n), 1)
    parsed = ParsedFile(Path("year.csv"), "bench", [Series("air.pm10", "µg/m³", "PM10", t, v)],
                        "UTC", "file")
    rs.import_parsed(store, dep, parsed)
    times = []
    for _ in range(3):
        a = time.perf_counter()
        out = deployment_summaries(store, dep)
        times.append(time.perf_counter() - a)
    days = out[0].daily
    store.close()  # type: ignore[attr-defined]
    return min(times), len(days.periods) if days else 0


def bench_chart(points: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from pemdesk.ui.readings.chart import LimitLine, ReadingsChart

    app = QApplication.instance() or QApplication([])
    chart = ReadingsChart()
    chart.resize(1200, 600)
    chart.show()
    t = T0 + np.arange(points, dtype=np.int64) * 60
    v = 50 + 30 * np.sin(np.arange(points) / 800) + np.random.default_rng(3).normal(0, 5, points)
    flags = np.zeros(points, dtype=np.int64)
    flags[::5000] = 4
    daily = [(int(T0 + d * 86400), int(T0 + (d + 1) * 86400), 55.0, True)
             for d in range(points // 1440)]
    chart.set_data(t, v, flags, [LimitLine(100, "≤ 100 (MNS)", True),
                                 LimitLine(45, "≤ 45 (WHO)", False)], daily, "µg/m³", "PM10")
    app.processEvents()
    chart.plot.repaint()
    out = {}
    for label, width in (("full range", None), ("one week", 7 * 86400)):
        if width is not None:
            chart.plot.setXRange(float(t[points // 2]), float(t[points // 2] + width), padding=0)
        app.processEvents()
        chart.plot.repaint()
        frames = []
        cpu = []
        for i in range(60):
            a, c = time.perf_counter(), time.thread_time()
            chart.pan(0.02 if i % 2 == 0 else -0.01)
            chart.plot.viewport().repaint()  # the frame, painted now (one paint per step)
            app.processEvents()
            frames.append((time.perf_counter() - a) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
        for kind, values in (("", frames), ("CPU ", cpu)):
            values.sort()
            out[f"{label} {kind}median"] = statistics.median(values)
            out[f"{label} {kind}p95"] = values[int(len(values) * 0.95) - 1]
            out[f"{label} {kind}worst"] = values[-1]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000, help="CSV rows (2 readings each)")
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        r = bench_import(folder, args.rows)
        print(f"import {r['readings']:,} readings from CSV: parse {r['parse']:.2f} s, "
              f"QC {r['qc']:.2f} s, store {r['store']:.2f} s; total {r['total']:.2f} s "
              f"(target ≤ 10 s: {'OK' if r['total'] <= 10 else 'MISSED'})")
        ratio = r["store"] / r["raw"]
        print(f"store {r['store']:.2f} s vs raw executemany {r['raw']:.2f} s of the same rows: "
              f"{ratio:.2f}× (target ≤ 2×: {'OK' if ratio <= 2 else 'MISSED'})")
        s, days = bench_summary(folder)
        print(f"summary of a year of 1-minute PM10 (525,600 readings, {days} days): {s:.2f} s "
              f"(target ≤ 1 s: {'OK' if s <= 1 else 'MISSED'})")
    if not args.no_chart:
        c = bench_chart(1_000_000)
        for k, v in c.items():
            print(f"chart 1,000,000 points, pan {k}: {v:.1f} ms")
        wall = max(v for k, v in c.items() if k.endswith(" p95"))
        worst = max(v for k, v in c.items() if k.endswith("CPU p95"))
        print(f"chart frames p95 {worst:.1f} ms CPU, {wall:.1f} ms wall (target ≤ 16 ms CPU: "
              f"{'OK' if worst <= 16 else 'MISSED'})")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
