"""Documented corrections, applied to copies of the raw values and always named in results.

* ``epa2021_purpleair`` — US EPA correction of PurpleAir PM2.5 (Barkjohn, Gantt & Clements,
  "Development and application of a United States-wide correction for PM2.5 data collected with
  the PurpleAir sensor", Atmos. Meas. Tech. 14, 4617–4637, 2021):
  ``PM2.5 = 0.524 × PA(cf_1) − 0.0862 × RH + 5.75`` for PA ≤ 343 µg/m³, and the
  ``0.46 × PA + 3.93e-4 × PA² + 2.97`` extension above it (EPA's 2021 smoke update). It needs
  the relative humidity at the same time (the reading within ``rh_window`` seconds); a reading
  without one is left out of corrected means, never guessed.
* ``colocation`` — ``value × factor + offset`` from a co-location with a reference monitor,
  stored on the instrument (``factor``, ``offset``, ``calibrated_on``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pemdesk.instruments.model import FloatArray, IntArray

EPA2021 = "epa2021_purpleair"
COLOCATION = "colocation"

DESCRIPTIONS = {
    EPA2021: ("АНУ-ын EPA 2021 PurpleAir PM2.5-ын чийгшлийн засвар (Barkjohn нар, 2021)",
              "US EPA 2021 PurpleAir PM2.5 humidity correction (Barkjohn et al., 2021)"),
    COLOCATION: ("Лавлах багажтай зэрэгцүүлсэн засварын коэффициент",
                 "Co-location factor against a reference monitor"),
}


@dataclass(frozen=True)
class Applied:
    """What was done to a series: the names, and how many readings could not be corrected."""

    names: tuple[str, ...]
    uncorrectable: int = 0

    def text(self, lang: str = "mn") -> str:
        if not self.names:
            return "засваргүй (түүхий утга)" if lang == "mn" else "no correction (raw values)"
        parts = []
        for n in self.names:
            mn, en = DESCRIPTIONS.get(n, (n, n))
            parts.append(mn if lang == "mn" else en)
        return "; ".join(parts)


def epa2021(pm_cf1: FloatArray, rh: FloatArray) -> FloatArray:
    pa = np.asarray(pm_cf1, dtype=np.float64)
    low = 0.524 * pa - 0.0862 * rh + 5.75
    high = 0.46 * pa + 3.93e-4 * pa**2 + 2.97
    out = np.where(pa <= 343.0, low, high)
    return np.maximum(out, 0.0)


def nearest(times: IntArray, ref_times: IntArray, ref_values: FloatArray,
            window: int) -> FloatArray:
    """The reference value nearest in time to each of ``times`` (NaN if none within window)."""
    out = np.full(times.shape, np.nan)
    if ref_times.shape[0] == 0:
        return out
    idx = np.searchsorted(ref_times, times)
    lo = np.clip(idx - 1, 0, ref_times.shape[0] - 1)
    hi = np.clip(idx, 0, ref_times.shape[0] - 1)
    pick = np.where(np.abs(ref_times[lo] - times) <= np.abs(ref_times[hi] - times), lo, hi)
    close = np.abs(ref_times[pick] - times) <= window
    out[close] = ref_values[pick][close]
    return out


def apply(indicator: str, times: IntArray, values: FloatArray, names: tuple[str, ...],
          rh: tuple[IntArray, FloatArray] | None = None, factor: float | None = None,
          offset: float | None = None, rh_window: int = 3600) -> tuple[FloatArray, Applied]:
    """Corrected copies of ``values`` (NaN where a correction could not be made)."""
    out = np.asarray(values, dtype=np.float64).copy()
    done: list[str] = []
    bad = 0
    for name in names:
        if name == EPA2021 and indicator == "air.pm25":
            if rh is None:
                out[:] = np.nan
                bad = out.shape[0]
            else:
                humidity = nearest(times, rh[0], rh[1], rh_window)
                out = epa2021(out, humidity)
                bad = int(np.isnan(out).sum())
            done.append(name)
        elif name == COLOCATION and (factor is not None or offset is not None):
            out = out * (1.0 if factor is None else factor) + (0.0 if offset is None else offset)
            done.append(name)
    return out, Applied(tuple(done), bad)
