"""Mapping between domain dataclasses and table rows."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any, TypeVar, get_type_hints

from pemdesk import model

T = TypeVar("T")

TABLE_OF: dict[type, str] = {
    model.Person: "person",
    model.Site: "site",
    model.Plot: "plot",
    model.Visit: "visit",
    model.Participant: "participant",
    model.Observation: "observation",
    model.Finding: "finding",
    model.PhotoPoint: "photo_point",
    model.Photo: "photo",
    model.Track: "track",
}

# Fields that are GeoJSON dicts stored as JSON text.
GEOMETRY_FIELDS = frozenset({"boundary", "geometry"})
# Fields that live in a link table, not in the row.
LINK_FIELDS = frozenset({"plot_ids"})


def table_of(record_type: type) -> str:
    return TABLE_OF[record_type]


def to_row(record: Any) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        if f.name in LINK_FIELDS:
            continue
        value = getattr(record, f.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, bool):
            value = int(value)
        elif f.name in GEOMETRY_FIELDS and value is not None:
            value = json.dumps(value, separators=(",", ":"))
        row[f.name] = value
    return row


def _hints(record_type: type) -> dict[str, Any]:
    return get_type_hints(record_type)


def from_row(record_type: type[T], row: dict[str, Any]) -> T:
    hints = _hints(record_type)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(record_type):  # type: ignore[arg-type]
        if f.name not in row:
            continue
        value = row[f.name]
        if value is not None:
            if f.name in GEOMETRY_FIELDS:
                value = json.loads(value)
            else:
                value = _coerce(hints[f.name], value)
        kwargs[f.name] = value
    return record_type(**kwargs)


def _coerce(hint: Any, value: Any) -> Any:
    args = getattr(hint, "__args__", None)
    candidates = [a for a in args if a is not type(None)] if args else [hint]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate(value)
        if candidate is bool:
            return bool(value)
    return value
