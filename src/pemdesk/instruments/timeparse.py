"""Timestamps as instruments write them, to UTC epoch seconds, fast enough for millions of rows.

A format is inferred from the values themselves (day-first or month-first is decided by which
reading of the whole column is valid and runs forward in time), compiled once to a regular
expression, and evaluated with a cache per calendar day. Local times become UTC with a fixed
offset (``+08:00``) or an IANA zone (``America/Chicago``) whose daylight-saving changes are
honoured, including the repeated hour when clocks go back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from pemdesk.instruments.model import IntArray

MONTHS = {
    # English, Mongolian and Chinese month names (a TEOM writes "07 - 六月 - 2025").
    **{m: i + 1 for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])},
    **{m: i + 1 for i, m in enumerate(
        ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"])},
}

_PIECES = {
    "%Y": r"(?P<Y>\d{4})", "%y": r"(?P<y>\d{2})", "%m": r"(?P<m>\d{1,2})",
    "%d": r"(?P<d>\d{1,2})", "%H": r"(?P<H>\d{1,2})", "%I": r"(?P<I>\d{1,2})",
    "%M": r"(?P<M>\d{2})", "%S": r"(?P<S>\d{1,2}(?:\.\d+)?)", "%p": r"(?P<p>[AaPp]\.?[Mm]\.?)",
    "%b": r"(?P<b>[A-Za-z]{3,9}|[一二三四五六七八九十]{1,3}月)",
    "%z": r"(?P<z>Z|UTC|[+-]\d{2}:?\d{2})",
}

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%y",
                "%d/%m/%y", "%y-%m-%d", "%d-%m-%Y", "%d - %b - %Y", "%d-%b-%Y", "%d %b %Y"]
TIME_FORMATS = ["%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"]


class TimeFormat:
    """A compiled timestamp format: ``parse(text)`` gives naive epoch seconds or None."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        pattern = re.escape(fmt)
        for key, rx in _PIECES.items():
            pattern = pattern.replace(re.escape(key), rx)
        pattern = pattern.replace(r"\ ", r"\s+").replace("T", "[T ]")
        self.regex = re.compile(r"\s*" + pattern + r"\s*(?P<z2>Z|UTC|[+-]\d{2}:?\d{2})?\s*$")
        self.has_offset = "%z" in fmt

    def match(self, text: str) -> re.Match[str] | None:
        return self.regex.match(text)

    def parse(self, text: str) -> tuple[float, int | None] | None:
        """(naive seconds since 1970 as written, offset seconds if the text states one)."""
        m = self.regex.match(text)
        if m is None:
            return None
        g = m.groupdict()
        try:
            if g.get("Y"):
                year = int(g["Y"])
            elif g.get("y"):
                year = 2000 + int(g["y"]) if int(g["y"]) < 70 else 1900 + int(g["y"])
            else:
                return None
            if g.get("b"):
                month = MONTHS.get(g["b"][:3].lower(), MONTHS.get(g["b"], 0))
            else:
                month = int(g["m"])
            day = int(g["d"])
            if g.get("I"):
                hour = int(g["I"])
                if not 1 <= hour <= 12:
                    return None
                pm = g["p"][0] in "Pp"
                hour = (hour % 12) + (12 if pm else 0)
            else:
                hour = int(g.get("H") or 0)
            minute = int(g.get("M") or 0)
            second = float(g.get("S") or 0)
            if hour > 24 or minute > 59 or second >= 61:
                return None
            days = _days(year, month, day)
        except (ValueError, TypeError):
            return None
        offset = None
        z = g.get("z") or g.get("z2")
        if z:
            offset = parse_offset(z)
        return days * 86400 + hour * 3600 + minute * 60 + second, offset


@lru_cache(maxsize=65536)
def _days(year: int, month: int, day: int) -> int:
    # Raises ValueError for an impossible date (31 April, month 13): the format does not fit.
    return (datetime(year, month, day) - datetime(1970, 1, 1)).days


def parse_offset(text: str) -> int:
    text = text.strip()
    if text in ("Z", "UTC", "GMT", ""):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)


def candidate_formats(sample: str) -> list[str]:
    s = sample.strip()
    out = []
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", s):
        out += ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
    for d in DATE_FORMATS:
        for t in TIME_FORMATS:
            out.append(f"{d} {t}")
        out.append(d)
    return out


