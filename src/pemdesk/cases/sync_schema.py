"""The sync schema of findings' cases, grievances, EMP commitments and sign-offs.

Records of a visit (cases, assessments, sign-offs) belong to the visit's owner and are immutable
once it is finished, like the visit. Lifecycle steps are create-only: a step is never patched, so
two parties answering the same finding offline make two records, and both survive. A complainant
marked confidential reaches only coordinators and the laptop that registered it: the server
blanks the identity for everyone else (``redact``).
"""

from __future__ import annotations

from typing import Any

from pemdesk.cases.records import (
    AssessmentResult,
    Channel,
    GrievanceCategory,
    GrievanceStatus,
    Outcome,
    Party,
    SignKind,
    StepKind,
)
from pemdesk.sync.schema import Entity, F, Invalid, Policy, register

NOTES = F.text(max_len=20_000)
IDS = F.text(max_len=20_000)  # a JSON list of record ids
LON = F.real(min=-180, max=180)
LAT = F.real(min=-90, max=90)


def _step_rules(data: dict[str, Any]) -> None:
    if data.get("kind") == StepKind.REINSPECTION and not (data.get("visit_id")
                                                          and data.get("outcome")):
        raise Invalid("required:outcome")


def _signoff_rules(data: dict[str, Any]) -> None:
    kind = data.get("kind")
    if kind == SignKind.DISSENT and not str(data.get("reason") or "").strip():
        raise Invalid("required:reason")
    if kind == SignKind.TYPED and not str(data.get("typed_name") or "").strip():
        raise Invalid("required:typed_name")
    if kind == SignKind.SIGNED and str(data.get("strokes") or "[]") in ("[]", ""):
        raise Invalid("required:strokes")


def redact_complainant(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("confidential"):
        data["name"] = ""
        data["contact"] = ""
    return data


register(Entity("finding_case", parent=("visit_id", "visit"), locked_by_visit="visit_id",
                fields={
    "finding_id": F.ref("finding", required=True, write_once=True),
    "visit_id": F.ref("visit", required=True), "site_id": F.ref("site", required=True),
    "responsible_party": F.enum(Party, required=True),
    "responsible_name": F.text(max_len=500), "due_on": F.date(),
    "photo_ids": IDS, "observation_ids": IDS, "plot_id": F.ref("plot"),
    "grievance_id": F.ref("grievance"),
}))
register(Entity("finding_step", create_only=True, extra_check=_step_rules, fields={
    "finding_id": F.ref("finding", required=True, write_once=True),
    "kind": F.enum(StepKind, required=True), "on_date": F.date(required=True),
    "by_name": F.text(max_len=500), "by_party": F.enum(Party),
    "text": NOTES, "planned_action": NOTES, "planned_by": F.date(),
    "visit_id": F.ref("visit"), "outcome": F.enum(Outcome), "photo_ids": IDS,
}))
register(Entity("grievance", policy=Policy.SHARED, groups=(("lon", "lat"),), fields={
    "site_id": F.ref("site", required=True), "received_at": F.date(required=True),
    "channel": F.enum(Channel, required=True), "received_by": F.text(max_len=500),
    "ref_no": F.text(max_len=100),
    "category": F.enum(GrievanceCategory, required=True),
    "description": F.text(required=True, max_len=20_000), "lon": LON, "lat": LAT,
    "status": F.enum(GrievanceStatus, required=True), "closed_on": F.date(),
    "resolution": NOTES, "photo_ids": IDS, "visit_ids": IDS, "finding_ids": IDS,
}))
register(Entity("grievance_complainant", redact=redact_complainant, fields={
    "grievance_id": F.ref("grievance", required=True, write_once=True),
    "name": F.text(max_len=500), "contact": F.text(max_len=500),
    "confidential": F("bool"),
}))
register(Entity("emp_commitment", policy=Policy.SHARED, fields={
    "site_id": F.ref("site", required=True), "year": F.integer(required=True, min=1990, max=2100),
    "text": F.text(required=True, max_len=5000), "target": F.text(max_len=2000),
    "due_on": F.date(), "source": F.text(max_len=1000), "licence_no": F.text(max_len=200),
}))
register(Entity("commitment_assessment", parent=("visit_id", "visit"), locked_by_visit="visit_id",
                fields={
    "commitment_id": F.ref("emp_commitment", required=True),
    "visit_id": F.ref("visit", required=True),
    "result": F.enum(AssessmentResult, required=True), "note": NOTES, "photo_ids": IDS,
}))
register(Entity("signoff", parent=("visit_id", "visit"), locked_by_visit="visit_id",
                extra_check=_signoff_rules, fields={
    "visit_id": F.ref("visit", required=True), "person_id": F.ref("person"),
    "name": F.text(required=True, max_len=500), "role": F.text(max_len=200),
    "party": F.enum(Party), "kind": F.enum(SignKind, required=True),
    "strokes": F.text(max_len=400_000), "typed_name": F.text(max_len=500),
    "reason": NOTES, "finding_id": F.ref("finding"), "signed_at": F.time(),
}))
