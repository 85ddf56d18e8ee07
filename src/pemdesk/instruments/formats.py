"""One entry point for every instrument file: ``read_file(path)`` → :class:`ParsedFile`.

Families with a layout of their own have a reader here (Solinst .xle/.lev, Greenspan, SENSIT
RAMP, TCEQ hourly matrices, DustTrak elapsed-time logs, OpenAQ JSON, spreadsheets); everything
tabular goes through ``tabular.read_table`` with the family's knowledge (zone, column meaning)
passed as a profile. Files that hold no time series pemdesk can use are refused by name.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np

from pemdesk.instruments import columns as cols
from pemdesk.instruments.model import ParsedFile, Series, refuse
from pemdesk.instruments.tabular import ColumnMap, Profile, Table, finish, read_table
from pemdesk.instruments.textfile import decode, sniff_delimiter, split_rows, to_floats
from pemdesk.instruments.timeparse import (
    TimeFormat,
    infer_format,
    local_to_utc,
    parse_column,
    parse_offset,
)

DEFAULT_TZ = "+08:00"  # Mongolia (no daylight saving since 2017)
MAX_BYTES = 2 * 1024 * 1024 * 1024
Cancel = Callable[[], bool]


def read_file(path: Path | str, *, tz: str | None = None, profile: Profile | None = None,
              default_tz: str = DEFAULT_TZ, cancel: Cancel | None = None) -> ParsedFile:
    """Parse an instrument file; InvalidInput naming the file (and line) if it cannot be."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refuse(path, None, "файлыг уншиж чадсангүй.", "cannot be read.",
                     detail=str(exc)) from exc
    if not data.strip():
        raise refuse(path, None, "хоосон файл.", "is empty.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods") or data[:4] == b"PK\x03\x04":
        return _spreadsheet(path, profile, tz, default_tz, cancel)
    text = decode(data, path)
    if profile is not None and (profile.columns or profile.time_columns):
        return _generic(path, text, profile, tz, default_tz, cancel)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _json(path, stripped)
    if "<Body_xle>" in text[:2000]:
        return _xle(path, text, tz, default_tz)
    if text.startswith("Data file for DataLogger"):
        return _lev(path, text, tz, default_tz)
    if text.startswith("# GREENSPAN"):
        return _greenspan(path, text, tz, default_tz)
    if re.match(r"^\w+DATE,\d\d/\d\d/\d\d ", text):
        return _ramp(path, text, tz, default_tz)
    head = text[:20000]
    if re.search(r"^Date,00:00,01:00,02:00", head, re.M):
        return _hour_matrix(path, text, tz, default_tz)
    if "Elapsed Time [s]" in head and "Test Start Time" in head:
        return _dusttrak(path, text, tz, default_tz)
    if re.search(r"^Sample #[\t,]Date[\t,]Start Time", head, re.M) or "dN/dlogDp" in head:
        line = 1 + text[: text.find("Sample #")].count("\n") if "Sample #" in text else None
        raise refuse(path, line, "бөөмийн хэмжээний тархалт (TSI AIM) — PM-ийн масс биш тул "
                     "хадгалахгүй.", "is a particle size distribution (TSI AIM export), not a "
                     "mass concentration pemdesk can compare with limits; not imported.")
    if "Event Average Parameters" in text[:3000] and "Filter ID" in text[:3000]:
        raise refuse(path, 1, "E-SEQ шүүлтүүрийн үйл явдлын файл: концентраци агуулаагүй "
                     "(жинлэсний дараа гарна).", "is a Met One E-SEQ filter event file: it holds "
                     "no concentration (that comes from weighing the filter); not imported.")
    return _generic(path, text, profile, tz, default_tz, cancel)


