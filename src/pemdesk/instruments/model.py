"""What an importer hands on: series of (UTC seconds, value) per indicator, and what it noticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pemdesk.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Quality flags, one bit each; a reading keeps its raw value whatever its flags.
FLAG_RANGE = 1  # outside the catalogue's valid range
FLAG_STUCK = 2  # the same value for too long
FLAG_SPIKE = 4  # far from its neighbours
FLAG_GAP = 8  # follows a gap (informational: not excluded from means)
FLAG_INSTRUMENT = 16  # the instrument or the data provider marked it invalid
# Flags that keep a reading out of every average.
EXCLUDING = FLAG_RANGE | FLAG_STUCK | FLAG_SPIKE | FLAG_INSTRUMENT

FLAG_NAMES = {FLAG_RANGE: "range", FLAG_STUCK: "stuck", FLAG_SPIKE: "spike", FLAG_GAP: "gap",
              FLAG_INSTRUMENT: "instrument"}


def flag_text(flags: int) -> str:
    return "|".join(name for bit, name in FLAG_NAMES.items() if flags & bit)


@dataclass
class Series:
    """One indicator's readings from one file, sorted by time, duplicates removed."""

    indicator: str
    unit: str
    column: str  # the file's column (or channel) it came from
    times: IntArray  # UTC epoch seconds
    values: FloatArray  # in ``unit`` (the catalogue's unit when the indicator is catalogued)
    flags: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        if self.flags.shape != self.times.shape:
            self.flags = np.zeros(self.times.shape, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.times.shape[0])


@dataclass
class ParsedFile:
    path: Path
    family: str  # e.g. "hobo", "purpleair", "generic"
    series: list[Series]
    tz: str  # how the file's times were read ("UTC", "+08:00", "America/Chicago", …)
    tz_source: str  # "file" (stated in it), "option" (--tz / profile) or "assumed"
    serial: str = ""  # instrument serial number when the file names one
    model: str = ""
    skipped: int = 0  # data lines without a usable value (event rows, "N/A", …)
    duplicates: int = 0  # repeated timestamps dropped (first value kept)
    reordered: bool = False  # rows were out of time order
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.series)

    @property
    def first(self) -> int | None:
        starts = [int(s.times[0]) for s in self.series if len(s)]
        return min(starts) if starts else None

    @property
    def last(self) -> int | None:
        ends = [int(s.times[-1]) for s in self.series if len(s)]
        return max(ends) if ends else None

    def get(self, indicator: str) -> Series:
        for s in self.series:
            if s.indicator == indicator:
                return s
        raise KeyError(indicator)


def refuse(path: Path | str, line: int | None, mn: str, en: str, detail: str = "") -> InvalidInput:
    """A file that cannot be imported, named with its line (1-based) when one is to blame."""
    name = Path(path).name
    if line is None:
        return InvalidInput(f"{name}: {mn}", f"{name}: {en}", detail=detail)
    return InvalidInput(f"{name}, {line}-р мөр: {mn}", f"{name}, line {line}: {en}", detail=detail)
