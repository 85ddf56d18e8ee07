"""Mapping between domain dataclasses and table rows."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
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
    model.Waypoint: "waypoint",
}


def _add_case_and_rehab_tables() -> None:
    """The records of the cases and rehabilitation areas, added on first need: the start-up
    read of sites and plots does not import (and build the dataclasses of) both areas."""
    from pemdesk.cases import records as cases
    from pemdesk.rehab import records as rehab

    TABLE_OF.update(
        {
            rehab.RehabTarget: "rehab_target",
            rehab.StageChange: "plot_stage_change",
            rehab.Acceptance: "plot_acceptance",
            rehab.PhotoCover: "photo_cover",
            cases.FindingCase: "finding_case",
            cases.FindingStep: "finding_step",
            cases.Grievance: "grievance",
            cases.Complainant: "grievance_complainant",
            cases.Commitment: "emp_commitment",
            cases.Assessment: "commitment_assessment",
            cases.SignOff: "signoff",
        }
    )


# Fields that are GeoJSON dicts stored as JSON text.
GEOMETRY_FIELDS = frozenset({"boundary", "geometry"})
# Lists and objects stored as JSON text (rehabilitation records).
JSON_FIELDS = frozenset({"photo_ids", "members", "criteria", "params",
                         "observation_ids", "visit_ids", "finding_ids", "strokes"})
# Fields that live in a link table, not in the row.
LINK_FIELDS = frozenset({"plot_ids"})


def table_of(record_type: type) -> str:
    table = TABLE_OF.get(record_type)
    if table is None:
        _add_case_and_rehab_tables()
        table = TABLE_OF[record_type]  # KeyError: not a record type
    return table


_COLUMN_FIELDS: dict[type, tuple[str, ...]] = {}


def column_fields(record_type: type) -> tuple[str, ...]:
    """The record's fields that are columns of its table, in declaration order."""
    names = _COLUMN_FIELDS.get(record_type)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(record_type) if f.name not in LINK_FIELDS)
        _COLUMN_FIELDS[record_type] = names
    return names


def to_row(record: Any) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in column_fields(type(record)):
        value = getattr(record, name)
        if value is None or type(value) in (str, int, float):
            pass
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, bool):
            value = int(value)
        elif name in GEOMETRY_FIELDS:
            value = json.dumps(value, separators=(",", ":"))
        elif name in JSON_FIELDS:
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        row[name] = value
    return row


Converters = tuple[tuple[str, Callable[[Any], Any] | None], ...]
_CONVERTERS: dict[type, Converters] = {}


def _converters(record_type: type) -> Converters:
    """Per field: how to turn a column value into the field's type (None: as it is).

    Worked out once per type: resolving type hints per row made listing pages slow.
    """
    cached = _CONVERTERS.get(record_type)
    if cached is not None:
        return cached
    hints = get_type_hints(record_type)
    result = []
    for f in dataclasses.fields(record_type):
        converter: Callable[[Any], Any] | None = None
        if f.name in GEOMETRY_FIELDS or f.name in JSON_FIELDS:
            converter = json.loads
        else:
            args = getattr(hints[f.name], "__args__", None)
            for candidate in [a for a in args if a is not type(None)] if args else [hints[f.name]]:
                if isinstance(candidate, type) and issubclass(candidate, Enum):
                    converter = candidate
                    break
                if candidate is bool:
                    converter = bool
                    break
        result.append((f.name, converter))
    _CONVERTERS[record_type] = tuple(result)
    return _CONVERTERS[record_type]


def from_row(record_type: type[T], row: dict[str, Any]) -> T:
    kwargs: dict[str, Any] = {}
    for name, converter in _converters(record_type):
        if name not in row:
            continue
        value = row[name]
        if value is not None and converter is not None:
            value = converter(value)
        kwargs[name] = value
    return record_type(**kwargs)
