"""The domain model of participatory environmental monitoring (Qt-free, typed).

Records are plain dataclasses; the store turns them into rows. Geometry is GeoJSON (a dict) in
WGS84 lon/lat; times are UTC ISO-8601 text; ids are UUIDv7 made on the device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pemdesk.ids import new_id


class PersonRole(StrEnum):
    MONITOR = "monitor"
    HERDER = "herder"
    CITIZEN = "citizen"
    SOUM_OFFICIAL = "soum_official"
    INSPECTOR = "inspector"
    COMPANY = "company"
    NGO = "ngo"
    COORDINATOR = "coordinator"
    OTHER = "other"


class SiteKind(StrEnum):
    LICENCE_AREA = "licence_area"
    MINE = "mine"
    PROCESSING_PLANT = "processing_plant"
    RIVER_SECTION = "river_section"
    WELL = "well"
    PASTURE = "pasture"
    OTHER = "other"


class PlotStage(StrEnum):
    """Rehabilitation stages, in order (MNS 5917:2008 vocabulary)."""

    DISTURBED = "disturbed"
    TECHNICAL = "technical"
    BIOLOGICAL = "biological"
    HANDED_OVER = "handed_over"


class VisitStatus(StrEnum):
    DRAFT = "draft"
    FINISHED = "finished"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class PositionSource(StrEnum):
    GPS = "gps"
    MAP = "map"
    TYPED = "typed"
    SITE = "site"


Geometry = dict[str, Any]


@dataclass
class Person:
    name: str
    role: PersonRole = PersonRole.MONITOR
    organisation: str = ""
    phone: str = ""
    soum_code: str | None = None
    notes: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Site:
    name_mn: str
    aimag_code: str
    soum_code: str
    kind: SiteKind = SiteKind.MINE
    name_en: str = ""
    licence_no: str = ""
    holder: str = ""
    mineral: str = ""
    lon: float | None = None
    lat: float | None = None
    boundary: Geometry | None = None
    notes: str = ""
    is_demo: bool = False
    id: str = field(default_factory=new_id)

    def name(self, lang: str = "mn") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_mn


@dataclass
class Plot:
    site_id: str
    name: str
    stage: PlotStage = PlotStage.DISTURBED
    geometry: Geometry | None = None
    area_ha: float | None = None  # computed geodesically from geometry on save
    target_year: int | None = None
    target_stage: PlotStage | None = None
    disturbed_on: str | None = None
    technical_on: str | None = None
    biological_on: str | None = None
    handed_over_on: str | None = None
    notes: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Participant:
    visit_id: str
    person_id: str
    role: PersonRole
    id: str = field(default_factory=new_id)


@dataclass
class Visit:
    site_id: str
    started_at: str
    ended_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    position_source: PositionSource | None = None
    weather: str = ""
    purpose: str = ""
    notes: str = ""
    status: VisitStatus = VisitStatus.DRAFT
    plot_ids: list[str] = field(default_factory=list)
    # Revisions: a change to a finished visit is a new visit row that supersedes the old one.
    revision: int = 1
    supersedes: str | None = None
    created_by: str | None = None
    finished_at: str | None = None
    seal_digest: str | None = None
    seal_signature: str | None = None
    seal_key: str | None = None
    id: str = field(default_factory=new_id)


@dataclass
class Observation:
    visit_id: str
    indicator: str
    value_num: float | None = None
    value_text: str | None = None
    unit: str = ""
    method: str = ""
    instrument: str = ""
    observed_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    comment: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Finding:
    visit_id: str
    category: str
    description: str
    severity: Severity = Severity.MEDIUM
    follow_up: FollowUpStatus = FollowUpStatus.OPEN
    follow_up_due: str | None = None
    follow_up_note: str = ""
    lon: float | None = None
    lat: float | None = None
    id: str = field(default_factory=new_id)


@dataclass
class PhotoPoint:
    site_id: str
    name: str
    lon: float
    lat: float
    bearing: float | None = None
    plot_id: str | None = None
    notes: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Photo:
    sha256: str
    visit_id: str | None = None
    photo_point_id: str | None = None
    taken_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    altitude_m: float | None = None
    bearing: float | None = None
    position_source: str | None = None
    orientation: int = 1
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    mime: str = "image/jpeg"
    original_name: str = ""
    caption: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Track:
    name: str
    geometry: Geometry
    site_id: str | None = None
    visit_id: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    source_file: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class Waypoint:
    """A field point from a GPS file or the live GPS (name, time, elevation, symbol), on the
    waypoints layer; attachable later to a site, a visit, a photo point or an observation."""

    name: str
    lon: float
    lat: float
    ele: float | None = None
    recorded_at: str | None = None  # UTC ISO of the GPS fix
    description: str = ""
    symbol: str = ""
    source_file: str = ""
    site_id: str | None = None
    visit_id: str | None = None
    photo_point_id: str | None = None
    observation_id: str | None = None
    id: str = field(default_factory=new_id)
