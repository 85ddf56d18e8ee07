"""Reading instrument files as text: encodings (BOM, UTF-16, cp1252), delimiters, numbers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

from pemdesk.instruments.model import FloatArray, refuse

MISSING = frozenset({"", "n/a", "na", "nan", "----", "---", "--", "-", "null", "none", "#n/a",
                     "lst", "aqi", "lim", "-999", "-9999", "-999.0", "err", "invalid"})


def decode(data: bytes, path: Path | str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # cut short or damaged: refused by name, never a crash
            raise refuse(path, None, "UTF-16 текст гэмтсэн эсвэл дутуу байна.",
                         "is damaged or cut short UTF-16 text.", str(exc)) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if b"\x00" in data[:4000]:
        raise refuse(path, None, "хоёртын (binary) файл байна, текст биш.",
                     "is a binary file, not text or a spreadsheet export.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(lines: list[str]) -> str:
    sample = [ln for ln in lines[:200] if ln.strip()]
    best, best_score = ",", -1
    for d in (",", ";", "\t"):
        counts = [ln.count(d) for ln in sample[-100:]]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = common * counts.count(common)
        if common and score > best_score:
            best, best_score = d, score
    return best


def split_rows(text: str, delimiter: str) -> list[list[str]]:
    if text.startswith("sep="):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


_NUM = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def is_number(text: str) -> bool:
    return bool(_NUM.match(text.strip()))


def to_floats(cells: list[str], decimal_comma: bool = False) -> FloatArray:
    """Numbers of a column; missing markers and words become NaN."""
    try:
        if not decimal_comma:
            return _sentinels(np.asarray(cells, dtype=np.float64))
    except ValueError:
        pass
    out = np.empty(len(cells), dtype=np.float64)
    for i, c in enumerate(cells):
        s = c.strip()
        if decimal_comma:
            s = s.replace(",", ".")
        if s.lower() in MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            out[i] = np.nan
    out[~np.isfinite(out)] = np.nan
    return _sentinels(out)


def _sentinels(values: FloatArray) -> FloatArray:
    """-999 and -9999 are the loggers' and AirNow's "no value", never a reading."""
    values[(values == -999.0) | (values == -9999.0)] = np.nan
    return values
