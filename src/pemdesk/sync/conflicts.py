"""Conflicts on shared records, for the coordinators' conflicts view (Qt-free).

The server keeps both values of a clash and sends them with the record (``sync_conflict``
locally). Version A is what every device shows now (the provisional winner, or a local edit on
top of it); version B is the other value the server kept. Each conflict is one merge unit — a
field, or fields that only make sense together (a plot's outline and its area) — so a choice is
made per unit, and a record with several units can be merged unit by unit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pemdesk.storage import sync_client
from pemdesk.storage.conflicts import record_row

if TYPE_CHECKING:
    from pemdesk.storage.store import Store

GEOMETRY_FIELDS = frozenset({"geometry", "boundary"})
# Display names of the entities (the rest show their table name).
_ENTITY_NAMES = {
    "site": ("Объект", "Site"),
    "plot": ("Талбай", "Plot"),
    "person": ("Хүн", "Person"),
    "photo_point": ("Зургийн цэг", "Photo point"),
    "visit": ("Үзлэг", "Visit"),
    "observation": ("Хэмжилт", "Observation"),
    "finding": ("Илрүүлэлт", "Finding"),
    "track": ("Зам", "Track"),
}
_TITLE_FIELDS = ("name_mn", "name", "description", "indicator", "started_at")


def entity_label(entity: str, lang: str = "mn") -> str:
    names = _ENTITY_NAMES.get(entity)
    return (names[0] if lang == "mn" else names[1]) if names else entity


def _decode(name: str, value: Any) -> Any:
    """Geometry travels as GeoJSON text; show it as a shape."""
    if name in GEOMETRY_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class ConflictUnit:
    conflict_id: str
    fields: list[str]
    a: dict[str, Any]  # shown now
    b: dict[str, Any]  # the other kept value
    raw_a: dict[str, Any] = field(default_factory=dict, repr=False)  # as stored (geometry text)
    raw_b: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Conflict:
    """All open conflicts of one record."""

    entity: str
    record_id: str
    title: str
    units: list[ConflictUnit]
    other_source: str = ""

    @property
    def conflict_id(self) -> str:
        return f"{self.entity}:{self.record_id}"

    @property
    def fields(self) -> list[str]:
        return [f for u in self.units for f in u.fields]

    @property
    def current(self) -> dict[str, Any]:
        return {k: v for u in self.units for k, v in u.a.items()}

    @property
    def other(self) -> dict[str, Any]:
        return {k: v for u in self.units for k, v in u.b.items()}


def list_conflicts(store: Store) -> list[Conflict]:
    """Open conflicts grouped by record (runs on the database thread)."""
    grouped: dict[tuple[str, str], Conflict] = {}
    for c in sync_client.open_conflicts(store):
        key = (c["entity"], c["entity_id"])
        row = record_row(store, *key)
        if key not in grouped:
            title = next((str(row[f]) for f in _TITLE_FIELDS if row and row.get(f)), key[1])
            grouped[key] = Conflict(key[0], key[1], title, [])
        server_value = c.get("server_value") or {}
        incoming_value = c.get("incoming_value") or {}
        shown, kept = (
            (incoming_value, server_value)
            if c.get("provisional") == "incoming"
            else (server_value, incoming_value)
        )
        fields = [str(f) for f in c.get("fields") or []]
        # A: the local row as it is now (the provisional value, or a local edit on top of it).
        raw_a = {f: (row[f] if row and f in row else shown.get(f)) for f in fields}
        raw_b = {f: kept.get(f) for f in fields}
        grouped[key].units.append(
            ConflictUnit(
                str(c["conflict_id"]),
                fields,
                {f: _decode(f, v) for f, v in raw_a.items()},
                {f: _decode(f, v) for f, v in raw_b.items()},
                raw_a,
                raw_b,
            )
        )
        other = c.get("server_device") if c.get("provisional") == "incoming" else None
        other = other or (c.get("incoming_device") if c.get("provisional") != "incoming" else None)
        if other and not grouped[key].other_source:
            grouped[key].other_source = str(other)
    return list(grouped.values())


def resolve_conflict(store: Store, conflict: Conflict, chosen: dict[str, str]) -> int:
    """Resolve every unit of ``conflict``; ``chosen`` maps a unit's conflict_id to "a" or "b"
    (units not named keep "a", the version shown now). Each becomes a ``resolve`` op."""
    for unit in conflict.units:
        values = dict(unit.raw_b if chosen.get(unit.conflict_id) == "b" else unit.raw_a)
        sync_client.resolve_conflict(
            store, conflict.entity, conflict.record_id, unit.conflict_id, values
        )
    return len(conflict.units)