# --- families through the generic table reader ------------------------------------------------
def _family(path: Path, text: str) -> tuple[str, Profile, tuple[str, str] | None]:
    head = text[:4000]
    first = head.splitlines()[0] if head else ""
    if first.startswith("sensor_id;sensor_type"):
        # sensor.community archives: UTC; P1 = PM10, P2 = PM2.5 (µg/m³).
        return "sensor_community", Profile(medium="air"), ("UTC", "file")
    if first.startswith("created_at,entry_id,PM1.0_CF1"):
        return "purpleair", Profile(time_columns=["created_at"], columns=[
            ColumnMap("PM2.5_CF1_ug/m3", "air.pm25", "ug/m3"),
            ColumnMap("PM10.0_CF1_ug/m3", "air.pm10", "ug/m3"),
            ColumnMap("Temperature_F", "met.temperature", "F"),
            ColumnMap("Humidity_%", "met.rh", "%")]), None
    if first.startswith("id,time_stamp,pm2.5_alt_a"):
        return "purpleair", Profile(time_columns=["time_stamp"], epoch=True, columns=[
            ColumnMap("pm2.5_cf_1_a", "air.pm25", "ug/m3"),
            ColumnMap("temperature", "met.temperature", "F"),
            ColumnMap("humidity", "met.rh", "%"),
            ColumnMap("pressure", "met.pressure", "hPa")]), None
    if first.startswith("Site,Parameter,Date (LT)"):
        # US Embassy / AirNow: local time Asia/Ulaanbaatar; "Raw Conc." is the hourly value.
        return "airnow", Profile(time_columns=["Date (LT)"], columns=[
            ColumnMap("Raw Conc.", "air.pm25", "ug/m3")], flag_column="QC Name"), (
            "+08:00", "file")
    if "MasterTable_ID,Alias" in first and "ConcHr" in first:
        kind = "air.pm10" if "PM 10" in head else "air.pm25"
        return "metone_ebam", Profile(time_columns=["Date/Time/GMT"], columns=[
            ColumnMap("ConcHr", kind, "mg/m3"), ColumnMap("AT", "met.temperature", "C"),
            ColumnMap("RHx", "met.rh", "%"), ColumnMap("W/S", "met.wind_speed", "m/s")],
            flag_column="Alarm"), ("UTC", "file")
    if first.startswith("Time,Conc(ug/m3),Qtot"):
        return "metone_bam", Profile(medium="air"), None
    if "Aeroqual" in head or "AQY" in first:
        return "aeroqual", Profile(medium="air"), None
    if first.startswith('"Plot Title') or re.match(r'^"#","(Date )?Time, GMT', first):
        return "hobo", Profile(medium="water"), None
    if "Raw_Time,Time,BC1" in first:
        return "metone_bc1054", Profile(time_columns=["Time"], columns=[
            ColumnMap("AT (C)", "met.temperature", "C"), ColumnMap("RH (%)", "met.rh", "%"),
            ColumnMap("BP (mbar)", "met.pressure", "hPa")], flag_column="Status"), None
    if "timestamp_iso" in head or first.startswith(",id,timestamp,timestamp_local,sn"):
        return "quantaq", Profile(medium="air"), ("UTC", "file")
    if "SAMPLE LOG" in text[:200000] and "DateTimeUTC" in text[:200000]:
        return "upas", Profile(medium="air"), None
    if "Win-Situ" in head:
        return "insitu", Profile(medium="water"), None
    if "KorEXO" in head or "MEASUREMENT DATA FILE EXPORT" in head.upper():
        return "ysi_exo", Profile(medium="water"), None
    if first.startswith("Serial Number,Variant,Software Version"):
        return "thermo_teom", Profile(medium="air", columns=[
            ColumnMap("PM-2.5 MC", "air.pm25", "ug/m3")], flag_column="System status"), None
    if first.startswith("site,download date") or "Date, Time, Feet" in head:
        return "globalwater", Profile(medium="water"), None
    if first.startswith("Serial_number:"):
        return "solinst", Profile(medium="water"), None
    if re.search(r"leq|laeq", first, re.I):
        return "noise", Profile(medium="air"), None
    return "generic", Profile(), None


