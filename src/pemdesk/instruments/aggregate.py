"""Averages the way the limits in the catalogue are defined, with their completeness.

* hourly mean — of the unflagged readings of a clock hour (UTC hours are local hours in every
  whole-hour zone); valid with at least ``min_fraction`` (75 %) of the readings the usual
  interval would give;
* 24-hour mean — of the valid hourly means of a local calendar day (the site's zone; a day has
  23 or 25 hours on a daylight-saving change); valid with at least 75 % of its hours;
* annual mean — of the valid daily means of a calendar year; valid with 75 % of its days;
* day / night (noise) — energy mean (10·log10 of the mean of 10^(L/10)) of 07:00–22:00 and
  22:00–07:00 local time.

Exceedances count valid periods above a ``max`` limit (below a ``min`` one); the worst periods
are the highest valid means. Every result says how many readings it rests on and what share of
the period was covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np

from pemdesk.instruments.model import EXCLUDING, FloatArray, IntArray
from pemdesk.instruments.timeparse import resolve_zone

MIN_FRACTION = 0.75
DAY_START_HOUR, NIGHT_START_HOUR = 7, 22


@dataclass(frozen=True)
class Period:
    start: int  # UTC seconds
    end: int
    mean: float
    n: int  # readings (hourly) or hours (daily) or days (annual) it rests on
    expected: int
    valid: bool

    @property
    def completeness(self) -> float:
        return self.n / self.expected if self.expected else 0.0


@dataclass
class Summary:
    indicator: str
    averaging: str
    periods: list[Period] = field(default_factory=list)

    @property
    def valid(self) -> list[Period]:
        return [p for p in self.periods if p.valid]

    def exceedances(self, limit: float, kind: str = "max") -> list[Period]:
        if kind == "max":
            return [p for p in self.valid if p.mean > limit]
        return [p for p in self.valid if p.mean < limit]

    def worst(self, n: int = 3, kind: str = "max") -> list[Period]:
        return sorted(self.valid, key=lambda p: -p.mean if kind == "max" else p.mean)[:n]


def hourly(times: IntArray, values: FloatArray, flags: IntArray | None = None,
           interval: float | None = None, min_fraction: float = MIN_FRACTION) -> Summary:
    ok = ~np.isnan(values)
    if flags is not None:
        ok &= (flags & EXCLUDING) == 0
    from pemdesk.instruments.qc import usual_interval

    step = interval if interval else usual_interval(times)
    expected = max(1, int(round(3600 / step))) if step and step < 3600 else 1
    t = times[ok]
    v = values[ok]
    summary = Summary("", "1h")
    if t.shape[0] == 0:
        return summary
    hours = t // 3600
    uniq, start_idx, counts = np.unique(hours, return_index=True, return_counts=True)
    sums = np.add.reduceat(v, start_idx)
    means = sums / counts
    need = min_fraction * expected
    summary.periods = [
        Period(int(h) * 3600, int(h) * 3600 + 3600, float(m), int(c), expected, bool(c >= need))
        for h, m, c in zip(uniq.tolist(), means.tolist(), counts.tolist(), strict=True)
    ]
    return summary


def _local_days(first: int, last: int, zone: tzinfo) -> list[tuple[int, int]]:
    """(start, end) UTC seconds of each local calendar day from ``first`` to ``last``."""
    day = datetime.fromtimestamp(first, UTC).astimezone(zone).date()
    end_day = datetime.fromtimestamp(last, UTC).astimezone(zone).date()
    out = []
    while day <= end_day:
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        nxt = day + timedelta(days=1)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
        out.append((int(start.timestamp()), int(end.timestamp())))
        day = nxt
    return out


def daily(hours: Summary, tz: str, min_fraction: float = MIN_FRACTION) -> Summary:
    zone = resolve_zone(tz)
    summary = Summary(hours.indicator, "24h")
    valid = hours.valid
    if not hours.periods:
        return summary
    starts = np.asarray([p.start for p in valid], dtype=np.int64)
    means = np.asarray([p.mean for p in valid], dtype=np.float64)
    for a, b in _local_days(hours.periods[0].start, hours.periods[-1].start, zone):
        lo, hi = np.searchsorted(starts, a), np.searchsorted(starts, b)
        n = int(hi - lo)
        expected = (b - a) // 3600
        if n == 0 and not any(a <= p.start < b for p in hours.periods):
            continue
        mean = float(means[lo:hi].mean()) if n else float("nan")
        summary.periods.append(Period(a, b, mean, n, expected, n >= min_fraction * expected))
    return summary


def annual(days: Summary, tz: str, min_fraction: float = MIN_FRACTION) -> Summary:
    zone = resolve_zone(tz)
    summary = Summary(days.indicator, "annual")
    by_year: dict[int, list[Period]] = {}
    for p in days.periods:
        year = datetime.fromtimestamp(p.start, UTC).astimezone(zone).year
        by_year.setdefault(year, []).append(p)
    for year, periods in sorted(by_year.items()):
        a = int(datetime(year, 1, 1, tzinfo=zone).timestamp())
        b = int(datetime(year + 1, 1, 1, tzinfo=zone).timestamp())
        expected = round((b - a) / 86400)
        ok = [p.mean for p in periods if p.valid]
        mean = float(np.mean(ok)) if ok else float("nan")
        summary.periods.append(Period(a, b, mean, len(ok), expected,
                                      len(ok) >= min_fraction * expected))
    return summary


def day_night(times: IntArray, values: FloatArray, flags: IntArray | None, tz: str,
              which: str, interval: float | None = None,
              min_fraction: float = MIN_FRACTION) -> Summary:
    """Energy-mean level of each day (07–22) or night (22–07) period, local time."""
    from pemdesk.instruments.qc import usual_interval

    zone = resolve_zone(tz)
    ok = ~np.isnan(values)
    if flags is not None:
        ok &= (flags & EXCLUDING) == 0
    t, v = times[ok], values[ok]
    summary = Summary("", which)
    if t.shape[0] == 0:
        return summary
    step = interval if interval else usual_interval(times)
    for a, _b in _local_days(int(t[0]) - 86400, int(t[-1]), zone):
        day = datetime.fromtimestamp(a, UTC).astimezone(zone)
        if which == "day":
            s = day.replace(hour=DAY_START_HOUR)
            e = day.replace(hour=NIGHT_START_HOUR)
        else:
            s = day.replace(hour=NIGHT_START_HOUR)
            e = (day + timedelta(days=1)).replace(hour=DAY_START_HOUR)
        lo = int(s.astimezone(UTC).timestamp())
        hi = int(e.astimezone(UTC).timestamp())
        i, j = np.searchsorted(t, lo), np.searchsorted(t, hi)
        n = int(j - i)
        if n == 0:
            continue
        level = float(10 * np.log10(np.mean(10 ** (v[i:j] / 10))))
        expected = int((hi - lo) / step) if step else n
        summary.periods.append(Period(lo, hi, level, n, expected, n >= min_fraction * expected))
    return summary
