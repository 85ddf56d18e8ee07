"""QC and averaging on hand-computable series: gaps, a spike, a stuck sensor, 74 % vs 76 %
completeness, a daylight-saving change; and the EPA 2021 PurpleAir correction."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from pemdesk.instruments import aggregate, corrections, qc
from pemdesk.instruments.model import FLAG_GAP, FLAG_INSTRUMENT, FLAG_RANGE, FLAG_SPIKE, FLAG_STUCK
from pemdesk.instruments.timeparse import TimeFormat, infer_format, local_to_utc

T0 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())


def minutes(n: int, step: int = 60) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.int64) * step


def test_a_spike_is_flagged_and_its_neighbours_are_not() -> None:
    values = np.array([10, 11, 10, 12, 11, 250, 11, 10, 12, 11, 10], dtype=float)
    flags = qc.check("air.pm25", minutes(11), values)
    assert [i for i, f in enumerate(flags) if f & FLAG_SPIKE] == [5]
    assert values[5] == 250  # the raw value is kept


def test_a_stuck_sensor_is_flagged_after_two_hours_of_one_value() -> None:
    # 15-minute readings: 9 identical values span 2 h; 8 span 1 h 45 min.
    t = minutes(30, 900)
    v = np.arange(30, dtype=float)
    v[5:14] = 42.0  # 9 readings, 2 h
    v[20:28] = 7.0  # 8 readings, 1 h 45
    flags = qc.check("air.pm10", t, v, settings=qc.QcSettings(spike_k=1e9))
    stuck = [i for i, f in enumerate(flags) if f & FLAG_STUCK]
    assert stuck == list(range(5, 14))


def test_gaps_and_range() -> None:
    t = np.array([0, 60, 120, 180, 600, 660, 720], dtype=np.int64) + T0
    v = np.array([5, 6, -3, 5, 6, 12000, 5], dtype=float)
    flags = qc.check("air.pm25", t, v, settings=qc.QcSettings(spike_k=1e9))
    assert flags[4] & FLAG_GAP and not flags[3] & FLAG_GAP
    assert [i for i, f in enumerate(flags) if f & FLAG_RANGE] == [2, 5]  # 0–10000 µg/m³
    assert qc.gaps(t) == [qc.Gap(T0 + 180, T0 + 600)]


def test_an_hour_needs_75_percent_74_is_not_enough_76_is() -> None:
    # 72-second interval: 50 readings make an hour. 37/50 = 74 %, 38/50 = 76 %.
    step = 72
    full = minutes(100, step)  # two hours of 50 readings
    keep = np.ones(100, dtype=bool)
    keep[37:50] = False  # first hour: 37 readings
    keep[50 + 38:] = False  # second hour: 38 readings
    t = full[keep]
    v = np.where(t < T0 + 3600, 10.0, 20.0)
    hours = aggregate.hourly(t, v, interval=step)
    assert [(p.n, p.expected, p.valid) for p in hours.periods] == [(37, 50, False), (38, 50, True)]
    assert hours.periods[0].completeness == pytest.approx(0.74)
    assert hours.periods[1].completeness == pytest.approx(0.76)


def test_a_24h_mean_needs_18_of_24_hours_and_counts_exceedances() -> None:
    # Day 1: 18 hourly values of 60 → valid, mean 60 > 50. Day 2: 17 values of 100 → invalid.
    t1 = T0 - 8 * 3600 + np.arange(18) * 3600  # local midnight at +08:00 is 16:00 UTC
    t2 = T0 + 16 * 3600 + np.arange(17) * 3600
    t = np.concatenate((t1, t2)).astype(np.int64)
    v = np.concatenate((np.full(18, 60.0), np.full(17, 100.0)))
    hours = aggregate.hourly(t, v, interval=3600)
    days = aggregate.daily(hours, "+08:00")
    assert [(p.n, p.expected, p.valid, p.mean) for p in days.periods] == [
        (18, 24, True, 60.0), (17, 24, False, 100.0)]
    assert len(days.exceedances(50)) == 1  # the invalid day is not counted
    assert days.worst(1)[0].mean == 60.0


def test_flagged_readings_stay_out_of_means() -> None:
    t = minutes(4, 900)
    v = np.array([10, 10, 1000, 10], dtype=float)
    f = np.array([0, 0, FLAG_INSTRUMENT, 0])
    hours = aggregate.hourly(t, v, f, interval=900)
    assert hours.periods[0].mean == 10.0 and hours.periods[0].n == 3


def test_a_dst_day_has_23_hours_and_the_repeated_hour_is_read_twice() -> None:
    zone = "America/Chicago"
    # 2024-03-10: clocks jump 02:00 → 03:00, the local day has 23 hours.
    fmt = TimeFormat("%Y-%m-%d %H:%M")
    local = [f"2024-03-10 {h:02d}:00" for h in range(24) if h != 2]
    naive = np.asarray([int(fmt.parse(s)[0]) for s in local], dtype=np.int64)  # type: ignore[index]
    utc = local_to_utc(naive, zone)
    assert np.all(np.diff(utc) == 3600)  # 01:00 CST → 03:00 CDT is one hour
    hours = aggregate.hourly(utc, np.full(23, 30.0), interval=3600)
    day = aggregate.daily(hours, zone).periods[0]
    assert (day.expected, day.n, day.valid) == (23, 23, True)
    # 2024-11-03: 01:00–01:59 happens twice; written times step back, UTC keeps going.
    local = ["2024-11-03 00:30", "2024-11-03 01:00", "2024-11-03 01:30", "2024-11-03 01:00",
             "2024-11-03 01:30", "2024-11-03 02:00"]
    naive = np.asarray([int(fmt.parse(s)[0]) for s in local], dtype=np.int64)  # type: ignore[index]
    utc = local_to_utc(naive, zone)
    assert np.diff(utc).tolist() == [1800] * 5
    # That day has 25 hours.
    days = aggregate.daily(aggregate.hourly(utc, np.ones(6), interval=1800), zone)
    assert days.periods[0].expected == 25


def test_day_first_or_month_first_is_decided_by_the_whole_column() -> None:
    values = ["01/02/2024 10:00", "05/02/2024 10:00", "13/02/2024 10:00"]
    fmt = infer_format(values)
    assert fmt is not None and fmt.fmt.startswith("%d/%m/%Y")
    values = ["02/01/2024 10:00", "02/05/2024 10:00", "02/13/2024 10:00"]
    fmt = infer_format(values)
    assert fmt is not None and fmt.fmt.startswith("%m/%d/%Y")


def test_epa2021_purpleair_correction() -> None:
    pa = np.array([10.0, 100.0, 400.0])
    rh = np.array([50.0, 30.0, 40.0])
    out = corrections.epa2021(pa, rh)
    assert out[0] == pytest.approx(0.524 * 10 - 0.0862 * 50 + 5.75)  # 6.68
    assert out[1] == pytest.approx(0.524 * 100 - 0.0862 * 30 + 5.75)
    assert out[2] == pytest.approx(0.46 * 400 + 3.93e-4 * 400**2 + 2.97)
    t = np.array([0, 600, 7200], dtype=np.int64)
    values, applied = corrections.apply("air.pm25", t, np.array([10.0, 100.0, 20.0]),
                                        (corrections.EPA2021,),
                                        rh=(np.array([0, 600], dtype=np.int64), rh[:2]))
    assert np.isnan(values[2]) and applied.uncorrectable == 1  # no humidity within an hour
    assert "EPA 2021" in applied.text("en")


def test_noise_day_level_is_an_energy_mean() -> None:
    # Local 07:00–22:00 at +08:00 on 2025-01-02 = 23:00 UTC Jan 1 .. 14:00 UTC Jan 2.
    start = int(datetime(2025, 1, 1, 23, tzinfo=UTC).timestamp())
    t = start + np.arange(15 * 60, dtype=np.int64) * 60
    v = np.where(np.arange(t.shape[0]) < 450, 50.0, 60.0)
    s = aggregate.day_night(t, v, None, "+08:00", "day")
    expected = 10 * np.log10((10**5 + 10**6) / 2)
    assert s.periods[0].mean == pytest.approx(expected) and s.periods[0].valid