def _generic(path: Path, text: str, profile: Profile | None, tz: str | None, default_tz: str,
             cancel: Cancel | None) -> ParsedFile:
    family, known, hint = ("generic", Profile(), None) if profile else _family(path, text)
    lines = text.splitlines()
    first_line = 1
    if family == "upas":
        at = next(i for i, ln in enumerate(lines) if ln.startswith("SAMPLE LOG"))
        lines = lines[at + 1:]
        first_line = at + 2
    if family == "solinst":
        return _solinst_csv(path, lines, tz, default_tz)
    if lines and lines[0].startswith("sep="):
        lines = lines[1:]
        first_line += 1
    delimiter = sniff_delimiter(lines)
    rows = split_rows("\n".join(lines), delimiter)
    _unpack_mmddyy(rows)
    table = Table(path=path, rows=rows, head_text="", first_line=first_line)
    use = profile or known
    if delimiter == ";" and any(re.search(r"\d,\d", c) for r in rows[1:20] for c in r):
        use.decimal_comma = True
    parsed = read_table(table, use, tz, default_tz, family=family, medium=use.medium,
                        zone_hint=hint, cancel=cancel)
    if family == "thermo_teom" and len(rows) > 1 and rows[1]:
        parsed.serial = rows[1][0]
    if family == "sensor_community" and not parsed.serial:
        parsed.serial = rows[1][0] if len(rows) > 1 and rows[1] else ""
    if family == "metone_bam" and parsed.series:
        parsed.notes.append("BAM-1020 'Conc' read as PM2.5; map it to PM10 for a PM10 inlet")
    parsed.model = family
    return parsed


def _unpack_mmddyy(rows: list[list[str]]) -> None:
    """Hydrolab/MiniSonde write MMDDYY and HHMMSS without separators and drop leading zeros."""
    marked = False
    for row in rows:
        if row and row[0].strip().upper() == "MMDDYY":
            marked = True
            continue
        if marked and len(row) > 1 and row[0].strip().isdigit() and row[1].strip().isdigit():
            d = row[0].strip().zfill(6)
            t = row[1].strip().zfill(6)
            row[0] = f"{d[0:2]}/{d[2:4]}/{d[4:6]}"
            row[1] = f"{t[0:2]}:{t[2:4]}:{t[4:6]}"


def _spreadsheet(path: Path, profile: Profile | None, tz: str | None, default_tz: str,
                 cancel: Cancel | None) -> ParsedFile:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - a dependency
        raise refuse(path, None, "хүснэгт уншигч суугаагүй.", "spreadsheets need python-calamine."
                     ) from exc
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types
        raise refuse(path, None, "хүснэгтийг уншиж чадсангүй.", "is not a readable spreadsheet.",
                     detail=str(exc)) from exc
    rows = [[_cell(c) for c in row] for row in sheet]
    table = Table(path=path, rows=rows, head_text="", first_line=1)
    return read_table(table, profile, tz, default_tz, family="spreadsheet",
                      medium=(profile.medium if profile else ""), cancel=cancel)


def _cell(value: Any) -> str:
    from datetime import date, datetime, time

    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# --- families with layouts of their own ----------------------------------------------------------
def _zone_or(tz: str | None, default_tz: str, path: Path) -> tuple[str, str]:
    m = re.search(r"_(CDT|CST)_", path.name)
    if tz:
        return tz, "option"
    if m:
        return ("-05:00" if m.group(1) == "CDT" else "-06:00"), "file"
    return default_tz, "assumed"


def _make(path: Path, family: str, tz: str, tz_source: str, raw: dict[str, list[tuple[int, float]]],
          units: dict[str, str], serial: str = "", flags: dict[str, list[int]] | None = None,
          skipped: int = 0, utc: bool = False) -> ParsedFile:
    parsed = ParsedFile(path=path, family=family, series=[], tz=tz, tz_source=tz_source,
                        serial=serial, model=family, skipped=skipped)
    series = []
    for code, pairs in raw.items():
        if not pairs:
            continue
        t = np.asarray([p[0] for p in pairs], dtype=np.int64)
        v = np.asarray([p[1] for p in pairs], dtype=np.float64)
        if not utc:
            t = local_to_utc(t, tz)
        conv, note = cols.convert(code, units.get(code, ""), v)
        if note:
            parsed.notes.append(f"{code}: {note}")
        f = np.asarray(flags[code], dtype=np.int64) if flags and code in flags else None
        s = Series(code, cols.unit_of(code), code, t, np.asarray(conv, dtype=np.float64),
                   f if f is not None else np.zeros(t.shape, dtype=np.int64))
        keep = ~np.isnan(s.values)
        s.times, s.values, s.flags = s.times[keep], s.values[keep], s.flags[keep]
        series.append(s)
    finish(parsed, series)
    return parsed


