"""Quality control: flags per reading, never a change to a raw value.

* range — outside the catalogue's valid range of the indicator (``valid_min``/``valid_max``);
* stuck — the same value repeated for at least ``stuck_readings`` readings spanning at least
  ``stuck_seconds`` (a frozen sensor or a logger repeating its last value);
* spike — further than ``spike_k`` robust deviations (1.4826 × MAD of the whole series, at least
  ``spike_floor``) from the median of the ``spike_window`` readings around it (a Hampel filter);
* gap — the reading follows a silence longer than ``gap_factor`` × the usual interval
  (informational: it does not exclude the reading).

Completeness per averaging period is computed in ``aggregate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from pemdesk.instruments.model import (
    FLAG_GAP,
    FLAG_RANGE,
    FLAG_SPIKE,
    FLAG_STUCK,
    FloatArray,
    IntArray,
)


@dataclass(frozen=True)
class QcSettings:
    stuck_readings: int = 6
    stuck_seconds: int = 2 * 3600
    spike_window: int = 5  # odd
    spike_k: float = 6.0
    spike_floor: float = 0.0  # minimum deviation, in the indicator's unit
    gap_factor: float = 3.0


@dataclass(frozen=True)
class Gap:
    start: int  # last reading before it (UTC s)
    end: int  # first reading after it


def valid_range(indicator: str) -> tuple[float | None, float | None]:
    from pemdesk.catalogue import Catalogue

    cat = Catalogue.load()
    if indicator in cat:
        ind = cat.get(indicator)
        return ind.valid_min, ind.valid_max
    defaults = {"met.rh": (0.0, 100.0), "met.temperature": (-60.0, 60.0),
                "water.do_sat": (0.0, 500.0), "air.pm1": (0.0, 10000.0)}
    return defaults.get(indicator, (None, None))


def usual_interval(times: IntArray) -> float:
    if times.shape[0] < 2:
        return 0.0
    d = np.diff(times)
    d = d[d > 0]
    return float(np.median(d)) if d.size else 0.0


def check(indicator: str, times: IntArray, values: FloatArray, flags: IntArray | None = None,
          settings: QcSettings | None = None,
          bounds: tuple[float | None, float | None] | None = None) -> IntArray:
    """Flags for a time-sorted series (existing flags, e.g. the instrument's, are kept)."""
    st = settings or QcSettings()
    n = values.shape[0]
    out = np.zeros(n, dtype=np.int64) if flags is None else flags.astype(np.int64).copy()
    if n == 0:
        return out
    lo, hi = bounds if bounds is not None else valid_range(indicator)
    if lo is not None:
        out[values < lo] |= FLAG_RANGE
    if hi is not None:
        out[values > hi] |= FLAG_RANGE
    out |= stuck(times, values, st) * FLAG_STUCK
    out |= spikes(values, st) * FLAG_SPIKE
    interval = usual_interval(times)
    if interval > 0 and n > 1:
        after_gap = np.concatenate(([False], np.diff(times) > st.gap_factor * interval))
        out[after_gap] |= FLAG_GAP
    return out


def stuck(times: IntArray, values: FloatArray, st: QcSettings) -> IntArray:
    n = values.shape[0]
    if n < st.stuck_readings:
        return np.zeros(n, dtype=np.int64)
    change = np.concatenate(([True], values[1:] != values[:-1]))
    run_id = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    ends = np.concatenate((starts[1:], [n])) - 1
    lengths = ends - starts + 1
    spans = times[ends] - times[starts]
    bad_run = (lengths >= st.stuck_readings) & (spans >= st.stuck_seconds)
    return bad_run[run_id].astype(np.int64)


def spikes(values: FloatArray, st: QcSettings) -> IntArray:
    n = values.shape[0]
    w = st.spike_window
    if n < w:
        return np.zeros(n, dtype=np.int64)
    half = w // 2
    padded = np.concatenate((np.full(half, values[0]), values, np.full(half, values[-1])))
    med = np.median(sliding_window_view(padded, w), axis=1)
    dev = np.abs(values - med)
    centre = np.abs(values - np.median(values))
    mad = float(np.median(centre)) * 1.4826
    if mad == 0:  # quantised readings (whole µg/m³): fall back to the mean absolute deviation
        mad = float(np.mean(centre)) * 1.2533
    threshold = max(st.spike_k * mad, st.spike_floor)
    if threshold <= 0:
        # A constant series has no spread: anything off the median by more than a tiny amount.
        threshold = max(st.spike_floor, 1e-9)
        if not np.any(dev > threshold):
            return np.zeros(n, dtype=np.int64)
    return (dev > threshold).astype(np.int64)


def gaps(times: IntArray, settings: QcSettings | None = None) -> list[Gap]:
    st = settings or QcSettings()
    interval = usual_interval(times)
    if interval <= 0:
        return []
    d = np.diff(times)
    idx = np.flatnonzero(d > st.gap_factor * interval)
    return [Gap(int(times[i]), int(times[i + 1])) for i in idx.tolist()]
