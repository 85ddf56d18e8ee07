"""Every file in ../shared/data/instruments/ is imported (count, first and last UTC, a value) or
refused by name; a few are checked against an independent reading with csv + datetime."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from pemdesk.errors import InvalidInput
from pemdesk.instruments.formats import read_file
from pemdesk.instruments.timeparse import to_iso

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "instruments"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared instrument data absent ({DATA})")

# (file, first series' indicator, count, first UTC, last UTC, (a UTC time, its value)).
# Files without a zone are read as Mongolian time (+08:00) unless their name or header says.
IMPORTED = [
    ('aeroqual_aqy/AQY AB-282 Data Export.csv', 'air.no2', 16067, '2018-08-03T17:31:00Z', '2018-09-19T12:47:00Z', ('2018-08-09T13:48:00Z', 0.0)),
    ('eureka_manta/MCF1_20060807_CDT_EU0097.csv', 'water.temperature', 340, '2006-07-26T10:00:00Z', '2006-08-09T13:00:00Z', ('2006-08-02T12:00:00Z', 28.92)),
    ('globalwater_logger/ag14a 2016-08-02.csv', 'water.level', 2184, '2016-05-03T03:38:06Z', '2016-08-02T02:38:06Z', ('2016-06-17T15:38:06Z', 11.25)),
    ('greenspan/RIOF_20060608_CDT_GS7837.txt', 'water.dissolved_oxygen', 961, '2006-06-08T19:00:00Z', '2006-07-18T19:00:00Z', ('2006-06-28T19:00:00Z', 2.7)),
    ('hanna_hi9828/HI handheld.csv', 'water.temperature', 8, '2015-03-25T02:49:15Z', '2015-03-25T05:42:15Z', ('2015-03-25T04:15:45Z', 7.92)),
    ('hobo/Chalgrove_Lake_1.7m_2019-10-30.csv', 'water.temperature', 3994, '2019-10-16T20:20:00Z', '2019-10-30T17:05:00Z', ('2019-10-23T18:45:00Z', 15.76)),
    ('hobo/Stream_A_DO_2020-03-21.csv', 'water.dissolved_oxygen', 4337, '2020-03-06T16:40:00Z', '2020-03-21T18:00:00Z', ('2020-03-14T05:20:00Z', 9.3)),
    ('hobo/sample_hobo_pendant_data.csv', 'water.temperature', 1993, '2019-10-10T10:00:00Z', '2019-10-17T08:00:00Z', ('2019-10-13T21:00:00Z', 18.616111111111113)),
    ('hobo/sample_hobo_u12_data.csv', 'water.temperature', 2998, '2013-10-02T05:00:00Z', '2013-12-03T15:30:00Z', ('2013-11-02T10:30:00Z', 18.723)),
    ('hydrolab/LAV_20050420_CDT_HY000_000.txt', 'water.temperature', 819, '2005-04-20T14:00:00Z', '2005-05-24T16:00:00Z', ('2005-05-07T15:00:00Z', 23.05)),
    ('hydrotech_minisonde/0808cont.csv', 'water.temperature', 600, '2008-08-11T10:00:00Z', '2008-09-05T09:00:00Z', ('2008-08-23T22:00:00Z', 28.64)),
    ('hydrotech_minisonde/1008cont.csv', 'water.temperature', 173, '2008-10-06T23:00:00Z', '2008-10-14T03:00:00Z', ('2008-10-10T13:00:00Z', 25.64)),
    ('insitu_troll/In-Situ logger.csv', 'water.temperature', 2598, '2015-03-25T06:09:01Z', '2015-04-21T07:24:01Z', ('2015-04-07T18:54:01Z', 8.48)),
    ('metone_bam/BAM2_data_190219_100627.csv', 'air.pm25', 4369, '2018-08-21T02:00:00Z', '2019-02-19T02:00:00Z', ('2018-11-20T02:00:00Z', 9.0)),
    ('metone_bam/HrConc.CSV', 'air.pm25', 29, '2018-05-09T03:00:00Z', '2018-05-10T07:00:00Z', ('2018-05-09T17:00:00Z', 1.0)),
    ('metone_bc1054/raw_20250203.csv', 'met.temperature', 544, '2025-02-02T16:11:00Z', '2025-02-03T15:56:00Z', ('2025-02-03T11:24:00Z', 13.84)),
    ('metone_ebam_airsis/airsis_ebam_example-raw.csv', 'air.pm10', 741, '2019-01-01T00:00:00Z', '2019-01-31T20:00:00Z', ('2019-01-16T10:00:00Z', 6.0)),
    ('mongolia/Ulaanbaatar_PM2.5_2025_YTD.csv', 'air.pm25', 722, '2024-12-31T17:00:00Z', '2025-01-31T16:00:00Z', ('2025-01-16T15:00:00Z', 262.0)),
    ('noise_laeq_generic/test_data_laeq1m.csv', 'noise.laeq', 16470, '2025-03-20T16:00:30Z', '2025-04-01T02:29:30Z', ('2025-03-26T09:15:30Z', 51.29816967553963)),
    ('openaq/list_sensor_measurements_3.response_body.json', 'air.pm25', 48, '2023-03-07T05:00:00Z', '2023-03-08T04:30:00Z', ('2023-03-07T17:00:00Z', 7.12)),
    ('openaq/measurements.json', 'air.pm25', 2, '2023-10-16T12:00:00Z', '2023-10-16T13:00:00Z', ('2023-10-16T13:00:00Z', 7.5)),
    ('openaq/v1_measurements_limit2_attribution_averagingPeriod.response_body.json', 'air.no2', 1, '2020-11-08T12:00:00Z', '2020-11-08T12:00:00Z', ('2020-11-08T12:00:00Z', 36.50334151329244)),
    ('purpleair/PA_II_C3A3 (outside) (30.390241 -97.729502) Primary Real Time 03_04_2020 03_07_2020.csv', 'air.pm25', 2876, '2020-03-04T00:01:07Z', '2020-03-07T23:59:31Z', ('2020-03-06T00:05:32Z', 2.7)),
    ('purpleair/sensor-149970-1663803000-1664059200.csv', 'air.pm25', 432, '2022-09-21T23:30:00Z', '2022-09-24T23:20:00Z', ('2022-09-23T11:30:00Z', 0.44)),
    ('quantaq_modulair/MOD-raw.csv', 'met.rh', 60, '2021-10-08T18:12:37Z', '2021-10-08T19:11:37Z', ('2021-10-08T18:42:37Z', 46.3)),
    ('quantaq_modulair/file1.csv', 'met.rh', 517, '2020-08-30T23:16:59Z', '2020-08-30T23:59:59Z', ('2020-08-30T23:38:29Z', 50.92)),
    ('sensit_ramp/190129.txt', 'air.pm25', 2737, '2019-01-28T16:00:00Z', '2019-01-29T03:24:00Z', ('2019-01-28T21:42:00Z', 11.58)),
    ('sensor_community/2017-09-01_dht22_sensor_5332.csv', 'met.temperature', 578, '2017-09-01T00:02:03Z', '2017-09-01T23:58:22Z', ('2017-09-01T12:06:43Z', 17.6)),
    ('sensor_community/2017-09-01_sds011_sensor_5331.csv', 'air.pm10', 578, '2017-09-01T00:02:03Z', '2017-09-01T23:58:21Z', ('2017-09-01T12:06:42Z', 2.1)),
    ('solinst_levelogger/0812Nude3_Baro.csv', 'water.level', 2228, '2012-07-29T01:00:00Z', '2012-08-21T05:45:00Z', ('2012-08-09T15:30:00Z', 10.323951196)),
    ('solinst_levelogger/1034598.lev', 'water.level', 1467, '2010-08-05T02:10:40Z', '2010-08-10T04:20:40Z', ('2010-08-07T15:15:40Z', -0.03285744)),
    ('solinst_levelogger/20161102_Barometer.xle', 'water.level', 4218, '2016-09-19T03:45:00Z', '2016-11-02T02:00:00Z', ('2016-10-11T03:00:00Z', 8.431988817)),
    ('solinst_levelogger/ag13a 2016-08-02.xle', 'water.level', 2184, '2016-05-03T02:00:00Z', '2016-08-02T01:00:00Z', ('2016-06-17T14:00:00Z', 1.6399764)),
    ('tceq_cams_report/CAMS 1068 PM-2.5 (Local Conditions) Summary Report for 2018.csv', 'air.pm25', 1604, '2018-10-25T16:00:00Z', '2019-01-01T05:00:00Z', ('2018-11-28T12:00:00Z', 10.0)),
    ('thermo_teom1405/TEOM_normal.csv', 'air.pm25', 100, '2025-06-07T04:00:00Z', '2025-06-07T16:06:02Z', ('2025-06-07T11:12:01Z', 1.9806)),
    ('tsi_dusttrak_drx/ESJB_dt02_001__EXCERPT_first60rows.csv', 'air.pm25', 60, '2024-10-28T09:05:05Z', '2024-10-28T10:04:05Z', ('2024-10-28T09:35:05Z', 19.0)),
    ('upas_accsensors/HHB00087_LOG_2025-06-03T20_55UTC.csv', 'air.pm25', 11, '2025-06-03T20:55:00Z', '2025-06-03T21:00:00Z', ('2025-06-03T20:57:30Z', 0.6)),
    ('upas_accsensors/PSP00270_LOG_2024-06-14T18_54_44UTC_NoGPS___________----------.txt', 'met.temperature', 24, '2024-06-14T18:56:00Z', '2024-06-14T19:07:30Z', ('2024-06-14T19:02:00Z', 29.27)),
    ('ysi_6series/0108BAYT.csv', 'water.temperature', 1062, '2008-01-29T01:00:00Z', '2008-03-13T06:00:00Z', ('2008-02-20T04:00:00Z', 16.11)),
    ('ysi_6series/BAYT_20070323_CDT_YS1772AA_000.csv', 'water.temperature', 1084, '2007-03-23T15:00:24Z', '2007-05-07T18:00:24Z', ('2007-04-15T05:00:24Z', 18.33)),
    ('ysi_exo_korexo/chalgrove_lake_2019-05-16_raw.csv', 'water.ec', 1723, '2019-05-10T03:05:00Z', '2019-05-16T02:35:00Z', ('2019-05-13T02:50:00Z', 103.0)),
]

REFUSED = {
    "airgradient/current_measures.json": "no time",
    "airgradient/current_measures_2.json": "no time",
    "metone_eseq/E-Sequential Example File.csv": "no concentration",
    "openaq/locations.json": "no measurements",
    "tsi_aim_aps/20251117.TXT": "particle size distribution",
    "tsi_aim_smps/20250219.TXT": "particle size distribution",
    "tsi_aim_smps/aim10_2.txt": "particle size distribution",
    "upas_accsensors/PS1771_LOG_2024-06-18T02_46_00UTC_NoGPS______________Eng.txt": "line 60",
}


@pytest.mark.parametrize(("name", "code", "count", "first", "last", "probe"), IMPORTED,
                         ids=[i[0] for i in IMPORTED])
def test_file_is_imported(name: str, code: str, count: int, first: str, last: str,
                          probe: tuple[str, float]) -> None:
    parsed = read_file(DATA / name)
    s = parsed.get(code)
    assert len(s) == count
    assert to_iso(s.times[0]) == first and to_iso(s.times[-1]) == last
    at = int(datetime.fromisoformat(probe[0].replace("Z", "+00:00")).timestamp())
    i = int(np.searchsorted(s.times, at))
    assert s.times[i] == at and s.values[i] == pytest.approx(probe[1])
    assert np.all(np.diff(s.times) > 0)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_file_is_refused_by_name(name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_file(DATA / name)
    assert Path(name).name in err.value.en and REFUSED[name] in err.value.en
    assert Path(name).name in err.value.mn


def test_every_file_is_listed() -> None:
    files = {str(p.relative_to(DATA)) for p in DATA.glob("*/*") if p.parent.name != "LICENSES"}
    assert files == {i[0] for i in IMPORTED} | set(REFUSED)


def _rows(name: str, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list[str]]:
    with open(DATA / name, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_hobo_against_csv_and_strptime() -> None:
    rows = _rows("hobo/Stream_A_DO_2020-03-21.csv")[2:]
    zone = timezone(timedelta(hours=-5))  # "Date Time, GMT-05:00"
    expected = [(int(datetime.strptime(r[1], "%y-%m-%d %I:%M:%S %p").replace(tzinfo=zone)
                     .timestamp()), float(r[2])) for r in rows if r[2]]
    s = read_file(DATA / "hobo/Stream_A_DO_2020-03-21.csv").get("water.dissolved_oxygen")
    assert list(zip(s.times.tolist(), s.values.tolist(), strict=True)) == expected


def test_ulaanbaatar_embassy_file_against_csv() -> None:
    rows = _rows("mongolia/Ulaanbaatar_PM2.5_2025_YTD.csv")[1:]
    zone = timezone(timedelta(hours=8))
    expected = {int(datetime.strptime(r[2], "%Y-%m-%d %I:%M %p").replace(tzinfo=zone)
                    .timestamp()): float(r[10]) for r in rows if float(r[10]) != -999}
    s = read_file(DATA / "mongolia/Ulaanbaatar_PM2.5_2025_YTD.csv").get("air.pm25")
    assert dict(zip(s.times.tolist(), s.values.tolist(), strict=True)) == expected
    invalid = {int(datetime.strptime(r[2], "%Y-%m-%d %I:%M %p").replace(tzinfo=zone)
                   .timestamp()) for r in rows if r[13] != "Valid" and float(r[10]) != -999}
    flagged = {int(t) for t, f in zip(s.times, s.flags, strict=True) if f}
    assert flagged == invalid


def test_sensor_community_and_purpleair_epoch_against_csv() -> None:
    rows = _rows("sensor_community/2017-09-01_sds011_sensor_5331.csv", delimiter=";")[1:]
    s = read_file(DATA / "sensor_community/2017-09-01_sds011_sensor_5331.csv").get("air.pm25")
    got = dict(zip(s.times.tolist(), s.values.tolist(), strict=True))
    for r in rows:
        t = int(datetime.fromisoformat(r[5]).replace(tzinfo=UTC).timestamp())
        assert got[t] == float(r[9])  # P2 = PM2.5
    rows = _rows("purpleair/sensor-149970-1663803000-1664059200.csv")[1:]
    p = read_file(DATA / "purpleair/sensor-149970-1663803000-1664059200.csv")
    rh = dict(zip(p.get("met.rh").times.tolist(), p.get("met.rh").values.tolist(), strict=True))
    assert rh == {int(r[1]): float(r[9]) for r in rows}
    temp = p.get("met.temperature")
    assert temp.values[0] == pytest.approx((float(min(rows, key=lambda r: int(r[1]))[8]) - 32) / 1.8)


def test_bam_conc_in_mg_is_converted_to_micrograms() -> None:
    rows = _rows("metone_bam/HrConc.CSV")[1:]
    s = read_file(DATA / "metone_bam/HrConc.CSV").get("air.pm25")
    assert s.values.tolist() == pytest.approx([float(r[1]) * 1000 for r in rows])
