"""The generic table importer: header blocks, units rows, time columns, value columns.

Works on rows (CSV/TSV text or spreadsheet cells). Without a profile it finds the first run of
data rows, the header above them (and a units row between), the time column(s) and the value
columns it recognises; a :class:`Profile` (saved by the mapping dialog or given to the CLI) says
all of that explicitly and is then followed to the letter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pemdesk.instruments import columns as cols
from pemdesk.instruments.model import (
    FLAG_INSTRUMENT,
    FloatArray,
    IntArray,
    ParsedFile,
    Series,
    refuse,
)
from pemdesk.instruments.textfile import MISSING, is_number, to_floats
from pemdesk.instruments.timeparse import (
    TimeFormat,
    infer_format,
    iso_fast,
    local_to_utc,
    parse_column,
    resolve_zone,
)

Cancel = Callable[[], bool]


@dataclass
class ColumnMap:
    column: str  # header text (or "#3" for the 4th column of a file without header)
    indicator: str
    unit: str = ""  # the file's unit; empty: the rule's default


@dataclass
class Profile:
    """A reusable column mapping (what the import dialog saves, what ``--profile`` names)."""

    name: str = ""
    header_line: int | None = None  # 1-based line of the column titles; None: found
    time_columns: list[str] = field(default_factory=list)  # one, or date + time
    time_format: str = ""  # strptime-like (%Y-%m-%d %H:%M:%S); empty: inferred
    epoch: bool = False  # the time column is Unix seconds
    tz: str = ""  # "+08:00", "UTC", an IANA name; empty: from the file or the option
    columns: list[ColumnMap] = field(default_factory=list)
    medium: str = ""  # "air" or "water" (which names mean what); empty: guessed
    decimal_comma: bool = False
    family: str = ""
    flag_column: str = ""  # a column whose non-"valid"/non-zero values mark invalid readings

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        raw = json.loads(text)
        raw["columns"] = [ColumnMap(**c) for c in raw.get("columns", [])]
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


_TIME_NAME = re.compile(
    r"^(date ?time|date/time|time ?stamp|timestamp(_iso)?|datetime(utc)?|created_at|"
    r"date \(lt\)|date/time/gmt|date|time|datum|zeit|fecha|огноо|цаг|datetimeutc|time_stamp|unixtime|"
    r"date time, gmt[+-]\d\d:\d\d|time, gmt[+-]\d\d:\d\d|date \(mm/dd/yyyy\)|time \(hh:mm:ss\))",
    re.I)
_DATEISH = re.compile(r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2} ?- ?\S{1,3}月 ?- ?\d{4}|"
                      r"\d{4}-\d{2}-\d{2}T)")


@dataclass
class Table:
    path: Path
    rows: list[list[str]]
    head_text: str  # lines above the header (instrument block), for zones and serials
    first_line: int = 1  # line number of rows[0] in the file


def _is_data_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row]
    has_date = any(_DATEISH.match(c) for c in cells[:6] if c)
    numeric = sum(1 for c in cells if c and is_number(c))
    return has_date and numeric >= 1 or (
        len(cells) >= 2 and cells[1].isdigit() and len(cells[1]) == 10 and numeric >= 2)


def locate(table: Table) -> tuple[int, int, list[int]]:
    """(header row index, first data row index, units row indexes) of a table."""
    rows = table.rows
    start = None
    for i, row in enumerate(rows):
        if _is_data_row(row) and (i + 1 >= len(rows) or _is_data_row(rows[i + 1])
                                  or not any(c.strip() for c in rows[i + 1])):
            start = i
            break
    if start is None:
        raise refuse(table.path, None, "огноо, цаг бүхий өгөгдлийн мөр олдсонгүй.",
                     "no data rows with a date and time were found.")
    header = None
    for j in range(start - 1, -1, -1):
        cells = [c.strip() for c in rows[j]]
        if any(_TIME_NAME.match(c) for c in cells if c):
            header = j
            break
    if header is None:  # titles in another language: the nearest row of words above the data
        for j in range(start - 1, -1, -1):
            words = [c for c in rows[j] if c.strip() and not is_number(c)]
            if len(words) >= 2 and len(words) >= len([c for c in rows[start] if c.strip()]) - 1:
                header = j
                break
    if header is None:
        raise refuse(table.path, table.first_line + start, "баганын гарчиг олдсонгүй.",
                     "no column titles (a row naming the date/time column) above the data.")
    units = [k for k in range(header + 1, start) if any(c.strip() for c in rows[k])]
    return header, start, units


def _time_columns(header: list[str], first: list[str]) -> list[int]:
    names = [h.strip().strip('"').lower() for h in header]
    # Prefer a column that states UTC, then one combined date-time column, then date + time.
    for i, n in enumerate(names):
        if ("utc" in n or "gmt" in n) and i < len(first) and _DATEISH.match(first[i] or ""):
            return [i]
    for i, n in enumerate(names):
        if n in ("time_stamp", "unixtime") and i < len(first) and first[i].strip().isdigit():
            return [i]
    for i, n in enumerate(names):
        if not _TIME_NAME.match(n) or i >= len(first):
            continue
        cell = first[i].strip()
        if _DATEISH.match(cell):
            if re.search(r"\d{1,2}:\d{2}", cell) or n.startswith("date") is False:
                return [i]
            nxt = i + 1
            if nxt < len(first) and re.match(r"^\s*\d{1,2}:\d{2}", first[nxt]):
                return [i, nxt]
            return [i]
    raise ValueError("no time column")


def read_table(table: Table, profile: Profile | None, tz_option: str | None, default_tz: str,
               family: str = "generic", medium: str = "",
               zone_hint: tuple[str, str] | None = None,
               cancel: Cancel | None = None) -> ParsedFile:
    """Series from a table of text cells (see module doc)."""
    profile = profile or Profile()
    rows = table.rows
    if profile.header_line:
        header_i = profile.header_line - table.first_line
        start = header_i + 1
        while start < len(rows) and not _is_data_row(rows[start]) and not profile.epoch:
            start += 1
        units_i: list[int] = list(range(header_i + 1, start))
    else:
        header_i, start, units_i = locate(table)
    header = [c.strip().strip('"') for c in rows[header_i]]
    width = len(header)
    filled = [k for k in range(start, len(rows)) if any(rows[k])]
    data = [rows[k] for k in filled]
    line_of = [table.first_line + k for k in filled]
    units_row = next((rows[k] for k in units_i if not all(
        set(c.strip()) <= {"-"} for c in rows[k])), [])
    above = rows[header_i - 1] if header_i > 0 else []
    head_text = table.head_text + "\n" + "\n".join(",".join(r) for r in rows[:header_i])

    # --- time -----------------------------------------------------------------------------
    if profile.time_columns:
        try:
            tcols = [header.index(c) for c in profile.time_columns]
        except ValueError as exc:
            raise refuse(table.path, table.first_line + header_i,
                         f"«{', '.join(profile.time_columns)}» багана алга.",
                         f"has no column “{', '.join(profile.time_columns)}” (profile "
                         f"{profile.name or '—'}).") from exc
    else:
        try:
            tcols = _time_columns(header, data[0] if data else [])
        except ValueError as exc:
            raise refuse(table.path, table.first_line + header_i, "цагийн багана олдсонгүй.",
                         "no date/time column was recognised; map it in the import dialog.") from exc
    # Rows shorter than the header (event lines) are skipped, not fatal.
    # Notes between data rows ("Power loss from …", "Recovery finished at …") have no values.
    tc, need = tcols[0], max(tcols)
    keep = [i for i, r in enumerate(data)
            if len(r) > need and (r[tc][:1].isdigit() or (r[tc].strip() and (
                r[tc].strip()[:1].isdigit()
                or any(c.strip() for k, c in enumerate(r) if k not in tcols))))]
    skipped = len(data) - len(keep)
    if skipped:
        data = [data[i] for i in keep]
        lines = [line_of[i] for i in keep]
    else:
        lines = line_of
    if not data:
        raise refuse(table.path, table.first_line + start, "өгөгдлийн мөр алга.",
                     "has no data rows.")
    if len(tcols) == 1:
        ttext = [r[tc] for r in data]
    else:
        ttext = [" ".join(r[c].strip() for c in tcols) for r in data]
    tz, tz_source = _zone(header, tcols, head_text, table.path, profile, tz_option, default_tz,
                          zone_hint)
    times, offset_stated, bad = _parse_times(ttext, profile, table.path, lines)
    if bad:
        # A value in the time column that is not a time: refuse by line (all or nothing).
        first_bad = bad[0]
        raise refuse(table.path, lines[first_bad], f"«{ttext[first_bad]}» огноо биш.",
                     f"“{ttext[first_bad]}” is not a date and time like the rows above.")
    if offset_stated:
        tz, tz_source = "UTC", "file"
    elif tz != "UTC":
        times = local_to_utc(times, tz)
    if cancel is not None and cancel():
        from pemdesk.errors import Interrupted

        raise Interrupted()

    # --- values ---------------------------------------------------------------------------
    if not medium:
        medium = profile.medium or guess_medium(header)
    maps: list[tuple[int, str, str, str]] = []  # (col, code, unit, column title)
    if profile.columns:
        for cm in profile.columns:
            if cm.column.startswith("#") and cm.column[1:].isdigit():
                ci = int(cm.column[1:])
            elif cm.column in header:
                ci = header.index(cm.column)
            else:
                raise refuse(table.path, table.first_line + header_i,
                             f"«{cm.column}» багана алга.", f"has no column “{cm.column}”.")
            maps.append((ci, cm.indicator, cm.unit or cols.unit_of(cm.indicator), cm.column))
    else:
        taken: set[str] = set()
        for ci, title in enumerate(header):
            if ci in tcols or ci >= width:
                continue
            name, unit = cols.split_title(title)
            cell_unit = units_row[ci].strip() if ci < len(units_row) else ""
            if cell_unit and cols.normalise_unit(cell_unit) not in ("", "m/d/y"):
                unit = unit or cell_unit
            if (not name or (cols.normalise_unit(name) in _UNIT_WORDS
                             and cols.match_column(name, medium) is None)) and ci < len(above) \
                    and above[ci].strip():
                unit = unit or name
                name = above[ci].strip()
            rule = cols.match_column(name, medium)
            if rule is None or rule.code in taken:
                continue
            code = rule.code
            if code == "water.dissolved_oxygen" and cols.normalise_unit(unit) == "%":
                code = "water.do_sat"
            if code in taken:
                continue
            taken.add(code)
            maps.append((ci, code, unit or rule.unit, title))
    if not maps:
        raise refuse(table.path, table.first_line + header_i,
                     "таних хэмжигдэхүүн алга (PM2.5, PM10, pH, температур …).",
                     "has no column pemdesk recognises (PM2.5, PM10, pH, temperature …); map "
                     "the columns in the import dialog or with a profile.")
    flags = np.zeros(len(data), dtype=np.int64)
    flag_col = profile.flag_column or next(
        (h for h in header if h.lower() in ("qc name", "status", "flag")), "")
    if flag_col and flag_col in header:
        fi = header.index(flag_col)
        for i, r in enumerate(data):
            v = r[fi].strip().lower() if fi < len(r) else ""
            if v not in ("", "0", "valid", "ok", "0.0"):
                flags[i] = FLAG_INSTRUMENT
    series = []
    notes = []
    for ci, code, unit, title in maps:
        cells = [r[ci] if ci < len(r) else "" for r in data]
        values = to_floats(cells, profile.decimal_comma)
        try:
            conv, note = cols.convert(code, unit, values)
        except ValueError as exc:
            raise refuse(table.path, table.first_line + header_i,
                         f"«{title}» баганын нэгж «{unit}»-ийг хөрвүүлж чадсангүй.",
                         f"the unit “{unit}” of column “{title}” cannot be converted to "
                         f"{cols.unit_of(code)}.") from exc
        if note:
            notes.append(f"{title}: {note}")
        series.append(_series(code, title, times, np.asarray(conv, dtype=np.float64), flags))
    parsed = ParsedFile(path=table.path, family=family, series=[], tz=tz, tz_source=tz_source,
                        skipped=skipped, notes=notes)
    finish(parsed, series)
    parsed.serial = find_serial(head_text, header, data)
    return parsed


_UNIT_WORDS = frozenset({"C", "F", "hPa", "bar", "NTU", "uS/cm", "mS/cm", "mg/L", "%", "V",
                         "volts", "celsius", "bars", "ft", "m", "psu", "kPa", "psi", "ph"})


def _mmddyy(text: str) -> str:
    t = text.strip().zfill(6)
    return f"{t[0:2]}/{t[2:4]}/{t[4:6]}"


def _hhmmss(text: str) -> str:
    t = text.strip().zfill(6)
    return f"{t[0:2]}:{t[2:4]}:{t[4:6]}"


def _parse_times(ttext: list[str], profile: Profile, path: Path,
                 lines: list[int]) -> tuple[IntArray, bool, list[int]]:
    if profile.epoch or (ttext and ttext[0].strip().isdigit() and len(ttext[0].strip()) == 10):
        try:
            return np.asarray([int(t) for t in ttext], dtype=np.int64), True, []
        except ValueError:
            bad = [i for i, t in enumerate(ttext) if not t.strip().isdigit()]
            return np.zeros(0, dtype=np.int64), True, bad
    if not profile.time_format:
        fast = iso_fast(ttext) if re.match(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?Z?\s*$",
                                           ttext[0]) else None
        if fast is not None:
            return fast, ttext[0].strip().endswith("Z"), []
        fmt = infer_format(ttext)
        if fmt is None:
            raise refuse(path, lines[0], f"«{ttext[0]}» огнооны хэлбэрийг таньсангүй.",
                         f"the date and time “{ttext[0]}” is in a form pemdesk does not know; "
                         "give the format in the import dialog.")
    else:
        fmt = TimeFormat(profile.time_format)
    times, bad, offset = parse_column(ttext, fmt)
    return times, offset is not None, bad


def _zone(header: list[str], tcols: list[int], head_text: str, path: Path, profile: Profile,
          tz_option: str | None, default_tz: str,
          zone_hint: tuple[str, str] | None) -> tuple[str, str]:
    title = " ".join(header[c] for c in tcols)
    m = re.search(r"GMT\s*([+-]\d{1,2}:?\d{2})", title)
    if m:
        return m.group(1), "file"
    if "UTC" in title.upper() or re.search(r"\bGMT\b", title):
        return "UTC", "file"
    if profile.tz:
        return _checked(profile.tz, path), "option"
    if zone_hint is not None:
        return zone_hint
    if re.search(r"Coordinated Universal Time|\(UTC\)", head_text):
        return "UTC", "file"
    if "Central Standard Time" in head_text:
        return "-06:00", "file"
    if tz_option:
        return _checked(tz_option, path), "option"
    # TWDB sonde file names state the logger's zone: RIOF_20060608_CDT_GS7837.txt.
    m = re.search(r"_(CDT|CST|MDT|MST|EDT|EST|PDT|PST)_", path.name)
    if m:
        zones = {"CDT": "-05:00", "CST": "-06:00", "MDT": "-06:00", "MST": "-07:00",
                 "EDT": "-04:00", "EST": "-05:00", "PDT": "-07:00", "PST": "-08:00"}
        return zones[m.group(1)], "file"
    return default_tz, "assumed"


def _checked(tz: str, path: Path) -> str:
    try:
        resolve_zone(tz)
    except ValueError as exc:
        raise refuse(path, None, f"«{tz}» цагийн бүс буруу.",
                     f"“{tz}” is not a time zone (+08:00, UTC or a name like Asia/Ulaanbaatar)."
                     ) from exc
    return tz


def _series(code: str, column: str, times: IntArray, values: FloatArray,
            flags: IntArray) -> Series:
    ok = ~np.isnan(values)
    return Series(indicator=code, unit=cols.unit_of(code), column=column, times=times[ok],
                  values=values[ok], flags=flags[ok].copy())


def finish(parsed: ParsedFile, series: list[Series]) -> None:
    """Sort by time, drop repeated timestamps (first kept), count what was dropped."""
    total_rows = 0
    for s in series:
        total_rows = max(total_rows, len(s))
        if len(s) == 0:
            continue
        if np.any(np.diff(s.times) < 0):
            parsed.reordered = True
            order = np.argsort(s.times, kind="stable")
            s.times, s.values, s.flags = s.times[order], s.values[order], s.flags[order]
        dup = np.concatenate(([False], np.diff(s.times) == 0))
        if dup.any():
            parsed.duplicates = max(parsed.duplicates, int(dup.sum()))
            s.times, s.values, s.flags = s.times[~dup], s.values[~dup], s.flags[~dup]
        parsed.series.append(s)
    if not parsed.series:
        raise refuse(parsed.path, None, "утга бүхий мөр алга.", "has no rows with a value.")


def guess_medium(header: list[str]) -> str:
    text = " ".join(header).lower()
    if re.search(r"pm ?-?[0-9]|pm2|conc|no2|o3\b|leq|laeq|co2|p1\b|p2\b|sds|dust|aqi", text):
        return "air"
    return "water"


def find_serial(head_text: str, header: list[str], data: list[list[str]]) -> str:
    m = re.search(r"(?:Serial(?:[ _]?(?:number|No\.?|#))?|S/N|deviceSN|Instrument Serial)"
                  r"\s*[:,]?\s*[,\n]?\s*([A-Za-z0-9-]{4,})", head_text, re.I)
    if m:
        return m.group(1)
    m = re.search(r"LGR S/N:\s*(\w+)", " ".join(header))
    if m:
        return m.group(1)
    for name in ("sn", "sensor_id", "serial number", "id"):
        if name in [h.lower() for h in header] and data:
            i = [h.lower() for h in header].index(name)
            value = data[0][i].strip() if i < len(data[0]) else ""
            if value and value.lower() not in MISSING:
                return value
    return ""