def _naive(text: str, fmt: TimeFormat | None = None) -> int | None:
    tf = fmt or infer_format([text])
    if tf is None:
        return None
    p = tf.parse(text)
    return None if p is None else int(round(p[0]))


def _xle(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    try:
        root = ElementTree.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", text.strip()))
    except ElementTree.ParseError as exc:
        raise refuse(path, exc.position[0], "XML эвдэрсэн.", "is damaged XML.") from exc
    serial = (root.findtext("Instrument_info/Serial_number") or "").strip()
    model = (root.findtext("Instrument_info/Instrument_type") or "").strip()
    channels: list[tuple[str, str, str]] = []
    for n in (1, 2, 3):
        hdr = root.find(f"Ch{n}_data_header")
        if hdr is None:
            continue
        ident = (hdr.findtext("Identification") or "").strip().lower()
        unit = (hdr.findtext("Unit") or "").strip()
        code = "water.temperature" if "temp" in ident else "water.level"
        channels.append((f"ch{n}", code, unit))
    fmt = TimeFormat("%Y/%m/%d %H:%M:%S")
    raw: dict[str, list[tuple[int, float]]] = {c[1]: [] for c in channels}
    for log in root.iter("Log"):
        stamp = f"{log.findtext('Date', '').strip()} {log.findtext('Time', '').strip()}"
        p = fmt.parse(stamp)
        if p is None:
            raise refuse(path, None, f"«{stamp}» огноо биш.", f"“{stamp}” is not a date.")
        t = int(round(p[0] + float(log.findtext("ms") or 0) / 1000))
        for tag, code, _unit in channels:
            value = log.findtext(tag)
            if value is not None and value.strip():
                raw[code].append((t, float(value)))
    zone, src = _zone_or(tz, default_tz, path)
    parsed = _make(path, "solinst_xle", zone, src, raw, {c[1]: c[2] for c in channels}, serial)
    parsed.model = model
    return parsed


def _lev(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    lines = text.splitlines()
    serial = ""
    units: dict[str, str] = {}
    idents: list[str] = []
    section = ""
    data_at = None
    for i, ln in enumerate(lines):
        s = ln.strip()
        if s.startswith("["):
            section = s
            if s.startswith("[Data]"):
                data_at = i + 2  # the count line follows
                break
            continue
        if "=" in s:
            key, _, value = s.partition("=")
            key = key.strip().lower()
            value = value.strip()
            if key == "serial number" and not serial:
                m = re.search(r"(\d[\d-]{4,})", value)
                serial = m.group(1) if m else value
            if section.startswith("[CHANNEL") and key == "identification":
                idents.append(value.lower())
            if section.startswith("[CHANNEL") and key == "unit":
                code = "water.temperature" if idents and "temp" in idents[-1] else "water.level"
                units[code] = value
    if data_at is None:
        raise refuse(path, None, "[Data] хэсэг алга.", "has no [Data] section.")
    codes = ["water.temperature" if "temp" in i else "water.level" for i in idents] or [
        "water.level", "water.temperature"]
    fmt = TimeFormat("%Y/%m/%d %H:%M:%S")
    raw: dict[str, list[tuple[int, float]]] = {c: [] for c in codes}
    skipped = 0
    for n, ln in enumerate(lines[data_at:], start=data_at + 1):
        parts = ln.split()
        if len(parts) < 3 or not re.match(r"\d{4}/", parts[0]):
            if ln.strip() and not ln.startswith("END OF DATA"):
                skipped += 1
            continue
        p = fmt.parse(f"{parts[0]} {parts[1]}")
        if p is None:
            raise refuse(path, n, f"«{parts[0]} {parts[1]}» огноо биш.",
                         f"“{parts[0]} {parts[1]}” is not a date and time.")
        for code, value in zip(codes, parts[2:], strict=False):
            raw[code].append((int(round(p[0])), float(value)))
    zone, src = _zone_or(tz, default_tz, path)
    return _make(path, "solinst_lev", zone, src, raw, units, serial, skipped=skipped)


def _solinst_csv(path: Path, lines: list[str], tz: str | None, default_tz: str) -> ParsedFile:
    serial = lines[1].strip() if len(lines) > 1 else ""
    units = {}
    for i, ln in enumerate(lines[:40]):
        if ln.strip() in ("LEVEL", "TEMPERATURE") and i + 1 < len(lines):
            unit = lines[i + 1].split(":", 1)[-1].strip()
            units["water.level" if ln.strip() == "LEVEL" else "water.temperature"] = unit
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Date,Time")), None)
    if start is None:
        raise refuse(path, None, "«Date,Time» гарчиг алга.", "has no “Date,Time” title row.")
    raw: dict[str, list[tuple[int, float]]] = {"water.level": [], "water.temperature": []}
    fmt = TimeFormat("%Y/%m/%d %H:%M:%S")
    for n, ln in enumerate(lines[start + 1:], start=start + 2):
        parts = ln.split(",")
        if len(parts) < 5:
            continue
        p = fmt.parse(f"{parts[0]} {parts[1]}")
        if p is None:
            raise refuse(path, n, f"«{parts[0]} {parts[1]}» огноо биш.",
                         f"“{parts[0]} {parts[1]}” is not a date and time.")
        t = int(round(p[0] + float(parts[2] or 0) / 1000))
        raw["water.level"].append((t, float(parts[3])))
        raw["water.temperature"].append((t, float(parts[4])))
    zone, src = _zone_or(tz, default_tz, path)
    return _make(path, "solinst", zone, src, raw, units, serial)


def _greenspan(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    # Channel lines "C1 A … C1____ …" in the header name the channels; the default layout of the
    # TWDB loggers is C1 temperature, C2 conductivity (mS/cm), C3 DO (mg/L), C4 pH.
    known = {"do": "water.dissolved_oxygen", "temperature": "water.temperature", "ec": "water.ec",
             "ph": "water.ph", "cond": "water.ec", "spcond": "water.ec", "turb": "water.turbidity"}
    codes: dict[int, str] = {}
    units: dict[str, str] = {}
    for m in re.finditer(r"^# C(\d+)_ (\S+?)_+ (\S+?)_+\s*$", text, re.M):
        code = known.get(m.group(3).lower())
        if code is not None:
            codes[int(m.group(1))] = code
            units[code] = m.group(2).replace("deg_C", "C")
    if not codes:
        raise refuse(path, None, "сувгийн тодорхойлолт (# C1_ …) алга.",
                     "has no channel definitions (# C1_ unit name).")
    raw: dict[str, list[tuple[int, float]]] = {c: [] for c in codes.values()}
    current: int | None = None
    for n, ln in enumerate(text.splitlines(), start=1):
        s = ln.strip()
        if re.match(r"^T\d{14}$", s):
            ts = s[1:]
            p = _greenspan_time(ts)
            if p is None:
                raise refuse(path, n, f"«{s}» цаг биш.", f"“{s}” is not a time stamp.")
            current = p
        elif re.match(r"^D\d+\s", s) and current is not None:
            k, _, value = s[1:].partition(" ")
            code = codes.get(int(k))
            if code is not None:
                try:
                    raw[code].append((current, float(value)))
                except ValueError:
                    continue
    zone, src = _zone_or(tz, default_tz, path)
    serial = re.search(r"GS(\d+)", path.name)
    return _make(path, "greenspan", zone, src, raw, units, serial.group(1) if serial else "")


def _greenspan_time(ts: str) -> int | None:
    tf = TimeFormat("%Y-%m-%d %H:%M:%S")
    p = tf.parse(f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]} {ts[8:10]}:{ts[10:12]}:{ts[12:14]}")
    return None if p is None else int(p[0])


def _ramp(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    labels = {"PM2.5": "air.pm25", "CO": "air.co", "T": "met.temperature", "RH": "met.rh",
              "WS": "met.wind_speed"}
    units = {"air.co": "ppm", "met.temperature": "C", "met.rh": "%", "air.pm25": "ug/m3"}
    raw: dict[str, list[tuple[int, float]]] = {c: [] for c in labels.values()}
    fmt = TimeFormat("%m/%d/%y %H:%M:%S")
    serial = ""
    for n, ln in enumerate(text.splitlines(), start=1):
        parts = ln.strip().split(",")
        if len(parts) < 4:
            continue
        if not parts[0].endswith("DATE"):
            raise refuse(path, n, "RAMP мөр биш.", "is not a RAMP record (SERIALDATE,…).")
        serial = parts[0][:-4]
        p = fmt.parse(parts[1])
        if p is None:
            raise refuse(path, n, f"«{parts[1]}» цаг биш.", f"“{parts[1]}” is not a time.")
        t = int(p[0])
        for k in range(2, len(parts) - 1):
            code = labels.get(parts[k])
            if code is not None:
                with contextlib.suppress(ValueError):
                    raw[code].append((t, float(parts[k + 1])))
    zone, src = _zone_or(tz, default_tz, path)
    return _make(path, "sensit_ramp", zone, src, raw, units, serial)


def _hour_matrix(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    lines = text.splitlines()
    head = "\n".join(lines[:8])
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Date,00:00"))
    code = "air.pm10" if re.search(r"PM-?10", head) else "air.pm25"
    fmt = TimeFormat("%m/%d/%Y")
    raw: dict[str, list[tuple[int, float]]] = {code: []}
    skipped = 0
    for n, ln in enumerate(lines[start + 1:], start=start + 2):
        parts = ln.split(",")
        if len(parts) < 25:
            continue
        p = fmt.parse(parts[0])
        if p is None:
            raise refuse(path, n, f"«{parts[0]}» огноо биш.", f"“{parts[0]}” is not a date.")
        vals = to_floats(parts[1:25])
        for h, v in enumerate(vals.tolist()):
            if np.isnan(v):
                skipped += 1
                continue
            raw[code].append((int(p[0]) + h * 3600, v))
    if "Central Standard Time" in head:
        zone, src = "-06:00", "file"
    else:
        zone, src = _zone_or(tz, default_tz, path)
    m = re.search(r"EPA Site:\s*([\w_]+)", head)
    return _make(path, "tceq_hourly", zone, src, raw, {code: "ug/m3"}, m.group(1) if m else "",
                 skipped=skipped)


def _dusttrak(path: Path, text: str, tz: str | None, default_tz: str) -> ParsedFile:
    lines = text.splitlines()
    meta = {}
    for ln in lines[:60]:
        if "," in ln:
            k, _, v = ln.partition(",")
            meta[k.strip()] = v.strip().rstrip(",")
    stamp = f"{meta.get('Test Start Date', '')} {meta.get('Test Start Time', '')}"
    tf = infer_format([stamp])
    p = tf.parse(stamp) if tf is not None else None
    if p is None:
        raise refuse(path, None, f"эхлэх цаг «{stamp}» уншигдсангүй.",
                     f"the test start “{stamp}” cannot be read.")
    start_at = int(p[0])
    head_i = next(i for i, ln in enumerate(lines) if ln.startswith("Elapsed Time [s]"))
    header = [c.strip() for c in lines[head_i].split(",")]
    wanted = {"PM2.5 [mg/m3]": "air.pm25", "PM10 [mg/m3]": "air.pm10", "TOTAL [mg/m3]": "air.tsp"}
    idx = {code: header.index(name) for name, code in wanted.items() if name in header}
    raw: dict[str, list[tuple[int, float]]] = {c: [] for c in idx}
    for n, ln in enumerate(lines[head_i + 1:], start=head_i + 2):
        parts = ln.split(",")
        if not parts[0].strip():
            continue
        try:
            t = start_at + int(float(parts[0]))
        except ValueError as exc:
            raise refuse(path, n, f"«{parts[0]}» секунд биш.",
                         f"“{parts[0]}” is not elapsed seconds.") from exc
        for code, i in idx.items():
            if i < len(parts) and parts[i].strip():
                raw[code].append((t, float(parts[i])))
    zone, src = _zone_or(tz, default_tz, path)
    return _make(path, "tsi_dusttrak", zone, src, raw, dict.fromkeys(idx, "mg/m3"),
                 meta.get("Serial Number", ""))


def _json(path: Path, text: str) -> ParsedFile:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise refuse(path, line, "JSON эвдэрсэн.", "is damaged JSON.") from exc
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        results = doc["results"]
        names = {"pm25": "air.pm25", "pm10": "air.pm10", "no2": "air.no2", "so2": "air.so2",
                 "o3": "air.o3", "co": "air.co"}
        raw: dict[str, list[tuple[int, float]]] = {}
        units: dict[str, str] = {}
        for r in results:
            if not isinstance(r, dict) or "value" not in r:
                continue
            param = r.get("parameter")
            name = param.get("name") if isinstance(param, dict) else param
            unit = param.get("units") if isinstance(param, dict) else r.get("unit", "")
            if "period" in r:
                stamp = r["period"]["datetimeFrom"]["utc"]
            elif "date" in r:
                stamp = r["date"]["utc"]
            else:
                continue
            code = names.get(str(name).lower())
            if code is None or r["value"] is None:
                continue
            t = _iso_utc(stamp)
            raw.setdefault(code, []).append((t, float(r["value"])))
            units[code] = str(unit or "")
        if not raw:
            raise refuse(path, None, "хэмжилт агуулаагүй (OpenAQ-ийн байршлын мэдээлэл).",
                         "holds no measurements (an OpenAQ locations or metadata response).")
        for code, u in list(units.items()):
            if u.lower() == "ppm" and code in ("air.no2", "air.so2", "air.o3"):
                units[code] = "ppm"
        return _make(path, "openaq", "UTC", "file", raw, units, utc=True)
    if isinstance(doc, dict) and ("pm02" in doc or "serialno" in doc):
        raise refuse(path, None, "AirGradient-ийн одоогийн заалт: цаг агуулаагүй тул цувааны "
                     "өгөгдөл биш.", "is an AirGradient live reading (/measures/current): it has "
                     "no time, so it is not a time series; export the history instead.")
    raise refuse(path, None, "танигдаагүй JSON.", "is JSON of a kind pemdesk does not know.")


def _iso_utc(text: str) -> int:
    from datetime import datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp())


__all__ = ["read_file", "Profile", "ColumnMap", "DEFAULT_TZ", "parse_column", "parse_offset"]


def inspect_columns(path: Path | str) -> tuple[int, list[str], list[str]]:
    """(1-based header line, column titles, the first lines of the file) for a mapping dialog;
    titles are empty when the file is not a table (its own reader knows its layout)."""
    from pemdesk.instruments.tabular import locate

    path = Path(path)
    data = path.read_bytes()[: 4 * 1024 * 1024]
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        rows = [[_cell(c) for c in row] for row in sheet[:2000]]
        lines = [",".join(r) for r in rows[:40]]
    else:
        text = decode(data, path)
        lines = text.splitlines()[:40]
        all_lines = text.splitlines()[:5000]
        if all_lines and all_lines[0].startswith("sep="):
            all_lines = all_lines[1:]
        rows = split_rows("\n".join(all_lines), sniff_delimiter(all_lines))
    try:
        header, _start, _units = locate(Table(path=path, rows=rows, head_text=""))
    except Exception:  # noqa: BLE001 - not a table the generic reader understands
        return 0, [], lines
    return header + 1, [c.strip().strip('"') for c in rows[header]], lines