def infer_format(values: Sequence[str]) -> TimeFormat | None:
    """The format under which the values are valid and run forward in time (best first)."""
    sample = [v for v in values if v.strip()][:3000]
    if not sample:
        return None
    best: tuple[int, int, int, TimeFormat] | None = None
    for rank, fmt in enumerate(candidate_formats(sample[0])):
        tf = TimeFormat(fmt)
        if tf.match(sample[0]) is None:
            continue
        parsed = [tf.parse(v) for v in sample]
        failed = sum(1 for p in parsed if p is None)
        if failed > max(1, len(sample) // 20) or failed == len(sample):  # a stray bad value is reported by line, not guessed
            continue
        secs = [p[0] for p in parsed if p is not None]
        backwards = sum(1 for a, b in zip(secs, secs[1:], strict=False) if b < a)
        score = (failed, backwards, rank)
        if best is None or score < best[:3]:
            best = (failed, backwards, rank, tf)
    return None if best is None else best[3]


def resolve_zone(tz: str) -> tzinfo:
    """``+08:00``, ``UTC``, ``GMT-04:00`` or an IANA name; ValueError if none of them."""
    text = tz.strip()
    m = re.fullmatch(r"(?:UTC|GMT)?\s*([+-]\d{1,2})(?::?(\d{2}))?", text)
    if m:
        hours = int(m.group(1))
        minutes = int(m.group(2) or 0) * (1 if hours >= 0 else -1)
        return timezone(timedelta(hours=hours, minutes=minutes))
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def local_to_utc(naive: IntArray, tz: str) -> IntArray:
    """Naive local epoch seconds (as written) to UTC epoch seconds in the zone ``tz``.

    In a zone with daylight saving, the repeated hour after clocks go back is read as the first
    pass while times still run forward and as the second pass once they have stepped back.
    """
    zone = resolve_zone(tz)
    if not isinstance(zone, ZoneInfo):
        off = zone.utcoffset(None)
        assert off is not None
        return naive - int(off.total_seconds())
    hours = naive // 3600
    uniq, inverse = np.unique(hours, return_inverse=True)
    off0 = np.empty(uniq.shape, dtype=np.int64)
    off1 = np.empty(uniq.shape, dtype=np.int64)
    epoch = datetime(1970, 1, 1)
    for i, h in enumerate(uniq.tolist()):
        local = epoch + timedelta(hours=h)
        off0[i] = _offset(local.replace(tzinfo=zone, fold=0))
        off1[i] = _offset(local.replace(tzinfo=zone, fold=1))
    first = off0[inverse]
    second = off1[inverse]
    result = naive - first
    ambiguous = np.nonzero(first != second)[0]
    if ambiguous.size:
        # Second pass: an ambiguous reading at or after the step back in written time.
        stepped = False
        prev = None
        for idx in ambiguous.tolist():
            if prev is not None and naive[idx] < naive[prev]:
                stepped = True
            if stepped:
                result[idx] = naive[idx] - second[idx]
            prev = idx
    return result


def _offset(moment: datetime) -> int:
    off = moment.utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def parse_column(values: Sequence[str], fmt: TimeFormat) -> tuple[IntArray, list[int], int | None]:
    """Naive seconds for every value (rows that do not parse listed), and a stated offset."""
    out = np.zeros(len(values), dtype=np.int64)
    bad: list[int] = []
    offset: int | None = None
    parse = fmt.parse
    for i, v in enumerate(values):
        p = parse(v)
        if p is None:
            bad.append(i)
            continue
        out[i] = int(round(p[0]))
        if p[1] is not None:
            offset = p[1]
            out[i] -= p[1]
    return out, bad, offset


def iso_fast(values: Sequence[str]) -> IntArray | None:
    """numpy's own ISO-8601 parser for plain ``YYYY-MM-DD[T ]HH:MM[:SS]`` columns (UTC/naive)."""
    try:
        cleaned = [v.strip().rstrip("Z").replace(" ", "T", 1) for v in values]
        arr = np.array(cleaned, dtype="datetime64[s]")
    except ValueError:
        return None
    if np.isnat(arr).any():
        return None
    return arr.astype(np.int64)


def to_iso(seconds: int | float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Parser = Callable[[str], tuple[float, int | None] | None]
