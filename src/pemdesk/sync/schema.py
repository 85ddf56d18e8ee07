"""ONE typed description of every synced entity, enforced by the server on every op.

How to register a synced table (findings, instruments, rehabilitation, … all do this)
-------------------------------------------------------------------------------------
1. Make it a real synced table on the laptop (sync columns + capture triggers, see
   ``storage/migrations.py`` and ``storage/outbox.py``).
2. Describe it once: next to the others at the end of this module, or in your own module that
   calls ``register`` at import and is listed in ``EXTRA_SCHEMA_MODULES``::

       from pemdesk.sync.schema import F, Entity, Policy, register

       register(Entity(
           "instrument_reading",
           policy=Policy.OWNER,                 # OWNER: the monitor who made it; SHARED: merged
           parent=("visit_id", "visit"),        # its owner is the owner of this visit
           locked_by_visit="visit_id",          # immutable once that visit is finished
           fields={
               "visit_id": F.ref("visit", required=True),
               "instrument": F.enum({"ph", "ec"}, required=True),
               "value": F.real(min=-1e6, max=1e6),
               "measured_at": F.time(),
               "note": F.text(max_len=5000),
           },
       ))

   Every column the laptop sends must be described (an unknown column is refused), except the
   sync columns every synced table has (``created_at``, ``updated_at``, ``extra``, ``_version``,
   ``_deleted``, ``_conflict``), which are added for you.
3. That is all: the server checks types, required fields, finite numbers and ranges, enums,
   aimag/soum codes, GeoJSON geometry, references to records that exist, server-owned and
   write-once fields; an invalid op is refused with ``reason`` in its ack and reaches nobody.

Field kinds: ``text`` (``max_len``), ``integer``/``real`` (finite, ``min``/``max``), ``bool``
(0/1), ``enum`` (``choices``), ``time`` (ISO-8601 date-time), ``date`` (ISO date), ``ref``
(id of a record of ``ref`` that exists on the server), ``geometry`` (GeoJSON text, ``geometry``
types), ``aimag``/``soum`` (gazetteer codes), ``sha256``, ``json`` (a JSON object as text).
Flags: ``required`` (NOT NULL without a default on the laptop: present on create, never null),
``nn(spec)`` (NOT NULL with a default: may be absent, never null), ``write_once`` (only in the
create), ``F.server(value)`` (a device may never set it to anything but ``value``).

No I/O except the gazetteer (read-only, cached); the server passes a lookup for references.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from pemdesk import model


class Policy(StrEnum):
    OWNER = "owner"  # written by the monitor who created it (and coordinators)
    SHARED = "shared"  # field merge against base_version; clashes kept as conflicts


class Invalid(Exception):
    """An op that breaks the schema; ``reason`` goes into the ack (short, machine-readable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class F:
    """One column: its kind, whether it is required, and its limits."""

    kind: str
    required: bool = False
    max_len: int = 2000
    min: float | None = None
    max: float | None = None
    choices: frozenset[str] = frozenset()
    target: str | None = None  # the entity a ``ref`` names
    geo_types: tuple[str, ...] = ()
    write_once: bool = False
    server_only: bool = False
    server_value: Any = None
    not_null: bool = False  # may be left out of a create (the laptop has a default), never null

    # --- constructors (readable descriptions) ----------------------------------------------
    @staticmethod
    def text(*, required: bool = False, max_len: int = 2000,
             write_once: bool = False) -> F:
        return F("text", required=required, max_len=max_len, write_once=write_once)

    @staticmethod
    def integer(*, required: bool = False, min: float | None = None, max: float | None = None,
            write_once: bool = False) -> F:
        return F("int", required=required, min=min, max=max, write_once=write_once)

    @staticmethod
    def real(*, required: bool = False, min: float | None = None, max: float | None = None) -> F:
        return F("real", required=required, min=min, max=max)

    @staticmethod
    def enum(choices: set[str] | frozenset[str] | type[StrEnum], *, required: bool = False) -> F:
        values = frozenset(str(c) for c in choices)  # type: ignore[union-attr]
        return F("enum", required=required, choices=values)

    @staticmethod
    def time(*, required: bool = False, write_once: bool = False) -> F:
        return F("time", required=required, max_len=40, write_once=write_once)

    @staticmethod
    def date(*, required: bool = False) -> F:
        return F("date", required=required, max_len=40)

    @staticmethod
    def ref(entity: str, *, required: bool = False, write_once: bool = False) -> F:
        return F("ref", required=required, target=entity, max_len=64, write_once=write_once)

    @staticmethod
    def geometry(*types: str, required: bool = False) -> F:
        return F("geometry", required=required, geo_types=types, max_len=4_000_000)

    @staticmethod
    def code(kind: str, *, required: bool = False) -> F:
        return F(kind, required=required, max_len=40)  # "aimag" or "soum"

    @staticmethod
    def sha256(*, required: bool = False, write_once: bool = False) -> F:
        return F("sha256", required=required, max_len=64, write_once=write_once)

    @staticmethod
    def json_object(*, max_len: int = 100_000) -> F:
        return F("json", max_len=max_len)

    @staticmethod
    def server(value: Any) -> F:
        """A field only the server sets; a device may send it only with this value."""
        return F("server", server_only=True, server_value=value)


@dataclass(frozen=True)
class Entity:
    name: str
    fields: Mapping[str, F]
    policy: Policy = Policy.OWNER
    parent: tuple[str, str] | None = None  # (field, entity) whose owner owns this record
    groups: tuple[tuple[str, ...], ...] = ()  # fields that merge as one (geometry + its area)
    locked_by_visit: str | None = None  # field naming the visit that locks it when finished
    create_only: bool = False  # written once, never patched (sealed documents)
    coordinator_delete: bool = False  # only coordinators may delete
    coordinator_only: bool = False  # only coordinators write it at all (reference data)
    extra_check: Callable[[dict[str, Any]], None] | None = None  # whole-record rule (after merge)
    # The copy of a record's data for a device whose monitor is neither a coordinator nor the
    # record's owner (e.g. a confidential complainant's name blanked); None: sent as it is.
    redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    all_fields: dict[str, F] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        merged = {**SYNC_FIELDS, **dict(self.fields)}
        object.__setattr__(self, "all_fields", merged)


# Columns every synced table has (migrations.SYNC_COLUMNS); the state ones are stripped.
SYNC_FIELDS: dict[str, F] = {
    "created_at": F.time(required=True, write_once=True),
    "updated_at": F.time(required=True),
    "extra": replace(F.json_object(), not_null=True),
}


def nn(spec: F) -> F:
    """NOT NULL with a default on the laptop: may be absent from a create, never null."""
    return replace(spec, not_null=True)
STATE_FIELDS = frozenset({"_version", "_deleted", "_conflict"})

REGISTRY: dict[str, Entity] = {}

# Modules that register more entities at import (each calls ``register``); append yours.
EXTRA_SCHEMA_MODULES: list[str] = [
    "pemdesk.rehab.sync_schema", "pemdesk.cases.sync_schema", "pemdesk.geo.sync_schema",
    "pemdesk.instruments.sync_schema",
]


def register(entity: Entity) -> Entity:
    REGISTRY[entity.name] = entity
    return entity


def entity(name: str) -> Entity | None:
    _load_extra()
    return REGISTRY.get(name)


@cache
def _load_extra() -> None:
    import importlib

    for module in EXTRA_SCHEMA_MODULES:
        importlib.import_module(module)


# --- value checks ------------------------------------------------------------------------------
_UUIDISH = re.compile(r"^[0-9A-Za-z_.:-]{1,64}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
MAX_ABS = 1e15


@cache
def _gazetteer() -> Any:
    from pemdesk.gazetteer import Gazetteer

    return Gazetteer.load()


@cache
def aimag_codes() -> frozenset[str]:
    return frozenset(a.code for a in _gazetteer().aimags())


@cache
def soum_aimag() -> dict[str, str]:
    return {s.code: s.aimag_code for s in _gazetteer().soums()}


def _number(value: Any, spec: F, name: str, integer: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"not_a_number:{name}")
    if integer and (isinstance(value, float) or abs(value) >= 2**53):
        raise Invalid(f"not_an_integer:{name}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"not_finite:{name}")
    if abs(value) > MAX_ABS:
        raise Invalid(f"out_of_range:{name}")
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        raise Invalid(f"out_of_range:{name}")


def _coords_ok(coords: Any, depth: int) -> bool:
    if depth == 0:
        return (isinstance(coords, list) and 2 <= len(coords) <= 3
                and all(isinstance(c, int | float) and not isinstance(c, bool)
                        and math.isfinite(c) for c in coords)
                and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90)
    return isinstance(coords, list) and all(_coords_ok(c, depth - 1) for c in coords)


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
          "MultiPolygon": 3}


def check_geometry(value: Any, allowed: tuple[str, ...], name: str = "geometry") -> None:
    """GeoJSON text of an allowed type, finite coordinates in WGS84 range, closed rings."""
    if not isinstance(value, str):
        raise Invalid(f"not_geojson_text:{name}")
    try:
        geo = json.loads(value)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"not_geojson:{name}") from exc
    if not isinstance(geo, dict) or geo.get("type") not in _DEPTH:
        raise Invalid(f"not_geojson:{name}")
    kind = geo["type"]
    if allowed and kind not in allowed:
        raise Invalid(f"geometry_type:{name}")
    coords = geo.get("coordinates")
    if not _coords_ok(coords, _DEPTH[kind]) or not coords:
        raise Invalid(f"bad_coordinates:{name}")
    rings: list[Any] = []
    if kind == "Polygon":
        rings = coords
    elif kind == "MultiPolygon":
        rings = [r for poly in coords for r in poly]
    for ring in rings:
        if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
            raise Invalid(f"ring_not_closed:{name}")
    if kind in ("LineString",) and len(coords) < 2:
        raise Invalid(f"bad_coordinates:{name}")


def check_value(name: str, spec: F, value: Any) -> None:
    """Raise Invalid unless ``value`` is a valid non-null value of ``spec``."""
    kind = spec.kind
    if kind in ("text", "enum", "time", "date", "ref", "geometry", "aimag", "soum", "sha256",
                "json"):
        if not isinstance(value, str):
            raise Invalid(f"not_text:{name}")
        if len(value) > spec.max_len:
            raise Invalid(f"too_long:{name}")
        if "\x00" in value:
            raise Invalid(f"nul_char:{name}")
    if kind == "text":
        return
    if kind == "int":
        _number(value, spec, name, integer=True)
    elif kind == "real":
        _number(value, spec, name, integer=False)
    elif kind == "bool":
        if value not in (0, 1) or isinstance(value, float):
            raise Invalid(f"not_bool:{name}")
    elif kind == "enum":
        if value not in spec.choices:
            raise Invalid(f"not_allowed:{name}")
    elif kind == "time":
        try:
            datetime.fromisoformat(value)
        except ValueError as exc:
            raise Invalid(f"not_a_time:{name}") from exc
    elif kind == "date":
        try:
            date.fromisoformat(value[:10])
            if len(value) > 10:
                datetime.fromisoformat(value)
        except ValueError as exc:
            raise Invalid(f"not_a_date:{name}") from exc
    elif kind == "ref":
        if not _UUIDISH.match(value):
            raise Invalid(f"bad_id:{name}")
    elif kind == "geometry":
        check_geometry(value, spec.geo_types, name)
    elif kind == "aimag":
        if value not in aimag_codes():
            raise Invalid(f"unknown_aimag:{name}")
    elif kind == "soum":
        if value not in soum_aimag():
            raise Invalid(f"unknown_soum:{name}")
    elif kind == "sha256":
        if not _SHA.match(value):
            raise Invalid(f"not_sha256:{name}")
    elif kind == "json":
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise Invalid(f"not_json:{name}") from exc
        if not isinstance(parsed, dict):
            raise Invalid(f"not_json_object:{name}")
    elif kind == "server" and value != spec.server_value:
        raise Invalid(f"server_owned:{name}")


def check_fields(ent: Entity, fields: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
    """Validate an op's ``fields``; returns them without the state columns. Raises Invalid."""
    out: dict[str, Any] = {}
    specs = ent.all_fields
    for name, value in fields.items():
        if name in STATE_FIELDS or name == "id":
            continue
        spec = specs.get(name)
        if spec is None:
            raise Invalid(f"unknown_field:{name}")
        if value is None:
            if spec.required or spec.not_null:
                raise Invalid(f"required:{name}")
        else:
            check_value(name, spec, value)
        if not create and spec.write_once:
            raise Invalid(f"write_once:{name}")
        if spec.server_only and not create:
            raise Invalid(f"server_owned:{name}")
        out[name] = value
    if create:
        missing = [n for n, s in specs.items() if s.required and n not in out]
        if missing:
            raise Invalid(f"required:{sorted(missing)[0]}")
    return out


def check_record(ent: Entity, data: Mapping[str, Any]) -> None:
    """Whole-record rules on the state after the op (e.g. soum within its aimag)."""
    if ent.extra_check is not None:
        ent.extra_check(dict(data))


def redacted(entity_name: str, data: dict[str, Any], owner: str | None,
             reader: tuple[str, str] | None) -> dict[str, Any]:
    """``data`` as a reader ``(monitor_id, role)`` may receive it (None: the server itself)."""
    ent = entity(entity_name)
    if (reader is None or ent is None or ent.redact is None or reader[1] == "coordinator"
            or (owner is not None and owner == reader[0])):
        return data
    return ent.redact(dict(data))


def references(ent: Entity, fields: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, entity, id) of every non-null reference in ``fields``."""
    out = []
    for name, value in fields.items():
        spec = ent.all_fields.get(name)
        if spec is not None and spec.kind == "ref" and isinstance(value, str) and spec.target:
            out.append((name, spec.target, value))
    return out


# --- the entities of the laptop schema (storage/migrations.py) ---------------------------------
LON = F.real(min=-180, max=180)
LAT = F.real(min=-90, max=90)
BEARING = F.real(min=0, max=360)
NAME = F.text(required=True, max_len=500)
NOTES = nn(F.text(max_len=20_000))  # notes, comment, follow_up_note: NOT NULL DEFAULT ''
ROLES = F.enum(model.PersonRole, required=True)


def _site_rules(data: dict[str, Any]) -> None:
    aimag, soum = data.get("aimag_code"), data.get("soum_code")
    if isinstance(soum, str) and soum and soum_aimag().get(soum) != aimag:
        raise Invalid("soum_not_in_aimag:soum_code")
    if not str(data.get("name_mn") or "").strip():
        raise Invalid("required:name_mn")


# Laptop clocks can be wrong by hours (that is why requests carry the server's time): the
# server refuses only what no clock error explains. The laptop itself refuses more than 10
# minutes ahead of its own clock (pemdesk.plausibility).
FUTURE_TOLERANCE_S = 24 * 3600


def _when(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _visit_rules(data: dict[str, Any]) -> None:
    start, end = _when(data.get("started_at")), _when(data.get("ended_at"))
    limit = datetime.now(UTC) + timedelta(seconds=FUTURE_TOLERANCE_S)
    if start is not None and start > limit:
        raise Invalid("future_date:started_at")
    if end is not None and end > limit:
        raise Invalid("future_date:ended_at")
    if start is not None and end is not None and end < start:
        raise Invalid("end_before_start:ended_at")


def _observation_rules(data: dict[str, Any]) -> None:
    if not str(data.get("indicator") or "").strip():
        raise Invalid("required:indicator")


register(Entity("person", policy=Policy.SHARED, fields={
    "name": NAME, "role": ROLES, "organisation": nn(F.text(max_len=500)),
    "phone": nn(F.text(max_len=100)), "soum_code": F.code("soum"), "notes": NOTES,
}))
register(Entity("site", policy=Policy.SHARED, groups=(("boundary",), ("lon", "lat")),
                coordinator_delete=True, extra_check=_site_rules, fields={
    "name_mn": NAME, "name_en": nn(F.text(max_len=500)), "kind": F.enum(model.SiteKind, required=True),
    "aimag_code": F.code("aimag", required=True), "soum_code": F.code("soum", required=True),
    "licence_no": nn(F.text(max_len=200)), "holder": nn(F.text(max_len=500)),
    "mineral": nn(F.text(max_len=200)), "lon": LON, "lat": LAT,
    "boundary": F.geometry("Polygon", "MultiPolygon"), "notes": NOTES,
    "is_demo": nn(F.server(0)),  # demo data never leaves a laptop
}))
register(Entity("plot", policy=Policy.SHARED, groups=(("geometry", "area_ha"),), fields={
    "site_id": F.ref("site", required=True), "name": NAME,
    "stage": F.enum(model.PlotStage, required=True),
    "geometry": F.geometry("Polygon", "MultiPolygon"), "area_ha": F.real(min=0, max=1e7),
    "target_year": F.integer(min=1900, max=2300), "target_stage": F.enum(model.PlotStage),
    "disturbed_on": F.date(), "technical_on": F.date(), "biological_on": F.date(),
    "handed_over_on": F.date(), "notes": NOTES,
}))
register(Entity("photo_point", policy=Policy.SHARED, groups=(("lon", "lat"),), fields={
    "site_id": F.ref("site", required=True), "plot_id": F.ref("plot"), "name": NAME,
    "lon": F.real(required=True, min=-180, max=180), "lat": F.real(required=True, min=-90, max=90),
    "bearing": BEARING, "notes": NOTES,
}))
register(Entity("visit", policy=Policy.OWNER, groups=(("lon", "lat", "position_source"),),
                locked_by_visit="id", extra_check=_visit_rules, fields={
    "site_id": F.ref("site", required=True), "started_at": F.time(required=True),
    "ended_at": F.time(), "lon": LON, "lat": LAT,
    "position_source": F.enum(model.PositionSource), "weather": nn(F.text(max_len=2000)),
    "purpose": nn(F.text(max_len=5000)), "notes": NOTES,
    "status": F.enum(model.VisitStatus, required=True),
    "revision": F.integer(required=True, min=1, max=100_000, write_once=True),
    "supersedes": F.ref("visit", write_once=True),
    "created_by": F.ref("person", write_once=True),
    "finished_at": F.time(), "seal_digest": F.text(max_len=200),
    "seal_signature": F.text(max_len=400), "seal_key": F.text(max_len=200),
}))
register(Entity("visit_plot", parent=("visit_id", "visit"), locked_by_visit="visit_id", fields={
    "visit_id": F.ref("visit", required=True), "plot_id": F.ref("plot", required=True),
}))
register(Entity("participant", parent=("visit_id", "visit"), locked_by_visit="visit_id", fields={
    "visit_id": F.ref("visit", required=True), "person_id": F.ref("person", required=True),
    "role": ROLES,
}))
register(Entity("observation", parent=("visit_id", "visit"), locked_by_visit="visit_id",
                groups=(("value_num", "value_text", "unit"),), extra_check=_observation_rules,
                fields={
    "visit_id": F.ref("visit", required=True), "indicator": F.text(required=True, max_len=200),
    "value_num": F.real(), "value_text": F.text(max_len=20_000), "unit": nn(F.text(max_len=100)),
    "method": nn(F.text(max_len=2000)), "instrument": nn(F.text(max_len=500)),
    "observed_at": F.time(), "lon": LON, "lat": LAT, "comment": NOTES,
}))
register(Entity("finding", parent=("visit_id", "visit"), locked_by_visit="visit_id", fields={
    "visit_id": F.ref("visit", required=True), "category": F.text(required=True, max_len=200),
    "description": F.text(required=True, max_len=20_000),
    "severity": F.enum(model.Severity, required=True),
    "follow_up": F.enum(model.FollowUpStatus, required=True), "follow_up_due": F.date(),
    "follow_up_note": NOTES, "lon": LON, "lat": LAT,
}))
register(Entity("photo", parent=("visit_id", "visit"), locked_by_visit="visit_id", fields={
    "sha256": F.sha256(required=True, write_once=True), "visit_id": F.ref("visit"),
    "photo_point_id": F.ref("photo_point"), "taken_at": F.time(), "lon": LON, "lat": LAT,
    "altitude_m": F.real(min=-1000, max=10_000), "bearing": BEARING,
    "position_source": F.enum({*model.PositionSource, "track", "exif"}),
    "orientation": nn(F.integer(min=1, max=8)), "width": F.integer(min=0, max=1_000_000),
    "height": F.integer(min=0, max=1_000_000), "size_bytes": F.integer(min=0, max=2**40),
    "mime": nn(F.text(max_len=100)), "original_name": nn(F.text(max_len=1000)),
    "caption": nn(F.text(max_len=5000)),
}))
register(Entity("track", fields={
    "name": NAME, "geometry": F.geometry("LineString", "MultiLineString", "Point",
                                         required=True),
    "site_id": F.ref("site"), "visit_id": F.ref("visit"), "started_at": F.time(),
    "ended_at": F.time(), "source_file": nn(F.text(max_len=1000)),
}))
register(Entity("visit_seal", parent=("id", "visit"), create_only=True, fields={
    "format": F.text(required=True, max_len=100), "revision": F.integer(required=True, min=1),
    "digest": F.text(required=True, max_len=200), "signature": F.text(required=True, max_len=400),
    "public_key": F.text(required=True, max_len=200), "previous_digest": F.text(max_len=200),
    "document": F.text(required=True, max_len=8_000_000), "sealed_at": F.time(required=True),
}))
