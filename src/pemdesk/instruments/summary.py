"""Readings against the limits of the catalogue: the figures reports, the CLI and the UI show.

For each indicator of each deployment with limits in the catalogue: the means at the limit's
averaging period (24 h, annual, day, night), how many periods were valid (75 % complete), the
exceedances and the worst periods, the corrections applied and what the figures rest on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pemdesk.catalogue import Catalogue, Limit
from pemdesk.instruments import aggregate, corrections
from pemdesk.instruments.aggregate import Period, Summary
from pemdesk.instruments.model import EXCLUDING, FloatArray, IntArray
from pemdesk.instruments.timeparse import to_iso


@dataclass
class LimitResult:
    limit: Limit
    averaging: str
    periods: int  # periods with any data
    valid: int  # periods complete enough
    exceedances: list[Period]
    worst: list[Period]
    mean: float | None  # mean of the valid period means


@dataclass
class IndicatorSummary:
    deployment_id: str
    indicator: str
    unit: str
    readings: int
    excluded: int
    first: int | None
    last: int | None
    corrections: corrections.Applied
    limits: list[LimitResult] = field(default_factory=list)
    daily: Summary | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment_id, "indicator": self.indicator, "unit": self.unit,
            "readings": self.readings, "excluded_by_qc": self.excluded,
            "first": to_iso(self.first) if self.first is not None else None,
            "last": to_iso(self.last) if self.last is not None else None,
            "corrections": list(self.corrections.names),
            "uncorrectable": self.corrections.uncorrectable,
            "limits": [{
                "source": r.limit.source, "averaging": r.averaging, "kind": r.limit.kind,
                "value": r.limit.value, "periods": r.periods, "valid_periods": r.valid,
                "mean_of_valid": None if r.mean is None else round(r.mean, 3),
                "exceedances": len(r.exceedances),
                "worst": [{"start": to_iso(p.start), "mean": round(p.mean, 3),
                           "completeness": round(p.completeness, 3)} for p in r.worst],
            } for r in self.limits],
        }


def summarise(indicator: str, times: IntArray, values: FloatArray, flags: IntArray, tz: str,
              deployment_id: str = "", applied: corrections.Applied | None = None,
              catalogue: Catalogue | None = None) -> IndicatorSummary:
    cat = catalogue or Catalogue.load()
    from pemdesk.instruments.columns import unit_of

    ok = ~np.isnan(values)
    excluded = int(((flags & EXCLUDING) != 0).sum())
    result = IndicatorSummary(deployment_id, indicator, unit_of(indicator), int(ok.sum()),
                              excluded, int(times[0]) if times.shape[0] else None,
                              int(times[-1]) if times.shape[0] else None,
                              applied or corrections.Applied(()))
    limits = cat.get(indicator).limits if indicator in cat else ()
    hours = aggregate.hourly(times, values, flags)
    days = aggregate.daily(hours, tz) if hours.periods else Summary(indicator, "24h")
    result.daily = days
    for limit in limits:
        if limit.averaging == "24h":
            s = days
        elif limit.averaging == "annual":
            s = aggregate.annual(days, tz)
        elif limit.averaging in ("day", "night"):
            s = aggregate.day_night(times, values, flags, tz, limit.averaging)
        else:
            s = hours
        valid = s.valid
        result.limits.append(LimitResult(
            limit, limit.averaging or "1h", len(s.periods), len(valid),
            s.exceedances(limit.value, limit.kind), s.worst(3, limit.kind),
            float(np.mean([p.mean for p in valid])) if valid else None))
    return result


def deployment_summaries(store: Any, deployment_id: str, start: int | None = None,
                         end: int | None = None) -> list[IndicatorSummary]:
    """Every indicator of a deployment, corrected as the deployment says, against its limits."""
    from pemdesk.storage import readings as rs

    dep = rs.get_deployment(store, deployment_id)
    names = tuple(dep["corrections"])
    out = []
    for code, _n, _a, _b in rs.indicators(store, deployment_id):
        t, v, f = rs.series(store, deployment_id, code, start, end)
        if t.shape[0] == 0:
            continue
        rh = None
        if corrections.EPA2021 in names and code == "air.pm25":
            rt, rv, rf = rs.series(store, deployment_id, "met.rh", start, end)
            keep = (rf & EXCLUDING) == 0
            rh = (rt[keep], rv[keep])
        v2, applied = corrections.apply(code, t, v, names, rh=rh, factor=dep["factor"],
                                        offset=dep["offset"])
        out.append(summarise(code, t, v2, f, dep["tz"], deployment_id, applied))
    return out
