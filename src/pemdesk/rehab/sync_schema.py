"""The sync schema of the rehabilitation records (registered with ``pemdesk.sync.schema``).

Targets are reference data only coordinators write, received by every laptop; stage changes,
acceptance acts and cover measurements are shared records of a plot or photo, merged by field.
"""

from __future__ import annotations

from typing import Any

from pemdesk import model
from pemdesk.rehab.records import AcceptanceKind, Decision, TargetBasis, TargetLevel
from pemdesk.sync.schema import Entity, F, Invalid, Policy, register

NOTES = F.text(max_len=20_000)


def _target_rules(data: dict[str, Any]) -> None:
    level = data.get("level")
    if level == TargetLevel.AIMAG and not data.get("aimag_code"):
        raise Invalid("required:aimag_code")
    if level == TargetLevel.SOUM and not data.get("soum_code"):
        raise Invalid("required:soum_code")


register(Entity("rehab_target", policy=Policy.SHARED, coordinator_only=True,
                extra_check=_target_rules, fields={
    "level": F.enum(TargetLevel, required=True),
    "aimag_code": F.code("aimag"), "soum_code": F.code("soum"),
    "year": F.integer(required=True, min=1990, max=2100),
    "stage": F.enum(model.PlotStage, required=True),
    "area_ha": F.real(required=True, min=0, max=1e7),
    "basis": F.enum(TargetBasis, required=True),
    "name": F.text(max_len=500), "source": F.text(max_len=2000), "notes": NOTES,
}))
register(Entity("plot_stage_change", policy=Policy.SHARED, fields={
    "plot_id": F.ref("plot", required=True, write_once=True),
    "from_stage": F.enum(model.PlotStage),
    "to_stage": F.enum(model.PlotStage, required=True),
    "changed_on": F.date(required=True),
    "visit_id": F.ref("visit"), "person_id": F.ref("person"),
    "recorded_by": F.text(max_len=500),
    "photo_ids": F.text(max_len=20_000),  # a JSON list of photo ids
    "note": NOTES,
}))
register(Entity("plot_acceptance", policy=Policy.SHARED,
                groups=(("members",), ("criteria", "criteria_source")), fields={
    "plot_id": F.ref("plot", required=True, write_once=True),
    "kind": F.enum(AcceptanceKind, required=True),
    "accepted_on": F.date(required=True),
    "decision": F.enum(Decision, required=True),
    "act_no": F.text(max_len=200),
    "members": F.text(max_len=50_000),  # a JSON list of {name, role, organisation}
    "criteria": F.json_object(),
    "criteria_source": F.text(max_len=2000),
    "visit_id": F.ref("visit"), "notes": NOTES,
}))
register(Entity("photo_cover", policy=Policy.SHARED,
                groups=(("cover_pct", "params", "mask_sha256", "sample_width", "sample_height",
                         "method"), ("manual_pct", "manual_note", "manual_by")), fields={
    "photo_id": F.ref("photo", required=True, write_once=True),
    "method": F.text(required=True, max_len=100),
    "params": F.json_object(),
    "cover_pct": F.real(required=True, min=0, max=100),
    "mask_sha256": F.sha256(),
    "sample_width": F.integer(min=0, max=1_000_000),
    "sample_height": F.integer(min=0, max=1_000_000),
    "manual_pct": F.real(min=0, max=100),
    "manual_note": NOTES, "manual_by": F.text(max_len=500),
}))
