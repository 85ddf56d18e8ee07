"""The synced records of rehabilitation evidence (tables of migration m005)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pemdesk.ids import new_id
from pemdesk.model import PlotStage


class TargetLevel(StrEnum):
    NATIONAL = "national"
    AIMAG = "aimag"
    SOUM = "soum"


class TargetBasis(StrEnum):
    IN_YEAR = "in_year"  # hectares that reach the stage during the year (a campaign)
    CUMULATIVE = "cumulative"  # hectares at or past the stage at the end of the year


class AcceptanceKind(StrEnum):
    TECHNICAL = "technical"
    BIOLOGICAL = "biological"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"


@dataclass
class RehabTarget:
    level: TargetLevel
    year: int
    stage: PlotStage
    area_ha: float
    aimag_code: str | None = None
    soum_code: str | None = None
    basis: TargetBasis = TargetBasis.IN_YEAR
    name: str = ""
    source: str = ""
    notes: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class StageChange:
    plot_id: str
    to_stage: PlotStage
    changed_on: str  # YYYY-MM-DD
    from_stage: PlotStage | None = None
    visit_id: str | None = None
    person_id: str | None = None
    recorded_by: str = ""
    photo_ids: list[str] = field(default_factory=list)
    note: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Acceptance:
    plot_id: str
    kind: AcceptanceKind
    accepted_on: str
    decision: Decision
    members: list[dict[str, Any]] = field(default_factory=list)  # {name, role, organisation}
    criteria: dict[str, Any] = field(default_factory=dict)  # code -> "yes" | "no" | "unknown"
    criteria_source: str = ""
    act_no: str = ""
    visit_id: str | None = None
    notes: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class PhotoCover:
    photo_id: str
    method: str
    cover_pct: float
    params: dict[str, Any] = field(default_factory=dict)
    mask_sha256: str | None = None
    sample_width: int | None = None
    sample_height: int | None = None
    manual_pct: float | None = None
    manual_note: str = ""
    manual_by: str = ""
    id: str = field(default_factory=new_id)

    @property
    def value(self) -> float:
        """The value to report: the person's correction when there is one."""
        return self.manual_pct if self.manual_pct is not None else self.cover_pct
