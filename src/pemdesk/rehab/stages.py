"""A plot's stage history and what follows from it (pure functions, no I/O).

The history is the truth: a plot's stage on any date is the ``to_stage`` of the last change dated
on or before it (changes of the same day in the order they were recorded). Before its first
change a plot is not counted at all (the land was not yet known as disturbed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pemdesk.errors import InvalidInput
from pemdesk.model import PlotStage
from pemdesk.rehab.records import StageChange

STAGE_ORDER: dict[PlotStage, int] = {stage: i for i, stage in enumerate(PlotStage)}


def ordered(changes: Iterable[StageChange]) -> list[StageChange]:
    """By date; changes of the same day keep the order they come in (the store gives them in
    recording order)."""
    return sorted(changes, key=lambda c: c.changed_on[:10])


def stage_at(changes: Sequence[StageChange], on: str | None = None) -> PlotStage | None:
    """The stage on date ``on`` (YYYY-MM-DD; None: today and after), or None before the first."""
    stage: PlotStage | None = None
    for change in ordered(changes):
        if on is not None and change.changed_on[:10] > on[:10]:
            break
        stage = PlotStage(change.to_stage)
    return stage


def current_stage(changes: Sequence[StageChange]) -> PlotStage | None:
    return stage_at(changes, None)


def reached_on(changes: Sequence[StageChange], stage: PlotStage) -> str | None:
    """The first date the plot was at ``stage`` or a later one (None: never)."""
    for change in ordered(changes):
        if STAGE_ORDER[PlotStage(change.to_stage)] >= STAGE_ORDER[stage]:
            return change.changed_on[:10]
    return None


@dataclass(frozen=True)
class PlotHistory:
    """What the arithmetic needs of a plot: its id, area and history."""

    plot_id: str
    area_ha: float
    changes: tuple[StageChange, ...]


def hectares_by_stage(
    plots: Iterable[PlotHistory], on: str | None = None
) -> dict[PlotStage, float]:
    """Hectares at each stage on a date: the sum over the plots of their area at their stage."""
    out = {stage: 0.0 for stage in PlotStage}
    for plot in plots:
        stage = stage_at(plot.changes, on)
        if stage is not None:
            out[stage] += plot.area_ha
    return out


def hectares_over_years(
    plots: Sequence[PlotHistory], years: Sequence[int]
) -> list[tuple[int, dict[PlotStage, float]]]:
    """Hectares by stage at the end of each year (the stage history chart)."""
    return [(year, hectares_by_stage(plots, f"{year}-12-31")) for year in years]


def history_years(plots: Iterable[PlotHistory], until: int | None = None) -> list[int]:
    """From the first recorded change to ``until`` (default this year)."""
    first = min(
        (int(c.changed_on[:4]) for p in plots for c in p.changes if c.changed_on[:4].isdigit()),
        default=None,
    )
    last = until or date.today().year
    if first is None:
        return [last]
    return list(range(min(first, last), last + 1))


def check_change(
    history: Sequence[StageChange], change: StageChange, today: str | None = None
) -> StageChange:
    """Validate a new change against the plot's history and fill in its ``from_stage``.

    A change may go back (a failed planting back to technical), but not to the stage the plot is
    already at on that date, and not into the future.
    """
    on = change.changed_on[:10]
    try:
        date.fromisoformat(on)
    except ValueError as exc:
        raise InvalidInput(
            f"Огноо буруу байна: «{change.changed_on}» (ЖЖЖЖ-СС-ӨӨ).",
            f"Not a date: “{change.changed_on}” (use YYYY-MM-DD).",
        ) from exc
    if on > (today or date.today().isoformat()):
        raise InvalidInput(
            "Ирээдүйн огноогоор үе шат өөрчлөх боломжгүй.",
            "A stage change cannot be dated in the future.",
            detail=on,
        )
    others = [c for c in history if c.id != change.id]
    first = min((c.changed_on[:10] for c in others), default=None)
    if first is not None and on < first:
        raise InvalidInput(
            f"Талбайн түүх {first}-нд эхэлдэг; түүнээс өмнөх огноогоор өөрчлөлт бүртгэх боломжгүй.",
            f"The plot's history starts on {first}; a change cannot be dated before it.",
            detail=f"{change.plot_id} {on}",
        )
    before = stage_at(others, on)
    if before == PlotStage(change.to_stage):
        raise InvalidInput(
            "Талбай тэр өдөр аль хэдийн энэ үе шатанд байсан.",
            "The plot was already at that stage on that date.",
            detail=f"{change.plot_id} {on} {change.to_stage}",
        )
    change.changed_on = on
    change.from_stage = before
    return change


def histories(areas: Mapping[str, float], changes: Iterable[StageChange]) -> list[PlotHistory]:
    """Group changes by plot (plots without changes get an empty history)."""
    by_plot: dict[str, list[StageChange]] = {pid: [] for pid in areas}
    for change in changes:
        if change.plot_id in by_plot:
            by_plot[change.plot_id].append(change)
    return [PlotHistory(pid, areas[pid] or 0.0, tuple(cs)) for pid, cs in by_plot.items()]
